"""``python reward_functions.py score FILE``: score saved completions with the current rewards, print a table.

FILE is JSONL in either of two forms:

- one object per completion: ``{"completion": text or message list, <dataset columns>...}`` (``prompt`` too);
- a run's completions.jsonl as training writes it, one object per prompt with a ``completions`` list. Rescoring
  uses the run's rewards, weights and params (config.resolved.yaml beside the file), shows the total the run
  paid beside the new one, so an edited reward can be compared on a finished run.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console
from rich.table import Table

from gpt_oss_grpo import sandbox
from gpt_oss_grpo.errors import run_main
from gpt_oss_grpo.run_files import RESOLVED_CONFIG_FILE
from gpt_oss_grpo.scoring.harmony import completion_text, final_answer
from gpt_oss_grpo.scoring.registry import RewardSpec, available_rewards, build_reward_funcs, check_columns


@dataclass
class _Item:
    """One completion to score, with the columns of its row; ``group`` is its batch: a run's prompt row (TRL
    called the rewards one group at a time), or 0 for every line of the one-completion-per-line form."""

    completion: str | list
    columns: dict[str, Any]
    group: int = 0
    step: int | None = None
    paid: float | None = None  # the run's total for it (training form only)


@dataclass
class _Scores:
    """Every reward's score and every logged column, one value per item, in item order."""

    rewards: dict[str, list[float | None]] = field(default_factory=dict)
    extra: dict[str, list] = field(default_factory=dict)

    def add(self, batch: list[_Item], funcs: list) -> None:
        """Score one batch the way TRL calls the rewards: every reward on the same list of completions."""
        done = len(next(iter(self.rewards.values()), []))
        columns = set.intersection(*(set(item.columns) for item in batch))
        kwargs = {column: [item.columns[column] for item in batch] for column in columns - {"prompt"}}
        if "prompt" in columns:
            kwargs["prompts"] = [item.columns["prompt"] for item in batch]
        completions, logged = [item.completion for item in batch], {}
        for func in funcs:
            scores = func(completions, log_extra=logged.__setitem__, **kwargs)
            self.rewards.setdefault(func.__name__, []).extend(scores)
        for column in {**self.extra, **logged}:
            self.extra.setdefault(column, [None] * done).extend(logged.get(column, [None] * len(batch)))


def main(argv: list[str], reward_file: str) -> int:
    return run_main(lambda args: _score(args, reward_file), argv, expected=(OSError, ValueError))


def _score(argv: list[str], reward_file: str) -> None:
    parser = argparse.ArgumentParser(prog="python reward_functions.py", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    score = commands.add_parser("score", help="score the completions in a JSONL file")
    score.add_argument(
        "path", type=Path, help="JSONL: {'completion': ..., <columns>} lines, or a completions.jsonl"
    )
    score.add_argument(
        "--rewards", help="comma-separated reward names (default: the run's, or all the rows can feed)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    items, paid_by = _read_items(args.path)
    from_run = paid_by is not None
    columns = set.intersection(*(set(item.columns) for item in items))
    specs = _specs(args, reward_file, _run_rewards(args.path, paid_by) if from_run else [], columns)
    funcs, weights = build_reward_funcs(specs, reward_file)
    check_columns(funcs, columns)
    scores = _Scores()
    for _, batch in itertools.groupby(items, key=lambda item: item.group):
        scores.add(list(batch), funcs)
    _print_table(items, scores, dict(zip(scores.rewards, weights, strict=True)), from_run)


def _specs(
    args: argparse.Namespace, reward_file: str, run: list[RewardSpec], columns: set[str]
) -> list[RewardSpec]:
    """The rewards to score with: --rewards, else the run's (training form), else every one the rows can feed."""
    if args.rewards:
        chosen = {spec.name: spec for spec in run}
        return [chosen.get(name.strip(), RewardSpec(name=name.strip())) for name in args.rewards.split(",")]
    if run:
        return run
    funcs, _ = build_reward_funcs(
        [RewardSpec(name=name) for name in available_rewards(reward_file)], reward_file
    )
    return [RewardSpec(name=f.__name__) for f in funcs if set(f.needs) <= columns]


def _run_rewards(path: Path, paid_by: list[str]) -> list[RewardSpec]:
    """The run's rewards, weights and params from config.resolved.yaml beside its completions.jsonl (and its
    sandbox settings); without that file, the rewards named in the completions, each of weight 1."""
    resolved = path.parent / RESOLVED_CONFIG_FILE
    raw = (yaml.safe_load(resolved.read_text()) if resolved.is_file() else None) or {}
    if isinstance(raw.get("sandbox"), dict):
        sandbox.configure(sandbox.SandboxSettings(**raw["sandbox"]))
    if raw.get("rewards"):
        return [RewardSpec.model_validate(entry) for entry in raw["rewards"]]
    return [RewardSpec(name=name) for name in paid_by]


def _read_items(path: Path) -> tuple[list[_Item], list[str] | None]:
    """The completions of the file, and for a run's completions.jsonl the names of the rewards it paid."""
    items: list[_Item] = []
    paid_by: dict[str, None] | None = None
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as error:
            raise ValueError(f"{path}:{number}: not valid JSON ({error})") from None
        if isinstance(row, dict) and isinstance(row.get("completions"), list):
            paid_by = {} if paid_by is None else paid_by
            columns = {**(row.get("columns") or {}), "prompt": row.get("prompt")}
            for entry in row["completions"]:
                if not isinstance(entry, dict) or not _is_completion(entry.get("completion")):
                    raise ValueError(f"{path}:{number}: each of 'completions' needs a 'completion' string")
                items.append(
                    _Item(entry["completion"], columns, number, row.get("step"), entry.get("reward"))
                )
                paid_by.update(dict.fromkeys(entry.get("rewards") or {}))
        elif isinstance(row, dict) and _is_completion(row.get("completion")):
            items.append(_Item(row["completion"], {k: v for k, v in row.items() if k != "completion"}))
        else:
            raise ValueError(
                f"{path}:{number}: expected an object with a 'completion' string or message list, "
                "or a 'completions' list (a run's completions.jsonl)"
            )
    if not items:
        raise ValueError(f"{path}: no completions found (one JSON object per line)")
    return items, None if paid_by is None else list(paid_by)


def _is_completion(value: object) -> bool:
    return isinstance(value, str | list)


def _print_table(items: list[_Item], scores: _Scores, weights: dict[str, float], from_run: bool) -> None:
    table = Table(title="rewards per completion")
    table.add_column("#", justify="right")
    if from_run:
        table.add_column("step", justify="right")
    table.add_column("final answer (start)", max_width=28, no_wrap=True)
    for name in scores.rewards:
        table.add_column(name if weights[name] == 1 else f"{name} ×{weights[name]:g}", justify="right")
    table.add_column("total", justify="right", style="bold")
    if from_run:
        table.add_column("run paid", justify="right")
    if scores.extra:
        table.add_column("log_extra", max_width=40)
    totals = []
    for i, item in enumerate(items):
        values = [scores.rewards[name][i] for name in scores.rewards]
        totals.append(
            sum(weights[n] * v for n, v in zip(scores.rewards, values, strict=True) if v is not None)
        )
        preview = " ".join(final_answer(completion_text(item.completion)).split())[:28]
        cells = [str(i), *([str(item.step)] if from_run else []), preview, *(_fmt(v) for v in values)]
        cells += [_fmt(totals[-1]), *([_fmt(item.paid)] if from_run else [])]
        if scores.extra:
            cells.append(
                "; ".join(str(values[i]) for values in scores.extra.values() if values[i] is not None)
            )
        table.add_row(*cells)
    console = Console(width=max(Console().width, 60 + 12 * len(scores.rewards)))
    console.print(table)
    summary = f"mean total over {len(items)} completions: {sum(totals) / len(totals):.3f}"
    paid = [item.paid for item in items if item.paid is not None]
    if from_run and paid:
        summary += f" (the run paid {sum(paid) / len(paid):.3f})"
    console.print(summary, highlight=False)


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"
