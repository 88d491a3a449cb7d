"""How rewards are found, parameterised and guarded: plain functions, params, dotted and file paths, needed
columns, None scores, TRL's log_metric / log_extra hooks and the chat form they receive. Real files, real imports."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import reward_functions as rf
from gpt_oss_grpo.errors import ConfigError
from gpt_oss_grpo.scoring import registry
from gpt_oss_grpo.scoring.registry import RewardSpec

ROOT = Path(__file__).resolve().parents[1]
# The example of the original README's "Customizing Rewards", verbatim.
ORIGINAL_README_REWARD = '''
def my_custom_reward(completions, **kwargs) -> List[float]:
    """
    Custom reward function for GRPO.

    Args:
        completions: List of completion dictionaries with format:
                     [{"role": "assistant", "content": "..."}]
        **kwargs: Additional arguments (dataset, processing_class, etc.)

    Returns:
        List of reward scores (one per completion)
    """
    scores = []
    for completion in completions:
        # Extract the response text
        response = completion[0]["content"]

        # Your evaluation logic here
        score = evaluate_response(response)
        scores.append(score)

    return scores
'''
# What a user writes around it: the import its signature uses, and their evaluation logic.
USER_SUPPORT = """
from typing import List


def evaluate_response(response: str) -> float:
    return len(response) / 100
"""


def user_file(tmp_path: Path, text: str, name: str = "reward_functions.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def build(path: Path, *specs: RewardSpec | str):
    chosen = [RewardSpec(name=s) if isinstance(s, str) else s for s in specs]
    return registry.build_reward_funcs(chosen, path)


def chat(text: str) -> list[dict[str, str]]:
    return [{"role": "assistant", "content": text}]


def test_the_original_readme_reward_is_found_and_scores_every_completion_in_chat_form(tmp_path):
    path = user_file(
        tmp_path, (ROOT / "reward_functions.py").read_text() + USER_SUPPORT + ORIGINAL_README_REWARD
    )
    assert "my_custom_reward" in registry.available_rewards(path)
    (funcs, _) = build(path, "my_custom_reward")
    metrics = []
    scores = funcs[0](["a" * 50, "b" * 200], log_metric=lambda *m: metrics.append(m))
    assert scores == [0.5, 2.0]
    assert metrics == [("rewards/my_custom_reward/failures", 0.0)]


def test_public_functions_taking_completions_are_rewards_and_helpers_are_not(tmp_path):
    path = user_file(
        tmp_path,
        """
        from gpt_oss_grpo.scoring.harmony import completion_text

        def shouts(completions, **kwargs):
            return [float(c[0]["content"].isupper()) for c in completions]

        def _helper(completions, **kwargs):
            return [0.0] * len(completions)

        def not_a_reward(text):
            return text
        """,
    )
    assert list(registry.available_rewards(path)) == ["shouts"]
    for name, why in [
        ("_helper", "its name starts with '_'"),
        ("completion_text", "takes no `completions`"),
        ("not_a_reward", "takes no `completions`"),
        ("shout", "did you mean 'shouts'?"),
    ]:
        with pytest.raises(ConfigError, match=why) as error:
            build(path, name)
        assert "\n" not in str(error.value)


def test_a_plain_reward_that_raises_scores_zero_and_is_counted(tmp_path, caplog):
    path = user_file(
        tmp_path,
        "def strict(completions, **kwargs):\n    return [1 / len(c[0]['content']) for c in completions]\n",
    )
    (funcs, _) = build(path, "strict")
    metrics = []
    assert funcs[0](["ab", ""], log_metric=lambda *m: metrics.append(m)) == [0.5, 0.0]
    assert metrics == [("rewards/strict/failures", 0.5)]
    assert "reward strict failed on completion 1, scored 0.0: ZeroDivisionError" in caplog.text


def test_params_from_config_are_bound_and_checked_against_the_signature():
    (funcs, weights) = build(
        ROOT / "reward_functions.py", RewardSpec(name="length_penalty", weight=0.5, params={"max_chars": 100})
    )
    assert weights == [0.5] and repr(funcs[0]) == "length_penalty(max_chars=100)"
    assert funcs[0].__doc__.startswith("Discourages padding")  # --dry-run shows the function's, not partial's
    assert funcs[0](["x" * 150]) == [-0.5]
    for params, expected in [
        ({"max_char": 10}, "params.max_char: not a parameter of the function (did you mean 'max_chars'?)"),
        ({"max_chars": "2000"}, "params.max_chars: Input should be a valid integer (got '2000')"),
        ({"max_chars": 2000.5}, "params.max_chars: Input should be a valid integer"),
        ({"max_chars": True}, "params.max_chars: Input should be a valid integer"),
        ({"prompts": []}, "params.prompts: not a parameter of the function; it takes: max_chars"),
    ]:
        with pytest.raises(ConfigError) as error:
            build(ROOT / "reward_functions.py", RewardSpec(name="length_penalty", params=params))
        message = str(error.value)
        assert message.startswith("rewards: length_penalty: ") and expected in message and "\n" not in message


def test_params_types_come_from_annotations_or_defaults(tmp_path):
    path = user_file(
        tmp_path,
        """
        from typing import Literal

        def shaped(completions, scale=1.0, mode: Literal["sum", "max"] = "sum", words: tuple[str, ...] = (), **kw):
            return [scale * len(words)] * len(completions)
        """,
    )
    (funcs, _) = build(path, RewardSpec(name="shaped", params={"scale": 2, "words": ["a", "b"]}))
    assert funcs[0](["x"]) == [4.0]
    with pytest.raises(ConfigError, match=r"params.mode: Input should be 'sum' or 'max'"):
        build(path, RewardSpec(name="shaped", params={"mode": "min"}))
    with pytest.raises(ConfigError, match=r"params.scale: Input should be a valid number"):
        build(path, RewardSpec(name="shaped", params={"scale": "big"}))


def test_rewards_from_a_dotted_path_and_from_a_file_path(tmp_path, monkeypatch):
    package = tmp_path / "team_rewards"
    package.mkdir()
    (package / "__init__.py").write_text("")
    user_file(
        package,
        """
        from gpt_oss_grpo.scoring.registry import reward

        @reward(penalty=-5.0)
        def polite(completions, **kwargs):
            return [1.0 if "please" in c[0]["content"] else 1 / 0 for c in completions]
        """,
        "style.py",
    )
    monkeypatch.chdir(tmp_path)  # dotted paths import from the working directory, as TRL's grpo.py does
    file_spec = f"{package / 'style.py'}:polite"
    (funcs, _) = build(ROOT / "reward_functions.py", "team_rewards.style.polite", "function_works")
    assert [f.__name__ for f in funcs] == ["polite", "function_works"]
    assert funcs[0](["please", "no"]) == [1.0, -5.0]  # same guard and penalty as a local reward
    (from_file, _) = build(ROOT / "reward_functions.py", file_spec)
    assert from_file[0](["please"]) == [1.0] and from_file[0].penalty == -5.0
    for name, expected in [
        ("team_rewards.style.politer", "team_rewards.style has no 'politer'; did you mean 'polite'?"),
        ("team_rewards.nothing.fn", "cannot import team_rewards.nothing: ModuleNotFoundError"),
        (f"{tmp_path / 'missing.py'}:fn", "does not exist"),
        ("os.path.join", "takes no `completions` argument"),
    ]:
        with pytest.raises(ConfigError, match=expected):
            build(ROOT / "reward_functions.py", name)
    with pytest.raises(ConfigError, match="'polite' is listed twice"):
        build(ROOT / "reward_functions.py", "team_rewards.style.polite", file_spec)


def test_needed_columns_are_checked_once_before_training_in_one_line(tmp_path):
    (funcs, _) = build(ROOT / "reward_functions.py", "function_works", "answer_match", "tests_passed")
    assert funcs[1].needs == ("answer",) and funcs[2].needs == ("tests",)  # from their signatures
    registry.check_columns(funcs[:1], ["prompt", "reasoning_effort", "messages"])
    with pytest.raises(ConfigError) as error:
        registry.check_columns(funcs, ["prompt", "reasoning_effort", "messages"])
    assert str(error.value) == (
        "rewards: answer_match needs the dataset column 'answer', which this task does not have; "
        "its columns: prompt, reasoning_effort, messages"
    )
    path = user_file(
        tmp_path,
        """
        from gpt_oss_grpo.scoring.registry import reward

        @reward(needs=("label",))
        def labelled(completions, **kwargs):
            return [float(label == "good") for label in kwargs["label"]]

        def scaled(completions, scale: float = 1.0, **kwargs):
            return [scale] * len(completions)
        """,
    )
    (user, _) = build(path, "labelled", RewardSpec(name="scaled", params={"scale": 2.0}))
    with pytest.raises(ConfigError, match="labelled needs the dataset column 'label'"):
        registry.check_columns(user, ["prompt"])
    with pytest.raises(ConfigError, match=r"scaled: params\.scale is also a dataset column"):
        registry.check_columns(user, ["prompt", "label", "scale"])


def test_a_reward_without_kwargs_must_take_every_keyword_trl_passes(tmp_path):
    path = user_file(
        tmp_path,
        """
        def narrow(completions):
            return [0.0] * len(completions)

        def explicit(completions, prompts, completion_ids, trainer_state, log_extra, log_metric, answer):
            return [0.0] * len(completions)
        """,
    )
    (funcs, _) = build(path, "narrow", "explicit")
    with pytest.raises(ConfigError) as error:
        registry.check_columns(funcs, ["prompt", "answer"])
    assert str(error.value) == (
        "rewards: narrow cannot take the keyword 'completion_ids' that TRL passes to every reward; "
        "add **kwargs to its parameters"
    )
    registry.check_columns(funcs[1:], ["prompt", "answer"])
    with pytest.raises(ConfigError, match="explicit cannot take the keyword 'messages'"):
        registry.check_columns(funcs[1:], ["prompt", "answer", "messages"])


def test_none_means_cannot_judge_and_survives_the_guard(tmp_path):
    path = user_file(
        tmp_path,
        """
        def judged(completions, answer, **kwargs):
            if any(c[0]["content"] == "boom" for c in completions):
                raise ValueError("boom")
            return [None if a is None else 1.0 for a in answer]
        """,
    )
    (funcs, _) = build(path, "judged")
    assert funcs[0](["a", "b"], answer=[None, 3]) == [None, 1.0]
    assert funcs[0](["a", "boom", "c"], answer=[None, 3, 4]) == [None, 0.0, 1.0]  # retried one at a time
    assert rf.answer_match([chat("Answer: 3")] * 2, answer=[3, None]) == [1.0, None]


def test_rewards_get_trl_chat_form_and_the_prompt_messages(tmp_path):
    path = user_file(
        tmp_path,
        """
        seen = []

        def spy(completions, prompts=None, **kwargs):
            seen.append((completions, prompts))
            return [0.0] * len(completions)
        """,
    )
    (funcs, _) = build(path, "spy")
    messages = [[{"role": "user", "content": "hi"}]]
    funcs[0](["hello"], prompts=["<|start|>user<|message|>hi<|end|>"], messages=messages)
    funcs[0]([chat("already a message list")])
    seen = funcs[0].function.__globals__["seen"]
    assert seen[0] == ([chat("hello")], messages)
    assert seen[1] == ([chat("already a message list")], None)


MATMUL_CASES = {
    "I cannot do that.": "no code block",
    "analysisLet me think about loops": "no final answer (stopped while thinking)",
    "```python\ndef matmul(A, B) return\n```": "syntax error, line 1: expected ':'",
    "```python\nimport os\ndef matmul(A, B):\n    return A\n```": "cheat: imports os",
    "```python\ndef mm(A, B):\n    return A\n```": "no matmul(A, B) defined",
    "```python\ndef matmul(A, B):\n    raise ValueError('no')\n```": "does not run: ",
    "```python\ndef matmul(A, B):\n    return [[0] * len(B[0]) for _ in A]\n```": "wrong answer: largest relative error 1.0e+00",
    "```python\ndef matmul(A, B):\n    return 'C'\n```": "an answer was missing or invalid",
    "```python\ndef matmul(A, B):\n    return [[sum(a * b for a, b in zip(r, c)) for c in zip(*B)] for r in A]\n```": (
        "correct, "
    ),
}


def test_matmul_verdicts_are_logged_once_per_batch_through_log_extra():
    (funcs, _) = build(ROOT / "reward_functions.py", "function_works", "no_cheating", "correctness_check")
    completions = list(MATMUL_CASES)  # one list object per batch, as TRL passes it to every reward
    logged = []

    def log_extra(column, values):
        logged.append((column, values))

    for func in funcs:
        func(completions, log_extra=log_extra)
    assert [column for column, _ in logged] == ["matmul_verdict"], "three rewards, one column for the batch"
    for verdict, expected in zip(logged[0][1], MATMUL_CASES.values(), strict=True):
        assert verdict.startswith(expected), (verdict, expected)
    funcs[0](list(completions), log_extra=log_extra)  # the next batch is a new list: logged again
    assert len(logged) == 2


def test_a_logged_column_of_the_wrong_length_is_dropped_not_shifted(tmp_path, caplog):
    path = user_file(
        tmp_path,
        """
        def chatty(completions, log_extra, **kwargs):
            log_extra("ok", [len(c[0]["content"]) for c in completions])
            log_extra("short", [1])
            return [0.0] * len(completions)
        """,
    )
    (funcs, _) = build(path, "chatty")
    logged = {}
    funcs[0](["ab", "abc"], log_extra=logged.__setitem__)
    assert logged == {"ok": [2, 3]}
    assert "logged 1 values in column 'short' for 2 completions" in caplog.text
