"""The program a sandbox child runs: load the candidate, answer the parent's requests. Standard library only.

Started by the launcher (``kernel_guards.py``) as ``python -I -S child.py RESULT_FD`` once the process is locked
down. Stdin carries length-prefixed marshal frames from the (trusted) parent: first the job (code, entry point,
token), then requests: ``{"call": [A, B]}`` calls the entry point (or ``"function"``, for the trusted reference
children), ``{"snippet": src}`` runs test code in the candidate's namespace. Answers go to RESULT_FD as JSON
lines, never to stdout (which the candidate may print anything to); an all-float matrix travels as raw
doubles. Nothing here is trusted: the candidate shares this process and can read or replace anything in it,
so the parent re-checks every value it gets, and measures time and protections from the outside.
"""

import array
import base64
import builtins
import json
import marshal
import os
import struct
import sys

_exec, _compile, _dumps = exec, compile, json.dumps  # bound before the candidate can replace the builtins


def main() -> None:
    out = os.fdopen(int(sys.argv[1]), "w", buffering=1)
    requests = sys.stdin.buffer

    def receive() -> dict | None:
        header = requests.read(4)
        return marshal.loads(requests.read(struct.unpack("<I", header)[0])) if len(header) == 4 else None

    job = receive()
    token = job["token"]

    def send(message: dict) -> None:
        out.write(_dumps({"token": token, **message}) + "\n")

    applied = os.environ.pop("SANDBOX_GUARDS", "")
    send({"protections": applied.split(",") if applied else []})
    namespace = {"__name__": "__candidate__", "__builtins__": builtins}
    try:
        _exec(_compile(job["code"], "<candidate>", "exec"), namespace)
        entry = job["entry_point"]
        if entry and not callable(namespace.get(entry)):
            raise NameError(f"no function named {entry}")
    except BaseException as error:
        send({"ok": False, "error": _describe(error)})
        return
    send({"ok": True})
    number = 0
    while (request := receive()) is not None:
        number += 1
        try:
            if "snippet" in request:
                _exec(_compile(request["snippet"], "<test>", "exec"), namespace)
                answer = {"ok": True}
            else:
                answer = _call(namespace[request.get("function") or entry], *request["call"])
        except BaseException as error:
            answer = {"ok": False, "raised": True, "error": _describe(error)}
        send({**answer, "n": number})


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
