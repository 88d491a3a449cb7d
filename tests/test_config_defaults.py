"""config.yaml shows the schema's defaults, all of them, and nothing else (defaults live in one place)."""

from __future__ import annotations

import yaml

from gpt_oss_grpo.config import RunConfig, load_config
from tests.conftest import ROOT


def test_config_yaml_values_are_the_schema_defaults():
    shown, default = load_config(ROOT / "config.yaml"), RunConfig()
    assert shown.model_dump(exclude={"rewards"}) == default.model_dump(exclude={"rewards"})
    assert shown.reward_specs() == default.reward_specs()


def test_config_yaml_shows_every_setting():
    raw = yaml.safe_load((ROOT / "config.yaml").read_text())
    default = RunConfig()
    for section in ("model", "lora", "grpo", "generation", "sandbox", "monitoring"):
        # `workers` defaults to the machine's CPU count, so config.yaml shows it as a comment.
        missing = set(type(getattr(default, section)).model_fields) - set(raw[section]) - {"workers"}
        assert not missing, f"config.yaml lacks {section}: {sorted(missing)}"
    assert set(raw["task"]) == set(type(default.task).model_fields)
