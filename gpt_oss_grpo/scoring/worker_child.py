"""The scoring worker's child: import one scoring library, lock down, answer JSON-line requests.

Started by worker.py as ``python -I -u worker_child.py KIND`` (stdlib plus the library; never the bundle).
The first stdin line is the lock-down job (rlimits, Landlock and seccomp switches, paths); every later line
is one request, answered on stdout with ``{"ok": true, "value": ...}`` or ``{"ok": false, "error": ...}``.
The library is imported before Landlock and seccomp close the door, so its start-up may read and write as
usual; the scorers that then run on untrusted answers can read only the interpreter and site-packages, write
only the temp dir, and start no process, thread or connection. Anything they print is discarded.
"""

import json
import os
import resource
import sys


def main() -> None:
    reply = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # whatever a scorer prints must not reach the channel

    def send(message: dict) -> None:
        reply.write(json.dumps(message) + "\n")

    job = json.loads(sys.stdin.readline())
    try:
        for name, value in job["limits"].items():
            resource.setrlimit(getattr(resource, name), (value, value))
        handle = HANDLERS[sys.argv[1]]()
        active = _lock_down(job)
    except BaseException as error:
        send({"ok": False, "error": _describe(error)})
        return
    send({"ok": True, "value": active})
    for line in sys.stdin:
        try:
            send({"ok": True, "value": handle(json.loads(line))})
        except BaseException as error:
            send({"ok": False, "error": _describe(error)})


def _lock_down(job: dict) -> list[str]:
    active = ["rlimits"]
    if job["landlock"] or job["seccomp"]:
        sys.path.insert(0, job["guards"])
        import kernel_guards  # the sandbox's (stdlib only), imported by path

        sys.path.pop(0)
        if job["landlock"] and kernel_guards.apply_landlock(job["read_paths"], job["write_paths"]):
            active.append("landlock")
        if job["seccomp"] and kernel_guards.apply_seccomp():
            active.append("seccomp")
    return active


def _math():
    """``{"gold", "answer"}`` -> whether math-verify finds them equivalent (its own alarms bound each step)."""
    import logging

    logging.disable(logging.CRITICAL)  # math-verify logs every timeout with the whole input
    from math_verify import ExprExtractionConfig, LatexExtractionConfig, parse, verify

    targets = [LatexExtractionConfig(), ExprExtractionConfig()]

    def handle(request: dict) -> bool:
        gold = parse(request["gold"], extraction_config=targets, parsing_timeout=1)
        answer = parse(request["answer"], extraction_config=targets, parsing_timeout=1)
        return bool(gold and answer and verify(gold, answer, timeout_seconds=1))

    return handle


def _reasoning_gym():
    """``{"dataset", "config", "index", "answer"}`` -> the generator's own ``score_answer`` for that entry.

    The entry is regenerated from its generator, config and index (generators are deterministic), so the
    scorer sees exactly the entry, and the config, that the question came from.
    """
    import warnings

    warnings.filterwarnings("ignore")
    import reasoning_gym

    generators: dict[tuple[str, str], object] = {}

    def handle(request: dict) -> float:
        key = (request["dataset"], request["config"])
        if key not in generators:
            generators[key] = reasoning_gym.create_dataset(key[0], **json.loads(key[1]))
        generator = generators[key]
        return float(generator.score_answer(answer=request["answer"], entry=generator[request["index"]]))

    return handle


HANDLERS = {"math": _math, "reasoning_gym": _reasoning_gym}


def _describe(error: BaseException) -> str:
    try:
        return f"{type(error).__name__}: {error}"[:300]
    except BaseException:
        return type(error).__name__


if __name__ == "__main__":
    main()
