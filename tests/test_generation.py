"""Generation samples from the model the GRPO loss scores: per-token log-probs of generated sequences match a
full forward pass, and greedy outputs are identical, on the tiny GPT-OSS (gpt_oss_grpo/generation.py)."""

from __future__ import annotations

import pytest
import torch
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, AutoTokenizer, GenerationConfig
from trl import GRPOTrainer

from gpt_oss_grpo import generation
from gpt_oss_grpo.config import GenerationSettings
from tests.conftest import cpu_grpo_trainer

NEW_TOKENS = 12


@pytest.fixture
def policy(tiny_gpt_oss):
    """The tiny GPT-OSS with a random (non-zero) LoRA, in the state GRPOTrainer trains it: training mode,
    gradient checkpointing on."""
    torch.manual_seed(0)
    base = AutoModelForCausalLM.from_pretrained(tiny_gpt_oss, dtype=torch.float32)
    lora = LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"], init_lora_weights=False)
    model = get_peft_model(base, lora)
    model.gradient_checkpointing_enable()
    model.train()
    tokenizer = AutoTokenizer.from_pretrained(tiny_gpt_oss)
    prompt = tokenizer.apply_chat_template(
        [{"role": "user", "content": "Write matmul"}],
        add_generation_prompt=True,
        return_tensors="pt",
        return_dict=True,
    )
    return model, tokenizer, prompt["input_ids"].repeat(3, 1)


def generate(model, prompt_ids, do_sample: bool, attention_mask=None):
    """Called as TRL calls it: prompt ids, mask and one GenerationConfig."""
    torch.manual_seed(1)
    config = GenerationConfig(
        max_new_tokens=NEW_TOKENS,
        min_new_tokens=NEW_TOKENS,
        do_sample=do_sample,
        temperature=1.0,  # set as TRL sets them, so sampling takes generation.inverse_cdf_sampling's path
        top_p=1.0,
        top_k=0,
        output_logits=True,
        return_dict_in_generate=True,
    )
    mask = torch.ones_like(prompt_ids) if attention_mask is None else attention_mask
    with torch.no_grad():
        out = model.generate(input_ids=prompt_ids, attention_mask=mask, generation_config=config)
    new = out.sequences[:, prompt_ids.shape[1] :]
    logits = torch.stack(out.logits, dim=1)
    sampled = logits.log_softmax(-1).gather(-1, new.unsqueeze(-1)).squeeze(-1)
    return out.sequences, sampled


def scored_logprobs(model, sequences, prompt_len: int) -> torch.Tensor:
    """What GRPO's loss uses: one forward over prompt + completion, eval mode, no cache."""
    model.eval()
    with torch.no_grad():
        logits = model(input_ids=sequences, use_cache=False).logits[:, prompt_len - 1 : -1]
    model.train()
    return logits.log_softmax(-1).gather(-1, sequences[:, prompt_len:].unsqueeze(-1)).squeeze(-1)


def greedy_reference(model, prompt_ids) -> torch.Tensor:
    """Greedy decoding by full forwards, one token at a time: no cache, no generate()."""
    model.eval()
    sequences = prompt_ids
    with torch.no_grad():
        for _ in range(NEW_TOKENS):
            next_token = model(input_ids=sequences, use_cache=False).logits[:, -1].argmax(-1, keepdim=True)
            sequences = torch.cat([sequences, next_token], dim=1)
    model.train()
    return sequences


def install_on(model, tokenizer, settings: GenerationSettings, tmp_path) -> GRPOTrainer:
    trainer = cpu_grpo_trainer(
        model, tokenizer, tmp_path, ["x"] * 4, num_generations=2, per_device_train_batch_size=2
    )
    generation.install(trainer, settings, "transformers")
    return trainer


@pytest.mark.parametrize(
    ("merge_lora", "share_prompt"),
    [(False, True), (True, True), (False, False)],
    ids=["adapter", "merged", "adapter-unshared"],
)
def test_sampled_logprobs_and_greedy_match_the_scoring_forward(policy, tmp_path, merge_lora, share_prompt):
    """The three rows repeat one prompt, so with share_prompt the prefill runs once for all three."""
    model, tokenizer, prompt_ids = policy
    settings = GenerationSettings(eval_mode=True, merge_lora=merge_lora, share_prompt=share_prompt)
    install_on(model, tokenizer, settings, tmp_path)
    weights_before = {name: p.detach().clone() for name, p in model.named_parameters()}

    sequences, sampled = generate(model, prompt_ids, do_sample=True)
    torch.testing.assert_close(
        sampled, scored_logprobs(model, sequences, prompt_ids.shape[1]), atol=1e-5, rtol=0
    )
    greedy, _ = generate(model, prompt_ids, do_sample=False)
    assert torch.equal(greedy, greedy_reference(model, prompt_ids))

    assert model.training and model.is_gradient_checkpointing  # restored for the optimisation phase
    for name, param in model.named_parameters():  # the merged adapter is taken out again
        torch.testing.assert_close(param, weights_before[name], atol=1e-6, rtol=0)


def test_trl_path_without_the_fix_does_not_sample_the_scored_model(policy):
    """Why generation.py exists: in training mode with gradient checkpointing, transformers' decoder layers drop
    the KV cache, so what TRL samples is not the model it scores. If this starts failing, the fix is obsolete."""
    model, _, prompt_ids = policy
    sequences, sampled = generate(model, prompt_ids, do_sample=True)
    assert not torch.allclose(sampled, scored_logprobs(model, sequences, prompt_ids.shape[1]), atol=1e-3)
    greedy, _ = generate(model, prompt_ids, do_sample=False)
    assert not torch.equal(greedy, greedy_reference(model, prompt_ids))


def test_off_switch_and_other_backends_leave_generate_alone(policy, tmp_path):
    model, tokenizer, _ = policy
    original = model.generate
    install_on(model, tokenizer, GenerationSettings(eval_mode=False), tmp_path)
    assert model.generate == original
    generation.install(
        install_on(model, tokenizer, GenerationSettings(eval_mode=False), tmp_path),
        GenerationSettings(),
        "unsloth",
    )
    assert model.generate == original
    trainer = install_on(model, tokenizer, GenerationSettings(), tmp_path)
    assert trainer.accelerator.unwrap_model(trainer.model).generate != original


def test_shared_prefill_runs_each_prompt_once_and_changes_no_output(policy, tmp_path):
    """Two prompts, one left-padded, three rows each: one prefill of the two distinct prompts, and the same
    greedy sequences and logits as every row prefilling its own copy."""
    model, tokenizer, prompt_ids = policy
    short = torch.cat(
        [prompt_ids[:1, :1].new_full((1, 3), tokenizer.pad_token_id), prompt_ids[:1, 3:]], dim=1
    )
    ids = torch.cat([prompt_ids[:1], short, prompt_ids[:1], short, short, prompt_ids[:1]])
    mask = (torch.arange(ids.shape[1]) >= 3).long().repeat(6, 1)
    mask[[0, 2, 5]] = 1
    widths: list[tuple[int, ...]] = []
    model.base_model.model.model.register_forward_pre_hook(
        lambda module, args, kwargs: widths.append(tuple(kwargs["input_ids"].shape)), with_kwargs=True
    )
    outputs = {}
    for share in (True, False):
        vars(model).pop("generate", None)  # the last install's wrapper off
        install_on(model, tokenizer, GenerationSettings(share_prompt=share), tmp_path)
        widths.clear()
        outputs[share] = generate(model, ids, do_sample=False, attention_mask=mask)
        assert widths[0] == ((2, ids.shape[1] - 1) if share else tuple(ids.shape))
    assert torch.equal(outputs[True][0], outputs[False][0])
    torch.testing.assert_close(outputs[True][1], outputs[False][1], atol=1e-5, rtol=0)


def test_inverse_cdf_sampler_draws_the_softmax_distribution():
    """200k draws from six tokens, one of them masked (-inf): frequencies within 0.005 of softmax (the standard
    error is below 0.0012), and the masked token never drawn."""
    torch.manual_seed(0)
    logits = torch.tensor([[2.0, 1.0, 0.0, -1.0, -float("inf"), 0.5]])
    draws = 200_000
    scores = generation.InverseCdfSampler()(None, logits.expand(draws, -1).contiguous())
    assert torch.isinf(scores).sum(-1).eq(5).all()  # one token kept per row, for greedy selection to pick
    frequencies = torch.bincount(scores.argmax(-1), minlength=6).double() / draws
    assert frequencies[4] == 0
    torch.testing.assert_close(frequencies, logits.softmax(-1)[0].double(), atol=5e-3, rtol=0)


def test_inverse_cdf_sampling_warps_as_transformers_does(policy):
    """Our warpers (before the sampler) give the scores transformers' own sampling path gives, on TRL's
    GenerationConfig fields plus top_k, top_p and min_p; calls with other warpers or returned scores are left
    to transformers."""
    model, _, _ = policy
    config = GenerationConfig(
        do_sample=True, temperature=0.7, top_k=5, top_p=0.9, min_p=0.05, max_new_tokens=4
    )
    greedy, processors = generation.inverse_cdf_sampling(config, model.generation_config)
    assert greedy.do_sample is False and isinstance(processors[-1], generation.InverseCdfSampler)
    theirs = model._get_logits_processor(generation_config=config, input_ids_seq_length=4, device="cpu")
    scores = torch.randn(3, 50)
    ids = torch.zeros(3, 4, dtype=torch.long)
    torch.testing.assert_close(_apply(processors[:-1], ids, scores), theirs(ids, scores))
    for other in ({"typical_p": 0.9}, {"output_scores": True}, {"do_sample": False}, {"epsilon_cutoff": 0.1}):
        assert (
            generation.inverse_cdf_sampling(
                GenerationConfig(**{**config.to_dict(), **other}), model.generation_config
            )
            is None
        )


def _apply(processors, ids, scores):
    for processor in processors:
        scores = processor(ids, scores)
    return scores


@pytest.mark.parametrize("inverse_cdf", [True, False])
def test_inverse_cdf_switch_replaces_multinomial_and_top_k_1_is_greedy(
    policy, tmp_path, monkeypatch, inverse_cdf
):
    """TRL's sampling call through the wrapper: with the switch on torch.multinomial is never called, and
    sampling with top_k=1 gives the greedy sequences, so the warpers run before the sampler."""
    model, tokenizer, prompt_ids = policy
    install_on(model, tokenizer, GenerationSettings(inverse_cdf_sampling=inverse_cdf), tmp_path)
    calls = []
    multinomial = torch.multinomial
    monkeypatch.setattr(torch, "multinomial", lambda *a, **k: calls.append(1) or multinomial(*a, **k))
    config = GenerationConfig(  # the fields TRL sets (GRPOTrainer.__init__), top_k=1 instead of 0
        max_new_tokens=NEW_TOKENS,
        min_new_tokens=NEW_TOKENS,
        do_sample=True,
        temperature=1.0,
        top_p=1.0,
        top_k=1,
    )
    mask = torch.ones_like(prompt_ids)
    with torch.no_grad():
        sampled = model.generate(input_ids=prompt_ids, attention_mask=mask, generation_config=config)
    assert bool(calls) is not inverse_cdf
    assert torch.equal(sampled, generate(model, prompt_ids, do_sample=False)[0])
