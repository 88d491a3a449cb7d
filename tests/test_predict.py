"""predict.sh on a model trained by train.py: generate + score; --merge gives the same model; clear errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import torch
from safetensors.torch import load_file, save_file

from gpt_oss_grpo import predict
from tests.conftest import ROOT, tiny_args

pytestmark = pytest.mark.slow

MATMUL_REWARDS = {"function_works", "no_cheating", "correctness_check", "speed_check"}


@pytest.fixture(scope="module")
def trained(tmp_path_factory, tiny_gpt_oss):
    """A one-step train.py run on the tiny GPT-OSS: OUTPUT_DIR with final_model/ and config.resolved.yaml."""
    import train
    from gpt_oss_grpo.errors import run_main

    out = tmp_path_factory.mktemp("predict") / "run"
    assert run_main(train.main, tiny_args(tiny_gpt_oss, out, "grpo.max_steps=1", "grpo.save_steps=1")) == 0
    return out


def test_predict_generates_and_scores_with_the_runs_rewards(trained):
    command = [
        "bash",
        str(ROOT / "predict.sh"),
        "--model",
        str(trained / "final_model"),
        "--max-new-tokens",
        "12",
    ]
    env = {**os.environ, "PYTHON": sys.executable}
    done = subprocess.run([*command, "--json"], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert result["prompt"].endswith("<|start|>assistant")  # the GPT-OSS template's generation prompt
    assert result["prompt"].count("Reasoning: low") == 1
    assert isinstance(result["completion"], str) and result["completion"]
    assert set(result["rewards"]) == MATMUL_REWARDS
    # random tiny model: no code block, so function_works pays its "no code" score
    assert result["rewards"]["function_works"] == -2.0
    expected = sum(result["weights"][name] * value for name, value in result["rewards"].items())
    assert result["total"] == pytest.approx(expected)


def _logits(model, tokenizer) -> torch.Tensor:
    inputs = tokenizer("def matmul(A, B):", return_tensors="pt")
    with torch.no_grad():
        return model(**inputs).logits


def test_merge_saves_a_plain_model_with_the_adapter_folded_in(trained, tmp_path):
    from peft import AutoPeftModelForCausalLM
    from transformers import AutoModelForCausalLM, AutoTokenizer

    adapter = tmp_path / "adapter"
    subprocess.run(["cp", "-r", str(trained / "final_model"), str(adapter)], check=True)
    # one GRPO step barely moves LoRA B away from 0: give it real weight so merging has something to fold in
    weights = load_file(adapter / "adapter_model.safetensors")
    generator = torch.Generator().manual_seed(0)
    weights = {
        k: torch.randn(v.shape, generator=generator) * 0.5 if "lora_B" in k else v for k, v in weights.items()
    }
    save_file(weights, adapter / "adapter_model.safetensors")

    merged = tmp_path / "merged"
    assert predict.main(["--model", str(adapter), "--merge", str(merged), "--dtype", "float32"]) == 0
    assert (merged / "config.json").is_file() and not (merged / "adapter_config.json").exists()
    tokenizer = AutoTokenizer.from_pretrained(merged)
    with_adapter = _logits(AutoPeftModelForCausalLM.from_pretrained(adapter), tokenizer)
    folded = AutoModelForCausalLM.from_pretrained(merged)
    assert not any("lora" in name for name, _ in folded.named_parameters())
    base = json.loads((adapter / "adapter_config.json").read_text())["base_model_name_or_path"]
    assert not torch.allclose(
        with_adapter, _logits(AutoModelForCausalLM.from_pretrained(base), tokenizer), atol=1e-3
    )
    assert torch.allclose(with_adapter, _logits(folded, tokenizer), atol=1e-4)


def test_bad_inputs_give_one_line_errors(trained, tmp_path, capsys):
    assert predict.main(["--model", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        f"error: --model: {tmp_path} holds neither adapter_config.json (LoRA) nor config.json (a model)\n"
    )
    if not torch.cuda.is_available():
        assert predict.main(["--model", str(trained / "final_model"), "--gguf", str(tmp_path / "gguf")]) == 2
        assert capsys.readouterr().err == (
            "error: --gguf: GGUF export needs Unsloth on a CUDA GPU; use --merge for a 16-bit model here\n"
        )
    assert predict.main(["--model", str(trained / "final_model"), "--row", "999"]) == 2
    assert "error: --row: 999 is outside the dataset (0-15)" in capsys.readouterr().err
