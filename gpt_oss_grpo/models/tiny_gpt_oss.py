"""A tiny random GPT-OSS model with a real GPT-OSS chat template, built offline in about a second.

Nothing can be downloaded in tests or CI, so the GPT-OSS-specific paths (the MoE architecture, LoRA on its
attention, the harmony chat template with its reasoning-effort line) are exercised on this model instead:
same classes and template as GPT-OSS 20B, a few thousand random parameters.

    python -m gpt_oss_grpo.models.tiny_gpt_oss FOLDER
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import GenerationConfig, GptOssConfig, GptOssForCausalLM, PreTrainedTokenizerFast
from trl.chat_template_utils import gptoss_chat_template

# The harmony format's control tokens, as in GPT-OSS's own tokenizer.
HARMONY_SPECIAL_TOKENS = [
    "<|startoftext|>",
    "<|endoftext|>",
    "<|start|>",
    "<|end|>",
    "<|message|>",
    "<|channel|>",
    "<|constrain|>",
    "<|return|>",
    "<|call|>",
]

# Enough text for a byte-level BPE to learn the words the matmul task and the template use.
_CORPUS = [
    "Create a new fast matrix multiplication function using only native Python code.",
    "You are given a list of list of numbers. Output your new function in backticks.",
    "```python\ndef matmul(A, B):\n    return [[sum(a * b for a, b in zip(row, col)) for col in zip(*B)] for row in A]\n```",
    "You are ChatGPT, a large language model trained by OpenAI. Knowledge cutoff: 2024-06 Current date:",
    "Reasoning: low medium high # Valid channels: analysis, commentary, final. system developer user assistant",
    "analysis final The answer is 42. Let me think step by step about the problem and the function.",
]


def build_tokenizer(vocab_size: int = 512) -> PreTrainedTokenizerFast:
    """Train a byte-level BPE on a tiny corpus and give it GPT-OSS's special tokens and chat template."""
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=HARMONY_SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(_CORPUS, trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe,
        bos_token="<|startoftext|>",
        eos_token="<|return|>",
        pad_token="<|endoftext|>",
    )
    tokenizer.chat_template = gptoss_chat_template
    return tokenizer


def build_tiny_gpt_oss(folder: Path, seed: int = 0) -> Path:
    """Save a tiny random GptOssForCausalLM and its tokenizer to `folder` (loadable with from_pretrained)."""
    import torch

    torch.manual_seed(seed)
    tokenizer = build_tokenizer()
    config = GptOssConfig(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=16,
        num_local_experts=4,
        num_experts_per_tok=2,
        sliding_window=16,
        layer_types=["sliding_attention", "full_attention"],
        max_position_embeddings=4096,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    model = GptOssForCausalLM(config)
    model.generation_config = GenerationConfig(
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=[tokenizer.convert_tokens_to_ids(t) for t in ("<|return|>", "<|call|>")],
        pad_token_id=tokenizer.pad_token_id,
    )
    folder = Path(folder)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="where to save the model and tokenizer")
    print(build_tiny_gpt_oss(parser.parse_args().folder))


if __name__ == "__main__":
    main()
