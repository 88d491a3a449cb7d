"""build.sh and train.sh run for real: --help, the docker command they build, and the clear failures on a machine
without Docker, without its daemon, without an NVIDIA GPU or runtime. The last cases put small stand-ins for the
`docker` and `nvidia-smi` binaries first on PATH, since this machine has neither a daemon nor a GPU."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT

USER_SCRIPTS = sorted(path.name for path in ROOT.glob("*.sh"))
# What the scripts need from the system besides docker and nvidia-smi.
BASE_TOOLS = ("bash", "id", "dirname", "basename", "mkdir", "grep", "cat")


def run(script: str, *args: str, env: dict[str, str] | None = None, cwd: Path = ROOT):
    return subprocess.run(
        [str(ROOT / script), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )


def printed_command(*args: str, env: dict[str, str] | None = None) -> list[str]:
    result = run("train.sh", "--print-command", *args, env=env)
    assert result.returncode == 0, result.stderr
    return shlex.split(result.stdout)


def help_options(script: str) -> set[str]:
    """The options the help text documents: the flags that open its indented option lines."""
    return set(re.findall(r"^ +(?:-\w, )?(--[a-z][a-z-]*)", run(script, "--help").stdout, re.MULTILINE))


def parsed_options(script: str) -> set[str]:
    """The options the script's argument loop really handles (its `case` labels)."""
    labels = re.findall(r"^\s*((?:-\w \| )?--[a-z][a-z-]*)\)", (ROOT / script).read_text(), re.MULTILINE)
    return {label.split(" | ")[-1] for label in labels}


@pytest.mark.parametrize("script", USER_SCRIPTS)
def test_every_script_answers_help(script):
    result = run(script, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Usage: ./{script}")
    assert run(script, "-h").stdout == result.stdout


@pytest.mark.parametrize("script", ["build.sh", "train.sh"])
def test_help_lists_exactly_the_options_the_script_parses(script):
    assert help_options(script) == parsed_options(script)


def _documented_commands(text: str, script: str) -> list[list[str]]:
    joined = text.replace("\\\n", " ")
    return [shlex.split(m) for m in re.findall(rf"\./{re.escape(script)}([^\n`|;&]*)", joined)]


@pytest.mark.parametrize("script", ["build.sh", "train.sh"])
def test_docs_use_only_real_flags(script):
    """README.md's GPU section and docs/scaling.md must match the scripts' real flags."""
    train_py = set(re.findall(r'"(--[a-z][a-z-]*)"', (ROOT / "gpt_oss_grpo/cli.py").read_text())) | {"--help"}
    allowed = parsed_options(script) | (train_py if script == "train.sh" else set())
    docs = [ROOT / "README.md", ROOT / "docs/scaling.md"]
    used = []
    for doc in (path for path in docs if path.is_file()):
        for args in _documented_commands(doc.read_text(), script):
            before_double_dash = args[: args.index("--")] if "--" in args else args
            used += [(doc.name, arg) for arg in before_double_dash if arg.startswith("--")]
    assert used, f"no ./{script} command found in the docs"
    unknown = sorted({(doc, arg) for doc, arg in used if arg not in allowed})
    assert unknown == [], f"flags in the docs that ./{script} does not have: {unknown}"


@pytest.fixture
def files(tmp_path):
    config = tmp_path / "my-config.yaml"
    config.write_text("grpo:\n  max_steps: 1\n")
    rewards = tmp_path / "my-rewards.py"
    rewards.write_text("")
    return ["--config", str(config), "--rewards", str(rewards), "--output", str(tmp_path / "out")], tmp_path


def test_single_gpu_command_mounts_files_and_forwards_arguments(files):
    args, tmp = files
    env = {key: value for key, value in os.environ.items() if key not in ("HF_TOKEN", "WANDB_API_KEY")}
    cmd = printed_command(*args, "--set", "grpo.max_steps=50", env=env)
    assert cmd[:4] == ["docker", "run", "--rm", "--init"]
    assert cmd[cmd.index("--gpus") + 1] == "all"
    assert cmd[cmd.index("--shm-size") + 1] == "16g"
    mounts = [cmd[i + 1] for i, arg in enumerate(cmd) if arg == "-v"]
    assert f"{tmp}/my-config.yaml:/app/config.yaml:ro" in mounts
    assert f"{tmp}/my-rewards.py:/app/reward_functions.py:ro" in mounts
    assert f"{tmp}/out:/app/gpt-oss-grpo" in mounts
    assert "gpt-oss-grpo-cache:/cache" in mounts
    assert "-e" not in cmd, "no secret is passed when none is set"
    image = cmd.index("gpt-oss-grpo:latest")
    assert cmd[image + 1 :] == [
        "python", "train.py", "--config", "/app/config.yaml", "--set", "grpo.output_dir=/app/gpt-oss-grpo",
        "--set", "grpo.max_steps=50",
    ]  # fmt: skip
    assert not (tmp / "out").exists(), "--print-command creates nothing"


def test_secrets_pass_by_name_only_when_set(files):
    args, _ = files
    cmd = printed_command(*args, env={**os.environ, "HF_TOKEN": "hf_secret_value", "WANDB_API_KEY": ""})
    assert [cmd[i + 1] for i, arg in enumerate(cmd) if arg == "-e"] == ["HF_TOKEN"]
    assert not any("hf_secret_value" in arg for arg in cmd)


@pytest.mark.parametrize(
    ("strategy", "extra_sets"),
    [("ddp", []), ("zero2", []), ("zero3", ["--set", "model.load_in_4bit=false"])],
)
def test_multi_gpu_command_uses_accelerate_with_the_strategy_config(files, strategy, extra_sets):
    args, _ = files
    cmd = printed_command(*args, "--gpus", "4", "--strategy", strategy, "--", "--resume")
    assert cmd[cmd.index("--gpus") + 1] == "4"
    launch = cmd.index("accelerate")
    config = f"configs/accelerate/{strategy}.yaml"
    assert cmd[launch:] == [
        "accelerate", "launch", "--config_file", config, "--num_processes", "4", "train.py",
        "--config", "/app/config.yaml", "--set", "grpo.output_dir=/app/gpt-oss-grpo",
        "--set", "model.backend=transformers", *extra_sets, "--resume",
    ]  # fmt: skip
    assert (ROOT / config).is_file()


def test_multi_node_command_sets_the_rendezvous_and_host_network(files):
    args, _ = files
    cmd = printed_command(
        *args,
        "--gpus",
        "8",
        "--strategy",
        "zero3",
        "--nodes",
        "2",
        "--node-rank",
        "1",
        "--main-ip",
        "10.1.2.3",
    )
    assert "--network" in cmd and cmd[cmd.index("--network") + 1] == "host"
    launch = cmd.index("launch")
    assert cmd[launch + 1 : launch + 14] == [
        "--config_file", "configs/accelerate/zero3.yaml", "--num_processes", "16", "--num_machines", "2",
        "--machine_rank", "1", "--main_process_ip", "10.1.2.3", "--main_process_port", "29500", "train.py",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--strategy", "fsdp"], "--strategy must be one of ddp, zero2, zero3, got 'fsdp'"),
        (["--gpus", "0"], "--gpus must be a whole number >= 1, got '0'"),
        (["--gpus"], "--gpus needs a value"),
        (["--nodes", "2"], "--nodes 2 needs --main-ip"),
        (["--nodes", "2", "--node-rank", "2", "--main-ip", "h"], "--node-rank must be between 0 and 1"),
        (["--config", "missing.yaml"], "config file 'missing.yaml' not found"),
    ],
)
def test_bad_arguments_give_one_clear_line_and_exit_2(files, extra, message):
    args, tmp = files
    result = run("train.sh", *args, *extra)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert message in result.stderr
    assert not (tmp / "out").exists()


def test_build_rejects_unknown_options_and_prints_its_command():
    bad = run("build.sh", "--tagg", "x")
    assert bad.returncode == 2 and "unknown option '--tagg'" in bad.stderr
    printed = shlex.split(run("build.sh", "--tag", "me/img:1", "--print-command", "--", "--no-cache").stdout)
    assert printed == [
        "docker",
        "build",
        "--file",
        f"{ROOT}/Dockerfile",
        "--tag",
        "me/img:1",
        "--no-cache",
        str(ROOT),
    ]
    vllm = shlex.split(run("build.sh", "--vllm", "--print-command").stdout)
    assert (
        vllm[vllm.index("--file") + 1] == f"{ROOT}/docker/vllm.Dockerfile"
        and "gpt-oss-grpo-vllm:latest" in vllm
    )


def _path_with(tmp: Path, stubs: dict[str, str]) -> dict[str, str]:
    """An environment whose PATH holds only the base tools plus the given stand-ins (no real docker)."""
    bin_dir = tmp / "bin"
    bin_dir.mkdir()
    for tool in BASE_TOOLS:
        (bin_dir / tool).symlink_to(shutil.which(tool))
    for name, body in stubs.items():
        (bin_dir / name).write_text("#!/bin/bash\n" + body)
        (bin_dir / name).chmod(0o755)
    return {"PATH": str(bin_dir), "HOME": str(tmp)}


@pytest.mark.parametrize("script", ["build.sh", "train.sh"])
def test_without_docker_the_scripts_say_so(files, script):
    args, tmp = files
    result = run(script, *(args if script == "train.sh" else []), env=_path_with(tmp, {}))
    assert result.returncode == 1
    assert "docker is not installed or not on PATH" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp / "out").exists()


@pytest.mark.skipif(shutil.which("docker") is None, reason="no docker client on this machine")
def test_without_a_docker_daemon_train_sh_says_so(files):
    args, tmp = files
    env = {**os.environ, "DOCKER_HOST": f"unix://{tmp}/no-daemon.sock"}
    result = run("train.sh", *args, env=env)
    assert result.returncode == 1
    assert result.stderr.startswith("train.sh: cannot reach the Docker daemon")


DOCKER_STUB = """case "$1" in
  info) [[ "$*" == *Runtimes* ]] && echo "$STUB_RUNTIMES"; exit 0 ;;
  image) exit 1 ;;
  *) echo "unexpected docker call: $*" >&2; exit 99 ;;
esac
"""
NVIDIA_SMI_STUB = (
    'for ((i = 0; i < STUB_GPUS; i++)); do echo "GPU $i: NVIDIA H100 80GB HBM3 (UUID: GPU-$i)"; done\n'
)


@pytest.mark.parametrize(
    ("gpus_found", "runtimes", "extra", "message", "code"),
    [
        (None, '{"nvidia":{},"runc":{}}', [], "no NVIDIA driver on this machine (nvidia-smi not found)", 1),
        (0, '{"nvidia":{},"runc":{}}', [], "nvidia-smi lists no GPU", 1),
        (
            2,
            '{"nvidia":{},"runc":{}}',
            ["--gpus", "4"],
            "--gpus 4 asks for more GPUs than nvidia-smi lists here (2)",
            2,
        ),
        (
            1,
            '{"runc":{"path":"runc"}}',
            [],
            "Docker has no NVIDIA runtime: install the NVIDIA Container Toolkit",
            1,
        ),
        (
            1,
            '{"nvidia":{},"runc":{}}',
            [],
            "image 'gpt-oss-grpo:latest' not found: build it with ./build.sh",
            1,
        ),
    ],
)
def test_gpu_and_runtime_problems_are_explained(files, gpus_found, runtimes, extra, message, code):
    args, tmp = files
    stubs = {"docker": DOCKER_STUB}
    if gpus_found is not None:
        stubs["nvidia-smi"] = NVIDIA_SMI_STUB
    env = {**_path_with(tmp, stubs), "STUB_RUNTIMES": runtimes, "STUB_GPUS": str(gpus_found or 0)}
    result = run("train.sh", *args, *extra, env=env)
    assert result.returncode == code, result.stderr
    assert result.stderr.startswith("train.sh: ") and message in result.stderr
    assert not (tmp / "out").exists()
