"""The old policy's log-probs recorded while sampling are the ones TRL's own pass computes, in real GRPO runs
on the tiny GPT-OSS; a processor that changes the logits before ours sends the pass back to TRL
(gpt_oss_grpo/sampling_logprobs.py)."""

from __future__ import annotations

import logging

import pytest
import torch
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, AutoTokenizer
from trl import GRPOTrainer

from gpt_oss_grpo import generation, sampling_logprobs
from gpt_oss_grpo.config import GenerationSettings, LogprobSettings
from tests.conftest import cpu_grpo_trainer


def grpo_trainer(tiny_gpt_oss, output_dir, **grpo_args) -> GRPOTrainer:
    """4 prompts x 3 completions per generation, 2 micro-batches of 6 rows, a random (non-zero) LoRA, sampled
    at temperature 0.7 with top-k and top-p cuts (the recording must be of the uncut distribution)."""
    torch.manual_seed(0)
    model = get_peft_model(
        AutoModelForCausalLM.from_pretrained(tiny_gpt_oss, dtype=torch.float32),
        LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"], init_lora_weights=False),
    )
    settings = {
        "num_generations": 3,
        "per_device_train_batch_size": 6,
        "steps_per_generation": 2,
        "max_completion_length": 10,
        "max_steps": 4,
        "save_strategy": "no",
        "gradient_checkpointing": False,
        "temperature": 0.7,
        "top_k": 20,
        "top_p": 0.9,
        "learning_rate": 1e-2,
        "seed": 0,
    }
    return cpu_grpo_trainer(
        model,
        AutoTokenizer.from_pretrained(tiny_gpt_oss),
        output_dir,
        [f"prompt {word}" for word in "abcdefgh"],
        reward=lambda completions, **kwargs: [float(len(c)) for c in completions],
        **{**settings, **grpo_args},
    )


def install(trainer: GRPOTrainer) -> sampling_logprobs.SampledLogprobs | None:
    recorder = sampling_logprobs.install(trainer, LogprobSettings(), "transformers")
    generation.install(trainer, GenerationSettings(), "transformers", recorder)
    return recorder


def old_pass_against_trl(trainer: GRPOTrainer) -> list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    """For every no-grad log-prob call of the run: what the trainer got, what TRL's own method computes on the
    same inputs at the same moment, and the completion mask."""
    answered, calls = trainer._get_per_token_logps_and_entropies, []

    def compared(model, input_ids, attention_mask, logits_to_keep, *args, **kwargs):
        got = answered(model, input_ids, attention_mask, logits_to_keep, *args, **kwargs)
        if not torch.is_grad_enabled():
            own = GRPOTrainer._get_per_token_logps_and_entropies(
                trainer, model, input_ids, attention_mask, logits_to_keep, *args, **kwargs
            )
            calls.append((got[0], own[0], attention_mask[:, -logits_to_keep:].bool()))
        return got

    trainer._get_per_token_logps_and_entropies = compared
    return calls


def test_recorded_old_logprobs_equal_trls_pass_in_a_real_run(tiny_gpt_oss, tmp_path):
    """Two generations, each answered from the recording; TRL's pass on the same inputs agrees to 1e-5."""
    trainer = grpo_trainer(tiny_gpt_oss, tmp_path)
    recorder = install(trainer)
    calls = old_pass_against_trl(trainer)
    trainer.train()
    assert recorder is not None and recorder.served == 2
    assert len(calls) == 2
    for got, own, mask in calls:
        assert mask.sum() > 12  # real completions, not all cut at their first token
        torch.testing.assert_close(got[mask], own[mask], atol=1e-5, rtol=0)
        assert torch.all(got[~mask] == 0)


def test_a_processor_before_the_recording_sends_the_pass_back_to_trl(tiny_gpt_oss, tmp_path, caplog):
    """A sequence bias (applied before the temperature) makes the sampled distribution differ from the logits
    TRL scores: the two-row check catches it and TRL's own pass answers, with one warning."""
    token = AutoTokenizer.from_pretrained(tiny_gpt_oss).convert_tokens_to_ids("a")
    trainer = grpo_trainer(tiny_gpt_oss, tmp_path, generation_kwargs={"sequence_bias": {(token,): 8.0}})
    recorder = install(trainer)
    calls = old_pass_against_trl(trainer)
    with caplog.at_level(logging.WARNING, logger=sampling_logprobs.__name__):
        trainer.train()
    assert recorder is not None and recorder.served == 0
    assert len(calls) == 2
    for got, own, mask in calls:
        assert torch.equal(got[mask], own[mask])
    warnings = [r for r in caplog.records if "old_from_sampling" in r.getMessage()]
    assert len(warnings) == 1


@pytest.mark.parametrize(
    ("settings", "backend", "grpo_args"),
    [
        (LogprobSettings(old_from_sampling=False), "transformers", {}),
        (LogprobSettings(), "unsloth", {}),
        (LogprobSettings(), "transformers", {"beta": 0.1}),
        (LogprobSettings(), "transformers", {"steps_per_generation": 1}),  # TRL runs no old pass
    ],
    ids=["off", "unsloth", "beta", "one-step-per-generation"],
)
def test_not_installed_where_it_does_not_apply(tiny_gpt_oss, tmp_path, settings, backend, grpo_args):
    trainer = grpo_trainer(tiny_gpt_oss, tmp_path, **grpo_args)
    original = trainer._get_per_token_logps_and_entropies
    assert sampling_logprobs.install(trainer, settings, backend) is None
    assert trainer._get_per_token_logps_and_entropies == original


def recorded(sequences: torch.Tensor, new_tokens: int) -> sampling_logprobs.SampledLogprobs:
    """A recorder that saw one generate call draw the last `new_tokens` tokens of `sequences`."""
    recorder = sampling_logprobs.SampledLogprobs()
    recorder.begin()
    torch.manual_seed(0)
    for step in range(new_tokens):
        recorder(None, torch.randn(sequences.size(0), 7))
        recorder.drew(sequences[:, -new_tokens + step].unsqueeze(1))
    recorder.end(sequences)
    return recorder


def test_take_answers_only_the_recorded_sequences_once():
    sequences = torch.tensor([[0, 5, 1, 2, 3], [4, 5, 6, 2, 0]])  # 2 prompt tokens, 3 drawn
    mask = torch.ones_like(sequences)
    mask[1, -1] = 0  # the second completion ended early (right padding)
    assert recorded(sequences, 3).take(sequences, mask, 4) is None  # wider than what was drawn
    other = sequences.clone()
    other[0, 0] = 6
    assert recorded(sequences, 3).take(other, mask, 3) is None  # another prompt
    masked_differs = sequences.clone()
    masked_differs[1, -1] = 3
    recorder = recorded(sequences, 3)
    logps = recorder.take(masked_differs, mask, 3)  # a masked token may differ (TRL re-pads)
    assert logps.shape == (2, 3) and logps[1, -1] == 0 and torch.all(logps[mask[:, -3:].bool()] < 0)
    assert recorder.take(masked_differs, mask, 3) is None  # used up
