"""Evaluation during training (the `eval:` key of config.yaml); also the defaults of evaluate.sh's flags."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class EvalSettings(BaseModel):
    """Held-out evaluation: every `steps` steps, at the start and at the end of training.

    Off by default (`steps: null`): evaluation generates with plain `model.generate`, without the trainer's
    vLLM or Unsloth fast path, and on GPT-OSS 20B its cost has not been measured here (no GPU). The CPU demo
    turns it on.
    """

    model_config = ConfigDict(extra="forbid")

    steps: int | None = Field(
        None, ge=1, description="evaluate every N training steps, and at the start and the end; null: off"
    )
    samples: int = Field(
        1, ge=1, description="completions per problem: 1 = greedy pass@1; more: sampled pass@k"
    )
    temperature: float = Field(1.0, gt=0, description="sampling temperature when samples > 1")
    limit: int | None = Field(None, ge=1, description="evaluate at most this many held-out problems")
    max_new_tokens: int | None = Field(
        None, ge=1, description="generation budget per completion; null: grpo.max_completion_length"
    )
    batch_size: int = Field(32, ge=1, description="completions generated together in one batch")
