"""Train GRPO steps through the Unsloth backend on CPU; run by tests/test_unsloth_backend.py in .venv-unsloth.

    .venv-unsloth/bin/python -m tests.unsloth_cpu_run MODEL_FOLDER OUTPUT_DIR    (from the repository root)

Loads the model with gpt_oss_grpo.models.loading.load_with_unsloth (the resolve_backend CUDA guard is for users and is
bypassed on purpose), trains with gpt_oss_grpo.training, saves the final adapter, and prints one JSON line.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

# First: Unsloth patches transformers and TRL when it is imported.
import unsloth  # isort: skip

from gpt_oss_grpo.config import load_config
from gpt_oss_grpo.data import build_dataset
from gpt_oss_grpo.models.loading import load_with_unsloth
from gpt_oss_grpo.prompts import longest_prompt_tokens, render_prompts
from gpt_oss_grpo.scoring.registry import RewardSpec, build_reward_funcs
from gpt_oss_grpo.training import build_trainer, grpo_arguments, save_final_model, train

ROOT = Path(__file__).resolve().parents[1]


def completion_length(completions: list, **_: object) -> list[float]:
    """A trivial reward with real variance, so GRPO has non-zero advantages to learn from."""
    return [len(completion[0]["content"]) / 100 for completion in completions]


def always_fails(completions: list, **_: object) -> list[float]:
    """Raises on every completion: its failures must reach the metrics through Unsloth's rewritten trainer."""
    raise RuntimeError("no score")


def main(model_folder: str, output_dir: str) -> None:
    config = load_config(
        ROOT / "configs/tiny-gpt-oss.yaml",
        [
            f"model.name={model_folder}",
            "model.backend=unsloth",
            f"grpo.output_dir={output_dir}",
            "grpo.max_steps=2",
            "grpo.save_steps=2",
            "grpo.max_completion_length=8",
            "task.num_samples=4",
        ],
    )
    loaded = load_with_unsloth(config.model, config.lora, config.grpo.seed)
    dataset = render_prompts(build_dataset(config.task), loaded.tokenizer)
    rewards, weights = build_reward_funcs(
        [RewardSpec(name=f"tests.unsloth_cpu_run.{name}") for name in ("completion_length", "always_fails")]
    )
    args = grpo_arguments(config, longest_prompt_tokens(dataset, loaded.tokenizer), weights)
    trainer = build_trainer(args, loaded, dataset, rewards)
    train(trainer, None)
    final = save_final_model(trainer)
    base = loaded.model.get_base_model()
    print(
        json.dumps(
            {
                "backend": loaded.backend,
                "loader": unsloth.FastLanguageModel.__module__,
                "model_class": type(base).__name__,
                # What Unsloth's CPU loader leaves behind (it keeps the stock transformers classes on CPU).
                "unsloth_gradient_checkpointing": vars(base).get("_unsloth_cpu_gradient_checkpointing"),
                "unsloth_generate": getattr(loaded.model.generate, "_unsloth_cpu", False),
                "unsloth_grpo_config": getattr(type(args).__post_init__, "_unsloth_cpu", False),
                "dtype": str(base.dtype),
                "steps": trainer.state.global_step,
                "losses": [row["loss"] for row in trainer.state.log_history if "loss" in row],
                "failures": [
                    [row.get(f"rewards/{name}/failures") for name in ("completion_length", "always_fails")]
                    for row in trainer.state.log_history
                    if "loss" in row
                ],
                "final_model": str(final),
            }
        )
    )


if __name__ == "__main__":
    main(*sys.argv[1:])
