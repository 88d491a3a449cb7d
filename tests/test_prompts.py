"""reasoning_effort reaches the real GPT-OSS chat template, row by row."""

from __future__ import annotations

import pytest
from datasets import Dataset
from transformers import AutoTokenizer

from gpt_oss_grpo.prompts import longest_prompt_tokens, render_prompts


@pytest.fixture(scope="module")
def tokenizer(tiny_gpt_oss):
    return AutoTokenizer.from_pretrained(tiny_gpt_oss)


@pytest.mark.parametrize("effort", ["low", "medium", "high"])
def test_rendered_prompt_carries_the_effort_line(tokenizer, effort):
    messages = [{"role": "user", "content": "Write matmul."}]
    text = render_prompts(Dataset.from_list([{"prompt": messages, "reasoning_effort": effort}]), tokenizer)[
        0
    ]["prompt"]
    assert text.startswith("<|start|>system<|message|>")
    assert f"\nReasoning: {effort}\n" in text
    assert text.endswith("<|start|>user<|message|>Write matmul.<|end|><|start|>assistant")


def test_each_row_keeps_its_own_effort_and_tokens_match_the_trainer_path(tokenizer):
    rows = [
        {"prompt": [{"role": "user", "content": "a"}], "reasoning_effort": "high"},
        {"prompt": [{"role": "user", "content": "a"}], "reasoning_effort": "low"},
    ]
    rendered = render_prompts(Dataset.from_list(rows), tokenizer)
    assert "Reasoning: high" in rendered[0]["prompt"]
    assert "Reasoning: low" in rendered[1]["prompt"]
    assert rendered[0]["messages"] == rows[0]["prompt"]
    # GRPOTrainer tokenizes text prompts with tokenizer(text); that must equal the chat template's own tokens.
    expected = tokenizer.apply_chat_template(
        rows[0]["prompt"], add_generation_prompt=True, reasoning_effort="high", return_dict=True
    )["input_ids"]
    assert tokenizer(rendered[0]["prompt"]).input_ids == list(expected)
    assert longest_prompt_tokens(rendered, tokenizer) == len(expected)
