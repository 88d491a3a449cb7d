"""Harmony parsing on real-looking GPT-OSS output: special tokens skipped or kept, truncated, garbled."""

import pytest

from gpt_oss_grpo.scoring.harmony import completion_text, extract_python_code, final_answer

CODE = "def matmul(A, B):\n    return [[sum(a * b for a, b in zip(r, c)) for c in zip(*B)] for r in A]"
SKIPPED = (
    "analysisWe need to write matmul in pure Python. Maybe use zip. Let's avoid numpy."
    f"assistantfinalHere is the function:\n\n```python\n{CODE}\n```\n"
)
KEPT = (
    "<|channel|>analysis<|message|>Think about ```python\nimport numpy\n``` no, not allowed.<|end|>"
    f"<|start|>assistant<|channel|>final<|message|>```python\n{CODE}\n```<|return|>"
)


def test_completion_text_accepts_strings_and_message_lists():
    assert completion_text("abc") == "abc"
    assert completion_text([{"role": "assistant", "content": "abc"}]) == "abc"
    with pytest.raises(TypeError):
        completion_text(42)


@pytest.mark.parametrize("text", [SKIPPED, KEPT], ids=["special-tokens-skipped", "special-tokens-kept"])
def test_final_channel_only(text):
    final = final_answer(text)
    assert "numpy" not in final and "We need" not in final
    assert extract_python_code(text) == CODE


def test_plain_text_is_its_own_final_answer():
    assert final_answer("The answer is 42.") == "The answer is 42."
    assert extract_python_code(f"Sure:\n```\n{CODE}\n```") == CODE


def test_truncated_thinking_has_no_final_answer():
    assert final_answer("analysisLet me think about ```python\ndef matmul(A, B):") == ""
    assert final_answer("<|channel|>analysis<|message|>still thinking") == ""
    assert extract_python_code("analysisI will write\n```python\ndef matmul(A, B):\n    pass\n```") is None


def test_final_channel_with_constrain_token_and_commentary():
    text = (
        "<|channel|>commentary<|message|>tool talk<|end|><|start|>assistant<|channel|>final "
        "<|constrain|>python<|message|>```py\nx = 1\n```<|end|>"
    )
    assert extract_python_code(text) == "x = 1"


def test_only_the_first_code_block_counts_and_unclosed_fences_are_read():
    assert extract_python_code("```python\na = 1\n```\n```python\nb = 2\n```") == "a = 1"
    assert extract_python_code("assistantfinal```python\ndef matmul(A, B):\n    return A") == (
        "def matmul(A, B):\n    return A"
    )


@pytest.mark.parametrize(
    "text", ["", "assistantfinal", "```python\n```", "no code at all", "<|end|><|return|>"]
)
def test_garbled_or_empty_input_yields_no_code(text):
    assert extract_python_code(text) is None
