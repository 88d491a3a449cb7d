"""Load the policy model and tokenizer for a backend (chosen in backend.py). Never reads the task.

- unsloth: FastLanguageModel (4-bit) + get_peft_model; the default on one CUDA GPU when Unsloth is installed.
- transformers: AutoModelForCausalLM (+ bitsandbytes 4-bit on CUDA, full precision on CPU); LoRA is handed to
  GRPOTrainer as a peft_config, so the reference model for the KL term is the same weights with the adapter off.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import torch

from gpt_oss_grpo.config import ConfigError, LoraSettings, ModelSettings
from gpt_oss_grpo.models import hub
from gpt_oss_grpo.models.backend import Backend
from gpt_oss_grpo.models.embedded import EMBEDDED_NAME, embedded_model_folder

log = logging.getLogger(__name__)


@dataclass
class LoadedModel:
    model: Any
    tokenizer: Any
    peft_config: Any | None  # for GRPOTrainer to apply; None when the model already carries its adapter
    backend: Backend


def model_path(settings: ModelSettings) -> str:
    return str(embedded_model_folder()) if settings.name == EMBEDDED_NAME else settings.name


def compute_dtype() -> torch.dtype:
    if not torch.cuda.is_available():
        return torch.float32
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


def load_tokenizer(settings: ModelSettings) -> Any:
    """The tokenizer alone (no weights): enough to render prompts and for --dry-run."""
    from transformers import AutoTokenizer

    hub.prepare(model_path(settings))
    try:
        tokenizer = AutoTokenizer.from_pretrained(model_path(settings))
    except OSError as exc:
        raise hub.load_error(settings.name, model_path(settings), exc) from None
    if tokenizer.chat_template is None:
        raise ConfigError(
            f"model.name: {settings.name!r} has no chat template; GRPO prompts are chat messages"
        )
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def check_lora_targets(model: Any, targets: list[str]) -> None:
    """Fail early, in one line, on a target name that matches no layer (PEFT would fail deep inside the trainer)."""
    linear = sorted(
        {
            name.rsplit(".", 1)[-1]
            for name, module in model.named_modules()
            if isinstance(module, torch.nn.Linear)
        }
    )
    if missing := [target for target in targets if target not in linear]:
        raise ConfigError(
            f"lora.target_modules: {missing[0]!r} matches no linear layer; this model has: {', '.join(linear)}"
        )


def lora_arguments(lora: LoraSettings) -> dict[str, Any]:
    """The adapter's shape, in the keyword names both PEFT's LoraConfig and Unsloth's get_peft_model take."""
    return {
        "r": lora.r,
        "lora_alpha": lora.alpha,
        "lora_dropout": lora.dropout,
        "target_modules": lora.target_modules,
        "bias": "none",
    }


def load_with_unsloth(settings: ModelSettings, lora: LoraSettings, seed: int) -> LoadedModel:
    from unsloth import FastLanguageModel

    model, tokenizer = FastLanguageModel.from_pretrained(
        model_name=model_path(settings),
        max_seq_length=settings.max_seq_length,
        load_in_4bit=settings.load_in_4bit,
    )
    check_lora_targets(model, lora.target_modules)
    model = FastLanguageModel.get_peft_model(
        model, **lora_arguments(lora), use_gradient_checkpointing="unsloth", random_state=seed
    )
    return LoadedModel(model, tokenizer, peft_config=None, backend="unsloth")


def load_with_transformers(settings: ModelSettings, lora: LoraSettings, tokenizer: Any) -> LoadedModel:
    from transformers import AutoModelForCausalLM, BitsAndBytesConfig

    kwargs: dict[str, Any] = {"dtype": compute_dtype()}
    if settings.load_in_4bit and torch.cuda.is_available():
        from accelerate import PartialState

        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=compute_dtype(),
        )
        kwargs["device_map"] = {"": PartialState().local_process_index}
    elif settings.load_in_4bit:
        log.warning(
            "model.load_in_4bit ignored: bitsandbytes 4-bit needs CUDA; loading full precision on CPU"
        )
    try:
        model = AutoModelForCausalLM.from_pretrained(model_path(settings), **kwargs)
    except OSError as exc:
        raise hub.load_error(settings.name, model_path(settings), exc) from None
    return with_lora(model, tokenizer, lora)


def with_lora(model: Any, tokenizer: Any, lora: LoraSettings) -> LoadedModel:
    """A plain transformers model plus the LoRA config GRPOTrainer applies to it (the transformers backend)."""
    from peft import LoraConfig

    check_lora_targets(model, lora.target_modules)
    peft_config = LoraConfig(**lora_arguments(lora), task_type="CAUSAL_LM")
    return LoadedModel(model, tokenizer, peft_config=peft_config, backend="transformers")


def load_model(
    settings: ModelSettings, lora: LoraSettings, seed: int, backend: Backend, tokenizer: Any
) -> LoadedModel:
    """`tokenizer` is the one already loaded to render the prompts; Unsloth returns its own, patched one."""
    if backend == "unsloth":
        return load_with_unsloth(settings, lora, seed)
    return load_with_transformers(settings, lora, tokenizer)
