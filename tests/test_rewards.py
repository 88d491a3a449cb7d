"""The reward functions, the guard/registry around them and the score command, on real sandboxed runs."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

import reward_functions as rf
from gpt_oss_grpo import sandbox
from gpt_oss_grpo.scoring import matmul, registry
from gpt_oss_grpo.scoring.registry import RewardSpec

ROOT = Path(__file__).resolve().parents[1]
MATMUL = [rf.function_works, rf.no_cheating, rf.correctness_check, rf.speed_check]
NAIVE = matmul.NAIVE
ZIP = """
def matmul(A, B):
    cols = list(zip(*B))
    return [[sum(a * b for a, b in zip(r, c)) for c in cols] for r in A]
"""
NEARLY = """
def matmul(A, B):
    return [[sum(a * b for a, b in zip(r, c)) + 1e-7 for c in zip(*B)] for r in A]
"""
FAST = """
def matmul(A, B):
    cols = list(zip(*B))
    return [[sum(map(float.__mul__, map(float, r), map(float, c))) for c in cols] for r in A]
"""
SLOW = """
def matmul(A, B):
    n, k, m = len(A), len(B), len(B[0])
    C = [[0] * m for _ in range(n)]
    for i in range(n):
        for j in range(m):
            for _ in range(3):
                s = 0
                for p in range(k):
                    s += A[i][p] * B[p][j]
            C[i][j] = s
    return C
"""


def fenced(code: str, harmony: bool = False) -> str:
    body = f"```python\n{code.strip()}\n```"
    return f"analysisLet me think.assistantfinal{body}" if harmony else body


def totals(completions: list) -> list[float]:
    rows = [f(completions) for f in MATMUL]
    return [sum(col) for col in zip(*rows, strict=True)]


def test_honest_solutions_score_positive_in_both_completion_shapes():
    completions = [fenced(NAIVE), [{"role": "assistant", "content": fenced(ZIP, harmony=True)}], fenced(FAST)]
    assert all(t > 10 for t in totals(completions))
    assert rf.correctness_check(completions) == [10.0, 10.0, 10.0]


def test_scales_for_missing_broken_raising_and_wrong_code():
    completions = [
        "I cannot do that.",
        fenced("def matmul(A, B) return"),
        fenced("def matmul(A, B):\n    raise ValueError('no')"),
        fenced("def matmul(A, B):\n    return [[0] * len(B[0]) for _ in A]"),
        fenced(NEARLY),
    ]
    assert rf.function_works(completions) == [-2.0, -2.0, -0.5, 1.0, 1.0]
    assert rf.correctness_check(completions) == [-2.0, -2.0, -2.0, -2.0, 5.0]
    assert rf.speed_check(completions) == [0.0] * 5
    assert rf.no_cheating(completions) == [0.0, 1.0, 1.0, 1.0, 1.0]


def test_harmless_stdlib_is_allowed_and_escape_modules_are_not():
    ok = "import math, itertools\n" + ZIP
    bad = "import os\n" + ZIP
    assert rf.no_cheating([fenced(ok), fenced(bad)]) == [1.0, -20.0]
    assert rf.speed_check([fenced(bad)]) == [0.0]


def test_a_faster_correct_function_earns_more_speed_reward_in_most_runs():
    wins = 0
    for _ in range(5):
        matmul.clear_caches()
        fast, slow = rf.speed_check([fenced(ZIP), fenced(SLOW)])
        assert slow > 0 and 0 < fast <= 10
        wins += fast > slow
    assert wins >= 4


def test_four_rewards_share_one_sandboxed_run_per_distinct_code(monkeypatch):
    matmul.clear_caches()
    starts = []
    real_start = matmul.sandbox.start

    def counting_start(*args, **kwargs):
        starts.append(args[0])
        return real_start(*args, **kwargs)

    monkeypatch.setattr(matmul.sandbox, "start", counting_start)
    batch = [fenced(ZIP), fenced(ZIP, harmony=True), fenced(NAIVE), fenced(ZIP)]
    assert all(t > 10 for t in totals(batch))
    assert len(starts) == 2  # two distinct candidates (the references run in a reused trusted child)


@pytest.fixture
def quick_calls():
    sandbox.configure(sandbox.SandboxSettings(call_timeout_s=1.0))
    yield
    sandbox.configure(sandbox.SandboxSettings())


def test_code_task_pays_the_fraction_of_tests_passed(quick_calls):
    code = fenced("def add(a, b):\n    return a + b")
    tests = [
        ["assert add(1, 2) == 3", "assert add(2, 2) == 5", "assert add('a', 'b') == 'ab'", "while True: pass"]
    ]
    logged = {}
    assert rf.tests_passed([code], tests=tests, entry_point=["add"], log_extra=logged.__setitem__) == [0.5]
    assert logged == {"tests_verdict": ["passed 2/4 tests"]}
    assert rf.tests_passed([code], tests=[["assert add(1, 1) == 2"]], entry_point=["sub"]) == [0.0]
    with pytest.raises(ValueError, match="list of Python snippets"):
        rf.tests_passed([code], tests=["assert add(1, 1) == 2"])


@pytest.mark.parametrize(
    ("text", "answer", "match", "formatted"),
    [
        ("analysisHmm 41?assistantfinalThe result is \\boxed{42}.", "42", 1.0, 1.0),
        ("Work... Answer: 1,000", "1000", 1.0, 1.0),
        ("So it is 0.5", "1/2", 1.0, 0.0),
        ("Answer: $\\text{Paris}$.", "paris", 1.0, 1.0),
        ("Natalia sold 72 clips", "Natalia sold 48/2 = 24 clips in May. 48+24 = 72.\n#### 72", 1.0, 0.0),
        ("analysisthe answer is 42 but I ran out of tokens", "42", 0.0, 0.0),
        ("\\boxed{3.14159}", "3.1416", 1.0, 1.0),
        ("\\boxed{7}", "8", 0.0, 1.0),
    ],
)
def test_reasoning_rewards(text, answer, match, formatted):
    assert rf.answer_match([text], answer=[answer]) == [match]
    assert rf.format_ok([text]) == [formatted]


def test_length_penalty_is_zero_for_short_and_negative_for_padded_completions():
    texts = ["x" * 100, "x" * 4500, "x" * 10_000]
    assert rf.length_penalty([[{"role": "assistant", "content": t}] for t in texts]) == [0.0, -0.5, -1.0]


def test_the_reward_file_examples_run_as_doctests():
    import doctest

    result = doctest.testmod(rf)
    assert result.attempted >= 3 and result.failed == 0


def test_registry_lists_rewards_and_names_unknown_ones_in_one_line():
    found = registry.available_rewards(ROOT / "reward_functions.py")
    assert {"function_works", "no_cheating", "correctness_check", "speed_check", "tests_passed",
            "answer_match", "format_ok", "length_penalty"} <= set(found)  # fmt: skip
    with pytest.raises(ValueError) as error:
        registry.build_reward_funcs([RewardSpec(name="speed_chek")], ROOT / "reward_functions.py")
    message = str(error.value)
    assert "\n" not in message and "'speed_chek'" in message and "did you mean 'speed_check'" in message
    assert "function_works" in message


def test_guard_turns_a_failing_completion_into_the_penalty(tmp_path, caplog):
    user_file = tmp_path / "reward_functions.py"
    user_file.write_text(
        "from gpt_oss_grpo.scoring.registry import reward\n\n"
        "@reward(penalty=-3.0)\n"
        "def picky(completions, **kwargs):\n"
        "    return [1 / (0 if 'boom' in c[0]['content'] else 1) for c in completions]\n"
    )
    funcs, weights = registry.build_reward_funcs([RewardSpec(name="picky", weight=2.0)], user_file)
    assert funcs[0].__name__ == "picky" and weights == [2.0]
    metrics = []
    scores = funcs[0](["fine", "boom", "ok"], trainer_state=None, log_metric=lambda *m: metrics.append(m))
    assert scores == [1.0, -3.0, 1.0]
    assert metrics == [("rewards/picky/failures", 1 / 3)]
    assert "picky failed on completion 1, scored -3.0: ZeroDivisionError" in caplog.text
    caplog.clear()
    funcs[0](["boom"], log_metric=lambda *m: metrics.append(m))
    assert metrics[-1] == ("rewards/picky/failures", 1.0)
    assert "picky failed" not in caplog.text, "the same failure is logged once, not once per step"


def test_a_broken_reward_file_is_reported_in_one_line(tmp_path):
    broken = tmp_path / "reward_functions.py"
    broken.write_text("def oops(:\n")
    with pytest.raises(ValueError, match=r"cannot import the reward file .*SyntaxError"):
        registry.available_rewards(broken)


def test_guard_keeps_training_alive_when_a_column_is_missing():
    (funcs, _) = registry.build_reward_funcs([RewardSpec(name="answer_match")], ROOT / "reward_functions.py")
    assert funcs[0](["Answer: 3", "Answer: 4"]) == [0.0, 0.0]


def run_score(*args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, str(ROOT / "reward_functions.py"), "score", *args]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=120, env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"}
    )


def test_score_command_prints_a_table_of_rewards(tmp_path):
    rows = [{"completion": fenced(ZIP)}, {"completion": [{"role": "assistant", "content": "no code"}]}]
    path = tmp_path / "completions.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows))
    result = run_score(str(path), "--rewards", "function_works,no_cheating,correctness_check")
    assert result.returncode == 0, result.stderr
    assert "correctness_check" in result.stdout and "10.00" in result.stdout and "-2.00" in result.stdout


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "not valid JSON"),
        ('{"text": "x"}', "expected an object with a 'completion'"),
        ("", "no completions"),
    ],
)
def test_score_command_rejects_bad_input_in_one_line(tmp_path, content, expected):
    path = tmp_path / "bad.jsonl"
    path.write_text(content)
    result = run_score(str(path))
    assert result.returncode == 2
    assert expected in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_score_command_names_an_unknown_reward(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps({"completion": "x"}))
    result = run_score(str(path), "--rewards", "nope")
    assert result.returncode == 2 and "unknown reward 'nope'" in result.stderr


def test_rewards_start_fast_without_the_training_stack():
    modules = (
        "reward_functions, gpt_oss_grpo.sandbox, gpt_oss_grpo.scoring.cli, gpt_oss_grpo.scoring.code_tests"
    )
    check = f"import sys, {modules}; assert not {{'torch', 'transformers', 'trl'}} & set(sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", check], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("code", "flagged"),
    [
        ("import math\nfrom functools import reduce\nx = 'input'\ny = 'time'", False),
        ("import numpy", True),
        ("from os import path", True),
        ("x = __import__", True),
        ("f = (lambda: 0).__globals__", True),
        ("g = getattr(int, 'real')", True),
        ("s = '__builtins__'", True),
        ("from . import sibling", True),
    ],
)
def test_static_check_flags_escapes_but_not_harmless_stdlib(code, flagged):
    from gpt_oss_grpo.scoring.static_checks import analyse

    assert bool(analyse(code).cheats) is flagged


def test_a_reward_file_written_against_the_old_module_paths_still_loads(tmp_path):
    """Users' copies of reward_functions.py import the flat modules of earlier releases: same objects now."""
    import gpt_oss_grpo.harmony
    import gpt_oss_grpo.reward_registry

    from gpt_oss_grpo.scoring import harmony

    assert gpt_oss_grpo.harmony is harmony and gpt_oss_grpo.reward_registry is registry
    assert harmony.__spec__.name == "gpt_oss_grpo.scoring.harmony"
    user_file = tmp_path / "reward_functions.py"
    user_file.write_text(
        "from gpt_oss_grpo import answers, code_eval, matmul_eval\n"
        "from gpt_oss_grpo.harmony import completion_text, final_answer\n"
        "from gpt_oss_grpo.reward_registry import reward\n\n"
        "@reward(penalty=0.0)\n"
        "def shouts(completions, **kwargs):\n"
        "    return [float(final_answer(completion_text(c)).isupper()) for c in completions]\n"
    )
    funcs, _ = registry.build_reward_funcs([RewardSpec(name="shouts")], user_file)
    assert funcs[0](["HELLO", [{"role": "assistant", "content": "analysisxassistantfinalquiet"}]]) == [
        1.0,
        0.0,
    ]
