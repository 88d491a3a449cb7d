"""Reward functions for GRPO training: edit this file to change what the model is paid for.

Each reward is a plain function ``f(completions, **kwargs) -> list[float]`` marked with
``@reward(penalty=...)``; ``penalty`` is what a completion scores if the function raises on it (training
goes on). Name a reward under ``rewards:`` in config.yaml to use it. TRL passes every dataset column as
a keyword argument (one value per completion), plus ``prompts``, ``completion_ids`` and ``trainer_state``.
A completion is a string or a message list; the helpers below read the final harmony channel only.

Score saved completions without training:  python reward_functions.py score completions.jsonl
"""

import sys

from gpt_oss_grpo.scoring import answers, code_tests, matmul
from gpt_oss_grpo.scoring.harmony import completion_text, extract_python_code, final_answer
from gpt_oss_grpo.scoring.registry import reward


def _codes(completions: list) -> list[str | None]:
    return [extract_python_code(completion_text(c)) for c in completions]


def _finals(completions: list) -> list[str]:
    return [final_answer(completion_text(c)) for c in completions]


def _column(kwargs: dict, name: str, reward_name: str, completions: list) -> list:
    value = kwargs.get(name)
    if not isinstance(value, list) or len(value) != len(completions):
        raise ValueError(f"{reward_name} needs the dataset column {name!r} (one value per completion)")
    return value


# --- matmul task: one sandboxed evaluation per distinct code, shared by the four rewards ---------------


@reward(penalty=-2.0)
def function_works(completions: list, **kwargs) -> list[float]:
    """1.0 if the code defines ``matmul(A, B)`` and runs on a small input; -0.5 if it raises or times out;
    -2.0 if there is no code block, it does not parse, or defines no ``matmul``."""
    return [
        -2.0 if not r.facts.defines_function("matmul") else 1.0 if r.runs else -0.5
        for r in matmul.evaluate_many(_codes(completions))
    ]


@reward(penalty=-20.0)
def no_cheating(completions: list, **kwargs) -> list[float]:
    """1.0 if the code uses only harmless standard-library modules and no escape trick (imports, dynamic
    imports, exec/eval, frames, globals, sys.modules...), checked in the AST and, from outside, in the
    child's memory (no foreign code mapped); -20.0 otherwise; 0.0 when there is no code to judge."""
    return [
        0.0 if r.facts.code is None else -20.0 if r.facts.cheats or r.runtime_cheats else 1.0
        for r in matmul.evaluate_many(_codes(completions))
    ]


@reward(penalty=-2.0)
def correctness_check(completions: list, **kwargs) -> list[float]:
    """Compared with NumPy on fresh random matrices (1×1, non-square, tall, wide; int and float entries):
    10 if every answer is within 1e-9 (absolute error relative to the answer's scale), 5 within 1e-6,
    1 within 1e-3; -2 otherwise or if any answer is missing, mis-shaped, non-finite or not plain lists."""
    return [report.grade for report in matmul.evaluate_many(_codes(completions))]


@reward(penalty=0.0)
def speed_check(completions: list, **kwargs) -> list[float]:
    """For correct, clean code only (else 0): 5 at the naive triple loop's speed, 10 at NumPy's, on a log
    scale, clipped to [0, 10]. Time is the child's CPU time on fresh n×n matrices, each trial measured
    against the naive loop and NumPy on the same matrices; medians of the ratios."""
    return [
        r.speed if r.correct and r.speed is not None and not r.facts.cheats and not r.runtime_cheats else 0.0
        for r in matmul.evaluate_many(_codes(completions))
    ]


# --- code task: the problem's own tests, run in the same sandbox ---------------------------------------


@reward(penalty=0.0, needs=("tests",))
def tests_passed(completions: list, **kwargs) -> list[float]:
    """Fraction of the row's ``tests`` snippets that run without an exception after the candidate's code
    (column ``entry_point``, when given, must name a function the code defines)."""
    tests = _column(kwargs, "tests", "tests_passed", completions)
    if not all(isinstance(t, list) and all(isinstance(s, str) for s in t) for t in tests):
        raise ValueError("tests_passed needs each row's 'tests' to be a list of Python snippets (strings)")
    entry_points = kwargs.get("entry_point") or [None] * len(completions)
    return code_tests.fraction_passed_many(_codes(completions), tests, entry_points)


# --- reasoning task: the final answer against the dataset's ``answer`` column ------------------------


@reward(penalty=0.0, needs=("answer",))
def answer_match(completions: list, **kwargs) -> list[float]:
    """1.0 if the final answer (last \\boxed{}, else an "Answer:" line, else the last number) equals the
    row's ``answer`` after normalising (numbers within a relative 1e-4) or, for other mathematical answers,
    by math-verify (\\frac{1}{2} = 0.5, \\{1,2\\} = \\{2,1\\}; time-bounded per answer), else 0.0."""
    gold = _column(kwargs, "answer", "answer_match", completions)
    found = [answers.extract_answer(text) for text in _finals(completions)]
    return [
        float(f is not None and answers.answers_match(f, str(g))) for f, g in zip(found, gold, strict=True)
    ]


@reward(penalty=0.0)
def format_ok(completions: list, **kwargs) -> list[float]:
    """1.0 if the completion reached a final answer stated explicitly (\\boxed{} or "Answer:"), else 0.0."""
    return [float(answers.explicit_answer(text) is not None) for text in _finals(completions)]


# --- reasoning_gym task: the generator's own scorer ---------------------------------------------------


@reward(penalty=0.0, needs=("rg_dataset", "rg_config", "rg_index"))
def reasoning_gym_score(completions: list, **kwargs) -> list[float]:
    """The reasoning-gym generator's own ``score_answer`` (0..1) for the final answer (last \\boxed{}, else
    the text after the last "Answer:", else the whole final channel); run in a locked-down child."""
    rows = zip(kwargs["rg_dataset"], kwargs["rg_config"], kwargs["rg_index"], strict=True)
    return [
        answers.generator_score(answers.free_form_answer(text), *row)
        for text, row in zip(_finals(completions), rows, strict=True)
    ]


# --- a user-added reward (see README: "Adding a reward") ---------------------------------------------


@reward(penalty=0.0)
def length_penalty(completions: list, max_chars: int = 3000, **kwargs) -> list[float]:
    """0 up to ``max_chars`` characters, then down linearly to -1 at twice that: discourages padding."""
    return [-min(1.0, max(0, len(completion_text(c)) - max_chars) / max_chars) for c in completions]


if __name__ == "__main__":
    from gpt_oss_grpo.scoring.cli import main

    sys.exit(main(sys.argv[1:], __file__))
