"""The vLLM generation settings of docs/scaling.md reach TRL's GRPOConfig through config.yaml / --set.

vLLM itself is not installed here (it lives in its own image), so generation with it cannot run in CI; this
checks the wiring up to the trainer's arguments."""

from __future__ import annotations

from tests.conftest import ROOT, tiny_args

SERVER_SETS = (
    "grpo.use_vllm=true",
    "grpo.vllm_mode=server",
    "grpo.vllm_server_host=10.0.0.5",
    "grpo.vllm_server_port=8001",
)


def test_vllm_server_settings_become_grpo_config_fields():
    from gpt_oss_grpo.config import load_config
    from gpt_oss_grpo.training import grpo_arguments

    config = load_config(ROOT / "config.yaml", list(SERVER_SETS))
    args = grpo_arguments(config, prompt_tokens=100, reward_weights=[1.0] * 4)
    assert (args.use_vllm, args.vllm_mode, args.vllm_server_host, args.vllm_server_port) == (
        True,
        "server",
        "10.0.0.5",
        8001,
    )


def test_dry_run_shows_the_vllm_settings(tmp_path, run_train, tiny_gpt_oss):
    code, stdout, err = run_train(*tiny_args(tiny_gpt_oss, tmp_path / "run", *SERVER_SETS), "--dry-run")
    assert code == 0, err
    for line in (
        "use_vllm: true",
        "vllm_mode: server",
        "vllm_server_host: 10.0.0.5",
        "vllm_server_port: 8001",
    ):
        assert line in stdout
