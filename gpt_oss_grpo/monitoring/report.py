"""Build plots/ and report.md from the files a run left in its output folder (during or after training).

python -m gpt_oss_grpo.monitoring.report OUTPUT_DIR
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gpt_oss_grpo.errors import run_main
from gpt_oss_grpo.evaluation import is_eval_row
from gpt_oss_grpo.monitoring.jsonl import read_rows
from gpt_oss_grpo.monitoring.plots import reward_function_names, write_plots
from gpt_oss_grpo.monitoring.signs import series
from gpt_oss_grpo.run_files import (
    COMPLETIONS_FILE,
    METRICS_FILE,
    PLOTS_DIR,
    REPORT_FILE,
    RESOLVED_CONFIG_FILE,
    WARNINGS_FILE,
)

SHOWN_COMPLETIONS = 3
COMPLETION_CHARS = 2000


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4g}"


def _window_mean(points: list[tuple[int, float]], first: bool) -> float | None:
    """Mean of the first (or last) tenth of the points, at least one: a steadier start/end figure than one step."""
    if not points:
        return None
    n = max(1, len(points) // 10)
    chunk = points[:n] if first else points[-n:]
    return sum(value for _, value in chunk) / len(chunk)


def _figures(rows: Sequence[dict[str, Any]]) -> list[str]:
    """Markdown table rows: metric, start, end, best."""
    keys = [("reward", "total reward")]
    keys += [(f"rewards/{name}/mean", f"reward `{name}`") for name in reward_function_names(rows)]
    keys += [
        ("reward_std", "reward spread (std)"),
        ("frac_reward_zero_std", "groups with zero spread"),
        ("kl", "KL"),
        ("loss", "loss"),
        ("grad_norm", "gradient norm"),
        ("completions/mean_length", "completion length (tokens)"),
        ("completions/repeated_ngram_share", "repeated n-gram share"),
        ("step_time", "step time (s)"),
    ]
    lines = ["| metric | start | end | max (step) |", "|---|---|---|---|"]
    for key, label in keys:
        points = series(rows, key)
        if points:
            step, top = max(points, key=lambda point: point[1])
            start, end = _window_mean(points, first=True), _window_mean(points, first=False)
            lines.append(f"| {label} | {_fmt(start)} | {_fmt(end)} | {_fmt(top)} ({step}) |")
    return lines


def _fenced(text: str) -> str:
    """`text` in a code fence longer than any backtick run inside it (completions contain ``` blocks)."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    if len(text) > COMPLETION_CHARS:
        text = text[:COMPLETION_CHARS] + f"\n... [{len(text) - COMPLETION_CHARS} more characters]"
    return f"{fence}text\n{text}\n{fence}"


def _completion_section(groups: Sequence[dict[str, Any]]) -> list[str]:
    scored = [
        (item["reward"], group["step"], item)
        for group in groups
        for item in group["completions"]
        if isinstance(item.get("reward"), int | float)
    ]
    if not scored:
        return ["No completions were logged (set `monitoring.completions_log: true`)."]
    scored.sort(key=lambda entry: entry[0])
    lines = []
    for title, picked in (("Best", scored[::-1][:SHOWN_COMPLETIONS]), ("Worst", scored[:SHOWN_COMPLETIONS])):
        lines.append(f"### {title} completions")
        for reward, step, item in picked:
            parts = ", ".join(f"{name} {_fmt(value)}" for name, value in item["rewards"].items())
            lines += [
                "",
                f"**step {step}, reward {_fmt(reward)}** ({parts}; advantage {_fmt(item['advantage'])})",
            ]
            if item.get("extra"):  # what the rewards logged with log_extra: the evaluators' verdicts
                lines += ["", "; ".join(f"{column}: {value}" for column, value in item["extra"].items())]
            lines += ["", _fenced(item["completion"])]
        lines.append("")
    return lines


def _summary(rows: Sequence[dict[str, Any]]) -> list[str]:
    steps = [int(row["step"]) for row in rows]
    times = [value for _, value in series(rows, "step_time")]
    lines = [f"- Steps logged: {len(rows)} (steps {min(steps)}-{max(steps)})"]
    if times:
        total = sum(times)
        spent = (
            f"{total / 3600:.1f} h"
            if total >= 3600
            else f"{total / 60:.1f} min"
            if total >= 60
            else f"{total:.1f} s"
        )
        lines.append(f"- Training time: {spent} ({total / len(times):.3g} s per step, generation included)")
    return lines


def write_report(output_dir: Path) -> Path:
    """Write OUTPUT_DIR/plots/*.png and OUTPUT_DIR/report.md from metrics.jsonl and friends; return report.md."""
    from gpt_oss_grpo.evaluation.report import before_after, write_eval_plot

    output_dir = Path(output_dir)
    rows = read_rows(output_dir / METRICS_FILE)
    evaluated = [row for row in rows if is_eval_row(row)]
    rows = [row for row in rows if not is_eval_row(row)]
    if not rows:
        raise FileNotFoundError(
            f"no training metrics in {output_dir / METRICS_FILE}: is this a run's output_dir?"
        )
    warnings = read_rows(output_dir / WARNINGS_FILE)
    plots = write_plots(rows, warnings, output_dir / PLOTS_DIR)
    plots += [path for path in [write_eval_plot(evaluated, output_dir / PLOTS_DIR)] if path is not None]
    config_path = output_dir / RESOLVED_CONFIG_FILE
    config = config_path.read_text().rstrip() if config_path.exists() else None

    lines = [f"# GRPO training report: {output_dir.name}", ""]
    lines.append(f"Written {datetime.now(UTC):%Y-%m-%d %H:%M UTC} from `{output_dir}`.")
    if evaluated:
        lines += ["", *before_after(evaluated)]
    lines += ["", "## Summary", "", *_summary(rows), "", *_figures(rows), ""]
    lines.append("Start and end are means over the first and last tenth of the logged steps.")
    lines += ["", "## Warnings", ""]
    if warnings:
        lines += [
            f"- **step {w['step']}: {w['title']}.** {w['detail']}. *What to do:* {w['action']}."
            for w in warnings
        ]
    else:
        lines.append("No warning sign was raised.")
    lines += ["", "## Plots", ""]
    lines += [f"![{path.stem}]({PLOTS_DIR}/{path.name})" for path in plots]
    lines += ["", "## Completions", "", *_completion_section(read_rows(output_dir / COMPLETIONS_FILE))]
    lines += ["", "## Run configuration", ""]
    if config is None:
        lines.append(f"(no {RESOLVED_CONFIG_FILE} in the output folder)")
    else:
        lines += ["```yaml", config, "```"]
    report = output_dir / REPORT_FILE
    report.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return report


def _main(argv: Sequence[str]) -> None:
    parser = argparse.ArgumentParser(description="Write plots and report.md for a GRPO run's output folder.")
    parser.add_argument("output_dir", type=Path, help="the run's output_dir (holds metrics.jsonl)")
    print(write_report(parser.parse_args(argv).output_dir))


def main(argv: Sequence[str] | None = None) -> int:
    return run_main(_main, sys.argv[1:] if argv is None else argv, expected=(FileNotFoundError,))


if __name__ == "__main__":
    sys.exit(main())
