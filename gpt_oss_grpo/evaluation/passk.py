"""pass@k, the unbiased estimator of Chen et al. 2021 (the Codex paper), and the k values reported."""

from __future__ import annotations

from collections.abc import Sequence
from math import comb


def pass_at_k(n: int, c: int, k: int) -> float:
    """Probability that at least one of k samples drawn from n (c of them correct) is correct."""
    if not 0 <= c <= n or not 1 <= k <= n:
        raise ValueError(f"pass@k needs 0 <= c <= n and 1 <= k <= n (n={n}, c={c}, k={k})")
    if n - c < k:
        return 1.0
    return 1.0 - comb(n - c, k) / comb(n, k)


def reported_ks(samples: int) -> list[int]:
    """Every power of two up to the number of samples per problem: 1, 2, 4, ..."""
    return [2**i for i in range(samples.bit_length()) if 2**i <= samples]


def mean_pass_at_k(counts: Sequence[tuple[int, int]], k: int) -> float:
    """pass@k averaged over problems, each given as (samples n, correct c)."""
    return sum(pass_at_k(n, c, k) for n, c in counts) / len(counts)
