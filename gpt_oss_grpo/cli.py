"""Command-line plumbing for train.py: arguments, logging, the --dry-run summary and where results landed."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import yaml
from rich.console import Console
from rich.logging import RichHandler
from rich.panel import Panel
from rich.table import Table

from gpt_oss_grpo.config import RunConfig

console = Console(stderr=True)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="train.py",
        description="Fine-tune GPT-OSS with GRPO (TRL) from a YAML config.",
        epilog="Example: python train.py --config configs/cpu-demo.yaml --set grpo.max_steps=5",
    )
    parser.add_argument(
        "--config", type=Path, default=Path("config.yaml"), help="YAML config (default: config.yaml)"
    )
    parser.add_argument(
        "--set",
        metavar="KEY=VALUE",
        action="append",
        default=[],
        help="override one config value, e.g. grpo.max_steps=5 (repeatable; VALUE is parsed as YAML)",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="validate, print the resolved config, a rendered prompt and the rewards",
    )
    parser.add_argument(
        "--resume",
        nargs="?",
        const=True,
        default=None,
        metavar="DIR",
        help="continue from a checkpoint folder, or without DIR from the newest checkpoint in grpo.output_dir",
    )
    return parser.parse_args(argv)


def setup_logging() -> None:
    """Every log record printed once, by rich on stderr.

    huggingface_hub and datasets give their loggers a stderr handler of their own and still pass records on to
    the root logger, so each record printed twice (transformers does the same when CI is set): their handlers
    are removed and everything goes through the root's one handler.
    """
    import datasets.utils.logging  # noqa: F401  (each attaches its handler on import: do it now, then undo it)
    import huggingface_hub.utils.logging  # noqa: F401
    import transformers.utils.logging

    logging.basicConfig(
        level=logging.INFO, format="%(message)s", handlers=[RichHandler(console=console, show_path=False)]
    )
    transformers.utils.logging.disable_default_handler()
    for logger in [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)]:
        for handler in list(logger.handlers):
            if type(handler) is logging.StreamHandler:  # a library's own stderr/stdout handler
                logger.removeHandler(handler)
                logger.propagate = True
    transformers.utils.logging.enable_propagation()
    for noisy in ("httpx", "urllib3", "filelock"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def print_dry_run(
    config: RunConfig,
    prompt: str,
    reward_funcs: Sequence[Callable],
    weights: Sequence[float],
    completion_tokens: int,
) -> None:
    out = Console()
    out.print(
        Panel(
            yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False).rstrip(), title="resolved config"
        )
    )
    out.print(Panel(prompt, title="first prompt, exactly as the model sees it"))
    table = Table(title=f"reward functions (completion budget: {completion_tokens} tokens)")
    for column in ("reward", "weight", "what it pays"):
        table.add_column(column)
    for func, weight in zip(reward_funcs, weights, strict=True):
        summary = (func.__doc__ or "").strip().splitlines()
        table.add_row(repr(func), f"{weight:g}", summary[0] if summary else "")  # name(params), if any
    out.print(table)


def print_results(output_dir: Path, final_model: Path, report: Path) -> None:
    """Where everything landed, one path per line so each can be copied whole."""
    console.print("[bold green]done[/]")
    for label, path in [
        ("LoRA adapter", final_model),
        ("report", report),
        ("plots", output_dir / "plots"),
        ("metrics", output_dir / "metrics.jsonl"),
        ("completions", output_dir / "completions.jsonl"),
        ("checkpoints", output_dir / "checkpoint-*"),
    ]:
        console.print(f"  {label:<12} {path}", soft_wrap=True, highlight=False)
