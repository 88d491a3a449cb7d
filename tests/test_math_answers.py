"""answer_match through math-verify, in its time-bounded, locked-down child (real child processes)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

import reward_functions as rf
from gpt_oss_grpo import sandbox
from gpt_oss_grpo.scoring import answers
from gpt_oss_grpo.scoring.worker import Worker, worker

TOWER = (
    "\\boxed{10^{10^{10}}}"  # parses instantly; comparing it with 1 makes sympy expand a 10^10-digit number
)


@pytest.mark.parametrize(
    ("completion", "gold", "expected"),
    [
        ("analysisx = 1/2assistantfinal\\boxed{\\frac{1}{2}}", "0.5", 1.0),
        ("The answer is \\boxed{0.5}", "\\frac{1}{2}", 1.0),
        ("Answer: $\\{2,1\\}$", "\\{1,2\\}", 1.0),
        ("\\boxed{x^2+2x+1}", "(x+1)^2", 1.0),
        ("\\boxed{\\frac{\\sqrt{2}}{2}}", "\\frac{1}{\\sqrt{2}}", 1.0),
        ("\\boxed{[1,2)}", "[1, 2)", 1.0),
        ("\\boxed{(1,2]}", "[1,2)", 0.0),
        ("\\boxed{\\frac{1}{3}}", "0.5", 0.0),
        ("Answer: NO", "ON", 0.0),  # letters are not symbols to multiply: no math-verify for plain words
        ("\\boxed{3.14159}", "3.1416", 1.0),  # plain numbers keep the relative 1e-4 tolerance
    ],
)
def test_math_answers_are_compared_by_math_verify(completion, gold, expected):
    assert rf.answer_match([completion], answer=[gold]) == [expected]


def test_a_pathological_answer_returns_within_its_bound_from_a_worker_thread():
    """math-verify's own timeout is signal.alarm, which a worker thread cannot use: the child bounds it."""
    huge = "\\boxed{" + "+".join(["x"] * 50_000) + "}"  # 100k characters
    with ThreadPoolExecutor(1) as pool:
        start = time.monotonic()
        scores = pool.submit(
            rf.answer_match, [TOWER, huge, "\\boxed{\\frac{2}{4}}"], answer=["1", "1", "0.5"]
        )
        assert scores.result(timeout=30) == [0.0, 0.0, 1.0]
        assert time.monotonic() - start < sandbox.settings().call_timeout_s + 2


@pytest.fixture
def impatient():
    """A call budget shorter than math-verify's own one-second alarm, so the parent has to kill the child."""
    sandbox.configure(sandbox.SandboxSettings(call_timeout_s=0.3))
    yield
    sandbox.configure(sandbox.SandboxSettings())


def test_a_child_past_its_budget_is_killed_and_the_next_answer_gets_a_fresh_one(impatient):
    assert answers.math_equivalent("\\frac{2}{4}", "0.5")  # warm: the child is up
    pid = worker("math")._process.pid
    start = time.monotonic()
    assert not answers.math_equivalent(TOWER, "1")
    assert time.monotonic() - start < 0.3 + 1.0
    assert worker("math")._process is None  # killed
    assert answers.math_equivalent("\\{3,1\\}", "\\{1,3\\}")
    assert worker("math")._process.pid != pid


def test_the_child_holds_no_secrets_and_cannot_write_outside_its_temp_dir(tmp_path, monkeypatch):
    """reasoning-gym's spiral_matrix scorer eval()s the answer: what the eval does stays in the child."""
    import reasoning_gym

    if not sandbox.protections().landlock:
        pytest.skip("Landlock is unavailable here: the child cannot be kept from writing files")
    monkeypatch.setenv("HF_TOKEN", "hf_secret")
    target = tmp_path / "written-by-a-completion"
    oracle = reasoning_gym.create_dataset("spiral_matrix", seed=1, size=1)[0]["answer"]
    probe = Worker("reasoning_gym")
    request = {"dataset": "spiral_matrix", "config": '{"seed": 1, "size": 1}', "index": 0}
    try:
        # The scorer really evaluates a Python list it is given (partial credit 0.1 for the right one) ...
        assert probe.request({**request, "answer": repr(oracle.split())}) == {"ok": True, "value": 0.1}
        for answer in (
            f"[open({str(target)!r}, 'w').write('x')]",
            f"[__import__('os').system('touch ' + {str(target)!r})]",
            "[__import__('time').sleep(30) if __import__('os').environ.get('HF_TOKEN') else 1]",
        ):
            # ... but what a hostile one does fails (and scores nothing)
            assert probe.request({**request, "answer": answer}) == {"ok": True, "value": 0.0}
        assert not target.exists()
    finally:
        probe.stop()


def test_a_worker_that_cannot_start_says_why():
    with pytest.raises(RuntimeError, match="scoring worker nonsense could not start: KeyError"):
        Worker("nonsense").request({})
