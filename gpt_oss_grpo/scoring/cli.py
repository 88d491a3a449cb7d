"""``python reward_functions.py score completions.jsonl``: score saved completions, print a table.

Each line of the file is a JSON object with ``completion`` (text or message list) and, optionally,
dataset columns such as ``answer``, ``tests`` or ``entry_point``.
"""

import argparse
import json
import logging
from pathlib import Path

from rich.console import Console
from rich.table import Table

from gpt_oss_grpo.errors import run_main
from gpt_oss_grpo.scoring.harmony import completion_text, final_answer
from gpt_oss_grpo.scoring.registry import available_rewards, build_reward_funcs


def main(argv: list[str], reward_file: str) -> int:
    return run_main(lambda args: _score(args, reward_file), argv, expected=(OSError, ValueError))


def _score(argv: list[str], reward_file: str) -> None:
    parser = argparse.ArgumentParser(prog="python reward_functions.py", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    score = commands.add_parser("score", help="score the completions in a JSONL file")
    score.add_argument("path", type=Path, help="JSONL file, one {'completion': ..., <columns>} per line")
    score.add_argument("--rewards", help="comma-separated reward names (default: all the rows can feed)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    rows = _read_rows(args.path)
    found = available_rewards(reward_file)
    columns = set.intersection(*(set(row) for row in rows))
    names = (
        args.rewards.split(",")
        if args.rewards
        else [n for n, f in found.items() if set(f.reward_needs) <= columns]
    )
    funcs, _ = build_reward_funcs([(name.strip(), 1.0) for name in names], reward_file)
    completions = [row["completion"] for row in rows]
    extra = {c: [row[c] for row in rows] for c in columns - {"completion"}}
    scores = {f.__name__: f(completions, **extra) for f in funcs}
    _print_table(completions, scores)


def _read_rows(path: Path) -> list[dict]:
    rows = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as error:
            raise ValueError(f"{path}:{number}: not valid JSON ({error})") from None
        if not isinstance(row, dict) or not isinstance(row.get("completion"), str | list):
            raise ValueError(
                f"{path}:{number}: expected an object with a 'completion' string or message list"
            )
        rows.append(row)
    if not rows:
        raise ValueError(f"{path}: no completions found (one JSON object per line)")
    return rows


def _print_table(completions: list, scores: dict[str, list]) -> None:
    table = Table(title="rewards per completion")
    table.add_column("#", justify="right")
    table.add_column("final answer (start)", max_width=28, no_wrap=True)
    for name in scores:
        table.add_column(name, justify="right")
    table.add_column("total", justify="right", style="bold")
    for i, completion in enumerate(completions):
        values = [scores[name][i] for name in scores]
        total = sum(v for v in values if v is not None)
        preview = " ".join(final_answer(completion_text(completion)).split())[:28]
        table.add_row(str(i), preview, *(_fmt(v) for v in values), _fmt(total))
    Console(width=max(Console().width, 40 + 12 * len(scores))).print(table)


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"
