"""Every hostile completion in tests/adversarial/ earns nothing and harms nothing; every honest one is paid.

Cases start with "Escape: <what it tries>" (total <= 0) or "Honest: <what it does>" (total > 0). Each is
scored beside an honest neighbour in one batch, in three settings: root without the uid drop (a checkout or
interpreter in a private folder: these machines and CI), root dropping to nobody (a world-readable
interpreter, as in the Docker image when run as root), and the whole trainer as an ordinary user (the
Docker image's uid 10001: no capabilities to drop, no namespaces). Checked for each: the total, the
evaluation within timeout_s + 1 s, the neighbour's total, the trainer's own limits, priority, scheduling
and affinity, an honest completion scored afterwards, no file changed outside the sandbox, no process and
no temp dir left behind.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from gpt_oss_grpo import sandbox
from tests import adversarial_runner
from tests.adversarial_runner import CORPUS
from tests.conftest import ROOT, sandbox_processes

MARKERS = [Path(p) for p in ("/tmp/adversarial_pwned.txt", "/root/adversarial_pwned.txt",
                             "/work/adversarial_pwned.txt", "/tmp/adversarial_secrets.txt")]  # fmt: skip
SETTINGS = sandbox.SandboxSettings(workers=2, timeout_s=4.0, call_timeout_s=1.5, speed_trials=3)
SYSTEM_PYTHON = "/usr/bin/python3"
NOBODY = 65534
NEIGHBOUR_MIN = 15.0  # an honest neighbour earns 1 + 1 + 10 + a speed score near 5
SETTINGS_NAMES = ["default", "dropped-uid", "non-root"]


def _snapshot() -> dict[str, float]:
    """mtime of every project file (outside caches and git), to spot writes outside the sandbox."""
    skip = {".git", "__pycache__", ".pytest_cache", ".ruff_cache", ".venv", ".venv-unsloth"}
    return {
        str(p): p.stat().st_mtime
        for p in ROOT.rglob("*")
        if p.is_file() and not skip.intersection(p.relative_to(ROOT).parts)
    }


def _pin(name: str) -> str:
    """The exact pin of ``name`` in requirements.txt (one place for versions)."""
    text = (ROOT / "requirements.txt").read_text()
    return re.search(rf"^{name}==\S+", text, re.MULTILINE).group(0)


def _run_as_nobody(settings: sandbox.SandboxSettings, temp: Path) -> tuple[dict, Path]:
    """Score the corpus in a trainer process running as nobody, from a world-readable copy of the bundle."""
    if os.geteuid() != 0 or not os.path.exists(SYSTEM_PYTHON):
        pytest.skip(f"needs root (to start the ordinary user's process) and {SYSTEM_PYTHON}")
    base = Path(tempfile.mkdtemp(prefix="adversarial-nonroot-", dir="/tmp"))
    repo = base / "repo"
    shutil.copytree(
        ROOT / "gpt_oss_grpo", repo / "gpt_oss_grpo", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copytree(ROOT / "tests" / "adversarial", repo / "tests" / "adversarial")
    shutil.copy(ROOT / "tests" / "adversarial_runner.py", repo / "tests")
    shutil.copy(ROOT / "reward_functions.py", repo)
    install = [str(ROOT / ".venv/bin/python"), "-m", "uv", "pip", "install", "-q", "-p", SYSTEM_PYTHON]
    install += ["--target", str(base / "site"), _pin("numpy"), _pin("pydantic")]
    subprocess.run(install, check=True, capture_output=True, timeout=300)
    (base / "out").mkdir()
    (base / "settings.json").write_text(settings.model_dump_json())
    for path in [base, *base.rglob("*")]:
        path.chmod(path.stat().st_mode | stat.S_IROTH | (stat.S_IXOTH if path.is_dir() else 0))
    (base / "out").chmod(0o777)
    result = subprocess.run(
        [SYSTEM_PYTHON, str(repo / "tests" / "adversarial_runner.py"), str(base / "settings.json"),
         str(base / "out" / "results.json")],
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(base / "site"), "HF_TOKEN": "hf_adversarial_secret",
             "TMPDIR": str(temp)},
        user=NOBODY, group=NOBODY, extra_groups=[], capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads((base / "out" / "results.json").read_text()), base


@pytest.fixture(scope="module", params=SETTINGS_NAMES)
def outcomes(request):
    for marker in MARKERS:
        marker.unlink(missing_ok=True)
    before = _snapshot()
    # The children's temp dirs go here, and only here (other runs on the machine use the system's).
    temp = Path(tempfile.mkdtemp(prefix="adversarial-tmp-"))
    temp.chmod(0o1777)
    copy = None
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HF_TOKEN", "hf_adversarial_secret")
        patch.setattr(tempfile, "tempdir", str(temp))
        if request.param == "non-root":
            results, copy = _run_as_nobody(SETTINGS, temp)
        else:
            settings = SETTINGS
            if request.param == "dropped-uid":
                if os.geteuid() != 0 or not os.path.exists(SYSTEM_PYTHON):
                    pytest.skip(f"needs root and {SYSTEM_PYTHON}")
                settings = SETTINGS.model_copy(update={"python": SYSTEM_PYTHON})
            sandbox.configure(settings)
            if request.param == "dropped-uid" and not sandbox.protections().unprivileged_uid:
                sandbox.configure(sandbox.SandboxSettings())
                pytest.skip(f"{SYSTEM_PYTHON} or the sandbox files are not readable by other users here")
            try:
                results = adversarial_runner.score_corpus()
            finally:
                sandbox.configure(sandbox.SandboxSettings())
    time.sleep(0.2)
    left = sandbox_processes() + (
        sandbox_processes(copy / "repo/gpt_oss_grpo/sandbox/child.py") if copy else []
    )
    left_dirs = sorted(p.name for p in temp.iterdir())
    yield {**results, "changed": before != _snapshot(), "processes": left, "temp_dirs": left_dirs}
    shutil.rmtree(temp, ignore_errors=True)
    if copy:
        shutil.rmtree(copy, ignore_errors=True)


def test_corpus_is_large_and_documented():
    assert len(CORPUS) >= 70
    for path in CORPUS:
        assert path.read_text().startswith(("Escape: ", "Honest: ")), f"{path.name} must say what it tries"


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_hostile_completion_earns_nothing_and_honest_code_is_paid(path, outcomes):
    case = outcomes["cases"][path.stem]
    if path.read_text().startswith("Honest: "):
        assert case["total"] > 0, f"{path.stem} (honest) scored {case['total']}"
    else:
        assert case["total"] <= 0, f"{path.stem} scored {case['total']}"
    assert case["elapsed"] <= SETTINGS.timeout_s + 1.0, f"{path.stem} took {case['elapsed']:.1f}s"
    assert case["neighbour"] >= NEIGHBOUR_MIN, (
        f"beside {path.stem}, the honest neighbour got {case['neighbour']} ({case['notes']})"
    )


def test_the_trainer_process_is_unchanged_and_still_scores_honest_code(outcomes):
    assert outcomes["before"] == outcomes["after"]
    assert outcomes["honest_after"] >= NEIGHBOUR_MIN


def test_nothing_outside_the_sandbox_changed(outcomes):
    assert not outcomes["changed"]
    assert not [m for m in MARKERS if m.exists()]


def test_no_sandbox_process_or_temp_dir_left(outcomes):
    assert outcomes["processes"] == []
    assert outcomes["temp_dirs"] == []
