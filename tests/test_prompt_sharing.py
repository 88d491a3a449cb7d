"""The log-prob pass with each distinct prompt run once gives TRL's log-probs and gradients, on the tiny GPT-OSS
(sliding-window layers, attention sinks) and a tiny Llama (the CPU demo's architecture): prompt_sharing.py."""

from __future__ import annotations

import pytest
import torch
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, AutoTokenizer, LlamaConfig, LlamaForCausalLM
from trl.trainer import grpo_trainer
from trl.trainer import utils as trl_utils

from gpt_oss_grpo import prompt_sharing
from gpt_oss_grpo.config import LogprobSettings
from tests.conftest import cpu_grpo_trainer

PROMPT, COMPLETION = 20, 9


def tiny_llama() -> LlamaForCausalLM:
    config = LlamaConfig(
        vocab_size=128,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=256,
        tie_word_embeddings=True,
    )
    return LlamaForCausalLM(config)


@pytest.fixture(params=["gpt_oss", "llama"])
def trainer(request, tiny_gpt_oss, tmp_path):
    """A GRPOTrainer over a tiny model with a random (non-zero) LoRA, prompt sharing installed."""
    torch.manual_seed(0)
    if request.param == "gpt_oss":
        base = AutoModelForCausalLM.from_pretrained(tiny_gpt_oss, dtype=torch.float32)
    else:
        base = tiny_llama()
    lora = LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"], init_lora_weights=False)
    model = get_peft_model(base, lora)
    trainer = cpu_grpo_trainer(
        model,
        AutoTokenizer.from_pretrained(tiny_gpt_oss),
        tmp_path,
        ["x"] * 6,
        num_generations=3,
        per_device_train_batch_size=6,
        gradient_checkpointing=False,
    )
    prompt_sharing.install(trainer, LogprobSettings(), "transformers")
    return trainer


def group_batch(vocab: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Two prompts x three completions, rows shuffled as TRL shuffles them; one prompt left-padded, one
    completion cut short (right padding), as TRL lays out prompt + completion."""
    torch.manual_seed(2)
    prompts = torch.randint(0, vocab, (2, PROMPT))
    prompt_mask = torch.ones(2, PROMPT, dtype=torch.long)
    prompt_mask[1, :5] = 0
    rows = torch.tensor([1, 0, 0, 1, 0, 1])
    completions = torch.randint(0, vocab, (6, COMPLETION))
    completion_mask = torch.ones(6, COMPLETION, dtype=torch.long)
    completion_mask[2, 4:] = 0
    ids = torch.cat([prompts[rows], completions], dim=1)
    return ids, torch.cat([prompt_mask[rows], completion_mask], dim=1)


def logps_and_grads(trainer, ids, mask):
    """TRL's own log-prob pass (what the loss calls) and the gradient of their sum w.r.t. the LoRA weights."""
    model = trainer.model
    model.zero_grad()
    logps, _, _ = trainer._get_per_token_logps_and_entropies(model, ids, mask, COMPLETION)
    (logps * mask[:, -COMPLETION:]).sum().backward()
    grads = torch.cat([p.grad.flatten() for p in model.parameters() if p.requires_grad])
    return logps.detach(), grads


def input_shapes(model) -> list[tuple[int, ...]]:
    """The input_ids shape of every forward of the decoder inside the PEFT model, in call order."""
    seen: list[tuple[int, ...]] = []
    model.base_model.model.model.register_forward_pre_hook(
        lambda module, args, kwargs: seen.append(tuple(kwargs["input_ids"].shape)), with_kwargs=True
    )
    return seen


def test_shared_prompts_give_trls_logprobs_and_gradients(trainer):
    model = trainer.model
    ids, mask = group_batch(model.config.vocab_size)
    calls = []
    inner = model.forward
    model.forward = lambda **kwargs: calls.append(kwargs.get("use_cache")) or inner(**kwargs)
    shared = logps_and_grads(trainer, ids, mask)
    assert calls == [False]  # one scoring call; the two cached forwards run inside it
    del model.forward  # the wrappers off: TRL's plain forward per row
    plain = logps_and_grads(trainer, ids, mask)
    torch.testing.assert_close(shared[0], plain[0], atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(shared[1], plain[1], atol=1e-5, rtol=1e-4)


def test_the_shared_path_runs_each_distinct_prompt_once(trainer):
    model = trainer.model
    ids, mask = group_batch(model.config.vocab_size)
    seen = input_shapes(model)
    with torch.no_grad():
        trainer._get_per_token_logps_and_entropies(model, ids, mask, COMPLETION)
    assert seen == [(2, PROMPT), (6, COMPLETION)]


def test_other_calls_and_checkpointing_run_the_plain_forward(trainer):
    model = trainer.model
    ids, mask = group_batch(model.config.vocab_size)
    seen = input_shapes(model)
    with torch.no_grad():
        model(input_ids=ids, attention_mask=mask, logits_to_keep=COMPLETION + 1, use_cache=True)
        model(input_ids=ids[[0, 1]], attention_mask=mask[[0, 1]], logits_to_keep=4, use_cache=False)
        model.gradient_checkpointing_enable()
        trainer._get_per_token_logps_and_entropies(model, ids, mask, COMPLETION)
    assert seen == [tuple(ids.shape), (2, ids.shape[1]), tuple(ids.shape)]


def test_off_switch_and_other_backends_leave_forward_alone(trainer):
    model = trainer.model
    wrapped = model.forward
    del model.forward
    plain = model.forward
    prompt_sharing.install(trainer, LogprobSettings(share_prompt=False), "transformers")
    assert grpo_trainer.shuffle_sequence_dict is prompt_sharing.shuffle_whole_groups
    prompt_sharing.install(trainer, LogprobSettings(), "unsloth")
    assert model.forward == plain and wrapped != plain
    assert grpo_trainer.shuffle_sequence_dict is trl_utils.shuffle_sequence_dict
    prompt_sharing.install(trainer, LogprobSettings(shuffle_whole_groups=False), "transformers")
    assert grpo_trainer.shuffle_sequence_dict is trl_utils.shuffle_sequence_dict


def test_shuffle_whole_groups_keeps_each_prompt_group_together():
    """Four prompt groups of three rows (one prompt left-padded), laid out as TRL's RepeatSampler lays them out:
    every seed gives a permutation of whole groups, rows aligned across keys, and split in two (as TRL splits
    for steps_per_generation=2) each half holds two whole groups; the group order varies with the seed."""
    prompt_ids = torch.arange(4).repeat_interleave(3).unsqueeze(1).repeat(1, 5)
    prompt_mask = torch.ones_like(prompt_ids)
    prompt_mask[3:6, :2] = 0
    batch = {
        "prompt_ids": prompt_ids,
        "prompt_mask": prompt_mask,
        "completion_ids": torch.arange(12).unsqueeze(1),
        "rows": [f"row{i}" for i in range(12)],
        "num_items_in_batch": torch.tensor(12),
        "extra": None,
    }
    orders = set()
    for seed in range(6):
        torch.manual_seed(seed)
        shuffled = prompt_sharing.shuffle_whole_groups(batch)
        order = shuffled["completion_ids"].flatten()
        assert sorted(order.tolist()) == list(range(12))
        assert torch.equal(shuffled["prompt_ids"], prompt_ids[order])
        assert torch.equal(shuffled["prompt_mask"], prompt_mask[order])
        assert shuffled["rows"] == [f"row{i}" for i in order.tolist()]
        assert shuffled["num_items_in_batch"] == 12 and shuffled["extra"] is None
        groups = order.view(4, 3)
        assert torch.equal(groups - groups[:, :1], torch.arange(3).expand(4, 3))  # whole groups, in order
        assert (groups[:, 0] % 3 == 0).all()
        orders.add(tuple(groups[:, 0].tolist()))
    assert len(orders) > 1


def distinct_prompts_per_micro_batch(tiny_gpt_oss, output_dir, grouped: bool) -> list[int]:
    """A real GRPO run, 4 prompts x 3 completions per generation split into 2 micro-batches of 6 rows: the
    number of distinct prompts in each micro-batch the loss gets."""
    torch.manual_seed(0)
    model = get_peft_model(
        AutoModelForCausalLM.from_pretrained(tiny_gpt_oss, dtype=torch.float32),
        LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"]),
    )
    trainer = cpu_grpo_trainer(
        model,
        AutoTokenizer.from_pretrained(tiny_gpt_oss),
        output_dir,
        [f"prompt {word}" for word in "abcdefgh"],
        reward=lambda completions, **kwargs: [float(len(c)) for c in completions],
        num_generations=3,
        per_device_train_batch_size=6,
        steps_per_generation=2,
        max_completion_length=4,
        max_steps=4,
        save_strategy="no",
        gradient_checkpointing=False,
        seed=0,
    )
    prompt_sharing.install(trainer, LogprobSettings(shuffle_whole_groups=grouped), "transformers")
    compute_loss, seen = trainer.compute_loss, []

    def counting(model, inputs, *args, **kwargs):
        seen.append(torch.unique(inputs["prompt_ids"], dim=0).size(0))
        return compute_loss(model, inputs, *args, **kwargs)

    trainer.compute_loss = counting
    trainer.train()
    return seen


def test_trainer_with_steps_per_generation_scores_whole_groups(tiny_gpt_oss, tmp_path):
    """With the switch on every micro-batch holds 2 whole groups; with TRL's row shuffle some holds more."""
    grouped = distinct_prompts_per_micro_batch(tiny_gpt_oss, tmp_path / "grouped", grouped=True)
    assert len(grouped) == 4 and set(grouped) == {2}
    assert max(distinct_prompts_per_micro_batch(tiny_gpt_oss, tmp_path / "rows", grouped=False)) > 2
