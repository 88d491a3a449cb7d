"""Score ``type: code`` completions: run the problem's test snippets after the candidate's code, sandboxed."""

from concurrent.futures import ThreadPoolExecutor

from gpt_oss_grpo import sandbox


def fraction_passed(code: str | None, tests: list[str], entry_point: str | None = None) -> float:
    """Share of ``tests`` that run without an exception in the namespace the candidate's code built.

    Snippets run one after another in one child; if a snippet hangs or kills the child, it counts as
    failed and a fresh child takes the remaining ones, so one bad test cannot sink the others.
    """
    if not code or not tests:
        return 0.0
    passed, position = 0, 0
    while position < len(tests):
        with sandbox.start(code, entry_point or None) as child:
            if not (child.loaded.message or {}).get("ok"):
                break
            while position < len(tests):
                reply = child.request({"snippet": tests[position]})
                position += 1
                passed += bool(reply.message and reply.message.get("ok"))
                if reply.message is None:
                    break
    return passed / len(tests)


def fraction_passed_many(
    codes: list[str | None], tests: list[list[str]], entry_points: list[str | None]
) -> list[float]:
    """``fraction_passed`` for a batch, completions evaluated concurrently."""
    sandbox.protections()  # probe (and log) once, before any worker thread starts a child
    with ThreadPoolExecutor(max_workers=sandbox.settings().workers) as pool:
        return list(pool.map(fraction_passed, codes, tests, entry_points))
