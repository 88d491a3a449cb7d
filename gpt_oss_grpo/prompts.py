"""Render chat prompts to text, row by row, so each row's reasoning effort reaches the chat template.

GRPOTrainer (TRL 1.14-1.16) renders conversational prompts with one global `chat_template_kwargs` and ignores a
`reasoning_effort` column. Rendering here with the row's own effort and handing the trainer text prompts makes the
GPT-OSS system line (`Reasoning: low|medium|high`) follow the data. The tokens are the same the trainer would
produce from the messages (checked in tests). The original messages stay in a `messages` column.
"""

from __future__ import annotations

from typing import Any

from datasets import Dataset


def render_prompt(tokenizer: Any, messages: list[dict[str, str]], reasoning_effort: str) -> str:
    return tokenizer.apply_chat_template(
        messages, tokenize=False, add_generation_prompt=True, reasoning_effort=reasoning_effort
    )


def render_prompts(dataset: Dataset, tokenizer: Any) -> Dataset:
    def render(row: dict[str, Any]) -> dict[str, Any]:
        return {
            "messages": row["prompt"],
            "prompt": render_prompt(tokenizer, row["prompt"], row["reasoning_effort"]),
        }

    return dataset.map(render, desc="Rendering prompts")


def longest_prompt_tokens(dataset: Dataset, tokenizer: Any) -> int:
    return max(len(tokenizer(text).input_ids) for text in set(dataset["prompt"]))
