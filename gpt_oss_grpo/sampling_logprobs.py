"""The old policy's log-probs taken from the sampling step instead of a second forward (transformers backend).

Why this module exists: with `steps_per_generation` > 1 the loss needs each token's log-prob under the policy
that sampled it, and TRL 1.14.2 gets them with a no-grad forward over the whole generation batch
(`_get_per_token_logps_and_entropies`, in `_generate_and_score_completions`): on the CPU demo's 96 completions
that is 20-30 s per generation, as long as three training steps. Sampling already computed them.
`SampledLogprobs` is a logits processor that generation.py places right after transformers' temperature
warper, so it sees the model's logits divided by the temperature, as TRL scales them, before top-k/top-p cut
them; it keeps each step's log-softmax, and `InverseCdfSampler` tells it which token each row drew.

TRL has no hook for this (the log-probs a `rollout_func` returns only feed vLLM's importance-sampling
correction), so `install` wraps the trainer's `_get_per_token_logps_and_entropies` on the instance: a no-grad
call over exactly the sequences just generated is answered from the recording once TRL's own computation on
two of its rows agrees within `TOLERANCE` per token. Otherwise (a logits processor that ran before ours, lower
precision, a changed TRL) TRL's pass runs, with a warning. Off with beta > 0 (the reference pass is also a
no-grad call on those sequences), when TRL runs no old pass, and on Unsloth.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from gpt_oss_grpo.config import LogprobSettings

log = logging.getLogger(__name__)

# Largest per-token gap (nats) between the recording and TRL's forward that still counts as the same log-prob:
# float32 decoding with a KV cache and one full forward agree to ~1e-5 (tests/test_sampling_logprobs.py).
TOLERANCE = 1e-3


class SampledLogprobs:
    """The log-prob of every token one TRL generate call drew, recorded while it drew them; used once."""

    def __init__(self) -> None:
        self._step: Any = None
        self._drawn: list[Any] = []
        self.sequences: Any = None
        self.logprobs: Any = None
        self.served = 0  # generations whose old-policy pass the recording answered
        self.largest_gap = 0.0  # the largest per-token gap to TRL's forward seen in the two-row checks

    def begin(self) -> None:
        self._drawn, self.sequences, self.logprobs = [], None, None

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        """As a logits processor (after temperature): keep this step's log-softmax, pass the scores on."""
        self._step = scores.log_softmax(-1)
        return scores

    def drew(self, token: Any) -> None:
        """Each row's drawn token (rows x 1), from InverseCdfSampler."""
        self._drawn.append(self._step.gather(1, token))

    def end(self, sequences: Any) -> None:
        import torch

        if self._drawn:
            self.sequences, self.logprobs = sequences, torch.cat(self._drawn, dim=1)
        self._drawn = []

    def take(self, input_ids: Any, attention_mask: Any, logits_to_keep: int) -> Any | None:
        """The recorded log-probs of the last `logits_to_keep` tokens (0 where masked), if `input_ids` are the
        recorded sequences (prompt and unmasked completion tokens); None otherwise. Either way it is used up."""
        import torch

        sequences, logprobs = self.sequences, self.logprobs
        self.sequences = self.logprobs = None
        if sequences is None:
            return None
        width = sequences.size(1) - logprobs.size(1)
        if input_ids.size(0) != sequences.size(0) or logits_to_keep > logprobs.size(1):
            return None
        if input_ids.size(1) - logits_to_keep != width or not torch.equal(
            input_ids[:, :width], sequences[:, :width]
        ):
            return None
        mask = attention_mask[:, -logits_to_keep:].bool()
        completion = sequences[:, width : width + logits_to_keep]
        if not torch.equal(input_ids[:, -logits_to_keep:][mask], completion[mask]):
            return None
        return logprobs[:, :logits_to_keep].masked_fill(~mask, 0.0)


def trl_runs_old_pass(args: Any) -> bool:
    """TRL 1.14.2's condition for its old-policy pass (grpo_trainer.py, `_generate_and_score_completions`)."""
    generate_every = args.steps_per_generation * args.num_iterations
    return args.gradient_accumulation_steps % generate_every != 0 or (
        args.use_vllm and args.vllm_importance_sampling_correction
    )


def two_row_gap(
    score: Callable[..., Any],
    model: Any,
    input_ids: Any,
    attention_mask: Any,
    logits_to_keep: int,
    recorded: Any,
) -> float:
    """The largest per-token gap between the recording and TRL's own log-probs (`score`) on two rows: the
    first and the one with the most completion tokens."""
    mask = attention_mask[:, -logits_to_keep:].bool()
    rows = sorted({0, int(mask.sum(1).argmax())})
    own, _, _ = score(model, input_ids[rows], attention_mask[rows], logits_to_keep)
    return float((own - recorded[rows]).abs()[mask[rows]].max()) if mask[rows].any() else 0.0


def install(trainer: Any, settings: LogprobSettings, backend: str) -> SampledLogprobs | None:
    """Answer TRL's old-policy pass from a recording of the sampling step; the recorder for generation.py, or
    None when this does not apply (see the module docstring)."""
    args = trainer.args
    if (
        backend != "transformers"
        or not settings.old_from_sampling
        or args.beta != 0.0
        or args.use_vllm
        or not trl_runs_old_pass(args)
    ):
        return None
    recorder = SampledLogprobs()
    original: Callable[..., Any] = trainer._get_per_token_logps_and_entropies
    warned = False

    @functools.wraps(original)
    def logps(
        model: Any, input_ids: Any, attention_mask: Any, logits_to_keep: int, *rest: Any, **kwargs: Any
    ):
        import torch

        nonlocal warned
        plain = not rest and not any(value for key, value in kwargs.items() if key != "batch_size")
        if plain and not torch.is_grad_enabled():
            recorded = recorder.take(input_ids, attention_mask, logits_to_keep)
            if recorded is not None:
                gap = two_row_gap(original, model, input_ids, attention_mask, logits_to_keep, recorded)
                recorder.largest_gap = max(recorder.largest_gap, gap)
                if gap <= TOLERANCE:
                    recorder.served += 1
                    return recorded, None, None
                if not warned:
                    log.warning(
                        "logprobs.old_from_sampling: the sampling step's log-probs differ from TRL's forward "
                        "by %.2g per token (more than %g); TRL's old-policy pass runs instead",
                        gap,
                        TOLERANCE,
                    )
                    warned = True
        return original(model, input_ids, attention_mask, logits_to_keep, *rest, **kwargs)

    trainer._get_per_token_logps_and_entropies = logps
    return recorder
