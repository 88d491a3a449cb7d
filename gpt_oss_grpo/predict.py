"""Try a trained model: generate for a prompt and score the completion with the run's reward functions.

    python -m gpt_oss_grpo.predict --model OUTPUT_DIR/final_model [--prompt TEXT] [--max-new-tokens N]
    python -m gpt_oss_grpo.predict --model OUTPUT_DIR/final_model --merge OUT_DIR   # 16-bit merged model
    python -m gpt_oss_grpo.predict --model OUTPUT_DIR/final_model --gguf OUT_DIR    # Unsloth on CUDA only

`--model` is a LoRA adapter folder (its adapter_config.json names the base model) or a merged model folder.
The prompt, its dataset columns (tests, answers...) and the reward list come from the run's
config.resolved.yaml beside the adapter, or from `--config`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from gpt_oss_grpo import sandbox
from gpt_oss_grpo.config import RunConfig, load_config
from gpt_oss_grpo.errors import ConfigError, run_main
from gpt_oss_grpo.run_files import RESOLVED_CONFIG_FILE

DTYPES = ("bfloat16", "float16", "float32")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="predict.sh", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model", type=Path, required=True, help="OUTPUT_DIR/final_model, a checkpoint or merged model"
    )
    parser.add_argument("--prompt", help="user message to send (default: the task's prompt from the config)")
    parser.add_argument(
        "--row", type=int, default=0, help="dataset row whose prompt and columns to use (default 0)"
    )
    parser.add_argument(
        "--config", type=Path, help=f"run config (default: {RESOLVED_CONFIG_FILE} beside --model)"
    )
    parser.add_argument("--max-new-tokens", type=int, default=512, help="generation budget (default 512)")
    parser.add_argument("--temperature", type=float, default=0.0, help="0 = greedy (default); >0 samples")
    parser.add_argument("--seed", type=int, default=0, help="sampling seed (default 0)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.add_argument(
        "--merge", type=Path, metavar="OUT_DIR", help="merge the adapter, save a full model, exit"
    )
    parser.add_argument(
        "--dtype", choices=DTYPES, default="bfloat16", help="weights of --merge (default bfloat16)"
    )
    parser.add_argument(
        "--gguf", type=Path, metavar="OUT_DIR", help="export GGUF with Unsloth (CUDA GPU), exit"
    )
    parser.add_argument(
        "--gguf-quant", default="q8_0", help="Unsloth quantization_method for --gguf (default q8_0)"
    )
    return parser.parse_args(argv)


def is_adapter(folder: Path) -> bool:
    return (folder / "adapter_config.json").is_file()


def check_model_folder(folder: Path) -> None:
    if not (is_adapter(folder) or (folder / "config.json").is_file()):
        raise ConfigError(
            f"--model: {folder} holds neither adapter_config.json (LoRA) nor config.json (a model)"
        )
    if is_adapter(folder):
        base = json.loads((folder / "adapter_config.json").read_text()).get("base_model_name_or_path")
        if base and base.startswith(("/", ".")) and not Path(base).exists():
            raise ConfigError(
                f"--model: the adapter's base model {base} (adapter_config.json) is not on this machine"
            )


def load(folder: Path, dtype: str | None = None) -> tuple[Any, Any]:
    """Model (base + adapter, or a merged model) and tokenizer; bf16/fp16 on a GPU, fp32 on CPU by default."""
    import torch
    from peft import AutoPeftModelForCausalLM
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from gpt_oss_grpo.models.loading import compute_dtype

    loader = AutoPeftModelForCausalLM if is_adapter(folder) else AutoModelForCausalLM
    kwargs: dict[str, Any] = {"dtype": getattr(torch, dtype) if dtype else compute_dtype()}
    if torch.cuda.is_available():
        kwargs["device_map"] = "auto"
    model = loader.from_pretrained(str(folder), **kwargs)
    return model.eval(), AutoTokenizer.from_pretrained(str(folder))


def merge(folder: Path, out: Path, dtype: str) -> Path:
    """Fold the LoRA weights into the base weights and save a plain 16-bit (or fp32) model + tokenizer.

    With Unsloth on a GPU its `save_pretrained_merged` is used: it merges into the 16-bit weights even when
    training ran on a pre-quantized 4-bit base. Without it, PEFT's merge_and_unload needs a 16-bit base.
    """
    from gpt_oss_grpo.models.backend import unsloth_usable

    if not is_adapter(folder):
        raise ConfigError(f"--merge: {folder} is not a LoRA adapter folder (no adapter_config.json)")
    if unsloth_usable():
        from unsloth import FastLanguageModel

        model, tokenizer = FastLanguageModel.from_pretrained(model_name=str(folder))
        model.save_pretrained_merged(str(out), tokenizer, save_method="merged_16bit")
        return out
    model, tokenizer = load(folder, dtype)
    if getattr(model.get_base_model().config, "quantization_config", None) is not None:
        raise ConfigError(
            f"--merge: the base model {model.peft_config['default'].base_model_name_or_path} is quantized; "
            "merge on a CUDA GPU with Unsloth, which merges into the 16-bit weights"
        )
    merged = model.merge_and_unload()
    merged.save_pretrained(str(out))
    tokenizer.save_pretrained(str(out))
    return out


def export_gguf(folder: Path, out: Path, quantization: str) -> Path:
    """GGUF through Unsloth (it builds llama.cpp's converter); needs Unsloth and a CUDA GPU."""
    from gpt_oss_grpo.models.backend import unsloth_usable

    if not unsloth_usable():
        raise ConfigError(
            "--gguf: GGUF export needs Unsloth on a CUDA GPU; use --merge for a 16-bit model here"
        )
    from unsloth import FastLanguageModel

    model, tokenizer = FastLanguageModel.from_pretrained(model_name=str(folder))
    model.save_pretrained_gguf(str(out), tokenizer, quantization_method=quantization)
    return out


def find_config(args: argparse.Namespace) -> Path:
    if args.config is not None:
        return args.config
    for folder in (args.model.parent, args.model.parent.parent):
        if (folder / RESOLVED_CONFIG_FILE).is_file():
            return folder / RESOLVED_CONFIG_FILE
    return Path("config.yaml")


def prompt_row(
    args: argparse.Namespace, config: RunConfig, tokenizer: Any
) -> tuple[str, dict[str, list[Any]]]:
    """The rendered prompt and the reward columns of dataset row `--row` (its user message swapped for --prompt)."""
    from gpt_oss_grpo.data import build_dataset
    from gpt_oss_grpo.prompts import render_prompt

    dataset = build_dataset(config.task)
    if not 0 <= args.row < len(dataset):
        raise ConfigError(f"--row: {args.row} is outside the dataset (0-{len(dataset) - 1})")
    row = dataset[args.row]
    messages = row["prompt"]
    if args.prompt is not None:
        messages = [m for m in messages if m["role"] != "user"] + [{"role": "user", "content": args.prompt}]
    columns = {key: [value] for key, value in row.items() if key not in ("prompt", "reasoning_effort")}
    return render_prompt(tokenizer, messages, row["reasoning_effort"]), columns


def generate(model: Any, tokenizer: Any, prompt: str, args: argparse.Namespace) -> tuple[str, list[int]]:
    """One completion, decoded the way GRPOTrainer decodes them (special tokens skipped)."""
    return generate_batch(model, tokenizer, [prompt], args.max_new_tokens, args.temperature, args.seed)[0][0]


def generate_batch(
    model: Any,
    tokenizer: Any,
    prompts: list[str],
    max_new_tokens: int,
    temperature: float,
    seed: int,
    samples: int = 1,
) -> list[list[tuple[str, list[int]]]]:
    """`samples` completions (text, token ids up to the first end token) for each prompt, in one batch.

    Prompts are left-padded so they share one generate call: decoding is memory-bound, so a batch costs
    little more per token than one sequence. temperature 0 decodes greedily.
    """
    import torch

    torch.manual_seed(seed)
    side, tokenizer.padding_side = tokenizer.padding_side, "left"
    try:
        inputs = tokenizer(prompts, return_tensors="pt", add_special_tokens=False, padding=True).to(
            model.device
        )
    finally:
        tokenizer.padding_side = side
    sampling = {"do_sample": True, "temperature": temperature} if temperature > 0 else {"do_sample": False}
    with torch.no_grad():
        output = model.generate(
            **inputs,
            max_new_tokens=max_new_tokens,
            pad_token_id=tokenizer.pad_token_id,
            num_return_sequences=samples,
            use_cache=True,  # the trainer turns the cache off for gradient checkpointing; generation needs it
            **sampling,
        )
    ends = {tokenizer.eos_token_id, tokenizer.pad_token_id, *_as_list(model.generation_config.eos_token_id)}
    results = []
    for row in output[:, inputs["input_ids"].shape[1] :].tolist():
        stop = next((i + 1 for i, token in enumerate(row) if token in ends), len(row))
        results.append((tokenizer.decode(row[:stop], skip_special_tokens=True), row[:stop]))
    return [results[i : i + samples] for i in range(0, len(results), samples)]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def score(
    config: RunConfig, prompt: str, completion: str, ids: list[int], columns: dict[str, list[Any]]
) -> dict[str, Any]:
    """Each reward function's score for the completion, and the weighted total that training would use."""
    from gpt_oss_grpo.scoring.registry import build_reward_funcs

    sandbox.configure(config.sandbox)
    funcs, weights = build_reward_funcs(config.reward_specs())
    rewards = {
        func.__name__: func(completions=[completion], prompts=[prompt], completion_ids=[ids], **columns)[0]
        for func in funcs
    }
    total = sum(w * r for w, r in zip(weights, rewards.values(), strict=True) if r is not None)
    return {"rewards": rewards, "weights": dict(zip(rewards, weights, strict=True)), "total": total}


def show(prompt: str, completion: str, scores: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.panel import Panel
    from rich.table import Table

    console = Console()
    console.print(Panel(completion, title="completion"))
    table = Table(title=f"rewards (weighted total {scores['total']:.4g})")
    for column in ("reward function", "score", "weight"):
        table.add_column(column)
    for name, value in scores["rewards"].items():
        table.add_row(name, "n/a" if value is None else f"{value:.4g}", f"{scores['weights'][name]:g}")
    console.print(table)


def run(args: argparse.Namespace) -> None:
    check_model_folder(args.model)
    if args.merge is not None:
        print(f"merged model saved to {merge(args.model, args.merge, args.dtype)}")
        return
    if args.gguf is not None:
        print(f"GGUF saved to {export_gguf(args.model, args.gguf, args.gguf_quant)}")
        return
    config = load_config(find_config(args))
    model, tokenizer = load(args.model)
    prompt, columns = prompt_row(args, config, tokenizer)
    completion, ids = generate(model, tokenizer, prompt, args)
    scores = score(config, prompt, completion, ids, columns)
    if args.json:
        print(json.dumps({"prompt": prompt, "completion": completion, **scores}))
    else:
        show(prompt, completion, scores)


def main(argv: list[str] | None = None) -> int:
    return run_main(
        _main, sys.argv[1:] if argv is None else argv, expected=(ValueError, OSError, ImportError)
    )


def _main(argv: list[str]) -> None:
    try:
        run(parse_args(argv))
    except ImportError as error:
        raise ImportError(f"{error}; install the bundle's requirements (scripts/setup_env.sh)") from None


if __name__ == "__main__":
    sys.exit(main())
