"""The scoring worker's child: import one scoring library, lock down, answer JSON-line requests.

Started by worker.py as ``python -I -u worker_child.py KIND`` (stdlib plus the library; never the bundle).
The first stdin line is the lock-down job (rlimits, Landlock and seccomp switches, paths); every later line
is one request, answered on stdout with ``{"ok": true, "value": ...}`` or ``{"ok": false, "error": ...}``.
The library is imported before Landlock and seccomp close the door, so its start-up may read and write as
usual; the scorers that then run on untrusted answers can read only the interpreter, its libraries and
site-packages, write nothing, and start no process, thread or connection. Anything they print is discarded.
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
        if job["landlock"] and kernel_guards.apply_landlock([], job["read_dirs"], [], []):
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

    handle(
        {"gold": "$\\{1,2\\}$", "answer": "$\\frac{1}{2}$"}
    )  # warm-up: the parsers load lazily, on first use
    return handle


def _reasoning_gym():
    """Generates entries and scores answers for reasoning-gym, both here, under one fixed hash seed.

    ``{"generate": {"dataset", "config", "start", "stop"}}`` -> the entries' questions and answers (or the
    one-line ``problem`` with the generator's name or options); ``{"dataset", "config", "index", "answer"}``
    -> the generator's own ``score_answer``. Scoring regenerates the entry from generator, config and index,
    so the scorer sees exactly the entry, and the config, that the question came from; a few generators
    depend on the hash seed (word_ladder, ransom_note, ...), which is why generation happens here too.
    """
    import dataclasses
    import difflib
    import functools
    import warnings

    warnings.filterwarnings("ignore")
    import reasoning_gym
    from reasoning_gym.factory import DATASETS

    @functools.cache
    def generator(name: str, config: str):
        return reasoning_gym.create_dataset(name, **json.loads(config))

    @functools.lru_cache(maxsize=4096)
    def entry(name: str, config: str, index: int) -> dict:
        return generator(name, config)[index]

    def generate(dataset: str, config: str, start: int, stop: int) -> dict:
        name = dataset
        if name not in DATASETS:
            close = difflib.get_close_matches(name, DATASETS, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            return {
                "problem": f"name: unknown generator {name!r}; {hint}available: {', '.join(sorted(DATASETS))}"
            }
        allowed = [f.name for f in dataclasses.fields(DATASETS[name][1]) if f.name not in ("seed", "size")]
        if unknown := sorted(set(json.loads(config)) - {"seed", "size", *allowed}):
            return {
                "problem": f"config: unknown option {unknown[0]!r} for {name}; allowed: {', '.join(allowed)}"
            }
        try:
            generator(name, config)
        except (AssertionError, ValueError, TypeError) as error:
            return {"problem": f"config: invalid for {name}: {error or type(error).__name__}"}
        found = [entry(name, config, index) for index in range(start, stop)]
        return {"entries": [{"question": e["question"], "answer": str(e["answer"])} for e in found]}

    def handle(request: dict) -> float | dict:
        if "generate" in request:
            return generate(**request["generate"])
        found = entry(request["dataset"], request["config"], request["index"])
        return float(generator(request["dataset"], request["config"]).score_answer(request["answer"], found))

    return handle


HANDLERS = {"math": _math, "reasoning_gym": _reasoning_gym}


def _describe(error: BaseException) -> str:
    """One line about a failure (a hostile exception whose str() raises ends this child; the parent starts
    another)."""
    return f"{type(error).__name__}: {error}"[:300]


if __name__ == "__main__":
    main()
