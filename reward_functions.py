r"""Reward functions for GRPO training: edit this file to change what the model is paid for.

A reward is any public function here that takes ``completions`` and returns one score per completion::

    def my_custom_reward(completions, **kwargs) -> list[float]:
        return [float("def " in completion[0]["content"]) for completion in completions]

Name it under ``rewards:`` in config.yaml (``- my_custom_reward``, or ``{name: ..., weight: ..., params: {...}}``).
What it receives, as TRL documents for chat data:

- ``completions``: each completion as ``[{"role": "assistant", "content": text}]``;
- ``prompts``: each row's chat messages;
- every dataset column (``answer``, ``tests``, ...), one value per completion, and ``completion_ids``,
  ``trainer_state`` and TRL's ``log_extra`` / ``log_metric`` hooks.

Return ``None`` for a completion the reward cannot judge: TRL leaves it out of the total (it is not a zero). If the
function raises, that completion scores 0.0 (or the ``penalty`` set with ``@reward``), training goes on, and the
failure is logged once and counted in ``rewards/<name>/failures``. Names starting with ``_`` are helpers.

GPT-OSS answers in harmony text (``analysis...assistantfinal...``); the helpers below read its final channel only.

Score saved completions without training, or rescore a run's completions.jsonl after editing a reward:
``python reward_functions.py score completions.jsonl``
"""

import ast
import sys

from gpt_oss_grpo.scoring import answers, code_tests, matmul
from gpt_oss_grpo.scoring.harmony import completion_text, extract_python_code, final_answer
from gpt_oss_grpo.scoring.registry import reward
from gpt_oss_grpo.scoring.static_checks import CodeFacts, analyse

Completion = list[dict[str, str]]
"""One completion as TRL passes it for chat data: ``[{"role": "assistant", "content": "..."}]``."""


def _texts(completions: list[Completion]) -> list[str]:
    return [completion_text(c) for c in completions]


def _code_problem(text: str, facts: CodeFacts) -> str:
    """Why there is no parsable code to run ("" when there is): the first part of every code verdict."""
    if not text.strip():
        return "empty completion"
    if not final_answer(text):
        return "no final answer (stopped while thinking)"
    if facts.code is None:
        return "no code block"
    if facts.parses:
        return ""
    try:
        ast.parse(facts.code)
    except SyntaxError as error:
        return f"syntax error, line {error.lineno}: {error.msg}"
    except (ValueError, RecursionError, MemoryError) as error:
        return f"does not parse: {type(error).__name__}"
    return "does not parse"


def _matmul_verdict(text: str, report: matmul.MatmulReport) -> str:
    """Why a matmul candidate scored what it did, for the completions table."""
    if problem := _code_problem(text, report.facts):
        return problem
    if cheats := dict.fromkeys(report.facts.cheats + report.runtime_cheats):
        return "cheat: " + "; ".join(cheats)
    if not report.facts.defines_function("matmul"):
        return "no matmul(A, B) defined"
    if not report.runs:
        return f"does not run: {report.note or 'raised'}"
    if report.error is None:
        return "an answer was missing or invalid (raised, timed out, or not plain lists of finite numbers)"
    if report.grade == matmul.WRONG:
        return f"wrong answer: largest relative error {report.error:.1e}"
    if not report.correct:
        return f"inexact: largest relative error {report.error:.1e}"
    if report.speed is None:
        return "correct, not timed"
    return f"correct, speed score {report.speed:.2f} (5 = the naive loop, 10 = NumPy)"


def _matmul_reports(completions: list[Completion], log_extra=None) -> list[matmul.MatmulReport]:
    """One sandboxed evaluation per distinct code, shared by the four matmul rewards; logs each verdict."""
    texts = _texts(completions)
    reports = matmul.evaluate_many([extract_python_code(text) for text in texts])
    if log_extra is not None:  # TRL's hook: a column of the completions table (kept once per batch)
        log_extra("matmul_verdict", [_matmul_verdict(t, r) for t, r in zip(texts, reports, strict=True)])
    return reports


# --- matmul task: one sandboxed evaluation per distinct code, shared by the four rewards ---------------


@reward(penalty=-2.0)
def function_works(completions: list[Completion], **kwargs) -> list[float]:
    """Whether the code defines ``matmul(A, B)`` and runs.

    Args:
        completions: the completions; the first fenced code block of the final answer is the candidate.

    Returns:
        1.0 if it runs on a small input; -0.5 if it raises or times out; -2.0 if there is no code block, it does
        not parse, or defines no ``matmul``.
    """
    return [
        -2.0 if not r.facts.defines_function("matmul") else 1.0 if r.runs else -0.5
        for r in _matmul_reports(completions, kwargs.get("log_extra"))
    ]


@reward(penalty=-20.0)
def no_cheating(completions: list[Completion], **kwargs) -> list[float]:
    """Whether the code stays within harmless standard-library Python, checked in the AST and, from outside, in
    the child's memory (no foreign code mapped).

    Args:
        completions: the completions; the first fenced code block of the final answer is the candidate.

    Returns:
        1.0 for clean code; -20.0 for imports outside the standard library or any escape trick (dynamic imports,
        exec/eval, frames, globals, sys.modules, ...); 0.0 when there is no code to judge.
    """
    return [
        0.0 if r.facts.code is None else -20.0 if r.facts.cheats or r.runtime_cheats else 1.0
        for r in _matmul_reports(completions, kwargs.get("log_extra"))
    ]


@reward(penalty=-2.0)
def correctness_check(completions: list[Completion], **kwargs) -> list[float]:
    """Answers compared with NumPy on fresh random matrices (1×1, non-square, tall, wide; int and float entries).

    Args:
        completions: the completions; the first fenced code block of the final answer is the candidate.

    Returns:
        10 if every answer is within 1e-9 (absolute error relative to the answer's scale), 5 within 1e-6, 1 within
        1e-3; -2 otherwise, or if any answer is missing, mis-shaped, non-finite or not plain lists.
    """
    return [report.grade for report in _matmul_reports(completions, kwargs.get("log_extra"))]


@reward(penalty=0.0)
def speed_check(completions: list[Completion], **kwargs) -> list[float]:
    """Speed of correct, clean code: the child's CPU time on fresh n×n matrices against the naive loop and NumPy.

    Each timed trial runs the naive loop, the candidate and NumPy on the same matrices, in turn; the fastest
    trial of each places the candidate on the scale.

    Args:
        completions: the completions; the first fenced code block of the final answer is the candidate.

    Returns:
        5 at the naive triple loop's speed, 10 at NumPy's, on a log scale, clipped to [0, 10]; 0 for code that
        is wrong or cheats.
    """
    return [
        r.speed if r.correct and r.speed is not None and not r.facts.cheats and not r.runtime_cheats else 0.0
        for r in _matmul_reports(completions, kwargs.get("log_extra"))
    ]


# --- code task: the problem's own tests, run in the same sandbox ---------------------------------------


def tests_passed(
    completions: list[Completion],
    tests: list[list[str]],
    entry_point: list[str | None] | None = None,
    **kwargs,
) -> list[float]:
    """Share of the row's test snippets that run without an exception after the candidate's code.

    Args:
        completions: the completions; the first fenced code block of the final answer is the candidate.
        tests: dataset column, each row's Python snippets (e.g. ``"assert add(1, 2) == 3"``).
        entry_point: dataset column (optional), the function each row's code must define.

    Returns:
        The fraction of snippets that pass, 0.0 to 1.0. Logs ``tests_verdict`` for the completions table.
    """
    if not all(isinstance(t, list) and all(isinstance(s, str) for s in t) for t in tests):
        raise ValueError("tests_passed needs each row's 'tests' to be a list of Python snippets (strings)")
    texts = _texts(completions)
    codes = [extract_python_code(text) for text in texts]
    scores = code_tests.fraction_passed_many(codes, tests, entry_point or [None] * len(completions))
    if log_extra := kwargs.get("log_extra"):
        log_extra(
            "tests_verdict",
            [
                _code_problem(text, analyse(code)) or f"passed {round(score * len(t))}/{len(t)} tests"
                for text, code, score, t in zip(texts, codes, scores, tests, strict=True)
            ],
        )
    return scores


# --- reasoning task: the final answer against the dataset's ``answer`` column ------------------------


def answer_match(completions: list[Completion], answer: list, **kwargs) -> list[float | None]:
    r"""Whether the final answer equals the row's ``answer``.

    The final answer is the last ``\boxed{}``, else an "Answer:" line, else the last number; both sides are
    normalised and numbers match within a relative 1e-4; other mathematical answers are compared by math-verify
    (``\frac{1}{2}`` = ``0.5``, ``\{1,2\}`` = ``\{2,1\}``), time-bounded per answer in a locked-down child.

    Args:
        completions: the completions; only the final harmony channel is read.
        answer: dataset column, the reference answer of each row (``None`` for a row without one).

    Returns:
        1.0 on a match, 0.0 otherwise, and ``None`` for a row without a reference answer: that completion cannot
        be judged, so TRL leaves it out of the total instead of counting a zero.

    Example:
        >>> done = [{"role": "assistant", "content": "analysis6*7=42assistantfinal\\boxed{42}"}]
        >>> answer_match([done, done, done], answer=[42, "41", None])
        [1.0, 0.0, None]
    """
    finals = [final_answer(text) for text in _texts(completions)]
    found = [answers.extract_answer(text) for text in finals]
    scores = [
        None if gold is None else float(f is not None and answers.answers_match(f, str(gold)))
        for f, gold in zip(found, answer, strict=True)
    ]
    if log_extra := kwargs.get("log_extra"):
        log_extra(
            "answer_verdict",
            [_answer_verdict(*row) for row in zip(finals, found, answer, scores, strict=True)],
        )
    return scores


def _answer_verdict(final: str, found: str | None, gold: object, score: float | None) -> str:
    if gold is None:
        return "no reference answer"
    if not final:
        return "no final answer (stopped while thinking)"
    if found is None:
        return "no answer found"
    return "correct" if score else f"answered {found!r}, expected {str(gold)!r}"


def format_ok(completions: list[Completion], **kwargs) -> list[float]:
    r"""Whether the completion reached a final answer stated explicitly.

    Args:
        completions: the completions; only the final harmony channel is read.

    Returns:
        1.0 for a ``\boxed{}`` or an "Answer:" line in the final answer, else 0.0.

    Example:
        >>> format_ok([[{"role": "assistant", "content": "Answer: 7"}], [{"role": "assistant", "content": "7"}]])
        [1.0, 0.0]
    """
    return [float(answers.explicit_answer(final_answer(text)) is not None) for text in _texts(completions)]


# --- reasoning_gym task: the generator's own scorer ---------------------------------------------------


@reward(penalty=0.0, needs=("rg_dataset", "rg_config", "rg_index"))
def reasoning_gym_score(completions: list[Completion], **kwargs) -> list[float]:
    r"""The reasoning-gym generator's own ``score_answer`` for the final answer, run in a locked-down child.

    Args:
        completions: the completions; the answer is the last ``\boxed{}``, else the text after the last
            "Answer:", else the whole final channel.
        rg_dataset, rg_config, rg_index: dataset columns naming the generator, its options and the entry.

    Returns:
        The generator's score, 0.0 to 1.0 (some give partial credit); 0.0 when its scorer fails or stalls.
    """
    rows = zip(kwargs["rg_dataset"], kwargs["rg_config"], kwargs["rg_index"], strict=True)
    return [
        answers.generator_score(answers.free_form_answer(final_answer(text)), *row)
        for text, row in zip(_texts(completions), rows, strict=True)
    ]


# --- a user-added reward (see README: "Adding a reward"), with a parameter set from config.yaml ----------


def length_penalty(completions: list[Completion], max_chars: int = 3000, **kwargs) -> list[float]:
    """Discourages padding: nothing up to ``max_chars`` characters, then down linearly to -1 at twice that.

    Args:
        completions: the completions, thinking included.
        max_chars: the length that is free (``params: {max_chars: 2000}`` in config.yaml).

    Returns:
        0.0 up to ``max_chars`` characters, -1.0 from twice that, linear in between.

    Example:
        >>> length_penalty([[{"role": "assistant", "content": "x" * n}] for n in (10, 150, 400)], max_chars=100)
        [0.0, -0.5, -1.0]
    """
    return [
        max(-1.0, min(0.0, (max_chars - len(completion[0]["content"])) / max_chars))
        for completion in completions
    ]


if __name__ == "__main__":
    from gpt_oss_grpo.scoring.cli import main

    sys.exit(main(sys.argv[1:], __file__))
