"""The CUDA images' pins must install together: resolved here with uv for the images' platform (Linux x86_64,
Python 3.12) against PyPI, with torch held at the base image's version, since no Docker engine exists here to
build the images. Skipped, with the reason, only when PyPI cannot be reached."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT

# pytorch/pytorch 2.14.x images are Ubuntu 24.04 with its Python 3.12; vllm/vllm-openai images use 3.12 too.
IMAGE_PYTHON = "3.12"
IMAGE_PLATFORM = "x86_64-manylinux_2_28"
INDEX = "https://pypi.org/simple"


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def exact_pins(path: Path) -> dict[str, str]:
    """name -> version for every `name==version` line of a requirements file and the files it includes."""
    pins: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line.startswith("-r "):
            pins |= exact_pins(path.parent / line[3:].strip())
        elif match := re.fullmatch(r"([A-Za-z0-9_.-]+)(?:\[[\w,]+\])?==([^\s;]+)", line):
            pins[normalize(match[1])] = match[2]
    return pins


def base_image_version(dockerfile: Path, image: str) -> str:
    """The version in `FROM image:<version>-...` (pytorch/pytorch:2.14.1-cuda..., vllm/vllm-openai:v0.30.0)."""
    match = re.search(rf"^FROM {re.escape(image)}:v?(\d+\.\d+\.\d+)\b", dockerfile.read_text(), re.MULTILINE)
    assert match, f"{dockerfile.name} does not start FROM {image}:<version>"
    return match[1]


def _uv() -> list[str]:
    if importlib.util.find_spec("uv") is not None:
        return [sys.executable, "-m", "uv"]
    if found := shutil.which("uv"):
        return [found]
    pytest.fail("uv not found: install requirements-dev.txt (scripts/setup_env.sh does)")


@pytest.fixture(scope="module")
def pypi() -> None:
    try:
        urllib.request.urlopen(f"{INDEX}/pip/", timeout=15).close()
    except OSError as exc:
        pytest.skip(f"PyPI unreachable ({exc}): the resolver check needs the package index")


def resolve(*requirements: str, constraints: str | None = None) -> subprocess.CompletedProcess[str]:
    command = [*_uv(), "pip", "compile", *requirements, "--python-version", IMAGE_PYTHON]
    command += [
        "--python-platform",
        IMAGE_PLATFORM,
        "--index-url",
        INDEX,
        "--no-header",
        "--no-annotate",
        "-q",
    ]
    if constraints:
        command += ["--constraint", constraints]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


def resolved_pins(output: str) -> dict[str, str]:
    return {
        normalize(name): version for name, version in re.findall(r"^([\w.-]+)==(\S+)", output, re.MULTILINE)
    }


def test_the_torch_constraint_is_the_base_image_torch():
    torch = base_image_version(ROOT / "Dockerfile", "pytorch/pytorch")
    assert exact_pins(ROOT / "constraints-gpu.txt") == {"torch": torch}


@pytest.mark.slow
def test_gpu_requirements_resolve_on_the_base_image_torch(pypi):
    result = resolve("requirements-gpu.txt", constraints="constraints-gpu.txt")
    assert result.returncode == 0, result.stderr
    resolved = resolved_pins(result.stdout)
    wanted = exact_pins(ROOT / "requirements-gpu.txt") | exact_pins(ROOT / "constraints-gpu.txt")
    assert {name: resolved.get(name) for name in wanted} == wanted
    for needed_by_unsloth in ("triton", "xformers", "bitsandbytes", "torchvision"):
        assert needed_by_unsloth in resolved


@pytest.mark.slow
def test_vllm_server_requirements_resolve_and_match_the_server_image(pypi):
    vllm = base_image_version(ROOT / "docker/vllm.Dockerfile", "vllm/vllm-openai")
    pins = exact_pins(ROOT / "requirements-vllm.txt")
    assert pins == {"vllm": vllm, "trl": exact_pins(ROOT / "requirements.txt")["trl"]}
    result = resolve("requirements-vllm.txt")
    assert result.returncode == 0, result.stderr
    resolved = resolved_pins(result.stdout)
    assert {name: resolved.get(name) for name in pins} == pins


@pytest.mark.slow
def test_vllm_cannot_share_the_training_environment(pypi, tmp_path):
    """Why vLLM has its own image: if this starts resolving, it can move into requirements-gpu.txt."""
    together = tmp_path / "together.txt"
    together.write_text(f"-r {ROOT / 'requirements-gpu.txt'}\n-r {ROOT / 'requirements-vllm.txt'}\n")
    result = resolve(str(together), constraints="constraints-gpu.txt")
    assert result.returncode != 0, "vLLM now installs beside the training stack: merge the images"
    assert "No solution found" in result.stderr and re.search(r"\b(torch|numpy)\b", result.stderr)
