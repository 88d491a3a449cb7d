"""How the policy generates during GRPO on the transformers backend: eval mode, with its KV cache.

Why this module exists: TRL 1.14.2 generates with the policy in training mode. With gradient checkpointing on
(GRPOConfig's default), every transformers decoder layer then drops its KV cache (`past_key_values=None`,
transformers 5.17 modeling_layers.py), so each new token is computed from itself alone: the completions are
not samples of the model the loss scores, and decoding is slower too. No GRPOConfig field or trainer callback
reaches inside generation, so `install` wraps the policy's own `generate` (on the instance; the class and
TRL stay untouched): gradient checkpointing off and eval mode for the call, as TRL itself does when it scores
log-probs, and optionally the LoRA adapter merged into the base weights (PEFT's merge_adapter/unmerge_adapter)
so each decode step runs one matmul per projection instead of three.

Unsloth (one CUDA GPU) has its own generation path and is left alone.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import Any

from gpt_oss_grpo.config import GenerationSettings
from gpt_oss_grpo.errors import ConfigError


@contextlib.contextmanager
def generation_mode(model: Any, merge_lora: bool, checkpointing_kwargs: dict | None) -> Iterator[None]:
    """Eval mode without gradient checkpointing (and the adapter merged, if asked) for one generate call."""
    from trl.models.utils import disable_gradient_checkpointing

    was_training = model.training
    with contextlib.ExitStack() as stack:
        stack.enter_context(disable_gradient_checkpointing(model, checkpointing_kwargs))
        model.eval()
        stack.callback(model.train, was_training)
        if merge_lora and hasattr(model, "merge_adapter"):
            model.merge_adapter()
            stack.callback(model.unmerge_adapter)
        yield


def install(trainer: Any, settings: GenerationSettings, backend: str) -> None:
    """Route the trainer's generation through `generation_mode` (transformers backend, when enabled)."""
    if backend != "transformers" or not settings.eval_mode:
        return
    model = trainer.accelerator.unwrap_model(trainer.model)
    if settings.merge_lora and getattr(model, "hf_quantizer", None) is not None:
        raise ConfigError(
            "generation.merge_lora: needs unquantized base weights (merging into 4-bit weights re-quantizes "
            "them on every call); set model.load_in_4bit=false or generation.merge_lora=false"
        )
    original: Callable[..., Any] = model.generate

    @functools.wraps(original)
    def generate(*args: Any, **kwargs: Any) -> Any:
        with generation_mode(model, settings.merge_lora, trainer.args.gradient_checkpointing_kwargs):
            return original(*args, **kwargs)

    model.generate = generate
