"""A model that cannot be fetched is one line, without retries; every log record prints once. Real processes."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

# A hub that answers nothing: the discard port on this machine refuses connections at once, as a machine without
# network does (the probe would otherwise depend on the test machine's network).
NO_HUB = "http://127.0.0.1:9"


def dry_run(tmp_path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    command = [sys.executable, "train.py", "--dry-run", "--set", "model.name=someone/not-in-the-cache"]
    return subprocess.run(
        command,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**clean, "HF_HOME": str(tmp_path / "hf-home"), "COLUMNS": "200", **env},
    )


@pytest.mark.parametrize(
    ("env", "why"),
    [
        ({"HF_ENDPOINT": NO_HUB}, f"{NO_HUB} cannot be reached"),
        ({"HF_HUB_OFFLINE": "1"}, "HF_HUB_OFFLINE is set"),
    ],
)
def test_a_model_that_cannot_be_fetched_is_one_line_without_retries(tmp_path, env, why):
    result = dry_run(tmp_path, **env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines[-1] == (
        f"error: model.name: 'someone/not-in-the-cache' is not in the local Hugging Face cache and {why}: fetch "
        "it once with network (python train.py --dry-run fetches the tokenizer, the first training run the "
        "weights), or set model.name to a local folder"
    )
    assert "Retrying" not in result.stderr and "Traceback" not in result.stderr
    assert len(lines) == len(set(lines)), "a line printed twice"


def test_a_missing_local_folder_is_named_as_one(run_train):
    code, _, err = run_train("--dry-run", "--set", "model.name=/no/such/model/folder")
    assert code == 2
    assert err.strip().splitlines()[-1] == (
        "error: model.name: no folder '/no/such/model/folder' (a hub id looks like org/name)"
    )


def test_every_library_log_record_prints_once(tmp_path):
    """huggingface_hub and datasets attach their own stderr handler and also propagate to the root's rich one."""
    script = """
import logging
from gpt_oss_grpo import cli
cli.setup_logging()
from transformers.utils import logging as transformers_logging
for name in ["huggingface_hub.utils._http", "datasets.builder", "trl.trainer.grpo_trainer", "gpt_oss_grpo.x"]:
    logging.getLogger(name).warning("record from %s", name)
transformers_logging.get_logger("transformers.modeling_utils").warning("record from transformers")
"""
    env = {**os.environ, "COLUMNS": "200", "CI": "1"}  # CI=1 also makes transformers propagate
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120, env=env
    )
    assert result.returncode == 0, result.stderr
    for name in [
        "huggingface_hub.utils._http",
        "datasets.builder",
        "trl.trainer.grpo_trainer",
        "transformers",
    ]:
        assert result.stderr.count(f"record from {name}") == 1, result.stderr
