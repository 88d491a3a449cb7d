"""Pull a short answer out of a reasoning completion's final channel and compare it with the reference.

Plain numbers are compared here, with a tolerance; anything else that looks mathematical goes to math-verify
(LaTeX, fractions, sets, intervals, equivalent expressions), which runs in a time-bounded child (worker.py).
"""

import math
import re

from gpt_oss_grpo.scoring.worker import worker

_BOXED = re.compile(r"\\boxed\s*\{")
_ANSWER_LINE = re.compile(r"(?:final\s+answer|answer)\s*(?:is)?\s*[:=]\s*(.+)", re.IGNORECASE)
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?(?:[eE][-+]?\d+)?|-?\.\d+")
_GSM8K = re.compile(r"####\s*(.+)")
_LAST_ANSWER = re.compile(r"(?:final\s+answer|answer)\s*(?:is)?\s*[:=]", re.IGNORECASE)
# Only these go to math-verify: it reads letters as symbols, so "ON" and "NO" (O*N == N*O) would match.
_MATHEMATICAL = re.compile(r"[\d\\^_{}()\[\]+\-*/=<>]")
# Longer "answers" are not math answers: scored without math-verify rather than risking a stall.
MATH_VERIFY_MAX_CHARS = 1000


def explicit_answer(text: str) -> str | None:
    """The last ``\\boxed{...}`` content, else the last "Answer: ..." line; None when neither is there."""
    boxed = _last_boxed(text)
    if boxed is not None:
        return boxed
    lines = _ANSWER_LINE.findall(text)
    return lines[-1].strip() if lines else None


def extract_answer(text: str) -> str | None:
    """``explicit_answer``, falling back to the last number in the text."""
    found = explicit_answer(text)
    if found is not None:
        return found
    numbers = _NUMBER.findall(text)
    return numbers[-1] if numbers else None


def free_form_answer(text: str) -> str:
    """The last ``\\boxed{...}``, else everything after the last "Answer:" (answers may span lines), else all.

    For scorers that judge the answer text themselves (reasoning-gym), where the answer is not always a number.
    """
    boxed = _last_boxed(text)
    if boxed is not None:
        return boxed
    markers = list(_LAST_ANSWER.finditer(text))
    return (text[markers[-1].end() :] if markers else text).strip()


def gsm8k_answer(text: str) -> str | None:
    """The value after the last "####" (GSM8K's worked solutions end with "#### 72"); None without one."""
    tagged = _GSM8K.findall(text)
    return tagged[-1].strip() if tagged else None


def boxed_answer(text: str) -> str | None:
    """The content of the last ``\\boxed{...}`` (MATH-style solutions); None without one."""
    return _last_boxed(text)


def reference_answer(answer: str) -> str:
    """A dataset answer, reduced to its final value when it carries a worked solution (GSM8K "#### 42")."""
    return gsm8k_answer(answer) or _last_boxed(answer) or answer


def normalise(answer: str) -> str:
    """Lower case, no spaces, no surrounding $ or \\text{}, no trailing full stop."""
    answer = re.sub(r"\\text\s*\{([^}]*)\}", r"\1", answer.strip())
    answer = answer.strip().rstrip(".").strip().strip("$").rstrip(".").strip()
    return re.sub(r"\s+", "", answer).lower()


def answers_match(predicted: str, reference: str, rel_tol: float = 1e-4, abs_tol: float = 1e-6) -> bool:
    """Equal after normalising; numbers (1,000 / 0.5 / 1/2; a trailing % dropped) match within a tolerance;
    otherwise mathematical answers are compared by math-verify (\\frac{1}{2} = 0.5, \\{1,2\\} = \\{2,1\\})."""
    reference = reference_answer(reference)
    got, want = normalise(predicted), normalise(reference)
    if got == want:
        return True
    a, b = _as_number(got), _as_number(want)
    if a is not None and b is not None:
        return math.isclose(a, b, rel_tol=rel_tol, abs_tol=abs_tol)
    return math_equivalent(predicted, reference)


def math_equivalent(predicted: str, reference: str) -> bool:
    """math-verify's verdict, in the worker child; False for non-mathematical or over-long text, or no verdict
    within ``sandbox.call_timeout_s``."""
    if len(predicted) > MATH_VERIFY_MAX_CHARS or not (
        _MATHEMATICAL.search(reference) and _MATHEMATICAL.search(predicted)
    ):
        return False
    reply = worker("math").request({"gold": _as_latex(reference), "answer": _as_latex(predicted)})
    return bool(reply and reply["ok"] and reply["value"] is True)


def generator_score(answer: str, dataset: str, config: str, index: int) -> float:
    """A reasoning-gym generator's own ``score_answer`` (0..1) for entry ``index`` of ``dataset`` built with
    ``config`` (JSON), in the worker child; 0.0 when it raises or gives no verdict in time."""
    reply = worker("reasoning_gym").request(
        {"dataset": dataset, "config": config, "index": int(index), "answer": answer}
    )
    value = reply["value"] if reply and reply["ok"] else 0.0
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return 0.0
    return min(1.0, max(0.0, float(value)))


def _as_latex(answer: str) -> str:
    """An extracted answer as one LaTeX math span, which math-verify's LaTeX extraction reads."""
    return f"${answer.strip().strip('$').strip()}$"


def _as_number(text: str) -> float | None:
    text = text.replace(",", "").removesuffix("%")
    try:
        if re.fullmatch(r"-?\d+/\d+", text):
            top, bottom = text.split("/")
            return int(top) / int(bottom)
        return float(text)
    except (ValueError, ZeroDivisionError):
        return None


def _last_boxed(text: str) -> str | None:
    """Content of the last \\boxed{...}, braces balanced."""
    starts = [m.end() for m in _BOXED.finditer(text)]
    if not starts:
        return None
    depth, start = 1, starts[-1]
    for i in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            return text[start:i].strip()
    return None
