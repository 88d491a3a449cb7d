"""The program a sandbox child runs: lock itself down, load the candidate, answer the parent's requests.

Started as ``python -I -S child.py RESULT_FD``, with ``kernel_guards.py`` beside it (both stdlib only).
Stdin carries length-prefixed marshal frames
from the (trusted) parent: first the job (code, limits, paths, token), then requests: ``{"call": [A,
B]}`` calls the job's entry point, ``{"snippet": src}`` runs test code in the candidate's namespace.
Answers go to RESULT_FD as JSON lines, never to stdout (which the candidate may print anything to);
an all-float matrix travels as raw doubles, which is fast to send and safe to read. Only plain data
is sent: the parent re-checks every value, so nothing here needs to be trusted.
"""

import array
import base64
import builtins
import json
import marshal
import os
import resource
import struct
import sys


def main() -> None:
    out = os.fdopen(int(sys.argv[1]), "w", buffering=1)
    requests = sys.stdin.buffer

    def receive() -> dict | None:
        header = requests.read(4)
        return marshal.loads(requests.read(struct.unpack("<I", header)[0])) if len(header) == 4 else None

    job = receive()
    token = job["token"]

    def send(message: dict) -> None:
        out.write(json.dumps({"token": token, **message}) + "\n")

    send({"protections": _lock_down(job)})
    namespace = {"__name__": "__candidate__", "__builtins__": builtins}
    baseline = set(sys.modules)
    try:
        exec(compile(job["code"], "<candidate>", "exec"), namespace)
        function = namespace.get(job["entry_point"]) if job["entry_point"] else None
        if job["entry_point"] and not callable(function):
            raise NameError(f"no function named {job['entry_point']}")
    except BaseException as error:
        send({"ok": False, "error": _describe(error)})
        return
    send({"ok": True})
    while (request := receive()) is not None:
        try:
            if "snippet" in request:
                exec(compile(request["snippet"], "<test>", "exec"), namespace)
                answer = {"ok": True}
            else:
                answer = _call(function, *request["call"])
        except BaseException as error:
            answer = {"ok": False, "raised": True, "error": _describe(error)}
        answer["foreign_modules"] = sorted(
            name for name in set(sys.modules) - baseline if name.split(".")[0] not in sys.stdlib_module_names
        )
        send(answer)


def _lock_down(job: dict) -> list[str]:
    """Apply resource limits, then Landlock and seccomp when the parent asked for them."""
    limits = job["limits"]
    for name, value in limits.items():
        resource.setrlimit(getattr(resource, name), (value, value))
    active = ["rlimits"]
    sys.path[:0] = job["extra_sys_path"]
    if job["landlock"] or job["seccomp"]:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import kernel_guards  # imported late: its folder is not on an isolated interpreter's path

        sys.path.pop(0)
        if job["landlock"] and kernel_guards.apply_landlock(job["read_paths"], [os.getcwd()]):
            active.append("landlock")
        if job["seccomp"] and kernel_guards.apply_seccomp():
            active.append("seccomp")
        del sys.modules["kernel_guards"]
    return active


def _call(function, a: list, b: list) -> dict:
    a_copy, b_copy = [list(row) for row in a], [list(row) for row in b]
    result = function(a, b)
    if not _plain_matrix(result):
        return {"ok": False, "error": "result is not a plain list of lists of int/float"}
    if a != a_copy or b != b_copy:
        return {"ok": False, "error": "the inputs were modified"}
    if all(type(x) is float for row in result for x in row):
        flat = array.array("d", [x for row in result for x in row]).tobytes()
        return {
            "ok": True,
            "shape": [len(result), len(result[0]) if result else 0],
            "f64": base64.b64encode(flat).decode(),
        }
    return {"ok": True, "result": result}


def _plain_matrix(value) -> bool:
    return type(value) is list and all(
        type(row) is list and all(type(x) is int or type(x) is float for x in row) for row in value
    )


def _describe(error: BaseException) -> str:
    try:
        return f"{type(error).__name__}: {error}"[:300]
    except BaseException:
        return type(error).__name__


if __name__ == "__main__":
    main()
