"""Turn the validated config into TRL's GRPOConfig and GRPOTrainer, train, and save the results."""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
import yaml

from gpt_oss_grpo.config import GrpoSettings, RunConfig
from gpt_oss_grpo.errors import ConfigError
from gpt_oss_grpo.models.loading import LoadedModel
from gpt_oss_grpo.run_files import FINAL_MODEL_DIR, RESOLVED_CONFIG_FILE

if TYPE_CHECKING:  # TRL is imported late on purpose: Unsloth, when chosen, must patch it first (models/)
    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    from gpt_oss_grpo.sampling_logprobs import SampledLogprobs


def _precision() -> dict[str, bool]:
    """TRL defaults to bf16, which fails on CPU: choose from the device unless the user set it."""
    if not torch.cuda.is_available():
        return {"bf16": False, "fp16": False, "use_cpu": True}
    bf16 = torch.cuda.is_bf16_supported()
    return {"bf16": bf16, "fp16": not bf16}


def check_grpo_fields(grpo: GrpoSettings) -> None:
    """Keys passed through to GRPOConfig must exist there: checked against TRL itself, before weights load."""
    from trl import GRPOConfig

    known = {field.name for field in dataclasses.fields(GRPOConfig)}
    if unknown := sorted(set(grpo.model_dump()) - known):
        close = difflib.get_close_matches(unknown[0], known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ConfigError(f"grpo.{unknown[0]}: not a field of TRL's GRPOConfig{hint}")


def grpo_arguments(config: RunConfig, prompt_tokens: int, reward_weights: list[float]) -> GRPOConfig:
    """Build GRPOConfig from the grpo section (its extra keys pass through unchanged)."""
    from trl import GRPOConfig

    values: dict[str, Any] = config.grpo.model_dump()
    if values["max_completion_length"] is None:
        values["max_completion_length"] = config.model.max_seq_length - prompt_tokens
        if values["max_completion_length"] < 1:
            raise ConfigError(
                f"model.max_seq_length: {config.model.max_seq_length} leaves no room after the "
                f"{prompt_tokens}-token prompt; raise it or set grpo.max_completion_length"
            )
    values = {**_precision(), "reward_weights": reward_weights, **values}
    try:
        return GRPOConfig(**values)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"grpo: {str(exc).splitlines()[0]}") from None


def build_trainer(
    args: GRPOConfig, loaded: LoadedModel, dataset: Dataset, reward_funcs: list[Callable[..., list[float]]]
) -> GRPOTrainer:
    """TRL's own GRPOTrainer (Unsloth's rewritten one on CUDA): the guarded rewards report their failures and
    verdicts through TRL's log_metric and log_extra hooks, so nothing here needs a subclass."""
    from trl import GRPOTrainer

    return GRPOTrainer(
        model=loaded.model,
        processing_class=loaded.tokenizer,
        reward_funcs=reward_funcs,
        args=args,
        train_dataset=dataset,
        peft_config=loaded.peft_config,
    )


def install_step_paths(trainer: GRPOTrainer, config: RunConfig, backend: str) -> SampledLogprobs | None:
    """The faster generation and log-prob paths the config switches on (each module says why it exists);
    the recorder of sampled log-probs, when it applies (its counters tell how often it served)."""
    from gpt_oss_grpo import generation, prompt_sharing, sampling_logprobs

    recorder = sampling_logprobs.install(trainer, config.logprobs, backend)
    generation.install(trainer, config.generation, backend, recorder)
    prompt_sharing.install(trainer, config.logprobs, backend)
    return recorder


def save_resolved_config(config: RunConfig) -> Path:
    """Written before training starts (by the main process), so even a crashed run records what it ran with."""
    from accelerate import PartialState

    path = Path(config.grpo.output_dir) / RESOLVED_CONFIG_FILE
    if PartialState().is_main_process:
        path.parent.mkdir(parents=True, exist_ok=True)
        resolved = config.model_copy(
            update={"rewards": config.reward_specs()}
        )  # the task's defaults spelt out
        path.write_text(yaml.safe_dump(resolved.model_dump(mode="json"), sort_keys=False))
    return path


def train(trainer: GRPOTrainer, resume: str | bool | None) -> None:
    """Train; `resume` is a checkpoint folder, True for the newest in output_dir, or None for a fresh run."""
    if resume is True and not list(Path(trainer.args.output_dir).glob("checkpoint-*")):
        raise ConfigError(f"--resume: no checkpoint-* folder in {trainer.args.output_dir} to resume from")
    if isinstance(resume, str) and not Path(resume).is_dir():
        raise ConfigError(f"--resume: checkpoint folder not found: {resume}")
    trainer.train(resume_from_checkpoint=resume)


def save_final_model(trainer: GRPOTrainer) -> Path:
    """The LoRA adapter and tokenizer, loadable with PEFT on top of the base model."""
    path = Path(trainer.args.output_dir) / FINAL_MODEL_DIR
    if "ref" in getattr(trainer.model, "peft_config", {}):
        # A model that arrived with its adapter (Unsloth) gets a frozen "ref" copy from TRL for the KL term:
        # keep only the trained one.
        if trainer.is_world_process_zero():
            trainer.model.save_pretrained(str(path), selected_adapters=["default"])
    else:
        trainer.save_model(str(path))
    if trainer.is_world_process_zero():
        trainer.processing_class.save_pretrained(str(path))
    return path


def close(trainer: GRPOTrainer) -> None:
    """Tear down the process group on every rank: left to interpreter exit, gloo's threads can abort a rank."""
    trainer.accelerator.end_training()
