"""Seconds per GRPO step on CPU, split into generation, reward and optimisation, with peak memory.

Runs the project's own pipeline (config -> dataset -> rendered prompts -> model -> TRL GRPOTrainer with the
real sandboxed rewards) on the tiny random GPT-OSS and on the CPU demo model (SmolLM2-135M-Instruct), each in
a fresh process so that its peak memory is its own. Generation and reward time come from timers around
GRPOTrainer._generate and GRPOTrainer._calculate_rewards; optimisation is the rest of the step (log-probs of
the policy and the reference, loss, backward, optimizer step).

    python bench/train_step.py --model both --steps 3 --out bench/results/train_step.json
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gpt_oss_grpo.models import unsloth_first  # noqa: E402, F401  (before transformers/TRL, as in train.py)

# isort: split
from figures import max_rss_mib, summarise, write_json  # noqa: E402
from rich import box  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from gpt_oss_grpo.errors import ConfigError, run_main  # noqa: E402

CONFIGS = {"tiny": ROOT / "configs" / "tiny-gpt-oss.yaml", "demo": ROOT / "configs" / "cpu-demo.yaml"}
REWARDS_FILE = ROOT / "reward_functions.py"


def measure(model: str, steps: int) -> dict[str, Any]:
    """Run `steps` GRPO steps of one model through the project's pipeline; timings per step and memory."""
    with tempfile.TemporaryDirectory(prefix=f"bench-train-{model}-") as work:
        return _train(model, steps, Path(work))


def _train(model: str, steps: int, work: Path) -> dict[str, Any]:
    import torch
    from step_timer import StepTimer

    from gpt_oss_grpo.config import load_config
    from gpt_oss_grpo.data import build_dataset
    from gpt_oss_grpo.models.backend import resolve_backend
    from gpt_oss_grpo.models.loading import load_model, load_tokenizer
    from gpt_oss_grpo.models.tiny_gpt_oss import build_tiny_gpt_oss
    from gpt_oss_grpo.prompts import longest_prompt_tokens, render_prompts
    from gpt_oss_grpo.sandbox import configure as configure_sandbox
    from gpt_oss_grpo.scoring.registry import build_reward_funcs
    from gpt_oss_grpo.training import build_trainer, grpo_arguments

    overrides = [
        f"grpo.output_dir={work / 'run'}",
        f"grpo.max_steps={steps}",
        f"grpo.save_steps={steps + 1}",  # no checkpoint inside the measured steps
        "grpo.logging_steps=1",
        "grpo.report_to=none",
    ]
    if model == "tiny":
        overrides.append(f"model.name={build_tiny_gpt_oss(work / 'model')}")
    config = load_config(CONFIGS[model], overrides)
    backend = resolve_backend(config.model.backend)
    reward_funcs, weights = build_reward_funcs(config.reward_specs(), REWARDS_FILE)
    configure_sandbox(config.sandbox)
    tokenizer = load_tokenizer(config.model)
    dataset = render_prompts(build_dataset(config.task), tokenizer)
    args = grpo_arguments(config, longest_prompt_tokens(dataset, tokenizer), weights)
    rss_before_model = max_rss_mib()
    loaded = load_model(config.model, config.lora, config.grpo.seed, backend, tokenizer)
    trainer = build_trainer(args, loaded, dataset, reward_funcs)
    timer = StepTimer()
    timer.instrument(trainer)
    started = time.perf_counter()
    trainer.train()
    return {
        "model": model,
        "model_name": config.model.name if model == "demo" else "tiny random GptOssForCausalLM",
        "config": str(CONFIGS[model].relative_to(ROOT)),
        "backend": loaded.backend,
        "parameters": sum(p.numel() for p in trainer.model.parameters()),
        "trainable_parameters": sum(p.numel() for p in trainer.model.parameters() if p.requires_grad),
        "num_generations": args.num_generations,
        "completions_per_step": args.per_device_train_batch_size * args.gradient_accumulation_steps,
        "max_completion_length": args.max_completion_length,
        "rewards": [func.__name__ for func in reward_funcs],
        "steps": timer.steps,
        "train_seconds": time.perf_counter() - started,
        "peak_rss_mib": max_rss_mib(),
        "rss_before_model_mib": rss_before_model,
        "torch_threads": torch.get_num_threads(),
        "cuda_peak_mib": torch.cuda.max_memory_allocated() / 2**20 if torch.cuda.is_available() else None,
    }


def run_isolated(model: str, steps: int) -> dict[str, Any]:
    """measure() in a fresh spawned process, so ru_maxrss covers this model alone."""
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(measure, model, steps).result()


def print_table(results: list[dict[str, Any]], console: Console) -> None:
    table = Table(title="GRPO step on CPU: seconds, median of the steps after the first", box=box.SIMPLE_HEAD)
    table.add_column("model")
    for column in (
        "params",
        "compl. x tok",
        "1st step",
        "step",
        "generation",
        "reward",
        "optim.",
        "reward %",
    ):
        table.add_column(column, justify="right")
    for column in ("gen tok/s", "peak RSS MiB", "load avg"):
        table.add_column(column, justify="right")
    for result in results:
        s = result["summary"]
        table.add_row(
            result["model"],
            f"{result['parameters'] / 1e6:.1f}M",
            f"{result['completions_per_step']} x {result['max_completion_length']}",
            f"{s['first_step']:.2f}",
            f"{s['total']:.2f}",
            f"{s['generation']:.2f}",
            f"{s['reward']:.2f}",
            f"{s['optimisation']:.2f}",
            f"{s['reward_share']:.0%}",
            f"{s.get('generated_tokens_per_s', float('nan')):.0f}",
            f"{result['peak_rss_mib']:.0f}",
            f"{result['load_average_before'][0]:.1f}",
        )
    console.print(table)


def main(argv: list[str] | None = None) -> int:
    return run_main(_main, sys.argv[1:] if argv is None else argv)


def _main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=("tiny", "demo", "both"), default="both")
    parser.add_argument("--steps", type=int, default=3, help="GRPO steps per model (default 3)")
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    options = parser.parse_args(argv)
    if options.steps < 1:
        parser.error(f"--steps must be at least 1, got {options.steps}")
    console = Console(width=max(Console().width, 120))
    results = []
    for model in ("tiny", "demo") if options.model == "both" else (options.model,):
        load_before = os.getloadavg()
        console.print(f"[bold]{model}[/]: {options.steps} GRPO steps (load average {load_before[0]:.2f})")
        try:
            result = run_isolated(model, options.steps)
        except (ConfigError, FileNotFoundError) as exc:  # e.g. the demo model's wheel is not installed
            raise ConfigError(f"{model}: {exc}") from None
        result["load_average_before"], result["load_average_after"] = load_before, os.getloadavg()
        result["summary"] = summarise(result["steps"], result["completions_per_step"])
        results.append(result)
    print_table(results, console)
    if options.out:
        write_json(options.out, "train_step", results)
        console.print(f"figures written to {options.out}")


if __name__ == "__main__":
    sys.exit(main())
