"""Thresholds for the warning signs and switches for the monitoring files (the `monitoring:` key of config.yaml)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class MonitorSettings(BaseModel):
    """What the training monitor writes and when it warns; every warning prints once, with the step and a fix."""

    model_config = ConfigDict(extra="forbid")

    completions_log: bool = Field(
        True, description="write completions.jsonl: every step's completions with their rewards and advantage"
    )
    window: int = Field(
        10,
        ge=1,
        description="steps averaged by the checks (dominant reward, zero spread, repetition; the length check "
        "compares the first and the last N steps)",
    )
    plateau_window: int = Field(
        20, ge=2, description="reward plateau: compare the mean reward of the last N steps with the N before"
    )
    plateau_min_gain: float = Field(
        0.1,
        ge=0,
        description="reward plateau: warn when the mean reward rose by less than this (reward units)",
    )
    dominant_share: float = Field(
        0.8,
        gt=0.5,
        le=1,
        description="warn when one reward function supplies more than this share of the total |weighted reward|",
    )
    kl_max: float = Field(
        1.0, gt=0, description="warn when KL to the reference model exceeds this (beta > 0 only)"
    )
    length_collapse_ratio: float = Field(
        0.5,
        gt=0,
        lt=1,
        description="warn when reward rises while mean completion length falls below this x start",
    )
    length_explode_ratio: float = Field(
        2.0, gt=1, description="warn when reward rises while mean completion length grows above this x start"
    )
    repetition_ngram: int = Field(4, ge=1, description="n-gram size (in words) for the repetition check")
    repetition_max_share: float = Field(
        0.5,
        gt=0,
        lt=1,
        description="warn when the share of repeated word n-grams in completions exceeds this",
    )
    zero_std_max_frac: float = Field(
        0.5, gt=0, le=1, description="warn when more than this fraction of groups have zero reward spread"
    )
    stop_on_nonfinite: bool = Field(
        True, description="on a NaN/inf loss or gradient: skip that update, save a checkpoint and stop"
    )
