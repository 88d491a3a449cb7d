"""Text statistics of completions (pure Python, used by the repetition warning sign)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def completion_text(completion: Any) -> str:
    """A completion as text: TRL gives strings for text prompts, message lists for conversational ones."""
    if isinstance(completion, str):
        return completion
    return "\n".join(str(message.get("content", "")) for message in completion)


def repeated_ngram_share(text: str, n: int) -> float:
    """Share of the word n-grams in `text` that repeat an earlier one (0 = none repeat, near 1 = one loop)."""
    words = text.split()
    ngrams = [tuple(words[i : i + n]) for i in range(len(words) - n + 1)]
    if not ngrams:
        return 0.0
    return 1 - len(set(ngrams)) / len(ngrams)


def mean_repeated_ngram_share(completions: Iterable[Any], n: int) -> float:
    """Mean of `repeated_ngram_share` over completions (0.0 when there are none)."""
    shares = [repeated_ngram_share(completion_text(completion), n) for completion in completions]
    return sum(shares) / len(shares) if shares else 0.0
