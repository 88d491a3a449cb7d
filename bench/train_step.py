"""Seconds per GRPO step on CPU, split into generation, reward and optimisation, with peak memory, per lever.

Runs the project's own pipeline (config -> dataset -> rendered prompts -> model -> TRL GRPOTrainer with the
real sandboxed rewards) on the tiny random GPT-OSS and on the CPU demo model (SmolLM2-135M-Instruct), each
model and lever in a fresh process so that its peak memory is its own. Generation and reward time come from
timers around GRPOTrainer._generate and GRPOTrainer._calculate_rewards; optimisation is the rest of the step
(log-probs of the policy and the reference, loss, backward, optimizer step).

A lever is a set of `--set` overrides on the model's config: `baseline` is TRL's own path as it was before
the speed work, `config` the config file as shipped, the others one change each, side by side with ratios to
the baseline of the same run.

    python bench/train_step.py --model demo --steps 4 --levers all --out bench/results/train_step.json
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
# TRL's own generation (training mode: checkpointed layers drop the KV cache) and optimisation, as before.
# Every speed switch is pinned, so a lever is the baseline plus its changes: later --set overrides win.
BASELINE = [
    "generation.eval_mode=false",
    "generation.merge_lora=false",
    "grpo.gradient_checkpointing=true",
    "generation.share_prompt=false",
    "logprobs.share_prompt=false",
    "generation.inverse_cdf_sampling=false",
    "logprobs.shuffle_whole_groups=false",
    "logprobs.old_from_sampling=false",
    "grpo.steps_per_generation=1",  # TRL's default here; the demo config generates for 4 steps at once
]
FIXED = [*BASELINE, "generation.eval_mode=true"]
NO_CHECKPOINTING = [*FIXED, "grpo.gradient_checkpointing=false"]
SHARED_PROMPT = [*NO_CHECKPOINTING, "generation.share_prompt=true", "logprobs.share_prompt=true"]
EIGHT_STEPS_SHARED = [*SHARED_PROMPT, "grpo.steps_per_generation=8"]
EIGHT_STEPS_ALL = [
    *EIGHT_STEPS_SHARED,
    "logprobs.shuffle_whole_groups=true",
    "generation.inverse_cdf_sampling=true",
]
FOUR_STEPS = [*NO_CHECKPOINTING, "grpo.steps_per_generation=4"]
# name: (what it changes, --set overrides, torch threads or None for torch's default)
LEVERS: dict[str, tuple[str, list[str], int | None]] = {
    "baseline": ("TRL's path: training mode, gradient checkpointing", BASELINE, None),
    "config": ("the config file as shipped", [], None),
    "eval_mode": ("generate in eval mode, KV cache kept", FIXED, None),
    "no_checkpointing": ("eval_mode + gradient_checkpointing off", NO_CHECKPOINTING, None),
    "merge_lora": (
        "no_checkpointing + LoRA merged while generating",
        [*NO_CHECKPOINTING, "generation.merge_lora=true"],
        None,
    ),
    "one_thread": ("no_checkpointing, torch.set_num_threads(1)", NO_CHECKPOINTING, 1),
    "static_cache": (
        "no_checkpointing + cache_implementation=static",
        [*NO_CHECKPOINTING, "grpo.cache_implementation=static"],
        None,
    ),
    "continuous_batching": (
        "no_checkpointing + use_transformers_continuous_batching",
        [*NO_CHECKPOINTING, "grpo.use_transformers_continuous_batching=true"],
        None,
    ),
    "steps_per_generation_4": (
        "no_checkpointing + 4 steps' completions per generation",
        FOUR_STEPS,
        None,
    ),
    "steps_per_generation_4_merge_lora": (
        "steps_per_generation_4 + LoRA merged while generating",
        [*FOUR_STEPS, "generation.merge_lora=true"],
        None,
    ),
    "share_prompt": (
        "no_checkpointing + each distinct prompt once: in the prefill and the log-prob passes",
        SHARED_PROMPT,
        None,
    ),
    "steps_per_generation_4_share_prompt": (
        "steps_per_generation_4 + share_prompt",
        [*SHARED_PROMPT, "grpo.steps_per_generation=4"],
        None,
    ),
    "steps_per_generation_8_share_prompt": (
        "share_prompt + 8 steps' completions per generation",
        EIGHT_STEPS_SHARED,
        None,
    ),
    "inverse_cdf_sampling": (
        "no_checkpointing + each token drawn by inverse-CDF instead of torch.multinomial",
        [*NO_CHECKPOINTING, "generation.inverse_cdf_sampling=true"],
        None,
    ),
    "steps_per_generation_8_whole_groups": (
        "steps_per_generation_8_share_prompt + micro-batches of whole prompt groups",
        [*EIGHT_STEPS_SHARED, "logprobs.shuffle_whole_groups=true"],
        None,
    ),
    "steps_per_generation_8_all": (
        "steps_per_generation_8_whole_groups + inverse_cdf_sampling",
        EIGHT_STEPS_ALL,
        None,
    ),
    "steps_per_generation_8_all_merge_lora": (
        "steps_per_generation_8_all + LoRA merged while generating",
        [*EIGHT_STEPS_ALL, "generation.merge_lora=true"],
        None,
    ),
    "steps_per_generation_8_old_from_sampling": (
        "steps_per_generation_8_all + the old policy's log-probs recorded while sampling (no second pass)",
        [*EIGHT_STEPS_ALL, "logprobs.old_from_sampling=true"],
        None,
    ),
    "steps_per_generation_8_old_from_sampling_merge_lora": (
        "steps_per_generation_8_old_from_sampling + LoRA merged while generating",
        [*EIGHT_STEPS_ALL, "logprobs.old_from_sampling=true", "generation.merge_lora=true"],
        None,
    ),
    "beta_0": (
        "no_checkpointing + beta 0 (no KL term, no reference forward)",
        [*NO_CHECKPOINTING, "grpo.beta=0.0"],
        None,
    ),
}


def measure(model: str, steps: int, lever: str) -> dict[str, Any]:
    """Run `steps` GRPO steps of one model through the project's pipeline; timings per step and memory."""
    with tempfile.TemporaryDirectory(prefix=f"bench-train-{model}-") as work:
        return _train(model, steps, lever, Path(work))


def _train(model: str, steps: int, lever: str, work: Path) -> dict[str, Any]:
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
    from gpt_oss_grpo.training import build_trainer, grpo_arguments, install_step_paths

    _, lever_overrides, threads = LEVERS[lever]
    if threads:
        torch.set_num_threads(threads)
    overrides = [
        *lever_overrides,
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
    recorder = install_step_paths(trainer, config, loaded.backend)
    timer = StepTimer()
    timer.instrument(trainer)
    started = time.perf_counter()
    trainer.train()
    return {
        "model": model,
        "lever": lever,
        "overrides": lever_overrides,
        "generation": config.generation.model_dump(),
        "gradient_checkpointing": args.gradient_checkpointing,
        "beta": args.beta,
        "steps_per_generation": args.steps_per_generation,
        "generation_batch_size": args.generation_batch_size,
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
        # generations whose old-policy pass the sampling step's recording answered, and its largest gap to TRL
        "old_logprobs_from_sampling": None if recorder is None else recorder.served,
        "old_logprobs_largest_gap": None if recorder is None else recorder.largest_gap,
        "train_seconds": time.perf_counter() - started,
        "peak_rss_mib": max_rss_mib(),
        "rss_before_model_mib": rss_before_model,
        "torch_threads": torch.get_num_threads(),
        "cuda_peak_mib": torch.cuda.max_memory_allocated() / 2**20 if torch.cuda.is_available() else None,
    }


def run_isolated(model: str, steps: int, lever: str) -> dict[str, Any]:
    """measure() in a fresh spawned process, so ru_maxrss covers this model and lever alone."""
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(measure, model, steps, lever).result()


def steps_for(model: str, lever: str, steps: int) -> int:
    """Whole generation cycles after the first step: a lever that generates every k steps runs 1 + n*k."""
    import yaml

    chosen = [o for o in LEVERS[lever][1] if o.startswith("grpo.steps_per_generation=")]
    shipped = (yaml.safe_load(CONFIGS[model].read_text()).get("grpo") or {}).get("steps_per_generation", 1)
    every = int(chosen[-1].split("=")[1]) if chosen else shipped  # the last override wins, as in load_config
    return 1 + -(-(steps - 1) // every) * every if steps > 1 else steps


def add_ratios(results: list[dict[str, Any]]) -> None:
    """Each lever against the baseline of its model in the same run (speed-ups: above 1 is faster)."""
    baselines = {r["model"]: r["summary"] for r in results if r["lever"] == "baseline"}
    for result in results:
        if (base := baselines.get(result["model"])) is None:
            continue
        s = result["summary"]
        result["vs_baseline"] = {
            "generated_tokens_per_s": s.get("generated_tokens_per_s", 0)
            / base.get("generated_tokens_per_s", 1),
            **{
                phase: base[phase] / s[phase]
                for phase in ("total", "generation", "optimisation")
                if s[phase] > 0
            },
        }


def print_table(results: list[dict[str, Any]], console: Console) -> None:
    table = Table(
        title="GRPO step on CPU: seconds, mean of the steps after the first; x = speed-up over the baseline",
        box=box.SIMPLE_HEAD,
    )
    for column in ("model", "lever"):
        table.add_column(column)
    for column in ("compl. x tok", "1st step", "step", "generation", "reward", "optim.", "gen tok/s"):
        table.add_column(column, justify="right")
    for column in ("x tok/s", "x gen", "x optim.", "x step", "peak RSS MiB", "load avg"):
        table.add_column(column, justify="right")
    for result in results:
        s, ratio = result["summary"], result.get("vs_baseline", {})
        table.add_row(
            result["model"],
            result["lever"],
            f"{result['completions_per_step']} x {result['max_completion_length']}",
            f"{s['first_step']:.2f}",
            f"{s['total']:.2f}",
            f"{s['generation']:.2f}",
            f"{s['reward']:.2f}",
            f"{s['optimisation']:.2f}",
            f"{s.get('generated_tokens_per_s', float('nan')):.0f}",
            *(
                f"{ratio[key]:.2f}" if key in ratio else "-"
                for key in ("generated_tokens_per_s", "generation", "optimisation", "total")
            ),
            f"{result['peak_rss_mib']:.0f}",
            f"{result['load_average_before'][0]:.1f}",
        )
    console.print(table)


def main(argv: list[str] | None = None) -> int:
    return run_main(_main, sys.argv[1:] if argv is None else argv)


def _levers(text: str) -> list[str]:
    names = list(LEVERS) if text == "all" else [name.strip() for name in text.split(",") if name.strip()]
    if unknown := [name for name in names if name not in LEVERS]:
        raise ConfigError(f"--levers: unknown lever {unknown[0]!r}; allowed: all, {', '.join(LEVERS)}")
    return names


def _main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=("tiny", "demo", "both"), default="both")
    parser.add_argument("--steps", type=int, default=3, help="GRPO steps per model and lever (default 3)")
    parser.add_argument(
        "--levers",
        default="config",
        help=f"comma-separated, or all (default: config). Levers: {', '.join(LEVERS)}",
    )
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    options = parser.parse_args(argv)
    if options.steps < 1:
        parser.error(f"--steps must be at least 1, got {options.steps}")
    levers = _levers(options.levers)
    console = Console(width=max(Console().width, 160))
    results = []
    for model in ("tiny", "demo") if options.model == "both" else (options.model,):
        for lever in levers:
            steps = steps_for(model, lever, options.steps)
            load_before = os.getloadavg()
            console.print(
                f"[bold]{model}[/] {lever}: {steps} GRPO steps, {LEVERS[lever][0]} "
                f"(load average {load_before[0]:.2f})"
            )
            try:
                result = run_isolated(model, steps, lever)
            except (ConfigError, FileNotFoundError) as exc:  # e.g. the demo model's wheel is not installed
                raise ConfigError(f"{model}: {exc}") from None
            result["load_average_before"], result["load_average_after"] = load_before, os.getloadavg()
            result["summary"] = summarise(result["steps"], result["generation_batch_size"])
            results.append(result)
    add_ratios(results)
    print_table(results, console)
    if options.out:
        write_json(options.out, "train_step", results)
        console.print(f"figures written to {options.out}")


if __name__ == "__main__":
    sys.exit(main())
