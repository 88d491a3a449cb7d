"""What evaluate.sh shows and writes: a rich table, evaluation.json and a bar chart, base and adapter side by side."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

EVAL_JSON = "evaluation.json"
EVAL_CHART = "evaluation.png"
SUMMARY_KEYS = ("model", "pass@1", "pass@k", "rewards", "problems", "samples")


def summary(result: dict[str, Any]) -> dict[str, Any]:
    """One model's figures without the per-problem detail (what --json prints)."""
    return {key: result[key] for key in SUMMARY_KEYS if key in result}


def metric_rows(results: Sequence[dict[str, Any]]) -> list[tuple[str, list[float | None]]]:
    """(metric, one value per model): pass@1, pass@k for k > 1, then every reward's mean."""
    rows: list[tuple[str, list[float | None]]] = [("pass@1", [r["pass@1"] for r in results])]
    rows += [(f"pass@{k}", [r["pass@k"][k] for r in results]) for k in results[0]["pass@k"] if k != "1"]
    rows += [(f"mean {name}", [r["rewards"][name] for r in results]) for name in results[0]["rewards"]]
    return rows


def print_table(results: Sequence[dict[str, Any]], title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    table.add_column("metric")
    for result in results:
        table.add_column(str(result["model"]), justify="right")
    if len(results) == 2:
        table.add_column("change", justify="right")
    for name, values in metric_rows(results):
        cells = ["n/a" if v is None else f"{v:.3f}" for v in values]
        if len(values) == 2:
            cells.append("n/a" if None in values else f"{values[1] - values[0]:+.3f}")
        table.add_row(name, *cells)
    Console().print(table)


def write_chart(results: Sequence[dict[str, Any]], path: Path) -> Path:
    """Grouped bars per metric, one colour per model: pass rates on the left, reward means on the right."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = metric_rows(results)
    panels = [
        ("pass rate (held-out problems)", [r for r in rows if r[0].startswith("pass@")]),
        ("mean reward", [r for r in rows if r[0].startswith("mean ")]),
    ]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    width = 0.8 / len(results)
    for ax, (title, picked) in zip(axes, panels, strict=True):
        for m, result in enumerate(results):
            values = [v[m] or 0.0 for _, v in picked]
            positions = [i + (m - (len(results) - 1) / 2) * width for i in range(len(picked))]
            bars = ax.bar(positions, values, width, label=str(result["model"]))
            ax.bar_label(bars, fmt="%.2f", fontsize=8)
        ax.set_xticks(range(len(picked)), [name for name, _ in picked], rotation=20)
        ax.set_title(title)
        ax.grid(axis="y", alpha=0.3)
        ax.axhline(0, color="black", linewidth=0.8)
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_files(results: Sequence[dict[str, Any]], settings: dict[str, Any], folder: Path) -> list[Path]:
    """evaluation.json (settings, every model's figures and per-problem passes) and evaluation.png."""
    folder.mkdir(parents=True, exist_ok=True)
    data = {"settings": settings, "models": list(results)}
    (folder / EVAL_JSON).write_text(json.dumps(data, indent=2) + "\n")
    return [folder / EVAL_JSON, write_chart(results, folder / EVAL_CHART)]
