"""The warning signs of a GRPO run: checks on the logged metric rows, the monitor that reports each sign once,
and the text statistics the repetition check uses. No torch, no trainer: testable on plain rows.

Each check looks at the rows logged so far (dicts with `step` and TRL's metric names) and returns a `Sign`
when its condition holds now; `WarningMonitor` prints and records each kind once.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from gpt_oss_grpo.monitoring.jsonl import StepLog
from gpt_oss_grpo.monitoring.settings import MonitorSettings
from gpt_oss_grpo.run_files import WARNINGS_FILE
from gpt_oss_grpo.scoring.harmony import completion_text

Row = Mapping[str, object]

REPETITION_KEY = "completions/repeated_ngram_share"


@dataclass(frozen=True)
class Sign:
    """One warning sign seen at `step`: what is wrong (`detail`) and what to try (`action`)."""

    kind: str
    step: int
    title: str
    detail: str
    action: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    def __str__(self) -> str:
        return f"WARNING at step {self.step}: {self.title}. {self.detail}. What to do: {self.action}."


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def series(rows: Sequence[Row], key: str) -> list[tuple[int, float]]:
    """(step, value) pairs of `key`, skipping rows where it is missing or not a finite number."""
    return [(int(row["step"]), float(row[key])) for row in rows if is_number(row.get(key))]


def _mean(points: Sequence[tuple[int, float]]) -> float:
    return sum(value for _, value in points) / len(points)


def _span(points: Sequence[tuple[int, float]]) -> str:
    return f"steps {points[0][0]}-{points[-1][0]}"


def check_plateau(
    rows: Sequence[Row], settings: MonitorSettings, weights: Mapping[str, float]
) -> Sign | None:
    """Mean reward of the last window barely above (or below) the window before it."""
    n = settings.plateau_window
    rewards = series(rows, "reward")
    if len(rewards) < 2 * n:
        return None
    before, last = rewards[-2 * n : -n], rewards[-n:]
    gain = _mean(last) - _mean(before)
    if gain >= settings.plateau_min_gain:
        return None
    return Sign(
        "reward_plateau",
        rewards[-1][0],
        "reward is not improving",
        f"mean reward {_mean(before):.4g} over {_span(before)}, {_mean(last):.4g} over {_span(last)} "
        f"(gain {gain:+.3g} < {settings.plateau_min_gain:g})",
        "read completions.jsonl to see whether the reward functions separate good from bad completions; "
        "try a higher learning_rate, more num_generations or a higher temperature, or stop the run",
    )


def check_dominant(
    rows: Sequence[Row], settings: MonitorSettings, weights: Mapping[str, float]
) -> Sign | None:
    """One reward function supplies most of the total |weighted reward| over the last window."""
    recent = rows[-settings.window :]
    if len(recent) < settings.window:
        return None
    contributions = {}
    for name, weight in weights.items():
        points = series(recent, f"rewards/{name}/mean")
        if points:
            contributions[name] = abs(weight * _mean(points))
    total = sum(contributions.values())
    if len(contributions) < 2 or total <= 0:
        return None
    name, top = max(contributions.items(), key=lambda item: item[1])
    share = top / total
    if share <= settings.dominant_share:
        return None
    return Sign(
        "dominant_reward",
        int(recent[-1]["step"]),
        f"reward function '{name}' supplies most of the reward",
        f"{share:.0%} of the total |weighted reward| over the last {len(recent)} steps "
        f"(threshold {settings.dominant_share:.0%})",
        f"read completions.jsonl for completions paid by '{name}' alone (reward hacking?); "
        "rebalance the reward weights in config.yaml",
    )


def check_kl(rows: Sequence[Row], settings: MonitorSettings, weights: Mapping[str, float]) -> Sign | None:
    """KL to the reference model above the limit (TRL logs `kl` only when beta > 0)."""
    kl = series(rows[-1:], "kl")
    if not kl or kl[-1][1] <= settings.kl_max:
        return None
    return Sign(
        "kl_high",
        kl[-1][0],
        "policy is drifting far from the reference model",
        f"KL {kl[-1][1]:.4g} > {settings.kl_max:g}",
        "lower learning_rate, raise beta, or resume from an earlier checkpoint",
    )


def check_length(rows: Sequence[Row], settings: MonitorSettings, weights: Mapping[str, float]) -> Sign | None:
    """Reward rising while the mean completion length collapses or explodes relative to the start of the run."""
    n = settings.window
    lengths = series(rows, "completions/mean_length")
    rewards = series(rows, "reward")
    if len(lengths) < 2 * n or len(rewards) < 2 * n:
        return None
    if _mean(rewards[-n:]) <= _mean(rewards[:n]):
        return None
    start, now = _mean(lengths[:n]), _mean(lengths[-n:])
    if start <= 0:
        return None
    ratio = now / start
    detail = (
        f"mean completion length {start:.4g} tokens over {_span(lengths[:n])}, {now:.4g} over "
        f"{_span(lengths[-n:])} ({ratio:.2f}x) while the mean reward rose from {_mean(rewards[:n]):.4g} "
        f"to {_mean(rewards[-n:]):.4g}"
    )
    if ratio < settings.length_collapse_ratio:
        return Sign(
            "length_collapse",
            lengths[-1][0],
            "completions are getting much shorter while reward rises",
            detail,
            "read the latest completions.jsonl: short outputs that score well suggest reward hacking; "
            "tighten the reward functions",
        )
    if ratio > settings.length_explode_ratio:
        return Sign(
            "length_explode",
            lengths[-1][0],
            "completions are getting much longer while reward rises",
            detail,
            "check completions/clipped_ratio and the latest completions.jsonl for rambling or gibberish; "
            "consider a length penalty or a lower max_completion_length",
        )
    return None


def check_repetition(
    rows: Sequence[Row], settings: MonitorSettings, weights: Mapping[str, float]
) -> Sign | None:
    """Completions made mostly of repeated word n-grams over the last window (a gibberish sign)."""
    recent = series(rows[-settings.window :], REPETITION_KEY)
    if len(recent) < settings.window:
        return None
    share = _mean(recent)
    if share <= settings.repetition_max_share:
        return None
    return Sign(
        "repetitive_completions",
        recent[-1][0],
        "completions are turning repetitive",
        f"{share:.0%} of word {settings.repetition_ngram}-grams are repeats over {_span(recent)} "
        f"(threshold {settings.repetition_max_share:.0%})",
        "read the latest completions.jsonl; if they are gibberish that scores well, fix the reward "
        "functions, lower the learning_rate or raise beta, and resume from an earlier checkpoint",
    )


def check_zero_spread(
    rows: Sequence[Row], settings: MonitorSettings, weights: Mapping[str, float]
) -> Sign | None:
    """Most groups have all completions scored alike, so their advantages are zero: no learning signal."""
    recent = series(rows[-settings.window :], "frac_reward_zero_std")
    if len(recent) < settings.window:
        return None
    frac = _mean(recent)
    if frac <= settings.zero_std_max_frac:
        return None
    return Sign(
        "zero_reward_spread",
        recent[-1][0],
        "most groups give no learning signal",
        f"{frac:.0%} of groups had zero reward spread over {_span(recent)} "
        f"(threshold {settings.zero_std_max_frac:.0%})",
        "raise num_generations or temperature, or make the rewards finer-grained so completions of "
        "one prompt score differently",
    )


def check_nonfinite(
    rows: Sequence[Row], settings: MonitorSettings, weights: Mapping[str, float]
) -> Sign | None:
    """NaN or inf loss, gradient norm or reward in the latest row (written as null in metrics.jsonl)."""
    if not rows:
        return None
    row = rows[-1]
    bad = {key: row[key] for key in ("loss", "grad_norm", "reward") if isinstance(row.get(key), float)}
    bad = {key: value for key, value in bad.items() if not math.isfinite(value)}
    if not bad:
        return None
    return Sign(
        "nonfinite",
        int(row["step"]),
        "loss, gradient or reward is not a finite number",
        ", ".join(f"{key} = {value}" for key, value in bad.items()),
        "check the reward functions for NaN/inf scores (completions.jsonl), lower learning_rate or "
        "max_grad_norm, and resume from the last healthy checkpoint",
    )


CHECKS: tuple[Callable[[Sequence[Row], MonitorSettings, Mapping[str, float]], Sign | None], ...] = (
    check_nonfinite,
    check_kl,
    check_zero_spread,
    check_dominant,
    check_repetition,
    check_length,
    check_plateau,
)


def current_signs(rows: Sequence[Row], settings: MonitorSettings, weights: Mapping[str, float]) -> list[Sign]:
    """Every warning sign that holds on `rows` now (`weights`: reward function name -> weight in the total)."""
    return [sign for check in CHECKS if (sign := check(rows, settings, weights)) is not None]


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


class WarningMonitor:
    """Keeps the run's metric history and raises each kind of warning sign the first time it holds."""

    def __init__(
        self, settings: MonitorSettings, weights: Mapping[str, float], output_dir: Path | None
    ) -> None:
        self.settings = settings
        self.weights = dict(weights)
        self.rows: list[dict[str, Any]] = []
        self.raised: list[Sign] = []
        self.log = StepLog(output_dir / WARNINGS_FILE) if output_dir is not None else None

    def start(self, history: list[dict[str, Any]], global_step: int) -> None:
        """Begin (or resume at `global_step`) with the metric rows already logged; earlier warnings stay raised."""
        self.rows = list(history)
        self.raised = []
        if self.log is not None:
            self.raised = [Sign(**row) for row in self.log.start(global_step)]

    def observe(self, row: dict[str, Any]) -> list[Sign]:
        """Add one logged row; print and record the signs that hold now and were not raised before."""
        self.rows.append(row)
        seen = {sign.kind for sign in self.raised}
        new = [
            sign for sign in current_signs(self.rows, self.settings, self.weights) if sign.kind not in seen
        ]
        for sign in new:
            print(f"\n{sign}\n", file=sys.stderr, flush=True)
            self.raised.append(sign)
            if self.log is not None:
                self.log.append(sign.to_dict())
        return new
