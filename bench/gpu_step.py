"""GRPO steps on the real GPT-OSS-20B architecture with random weights: seconds per step, tokens/s, peak memory.

Nothing can be downloaded on the GPU machine, so the model is built from GPT-OSS-20B's published configuration
with random weights, and the tokenizer is the tiny GPT-OSS one (same harmony chat template; token ids it does
not know decode to nothing, so the rewards see empty answers and return fast). The model is plain transformers
+ PEFT, the project's `transformers` backend (Unsloth's loaders need a checkpoint, so Unsloth is not imported
and TRL stays unpatched). Training goes through the project's own wiring (config defaults: LoRA r8 on
attention, 2 generations, beta 0.1; GRPOConfig from training.grpo_arguments; GRPOTrainer from
training.build_trainer; the real rewards), with 1024-token sequences.

    python bench/gpu_step.py --dry-run                  # the config and parameter count, no weights allocated
    python bench/gpu_step.py --steps 3 --out bench/results/gpu_step.json          # on one CUDA GPU
    python bench/gpu_step.py --scale-down --steps 2     # the same code path on CPU with tiny dimensions

Without CUDA, --scale-down is implied: the same layer pattern and expert routing (32 experts, 4 active,
sliding window on alternate layers) at tiny widths, labelled "CPU scaled-down".
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402
from figures import max_rss_mib, summarise, write_json  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402
from step_timer import StepTimer  # noqa: E402
from transformers import GptOssConfig, GptOssForCausalLM  # noqa: E402

from gpt_oss_grpo.errors import run_main  # noqa: E402

REWARDS_FILE = ROOT / "reward_functions.py"
SEQUENCE_TOKENS = 1024  # prompt + completion, as model.max_seq_length
SCALED_COMPLETION_TOKENS = 32

# GPT-OSS-20B's published config.json; transformers' GptOssConfig defaults are the 120B (36 layers,
# 128 experts) apart from these. Its defaults already hold the 20B's YaRN rope (theta 150000, factor 32,
# original context 4096), the 131072 positions, sliding window 128 and alternating sliding/full layers.
GPT_OSS_20B = {
    "num_hidden_layers": 24,
    "num_local_experts": 32,
    "num_experts_per_tok": 4,
    "vocab_size": 201088,
    "hidden_size": 2880,
    "intermediate_size": 2880,
    "num_attention_heads": 64,
    "num_key_value_heads": 8,
    "head_dim": 64,
    "sliding_window": 128,
    "max_position_embeddings": 131072,
}

# Same layer pattern (one sliding, one full layer) and routing, widths cut ~45x, heads 8x: seconds on 2 cores.
SCALED_DOWN = {
    **GPT_OSS_20B,
    "num_hidden_layers": 2,
    "hidden_size": 64,
    "intermediate_size": 64,
    "num_attention_heads": 8,
    "num_key_value_heads": 1,
    "head_dim": 8,
    "sliding_window": 16,
}


def model_config(scaled_down: bool, tokenizer: Any | None = None) -> GptOssConfig:
    """The 20B architecture, or its scaled-down twin (vocabulary = the tokenizer's, to keep it tiny)."""
    values = dict(SCALED_DOWN if scaled_down else GPT_OSS_20B)
    if tokenizer is not None:
        if scaled_down:
            values["vocab_size"] = len(tokenizer)
        values.update(
            bos_token_id=tokenizer.bos_token_id,
            eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id,
        )
    return GptOssConfig(**values)


def parameter_counts(config: GptOssConfig) -> dict[str, int]:
    """Total and active parameters, counted on the meta device (shapes only, nothing allocated).

    Active = what one token's forward pass uses: every weight except the experts the router does not pick
    and the input embedding table (a lookup, not compute); the convention behind GPT-OSS's "3.6B active".
    """
    with torch.device("meta"):
        model = GptOssForCausalLM(config)
    total = sum(p.numel() for p in model.parameters())
    experts = sum(p.numel() for name, p in model.named_parameters() if ".mlp.experts." in name)
    embedding = model.get_input_embeddings().weight.numel()
    idle_share = 1 - config.num_experts_per_tok / config.num_local_experts
    return {
        "total": total,
        "experts": experts,
        "embedding": embedding,
        "active": round(total - experts * idle_share - embedding),
    }


def precision(cuda: bool) -> tuple[torch.dtype, str]:
    """The weight precision this run uses, and why: never 4-bit here, see the message."""
    if not cuda:
        return torch.float32, "fp32: CPU run"
    has_bnb = importlib.util.find_spec("bitsandbytes") is not None
    why = (
        "bf16, not 4-bit: 4-bit GPT-OSS needs a quantized checkpoint (Unsloth's bnb-4bit one) that cannot be "
        "downloaded here, and bitsandbytes' quantize-on-load reaches nn.Linear layers only, while GPT-OSS's "
        f"experts (91% of its weights) are 3-D parameters; bitsandbytes is{'' if has_bnb else ' not'} installed"
    )
    return torch.bfloat16, why


def build_random_model(config: GptOssConfig, device: torch.device, dtype: torch.dtype) -> GptOssForCausalLM:
    """Random weights created directly on `device` in `dtype`: no download, no CPU copy of 42 GB."""
    with torch.device(device):
        model = GptOssForCausalLM._from_config(config, dtype=dtype)
    model.generation_config.eos_token_id = config.eos_token_id
    model.generation_config.pad_token_id = config.pad_token_id
    return model


def run(steps: int, scaled_down: bool) -> dict[str, Any]:
    """A few GRPO steps through the project's pipeline on a random GPT-OSS; timings and peak memory."""
    with tempfile.TemporaryDirectory(prefix="bench-gpu-step-") as work:
        return _train(steps, scaled_down, Path(work))


def _train(steps: int, scaled_down: bool, work: Path) -> dict[str, Any]:
    from gpt_oss_grpo.config import load_config
    from gpt_oss_grpo.data import build_dataset
    from gpt_oss_grpo.models.loading import with_lora
    from gpt_oss_grpo.models.tiny_gpt_oss import build_tokenizer
    from gpt_oss_grpo.prompts import longest_prompt_tokens, render_prompts
    from gpt_oss_grpo.sandbox import configure as configure_sandbox
    from gpt_oss_grpo.scoring.registry import build_reward_funcs
    from gpt_oss_grpo.training import build_trainer, grpo_arguments

    cuda = torch.cuda.is_available() and not scaled_down
    overrides = [
        "task.type=matmul",
        "task.num_samples=64",
        "model.backend=transformers",
        f"model.max_seq_length={SEQUENCE_TOKENS}",
        f"grpo.output_dir={work / 'run'}",
        f"grpo.max_steps={steps}",
        f"grpo.save_steps={steps + 1}",
        "grpo.logging_steps=1",
        "grpo.report_to=none",
    ]
    if scaled_down:
        overrides.append(f"grpo.max_completion_length={SCALED_COMPLETION_TOKENS}")
    if not cuda:  # also on a GPU machine, when --scale-down asks for the CPU twin
        overrides += ["grpo.use_cpu=true", "grpo.bf16=false", "grpo.fp16=false"]
    config = load_config(None, overrides)
    reward_funcs, weights = build_reward_funcs(config.reward_specs(), REWARDS_FILE)
    configure_sandbox(config.sandbox)
    tokenizer = build_tokenizer()
    dataset = render_prompts(build_dataset(config.task), tokenizer)
    args = grpo_arguments(config, longest_prompt_tokens(dataset, tokenizer), weights)
    dtype, why = precision(cuda)
    arch = model_config(scaled_down, tokenizer)
    started = time.perf_counter()
    model = build_random_model(arch, torch.device("cuda" if cuda else "cpu"), dtype)
    build_seconds = time.perf_counter() - started
    loaded = with_lora(model, tokenizer, config.lora)
    trainer = build_trainer(args, loaded, dataset, reward_funcs)
    timer = StepTimer()
    timer.instrument(trainer)
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    trainer.train()
    completions = args.per_device_train_batch_size * args.gradient_accumulation_steps
    return {
        "label": "CPU scaled-down" if scaled_down else f"GPU: {torch.cuda.get_device_name()}",
        "device": str(trainer.args.device),
        "precision": str(dtype).removeprefix("torch."),
        "precision_why": why,
        "architecture": {key: getattr(arch, key) for key in GPT_OSS_20B},
        "parameters": parameter_counts(arch),
        "trainable_parameters": sum(p.numel() for p in trainer.model.parameters() if p.requires_grad),
        "lora": {"r": config.lora.r, "target_modules": config.lora.target_modules},
        "num_generations": args.num_generations,
        "completions_per_step": completions,
        "max_completion_length": args.max_completion_length,
        "sequence_tokens": longest_prompt_tokens(dataset, tokenizer) + args.max_completion_length,
        "model_build_seconds": build_seconds,
        "steps": timer.steps,
        "summary": summarise(timer.steps, completions),
        "peak_rss_mib": max_rss_mib(),
        "cuda_peak_allocated_mib": torch.cuda.max_memory_allocated() / 2**20 if cuda else None,
        "cuda_peak_reserved_mib": torch.cuda.max_memory_reserved() / 2**20 if cuda else None,
    }


def _count(value: float) -> str:
    return f"{value / 1e9:.2f}B" if value >= 1e9 else f"{value / 1e6:.2f}M"


def print_dry_run(console: Console, scaled_down: bool) -> dict[str, Any]:
    from gpt_oss_grpo.models.tiny_gpt_oss import build_tokenizer

    config = model_config(scaled_down, build_tokenizer())
    counts = parameter_counts(config)
    table = Table(
        title=f"GPT-OSS-20B{' (scaled down)' if scaled_down else ''}: configuration (random weights)"
    )
    table.add_column("field")
    table.add_column("value", justify="right")
    for key in GPT_OSS_20B:
        table.add_row(key, str(getattr(config, key)))
    table.add_row("layer_types", ", ".join(kind.split("_")[0] for kind in config.layer_types[:3]) + ", ...")
    table.add_row("rope", f"{config.rope_parameters['rope_type']} x{config.rope_parameters['factor']:g}")
    for key, value in counts.items():
        table.add_row(f"parameters: {key}", _count(value))
    table.add_row("bf16 weights", f"{counts['total'] * 2 / 2**30:.1f} GiB")
    console.print(table)
    return {"dry_run": True, "scaled_down": scaled_down, "parameters": counts}


def print_run(console: Console, result: dict[str, Any]) -> None:
    s = result["summary"]
    table = Table(title=f"GRPO on random GPT-OSS-20B architecture: {result['label']}, {result['precision']}")
    for column in ("step s", "generation s", "reward s", "optim. s", "gen tok/s", "peak memory MiB"):
        table.add_column(column, justify="right")
    peak = result["cuda_peak_allocated_mib"] or result["peak_rss_mib"]
    table.add_row(
        f"{s['total']:.2f}",
        f"{s['generation']:.2f}",
        f"{s['reward']:.2f}",
        f"{s['optimisation']:.2f}",
        f"{s.get('generated_tokens_per_s', float('nan')):.1f}",
        f"{peak:.0f} ({'GPU allocated' if result['cuda_peak_allocated_mib'] else 'RSS'})",
    )
    console.print(table)
    console.print(
        f"{result['completions_per_step']} completions x {result['max_completion_length']} tokens "
        f"({result['sequence_tokens']}-token sequences), LoRA r{result['lora']['r']}; {result['precision_why']}"
    )


def main(argv: list[str] | None = None) -> int:
    return run_main(_main, sys.argv[1:] if argv is None else argv)


def _main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3, help="GRPO steps (default 3; the first is warm-up)")
    parser.add_argument("--scale-down", action="store_true", help="tiny widths on CPU (implied without CUDA)")
    parser.add_argument("--dry-run", action="store_true", help="print the config and parameter count only")
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    options = parser.parse_args(argv)
    if options.steps < 1:
        parser.error(f"--steps must be at least 1, got {options.steps}")
    console = Console(width=max(Console().width, 120))
    scaled_down = options.scale_down or (not options.dry_run and not torch.cuda.is_available())
    if scaled_down and not options.scale_down:
        console.print("no CUDA GPU: running the CPU scaled-down configuration (--scale-down)")
    if options.dry_run:
        result = print_dry_run(console, scaled_down)
    else:
        result = run(options.steps, scaled_down)
        print_run(console, result)
    if options.out:
        write_json(options.out, "gpu_step", result)
        console.print(f"figures written to {options.out}")


if __name__ == "__main__":
    sys.exit(main())
