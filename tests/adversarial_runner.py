"""Score every case of tests/adversarial/ the way the trainer would, and record what happened around it.

Used in-process by tests/test_adversarial.py and, for the non-root setting, run as an ordinary user:

    python tests/adversarial_runner.py SETTINGS_JSON OUT_JSON

Each case is scored in a batch beside an honest neighbour (its own code, so nothing is cached), with the
four matmul rewards. Recorded: each case's total and wall time, the neighbour's total, the trainer
process's own limits, priority, scheduling and affinity before and after, and an honest completion's
total scored after the whole corpus, in the same process.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import reward_functions as rf  # noqa: E402
from gpt_oss_grpo import sandbox  # noqa: E402
from gpt_oss_grpo.scoring import matmul  # noqa: E402
from gpt_oss_grpo.scoring.harmony import completion_text, extract_python_code  # noqa: E402

CORPUS = sorted((Path(__file__).parent / "adversarial").glob("*.md"))
REWARDS = (rf.function_works, rf.no_cheating, rf.correctness_check, rf.speed_check)
HONEST = "def matmul(A, B):\n    cols = list(zip(*B))\n    return [[sum(a * b for a, b in zip(r, c)) for c in cols] for r in A]\n"


def trainer_state() -> dict:
    """What a hostile child must not be able to change about the process that scores it."""
    limits = {
        name: resource.getrlimit(getattr(resource, name))
        for name in dir(resource)
        if name.startswith("RLIMIT_")
    }
    return {
        "limits": {name: list(value) for name, value in limits.items()},
        "priority": os.getpriority(os.PRIO_PROCESS, 0),
        "scheduler": os.sched_getscheduler(0),
        "affinity": sorted(os.sched_getaffinity(0)),
    }


def _message(text: str) -> list[dict]:
    return [{"role": "assistant", "content": text}]


def _total(completion: list[dict]) -> float:
    return sum(reward([completion])[0] for reward in REWARDS)


def score_corpus() -> dict:
    before = trainer_state()
    cases = {}
    for index, path in enumerate(CORPUS):
        hostile = _message(path.read_text())
        neighbour = _message(f"```python\n# neighbour {index}\n{HONEST}```")
        start = time.monotonic()
        codes = [extract_python_code(completion_text(c)) for c in (hostile, neighbour)]
        reports = matmul.evaluate_many(codes)  # both at once, as in a training batch
        elapsed = time.monotonic() - start
        cases[path.stem] = {
            "total": _total(hostile),
            "elapsed": elapsed,
            "neighbour": _total(neighbour),
            "notes": [report.note for report in reports],
        }
    after = trainer_state()
    honest_after = _total(_message(f"```python\n# scored last\n{HONEST}```"))
    matmul.clear_caches()
    matmul.close_reference_children()
    return {"cases": cases, "before": before, "after": after, "honest_after": honest_after}


def main(argv: list[str]) -> None:
    sandbox.configure(sandbox.SandboxSettings.model_validate_json(Path(argv[0]).read_text()))
    sandbox.protections()
    Path(argv[1]).write_text(json.dumps({**score_corpus(), "protections": vars(sandbox.protections())}))


if __name__ == "__main__":
    main(sys.argv[1:])
