"""Score ``type: code`` completions: run the problem's test snippets after the candidate's code, sandboxed.

The verdict of a snippet ("it raised nothing") comes from the child, which the candidate controls: code that
takes over its own interpreter could claim its tests passed. The kernel layers stop it from reaching anything
else; the matmul task, whose answers the parent checks itself, has no such gap.
"""

import time
from concurrent.futures import ThreadPoolExecutor

from gpt_oss_grpo import sandbox


def fraction_passed(code: str | None, tests: list[str], entry_point: str | None = None) -> float:
    """Share of ``tests`` that run without an exception in the namespace the candidate's code built.

    Snippets run one after another in one child; if a snippet hangs or kills the child, it counts as failed
    and a fresh child takes the remaining ones, so one bad test cannot sink the others. All of it within one
    ``sandbox.timeout_s`` per completion. Never raises: a harness problem counts as failed tests.
    """
    if not code or not tests:
        return 0.0
    passed, position = 0, 0
    give_up = time.monotonic() + sandbox.settings().timeout_s
    try:
        while position < len(tests) and time.monotonic() < give_up:
            with sandbox.start(code, entry_point or None, deadline=give_up) as child:
                if not (child.loaded.message or {}).get("ok"):
                    break
                while position < len(tests):
                    reply = child.request({"snippet": tests[position]})
                    position += 1
                    passed += bool(reply.message and reply.message.get("ok") is True)
                    if reply.message is None:
                        break
    except Exception:
        pass
    return passed / len(tests)


def fraction_passed_many(
    codes: list[str | None], tests: list[list[str]], entry_points: list[str | None]
) -> list[float]:
    """``fraction_passed`` for a batch, completions evaluated concurrently."""
    sandbox.protections()  # probe (and log) once, before any worker thread starts a child
    with ThreadPoolExecutor(max_workers=sandbox.settings().workers) as pool:
        return list(pool.map(fraction_passed, codes, tests, entry_points))
