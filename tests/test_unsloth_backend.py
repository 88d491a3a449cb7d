"""The Unsloth backend trains GRPO on CPU: Unsloth's CPU fallback, the tiny GPT-OSS, LoRA r8, two real steps.

Unsloth and its 2.7 GB of dependencies live in their own environment (scripts/setup_unsloth_env.sh), so the
run happens in a subprocess of .venv-unsloth/bin/python; see tests/unsloth_cpu_run.py.
"""

from __future__ import annotations

import json
import math
import os
import subprocess

import pytest
from safetensors.torch import load_file

from tests.conftest import ROOT

UNSLOTH_PYTHON = ROOT / ".venv-unsloth/bin/python"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not UNSLOTH_PYTHON.exists(), reason=".venv-unsloth not found: run scripts/setup_unsloth_env.sh first"
    ),
]


def test_unsloth_backend_trains_grpo_on_cpu_and_saves_the_adapter(tmp_path, tiny_gpt_oss):
    out = tmp_path / "run"
    done = subprocess.run(
        [str(UNSLOTH_PYTHON), "-m", "tests.unsloth_cpu_run", str(tiny_gpt_oss), str(out)],
        cwd=ROOT,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])

    # Unsloth's CPU fallback loaded the model and patched the model and TRL's config, not plain transformers.
    assert "Unsloth (CPU): GptOssForCausalLM" in done.stdout
    assert result["backend"] == "unsloth" and result["loader"] == "unsloth._cpu_init"
    assert result["model_class"] == "GptOssForCausalLM"
    assert result["unsloth_gradient_checkpointing"] == "unsloth"
    assert result["unsloth_generate"] and result["unsloth_grpo_config"]

    assert result["steps"] == 2
    assert len(result["losses"]) == 2 and all(math.isfinite(loss) for loss in result["losses"])
    # The guarded rewards' failure share reaches the metrics through TRL's log_metric in Unsloth's trainer too.
    assert result["failures"] == [[0.0, 1.0], [0.0, 1.0]]
    final = out / "final_model"
    assert result["final_model"] == str(final)
    adapter = json.loads((final / "adapter_config.json").read_text())
    assert adapter["r"] == 8 and set(adapter["target_modules"]) == {"q_proj", "k_proj", "v_proj", "o_proj"}
    assert (final / "tokenizer_config.json").is_file()
    assert not (final / "ref").exists()  # TRL's frozen reference copy of the adapter is not saved
    # LoRA B starts at zero: non-zero B weights in the saved adapter mean the GRPO updates reached it.
    weights = load_file(final / "adapter_model.safetensors")
    lora_b = [tensor for name, tensor in weights.items() if "lora_B" in name]
    assert len(lora_b) == 2 * 4 and any(tensor.abs().sum() > 0 for tensor in lora_b)
