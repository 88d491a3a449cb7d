"""Fine-tune GPT-OSS with GRPO: config.yaml -> dataset -> model -> GRPOTrainer with reward_functions.py -> final_model.

python train.py [--config config.yaml] [--set grpo.max_steps=5 ...] [--dry-run] [--resume [DIR]]
"""

import sys
from collections.abc import Sequence
from pathlib import Path

# isort: off
import gpt_oss_grpo.models.unsloth_first  # noqa: F401  (first: Unsloth must patch TRL/transformers before they load)

# isort: on
from gpt_oss_grpo import cli, sandbox
from gpt_oss_grpo.config import load_config
from gpt_oss_grpo.data import build_dataset
from gpt_oss_grpo.errors import run_main
from gpt_oss_grpo.evaluation import install_evaluation
from gpt_oss_grpo.models.backend import resolve_backend
from gpt_oss_grpo.models.loading import load_model, load_tokenizer
from gpt_oss_grpo.monitoring import install_monitoring, write_report
from gpt_oss_grpo.prompts import longest_prompt_tokens, render_prompts
from gpt_oss_grpo.scoring.registry import build_reward_funcs, check_columns
from gpt_oss_grpo.training import (
    build_trainer,
    check_grpo_fields,
    close,
    grpo_arguments,
    install_step_paths,
    save_final_model,
    save_resolved_config,
    train,
)


def main(argv: Sequence[str] | None = None) -> None:
    args = cli.parse_args(argv)
    cli.setup_logging()
    config = load_config(args.config, args.set)
    backend = resolve_backend(config.model.backend)
    check_grpo_fields(config.grpo)
    reward_funcs, weights = build_reward_funcs(config.reward_specs())
    sandbox.configure(config.sandbox)
    sandbox.protections()  # probes and logs once which protections are active
    dataset = build_dataset(config.task, "train")  # the held-out problems stay out of training
    tokenizer = load_tokenizer(config.model)
    dataset = render_prompts(dataset, tokenizer)
    check_columns(reward_funcs, dataset.column_names)
    grpo_args = grpo_arguments(config, longest_prompt_tokens(dataset, tokenizer), weights)
    if args.dry_run:
        cli.print_dry_run(
            config, dataset[0]["prompt"], reward_funcs, weights, grpo_args.max_completion_length
        )
        return
    save_resolved_config(config)
    model = load_model(config.model, config.lora, config.grpo.seed, backend, tokenizer)
    trainer = build_trainer(grpo_args, model, dataset, reward_funcs)
    install_step_paths(trainer, config, model.backend)
    install_monitoring(trainer, config.monitoring)
    install_evaluation(trainer, config, reward_funcs)
    train(trainer, args.resume)
    final = save_final_model(trainer)
    if trainer.is_world_process_zero():
        report = write_report(Path(grpo_args.output_dir))
        cli.print_results(Path(grpo_args.output_dir), final, report)
    close(trainer)


if __name__ == "__main__":
    sys.exit(run_main(main, sys.argv[1:]))
