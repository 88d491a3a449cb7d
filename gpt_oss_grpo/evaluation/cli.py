"""evaluate.sh: a model's pass@k and mean rewards on a task's held-out problems, base and adapter side by side.

    ./evaluate.sh --model OUTPUT_DIR/final_model [--compare-base] [--split heldout|train|all] [--samples N]
    python -m gpt_oss_grpo.evaluation --model embedded:smollm2 --config configs/cpu-demo.yaml --json

`--model` is a LoRA adapter folder (final_model, checkpoint-N), a merged model folder, `embedded:smollm2` or a
hub id. The task, the rewards and the evaluation defaults (`eval:`) come from the run's config.resolved.yaml
beside the model, or `--config`. With `--compare-base` the adapter's base model is evaluated too (the same
weights with the adapter switched off) on the same prompts and seeds.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from gpt_oss_grpo.config import RunConfig, load_config
from gpt_oss_grpo.errors import ConfigError, run_main
from gpt_oss_grpo.run_files import RESOLVED_CONFIG_FILE

SPLITS = ("heldout", "train", "all")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """One line and exit code 2 (argparse would print its usage first)."""
        raise ConfigError(f"{message} (see ./evaluate.sh --help)")


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = _Parser(prog="evaluate.sh", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model", required=True, help="adapter or model folder, embedded:smollm2, or a hub id"
    )
    parser.add_argument("--compare-base", action="store_true", help="also evaluate the adapter's base model")
    parser.add_argument(
        "--config", type=Path, help=f"run config (default: {RESOLVED_CONFIG_FILE} beside --model)"
    )
    parser.add_argument(
        "--set", metavar="KEY=VALUE", action="append", default=[], help="override a config value"
    )
    parser.add_argument(
        "--split", choices=SPLITS, default="heldout", help="problems to use (default heldout)"
    )
    parser.add_argument("--samples", type=_positive, help="completions per problem (default: eval.samples)")
    parser.add_argument("--temperature", type=float, help="sampling temperature (default: eval.temperature)")
    parser.add_argument("--max-new-tokens", type=_positive, help="default: eval.max_new_tokens or the run's")
    parser.add_argument("--limit", type=_positive, help="evaluate the first N problems only")
    parser.add_argument("--seed", type=int, help="sampling seed (default: grpo.seed)")
    parser.add_argument(
        "--output", type=Path, help="folder for evaluation.json/png (default: beside the model)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout, nothing else")
    args = parser.parse_args(argv)
    if args.temperature is not None and args.temperature <= 0:
        raise ConfigError(f"--temperature: must be above 0, got {args.temperature} (--samples 1 is greedy)")
    return args


def resolve_model(name: str) -> tuple[Path, bool]:
    """(what to load, whether it is a LoRA adapter); a missing folder is an error, not a hub lookup."""
    from gpt_oss_grpo.models.embedded import EMBEDDED_NAME, embedded_model_folder
    from gpt_oss_grpo.predict import check_model_folder, is_adapter

    if name == EMBEDDED_NAME:
        return embedded_model_folder(), False
    path = Path(name)
    if path.is_dir():
        check_model_folder(path)
        return path, is_adapter(path)
    if path.exists() or path.is_absolute() or name.startswith(".") or name.count("/") != 1:
        raise ConfigError(
            f"--model: {name} is not a model folder (nor embedded:smollm2 or a hub id org/name)"
        )
    return Path(name), False  # a hub id


def find_config(args: argparse.Namespace) -> Path:
    from gpt_oss_grpo.predict import find_config as beside_model

    return beside_model(argparse.Namespace(config=args.config, model=Path(args.model)))


def output_folder(args: argparse.Namespace) -> Path:
    if args.output is not None:
        return args.output
    path = Path(args.model)
    return path.parent / f"eval-{path.name}" if path.is_dir() else Path("evaluation")


def generation_settings(args: argparse.Namespace, config: RunConfig, max_new_tokens: int) -> Any:
    from gpt_oss_grpo.evaluation.runner import Generation

    settings = config.eval
    return Generation(
        samples=args.samples or settings.samples,
        temperature=args.temperature or settings.temperature,
        max_new_tokens=args.max_new_tokens or settings.max_new_tokens or max_new_tokens,
        seed=config.grpo.seed if args.seed is None else args.seed,
        batch_size=settings.batch_size,
    )


def run(args: argparse.Namespace) -> dict[str, Any]:
    from gpt_oss_grpo import sandbox
    from gpt_oss_grpo.evaluation.output import print_table, summary, write_files
    from gpt_oss_grpo.evaluation.runner import evaluate, load_problems
    from gpt_oss_grpo.predict import load
    from gpt_oss_grpo.prompts import longest_prompt_tokens
    from gpt_oss_grpo.scoring.registry import build_reward_funcs

    target, adapter = resolve_model(args.model)
    if args.compare_base and not adapter:
        raise ConfigError(
            f"--compare-base: {args.model} is not a LoRA adapter folder, so it has no base to compare"
        )
    config = load_config(find_config(args), args.set)
    reward_funcs, _ = build_reward_funcs(config.reward_specs())
    sandbox.configure(config.sandbox)
    model, tokenizer = load(target)
    dataset = load_problems(config.task, args.split, args.limit or config.eval.limit, tokenizer)
    default_tokens = config.grpo.max_completion_length or (
        config.model.max_seq_length - longest_prompt_tokens(dataset, tokenizer)
    )
    generation = generation_settings(args, config, max(1, default_tokens))
    results = []
    if args.compare_base:
        with model.disable_adapter():
            base = evaluate(model, tokenizer, config.task, dataset, reward_funcs, generation)
        base_name = model.peft_config["default"].base_model_name_or_path
        results.append({"model": base_name, "role": "base", **base})
    role = "adapter" if adapter else "model"
    results.append(
        {
            "model": args.model,
            "role": role,
            **evaluate(model, tokenizer, config.task, dataset, reward_funcs, generation),
        }
    )
    settings = {"split": args.split, "task": config.task.type, **vars(generation)}
    files = write_files(results, settings, output_folder(args))
    if not args.json:
        title = f"{args.split} problems: {results[0]['problems']}, {generation.samples} sample(s) each"
        print_table([{**r, "model": r["role"] if args.compare_base else r["model"]} for r in results], title)
        print(f"written: {', '.join(str(path) for path in files)}")
    return {"models": [summary(r) for r in results]}


def _main(argv: Sequence[str]) -> None:
    args = parse_args(argv)
    if not args.json:
        run(args)
        return
    with contextlib.redirect_stdout(sys.stderr):  # --json: stdout holds the JSON object and nothing else
        result = run(args)
    print(json.dumps(result))


def main(argv: Sequence[str] | None = None) -> int:
    return run_main(
        _main, sys.argv[1:] if argv is None else argv, expected=(ValueError, OSError, ImportError)
    )
