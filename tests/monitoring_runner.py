"""A small real GRPO run on the tiny GPT-OSS model with monitoring installed as train.py installs it, plus a
fault train.py has no switch for: `--nan-grad-at-step K` turns one LoRA gradient into NaN from step K on (a
gradient hook), as an overflow in the backward pass would.

    python tests/monitoring_runner.py MODEL_DIR OUTPUT_DIR --max-steps N --nan-grad-at-step K
"""

from __future__ import annotations

import argparse
from pathlib import Path

from datasets import Dataset
from peft import LoraConfig
from transformers import AutoTokenizer
from trl import GRPOConfig, GRPOTrainer

from gpt_oss_grpo.monitoring import MonitorSettings, install_monitoring, write_report


def length_reward(completions, **kwargs):
    return [len(text) / 50 for text in completions]


def build_trainer(model_dir: Path, output_dir: Path, max_steps: int) -> GRPOTrainer:
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    prompt = tokenizer.apply_chat_template(
        [{"role": "user", "content": "Write matmul"}], tokenize=False, add_generation_prompt=True
    )
    args = GRPOConfig(
        output_dir=str(output_dir),
        max_steps=max_steps,
        per_device_train_batch_size=4,
        num_generations=4,
        max_completion_length=12,
        learning_rate=1e-3,
        beta=0.1,
        logging_steps=1,
        save_steps=2,
        bf16=False,
        use_cpu=True,
        report_to=["tensorboard"],
        seed=0,
    )
    return GRPOTrainer(
        model=str(model_dir),
        reward_funcs=[length_reward],
        args=args,
        train_dataset=Dataset.from_dict({"prompt": [prompt] * 64}),
        processing_class=tokenizer,
        peft_config=LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"]),
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("model_dir", type=Path)
    parser.add_argument("output_dir", type=Path)
    parser.add_argument("--max-steps", type=int, required=True)
    parser.add_argument("--nan-grad-at-step", type=int, required=True)
    args = parser.parse_args()
    trainer = build_trainer(args.model_dir, args.output_dir, args.max_steps)
    lora = next(p for name, p in trainer.model.named_parameters() if "lora_B" in name)
    at = args.nan_grad_at_step
    lora.register_hook(lambda grad: grad * float("nan") if trainer.state.global_step + 1 >= at else grad)
    install_monitoring(trainer, MonitorSettings())
    trainer.train()
    trainer.save_model(str(args.output_dir / "final_model"))
    print(write_report(args.output_dir))


if __name__ == "__main__":
    main()
