"""The loss's log-prob forward with each distinct prompt run once (transformers backend).

Why this module exists: GRPO scores `num_generations` completions of every prompt, and TRL 1.14.2's log-prob
pass (`_full_logits_logps`) runs the model over prompt + completion for every row, so each prompt's tokens go
through the model, forward and backward, once per completion. No GRPOConfig field shares them, so `install`
wraps the policy's own `forward` (on the instance; TRL and the class stay untouched). A call shaped like TRL's
scoring call (input_ids, attention_mask, logits_to_keep=k, use_cache=False, nothing else) runs the distinct
prefixes (each row's first L-k+1 tokens: its prompt) once with a KV cache, spreads the cache over the rows
(`Cache.reorder_cache`) and runs the rest of every row on it. The logits are the ones the full forward gives,
up to float rounding, and so are the gradients: autograd flows through the shared cache into every row.

Any other call (generation, a cache, extra outputs such as router logits) and any call under gradient
checkpointing, whose checkpointed layers drop the KV cache (see generation.py), runs the forward unchanged.
Unsloth (one CUDA GPU) replaces TRL's log-prob code with its own and is left alone.

With `steps_per_generation` > 1 TRL shuffles the rows of a generation batch before splitting it into
micro-batches (`shuffle_sequence_dict` in `_prepare_inputs`), so a micro-batch of 12 rows from 8 prompts holds
~7 of them and has little to share. `shuffle_whole_groups` shuffles whole prompt groups instead: each
micro-batch then holds whole groups, as every micro-batch does at one step per generation. No GRPOConfig field
or callback reaches that shuffle, so `install` sets the name TRL's trainer module calls (process-wide; every
install sets it, TRL's own function when the switch is off).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from gpt_oss_grpo.config import LogprobSettings

SCORING_KWARGS = {"input_ids", "attention_mask", "logits_to_keep", "use_cache"}


def shuffle_whole_groups(batch: dict[str, Any]) -> dict[str, Any]:
    """TRL's generation batch with its prompt groups (runs of rows with the same prompt, as TRL's RepeatSampler
    lays them out) in random order, each group's rows kept together and in order."""
    import torch
    from trl.trainer.utils import shuffle_sequence_dict

    if "prompt_ids" not in batch or "prompt_mask" not in batch:
        return shuffle_sequence_dict(batch)
    prompts = torch.cat([batch["prompt_ids"], batch["prompt_mask"]], dim=1)
    starts = torch.ones(prompts.size(0), dtype=torch.bool)
    starts[1:] = (prompts[1:] != prompts[:-1]).any(dim=1)
    groups = torch.tensor_split(torch.arange(prompts.size(0)), starts.nonzero().flatten()[1:].tolist())
    order = torch.cat([groups[i] for i in torch.randperm(len(groups)).tolist()])

    def permute(value: Any) -> Any:
        if value is None or (isinstance(value, torch.Tensor) and value.ndim == 0):
            return value
        return value[order] if isinstance(value, torch.Tensor) else [value[i] for i in order.tolist()]

    return {key: permute(value) for key, value in batch.items()}


def distinct_prefixes(input_ids: Any, attention_mask: Any, width: int) -> tuple[Any, Any, Any] | None:
    """The distinct (ids, mask) prefixes of `width` tokens and each row's index among them; None if none repeat."""
    import torch

    prefixes = torch.cat([input_ids[:, :width], attention_mask[:, :width]], dim=1)
    distinct, row_of = torch.unique(prefixes, dim=0, return_inverse=True)
    if distinct.size(0) == input_ids.size(0):
        return None
    return distinct[:, :width], distinct[:, width:], row_of


def shared_prefix_logits(
    forward: Callable[..., Any], input_ids: Any, attention_mask: Any, logits_to_keep: int
) -> Any | None:
    """The last `logits_to_keep` logits of every row, each distinct prefix computed once; None if none repeat."""
    import torch

    split = input_ids.size(1) - logits_to_keep + 1
    if (shared := distinct_prefixes(input_ids, attention_mask, split)) is None:
        return None
    ids, mask, row_of = shared
    head = forward(input_ids=ids, attention_mask=mask, use_cache=True, logits_to_keep=1)
    cache = head.past_key_values
    # One cache row per input row; autograd sums each row's gradient back into its shared prefix.
    cache.reorder_cache(row_of)
    rest = forward(
        input_ids=input_ids[:, split:],
        attention_mask=attention_mask,
        past_key_values=cache,
        use_cache=True,
        logits_to_keep=logits_to_keep - 1,
    )
    return torch.cat([head.logits[row_of], rest.logits], dim=1)


def install(trainer: Any, settings: LogprobSettings, backend: str) -> None:
    """Route the policy's scoring forwards through `shared_prefix_logits` and TRL's generation-batch shuffle
    through `shuffle_whole_groups` (transformers backend, each when enabled)."""
    from trl.trainer import grpo_trainer, utils

    grouped = backend == "transformers" and settings.shuffle_whole_groups
    grpo_trainer.shuffle_sequence_dict = shuffle_whole_groups if grouped else utils.shuffle_sequence_dict
    if backend != "transformers" or not settings.share_prompt:
        return
    model = trainer.accelerator.unwrap_model(trainer.model)
    original: Callable[..., Any] = model.forward

    @functools.wraps(original)
    def forward(*args: Any, **kwargs: Any) -> Any:
        keep = kwargs.get("logits_to_keep")
        if (
            args
            or not set(kwargs) <= SCORING_KWARGS
            or kwargs.get("use_cache") is not False
            or not isinstance(keep, int)
            or keep < 2
            or getattr(model, "is_gradient_checkpointing", False)
        ):
            return original(*args, **kwargs)
        logits = shared_prefix_logits(original, kwargs["input_ids"], kwargs["attention_mask"], keep)
        if logits is None:
            return original(*args, **kwargs)
        from transformers.modeling_outputs import CausalLMOutputWithPast

        return CausalLMOutputWithPast(logits=logits)

    model.forward = forward
