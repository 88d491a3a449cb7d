"""PNG plots of a run's metrics.jsonl: each quantity raw (faint) with a trailing mean (bold) over steps."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no display; must be chosen before pyplot loads
import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator

from gpt_oss_grpo.monitoring.signs import series

Rows = Sequence[dict[str, Any]]


def smoothing_window(n_points: int) -> int:
    """A trailing-mean window that evens out step-to-step noise without hiding trends (2..20 steps)."""
    return max(2, min(20, n_points // 10))


def trailing_mean(values: Sequence[float], window: int) -> list[float]:
    """Mean of each value and up to `window - 1` before it (the start uses what is there)."""
    out, total = [], 0.0
    for i, value in enumerate(values):
        total += value
        if i >= window:
            total -= values[i - window]
        out.append(total / min(i + 1, window))
    return out


def _draw(ax, points: list[tuple[int, float]], color: str, window: int) -> None:
    steps = [step for step, _ in points]
    values = [value for _, value in points]
    marker = "." if len(points) < 40 else None
    ax.plot(steps, values, color=color, alpha=0.35, linewidth=1, marker=marker, label="raw, per step")
    ax.plot(
        steps, trailing_mean(values, window), color=color, linewidth=2.2, label=f"mean of last {window} steps"
    )


def _panel(ax, rows: Rows, key: str, title: str, unit: str, color: str, warnings: Rows) -> bool:
    """Draw one metric on `ax`; False when the run never logged it (the panel then says so)."""
    points = series(rows, key)
    ax.set_title(title)
    ax.set_xlabel("training step")
    ax.set_ylabel(unit)
    ax.grid(alpha=0.3)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if not points:
        ax.text(0.5, 0.5, f"'{key}' was not logged", ha="center", va="center", transform=ax.transAxes)
        return False
    window = smoothing_window(len(points))
    _draw(ax, points, color, window)
    for warning in warnings:
        ax.axvline(int(warning["step"]), color="tab:red", linestyle=":", alpha=0.6)
        ax.annotate(
            str(warning["kind"]).replace("_", " "),
            (int(warning["step"]), 1),
            xycoords=("data", "axes fraction"),
            xytext=(2, -4),
            textcoords="offset points",
            rotation=90,
            va="top",
            fontsize=7,
            color="tab:red",
        )
    if warnings:
        ax.plot([], [], color="tab:red", linestyle=":", label="warning raised")
    ax.legend(loc="best", fontsize=8)
    return True


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def reward_function_names(rows: Rows) -> list[str]:
    """Names of the reward functions in the rows (from TRL's `rewards/<name>/mean` keys), in logged order."""
    names: dict[str, None] = {}
    for row in rows:
        for key in row:
            if key.startswith("rewards/") and key.endswith("/mean"):
                names[key[len("rewards/") : -len("/mean")]] = None
    return list(names)


def write_plots(rows: Rows, warnings: Rows, folder: Path) -> list[Path]:
    """Write reward, per-function reward, KL, loss/grad-norm and completion-length PNGs; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []

    fig, ax = plt.subplots(figsize=(8, 4.5))
    _panel(
        ax,
        rows,
        "reward",
        "Total reward (weighted sum of the reward functions)",
        "reward",
        "tab:blue",
        warnings,
    )
    paths.append(_save(fig, folder / "reward.png"))

    names = reward_function_names(rows)
    fig, axes = plt.subplots(len(names) or 1, 1, figsize=(8, 3 * max(1, len(names))), squeeze=False)
    for ax, name in zip(axes[:, 0], names or ["(none)"], strict=True):
        _panel(
            ax,
            rows,
            f"rewards/{name}/mean",
            f"Reward function '{name}' (mean per completion)",
            "reward",
            "tab:green",
            [],
        )
    paths.append(_save(fig, folder / "reward_functions.png"))

    fig, ax = plt.subplots(figsize=(8, 4))
    _panel(
        ax,
        rows,
        "kl",
        "KL divergence from the reference model (logged when beta > 0)",
        "KL (nats/token)",
        "tab:purple",
        [],
    )
    paths.append(_save(fig, folder / "kl.png"))

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 6), sharex=True)
    _panel(top, rows, "loss", "GRPO loss", "loss", "tab:orange", [])
    top.set_xlabel("")  # shared with the panel below
    _panel(bottom, rows, "grad_norm", "Gradient norm (before clipping)", "L2 norm", "tab:brown", [])
    paths.append(_save(fig, folder / "loss.png"))

    fig, ax = plt.subplots(figsize=(8, 4))
    lengths = series(rows, "completions/mean_length")
    if _panel(
        ax,
        rows,
        "completions/mean_length",
        "Completion length (mean per step; band: shortest to longest)",
        "tokens per completion",
        "tab:cyan",
        [],
    ):
        low, high = series(rows, "completions/min_length"), series(rows, "completions/max_length")
        if len(low) == len(high) == len(lengths):
            ax.fill_between(
                [s for s, _ in low],
                [v for _, v in low],
                [v for _, v in high],
                color="tab:cyan",
                alpha=0.12,
                label="min-max of the step",
            )
            ax.legend(loc="best", fontsize=8)
    paths.append(_save(fig, folder / "completion_length.png"))
    return paths
