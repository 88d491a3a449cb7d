"""A real (tiny) GRPO run with the four guarded matmul rewards logs rewards/<name>/mean for each."""

import pytest

from gpt_oss_grpo.reward_registry import build_reward_funcs

MATMUL_REWARDS = ["function_works", "no_cheating", "correctness_check", "speed_check"]


def tiny_model_and_tokenizer():
    """A random 2-layer Llama and a byte-level BPE tokenizer trained on one sentence: built offline."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=300,
        special_tokens=["<eos>", "<pad>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(["```python\ndef matmul(A, B):\n    return [[0]]\n```"], trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token="<eos>", pad_token="<pad>")
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=1,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    return LlamaForCausalLM(config), tokenizer


@pytest.mark.slow
def test_grpo_logs_every_matmul_reward(tmp_path):
    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    model, tokenizer = tiny_model_and_tokenizer()
    funcs, weights = build_reward_funcs([(name, 1.0) for name in MATMUL_REWARDS])
    prompt = "Write matmul in pure Python.\n```python\ndef matmul(A, B):\n"
    config = GRPOConfig(
        output_dir=str(tmp_path),
        max_steps=1,
        per_device_train_batch_size=4,
        num_generations=4,
        max_completion_length=24,
        learning_rate=1e-4,
        reward_weights=weights,
        logging_steps=1,
        report_to=[],
        bf16=False,
        use_cpu=True,
        save_strategy="no",
    )
    trainer = GRPOTrainer(
        model=model,
        reward_funcs=funcs,
        args=config,
        train_dataset=Dataset.from_dict({"prompt": [prompt] * 8}),
        processing_class=tokenizer,
    )
    trainer.train()
    logged = {key for entry in trainer.state.log_history for key in entry}
    for name in MATMUL_REWARDS:
        assert f"rewards/{name}/mean" in logged
