"""Pull a short answer out of a reasoning completion's final channel and compare it with the reference."""

import math
import re

_BOXED = re.compile(r"\\boxed\s*\{")
_ANSWER_LINE = re.compile(r"(?:final\s+answer|answer)\s*(?:is)?\s*[:=]\s*(.+)", re.IGNORECASE)
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?(?:[eE][-+]?\d+)?|-?\.\d+")
_GSM8K = re.compile(r"####\s*(.+)")


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


def reference_answer(answer: str) -> str:
    """A dataset answer, reduced to its final value when it carries a worked solution (GSM8K "#### 42")."""
    tagged = _GSM8K.findall(answer)
    return tagged[-1] if tagged else (_last_boxed(answer) or answer)


def normalise(answer: str) -> str:
    """Lower case, no spaces, no surrounding $ or \\text{}, no trailing full stop."""
    answer = re.sub(r"\\text\s*\{([^}]*)\}", r"\1", answer.strip())
    answer = answer.strip().rstrip(".").strip().strip("$").rstrip(".").strip()
    return re.sub(r"\s+", "", answer).lower()


def answers_match(predicted: str, reference: str, rel_tol: float = 1e-4, abs_tol: float = 1e-6) -> bool:
    """Equal after normalising; numbers (1,000 / 0.5 / 1/2; a trailing % dropped) match within a tolerance."""
    got, want = normalise(predicted), normalise(reference_answer(reference))
    if got == want:
        return True
    a, b = _as_number(got), _as_number(want)
    return a is not None and b is not None and math.isclose(a, b, rel_tol=rel_tol, abs_tol=abs_tol)


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
