"""Shared fixtures: a tiny random GPT-OSS built once per session, and a way to run train.py in-process."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# Nothing may be downloaded in tests: fail fast instead of retrying the hub.
os.environ["HF_HUB_OFFLINE"] = "1"


@pytest.fixture(scope="session")
def tiny_gpt_oss(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from gpt_oss_grpo.models.tiny_gpt_oss import build_tiny_gpt_oss

    return build_tiny_gpt_oss(tmp_path_factory.mktemp("tiny-gpt-oss"))


@pytest.fixture
def run_train(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """Run train.py's main through its CLI wrapper (exit code, stdout, stderr), as `python train.py ARGS` would."""
    import train
    from gpt_oss_grpo.errors import run_main

    def run(*argv: str) -> tuple[int, str, str]:
        code = run_main(train.main, list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def tiny_args(model: Path, output_dir: Path, *overrides: str) -> list[str]:
    """Arguments for a seconds-long run on the tiny model (configs/tiny-gpt-oss.yaml plus overrides)."""
    args = ["--config", str(ROOT / "configs/tiny-gpt-oss.yaml")]
    for item in (f"model.name={model}", f"grpo.output_dir={output_dir}", *overrides):
        args += ["--set", item]
    return args


def cpu_grpo_trainer(model, tokenizer, output_dir: Path, prompts: list[str], reward=None, **grpo_args):
    """A TRL GRPOTrainer on CPU in fp32, reporting nowhere, over `prompts`; a zero reward unless one is given."""
    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    return GRPOTrainer(
        model=model,
        reward_funcs=[reward or (lambda completions, **kwargs: [0.0] * len(completions))],
        args=GRPOConfig(output_dir=str(output_dir), use_cpu=True, bf16=False, report_to="none", **grpo_args),
        train_dataset=Dataset.from_dict({"prompt": prompts}),
        processing_class=tokenizer,
    )


def sandbox_processes(program_path: Path | None = None) -> list[int]:
    """Pids of running candidate children: the child program (default: this checkout's) started with -S.

    Trusted reference children (the naive loop and NumPy, reused across evaluations) run without -S and are
    not counted.
    """
    from gpt_oss_grpo.sandbox import CHILD_PROGRAM

    program = str(program_path or CHILD_PROGRAM).encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                arguments = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if program in arguments and b"-S" in arguments:
                pids.append(int(entry.name))
    return pids
