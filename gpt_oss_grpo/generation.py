"""How the policy generates during GRPO on the transformers backend: eval mode, with its KV cache.

Why this module exists: TRL 1.14.2 generates with the policy in training mode. With gradient checkpointing on
(GRPOConfig's default), every transformers decoder layer then drops its KV cache (`past_key_values=None`,
transformers 5.17 modeling_layers.py), so each new token is computed from itself alone: the completions are
not samples of the model the loss scores, and decoding is slower too. No GRPOConfig field or trainer callback
reaches inside generation, so `install` wraps the policy's own `generate` (on the instance; the class and
TRL stay untouched): gradient checkpointing off and eval mode for the call, as TRL itself does when it scores
log-probs, and optionally the LoRA adapter merged into the base weights (PEFT's merge_adapter/unmerge_adapter)
so each decode step runs one matmul per projection instead of three, and optionally each distinct prompt
prefilled once: GRPO generates `num_generations` completions of every prompt, so the wrapper runs the
distinct prompts (all but their last token) through the model once, spreads that KV cache over the rows
(`Cache.reorder_cache`) and hands it to `generate`, which then starts from the cached positions; and
optionally each next token drawn by inverse-CDF sampling (see `InverseCdfSampler`), its log-prob recorded for
the loss (sampling_logprobs.py).

Unsloth (one CUDA GPU) has its own generation path and is left alone.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import math
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from gpt_oss_grpo.config import GenerationSettings
from gpt_oss_grpo.errors import ConfigError
from gpt_oss_grpo.prompt_sharing import distinct_prefixes

if TYPE_CHECKING:
    from gpt_oss_grpo.sampling_logprobs import SampledLogprobs


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


def shared_prefill(model: Any, input_ids: Any, attention_mask: Any) -> Any | None:
    """A KV cache of every row's prompt but its last token, each distinct prompt computed once; None when no
    prompt repeats. Positions as `generate` numbers left-padded rows (attention-mask cumsum)."""
    import torch

    width = input_ids.size(1) - 1
    if width < 1 or (shared := distinct_prefixes(input_ids, attention_mask, width)) is None:
        return None
    ids, mask, row_of = shared
    positions = (mask.long().cumsum(-1) - 1).masked_fill(mask == 0, 0)
    with torch.no_grad():
        cache = model(
            input_ids=ids, attention_mask=mask, position_ids=positions, use_cache=True, logits_to_keep=1
        ).past_key_values
    cache.reorder_cache(row_of)
    return cache


class InverseCdfSampler:
    """A transformers logits processor that draws each row's next token from softmax(scores) with one uniform
    per row (inverse-CDF sampling) and keeps only that token, for greedy selection to pick; it tells the
    recorder, if any, which tokens it drew.

    Why: `torch.multinomial` on CPU draws an exponential for every vocabulary entry of every row; at batch 96
    over SmolLM2's 49152 tokens that was 16 % of a decode step. The distribution is the same.
    """

    def __init__(self, recorder: SampledLogprobs | None = None) -> None:
        self.recorder = recorder

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        import torch

        cdf = scores.softmax(-1).cumsum(-1, dtype=torch.float64)
        draw = torch.rand(scores.size(0), 1, dtype=torch.float64, device=scores.device) * cdf[:, -1:]
        # right=True steps over zero-probability entries (flat stretches of the cdf)
        token = torch.searchsorted(cdf, draw, right=True).clamp_(max=scores.size(-1) - 1)
        if self.recorder is not None:
            self.recorder.drew(token)
        return torch.full_like(scores, -math.inf).scatter_(1, token, 0.0)


# Sampling fields transformers turns into warpers after its other processors (generation/utils.py,
# _get_logits_processor); any of them set sends the call down transformers' own sampling path.
OTHER_WARPERS = {"top_h": None, "typical_p": 1.0, "epsilon_cutoff": 0.0, "eta_cutoff": 0.0}


def inverse_cdf_sampling(
    config: Any, model_defaults: Any, recorder: SampledLogprobs | None = None
) -> tuple[Any, Any] | None:
    """`config` as greedy decoding over transformers' own warpers (temperature, top_k, top_p, min_p, in its
    order) followed by `InverseCdfSampler`: the same distribution without `torch.multinomial`. None when the
    call is not plain sampling with those four (other warpers, watermarking, renormalised or returned scores).
    A recorder goes right after the temperature, where the scores are the logits TRL's log-probs scale.

    Fields the call leaves unset take the model's generation config, as `generate` does (TRL sets them there
    for the call); one still unset falls back too, rather than guess transformers' global default."""
    from transformers.generation import (
        LogitsProcessorList,
        MinPLogitsWarper,
        TemperatureLogitsWarper,
        TopKLogitsWarper,
        TopPLogitsWarper,
    )

    effective = copy.deepcopy(config)
    effective.update(**model_defaults.to_dict(), defaults_only=True)
    temperature, top_k, top_p = effective.temperature, effective.top_k, effective.top_p
    if (
        not effective.do_sample
        or effective.output_scores
        or effective.renormalize_logits
        or effective.watermarking_config is not None
        or None in (temperature, top_k, top_p)
        or any(getattr(effective, name) not in (None, off) for name, off in OTHER_WARPERS.items())
    ):
        return None
    warpers = [
        TemperatureLogitsWarper(temperature) if temperature != 1.0 else None,
        recorder,
        TopKLogitsWarper(top_k) if top_k != 0 else None,
        TopPLogitsWarper(top_p) if top_p < 1.0 else None,
        MinPLogitsWarper(effective.min_p) if effective.min_p is not None else None,
    ]
    greedy = copy.deepcopy(config)
    # greedy ignores these; transformers warns about any value but its global default
    greedy.update(do_sample=False, temperature=1.0, top_k=50, top_p=1.0)
    return greedy, LogitsProcessorList([w for w in warpers if w is not None] + [InverseCdfSampler(recorder)])


def trl_shaped(args: tuple, kwargs: dict[str, Any]) -> bool:
    """TRL's generate call (prompt ids, mask, one GenerationConfig), one sequence per row: a shared cache fits."""
    config = kwargs.get("generation_config")
    return (
        not args
        and set(kwargs) == {"input_ids", "attention_mask", "generation_config"}
        and (getattr(config, "num_beams", None) or 1) == 1  # transformers 5 leaves unset fields None
        and (getattr(config, "num_return_sequences", None) or 1) == 1
    )


def install(
    trainer: Any, settings: GenerationSettings, backend: str, recorder: SampledLogprobs | None = None
) -> None:
    """Route the trainer's generation through `generation_mode` (transformers backend, when enabled); the
    recorder, if given, records what inverse-CDF sampling draws (sampling_logprobs.py)."""
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
        shaped = trl_shaped(args, kwargs)
        with generation_mode(model, settings.merge_lora, trainer.args.gradient_checkpointing_kwargs):
            if settings.share_prompt and shaped:
                cache = shared_prefill(model, kwargs["input_ids"], kwargs["attention_mask"])
                if cache is not None:
                    kwargs["past_key_values"] = cache
            rewritten = None
            if settings.inverse_cdf_sampling and shaped:
                defaults = model.generation_config
                rewritten = inverse_cdf_sampling(kwargs["generation_config"], defaults, recorder)
                if rewritten is not None:
                    kwargs["generation_config"], kwargs["logits_processor"] = rewritten
            if recorder is None:
                return original(*args, **kwargs)
            recorder.begin()
            output = original(*args, **kwargs)
            if rewritten is not None:
                recorder.end(getattr(output, "sequences", output))
            return output

    model.generate = generate
