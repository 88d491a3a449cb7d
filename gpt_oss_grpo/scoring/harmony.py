"""Read GPT-OSS "harmony" output so rewards score only the final answer, never the thinking.

A completion arrives as a string or as a chat message list. GPT-OSS text decoded with special tokens
skipped looks like ``analysis<thinking>assistantfinal<answer>``; with them kept it looks like
``<|channel|>analysis<|message|>...<|end|><|start|>assistant<|channel|>final<|message|>...<|return|>``.
Other models write plain text, which is its own final answer.
"""

import re

_SPECIAL_FINAL = re.compile(r"<\|channel\|>\s*final\s*(?:<\|constrain\|>\S*)?\s*<\|message\|>")
_SPECIAL_ANALYSIS = re.compile(r"<\|channel\|>\s*(?:analysis|commentary)")
_SPECIAL_TOKEN = re.compile(r"<\|[a-z_]+\|>")
# Decoded without special tokens, the final channel header collapses to "assistantfinal".
_PLAIN_FINAL = re.compile(r"assistantfinal")
_PLAIN_ANALYSIS = re.compile(r"^\s*(?:<\|start\|>assistant)?\s*analysis")
_FENCE = re.compile(r"```[ \t]*(?:python|py|python3)?[ \t]*\n(.*?)(?:```|\Z)", re.DOTALL | re.IGNORECASE)


def completion_text(completion: str | list[dict]) -> str:
    """Raw text of a completion given as a string or as ``[{"role": "assistant", "content": ...}]``."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, list):
        return "".join(str(m.get("content") or "") for m in completion if isinstance(m, dict))
    raise TypeError(f"completion must be a str or a list of messages, got {type(completion).__name__}")


def final_answer(text: str) -> str:
    """The final channel's text; the whole text when there are no harmony markers.

    Returns "" when the model thought (analysis channel) but never reached a final channel, i.e. the
    completion was truncated mid-thought: the thinking must not be scored as an answer.
    """
    specials = list(_SPECIAL_FINAL.finditer(text))
    if specials:
        return _SPECIAL_TOKEN.sub("", text[specials[-1].end() :]).strip()
    plain = list(_PLAIN_FINAL.finditer(text))
    if plain:
        return _SPECIAL_TOKEN.sub("", text[plain[-1].end() :]).strip()
    if _SPECIAL_ANALYSIS.search(text) or _PLAIN_ANALYSIS.match(text):
        return ""
    return _SPECIAL_TOKEN.sub("", text).strip()


def extract_python_code(text: str) -> str | None:
    """First fenced code block (```python or bare ```) of the final answer; None when there is none.

    An unclosed fence (a completion cut at the token limit) yields what was written after it.
    """
    match = _FENCE.search(final_answer(text))
    if match is None:
        return None
    code = match.group(1).strip("\n")
    return code if code.strip() else None
