"""Every hostile completion in tests/adversarial/ scores a total <= 0 and harms nothing.

For each: the total of the four matmul rewards is <= 0, the evaluation returns within its timeout plus
one second, no file outside the sandbox appears or changes, and no sandbox process is left running.
"""

import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import reward_functions as rf
from gpt_oss_grpo import sandbox
from gpt_oss_grpo.scoring import matmul
from tests.conftest import sandbox_processes

CORPUS = sorted((Path(__file__).parent / "adversarial").glob("*.md"))
ROOT = Path(__file__).resolve().parents[1]
MARKERS = [Path(p) for p in ("/tmp/adversarial_pwned.txt", "/root/adversarial_pwned.txt",
                             "/work/adversarial_pwned.txt", "/tmp/adversarial_secrets.txt")]  # fmt: skip
SETTINGS = sandbox.SandboxSettings(workers=2, timeout_s=4.0, call_timeout_s=1.5)
# As inside the Docker image: root, a world-readable interpreter, so children drop to nobody.
SYSTEM_PYTHON = "/usr/bin/python3"
CONFIGS = {"default": SETTINGS, "dropped-uid": SETTINGS.model_copy(update={"python": SYSTEM_PYTHON})}


def _snapshot() -> dict[str, float]:
    """mtime of every project file (outside caches and git), to spot writes outside the sandbox."""
    skip = {".git", "__pycache__", ".pytest_cache", ".ruff_cache", ".venv"}
    return {
        str(p): p.stat().st_mtime
        for p in ROOT.rglob("*")
        if p.is_file() and not skip.intersection(p.relative_to(ROOT).parts)
    }


@pytest.fixture(scope="module", params=list(CONFIGS))
def outcomes(request, monkeypatch_module):
    for marker in MARKERS:
        marker.unlink(missing_ok=True)
    monkeypatch_module.setenv("HF_TOKEN", "hf_adversarial_secret")
    if request.param == "dropped-uid" and (os.geteuid() != 0 or not os.path.exists(SYSTEM_PYTHON)):
        pytest.skip(f"needs root and {SYSTEM_PYTHON}")
    sandbox.configure(CONFIGS[request.param])
    if request.param == "dropped-uid" and not sandbox.protections().unprivileged_uid:
        sandbox.configure(sandbox.SandboxSettings())
        pytest.skip(f"{SYSTEM_PYTHON} or the sandbox child program is not readable by other users here")
    matmul.clear_caches()
    before = _snapshot()

    def score(path: Path) -> tuple[float, float]:
        completion = [{"role": "assistant", "content": path.read_text()}]
        start = time.monotonic()
        works = rf.function_works([completion])[0]  # runs the one sandboxed evaluation
        elapsed = time.monotonic() - start
        rest = [f([completion])[0] for f in (rf.no_cheating, rf.correctness_check, rf.speed_check)]
        return works + sum(rest), elapsed

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = dict(zip(CORPUS, pool.map(score, CORPUS), strict=True))
    time.sleep(0.2)
    matmul.clear_caches()  # also closes the reused reference children: no child.py process may remain
    yield results, before, _snapshot(), sandbox_processes()
    sandbox.configure(sandbox.SandboxSettings())


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_corpus_is_large_and_documented():
    assert len(CORPUS) >= 25
    for path in CORPUS:
        assert path.read_text().startswith("Escape: "), f"{path.name} must say which escape it tries"


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_hostile_completion_earns_nothing(path, outcomes):
    results, _, _, _ = outcomes
    total, elapsed = results[path]
    assert total <= 0, f"{path.stem} scored {total}"
    assert elapsed <= SETTINGS.timeout_s + 1.0, f"{path.stem} took {elapsed:.1f}s"


def test_nothing_outside_the_sandbox_changed(outcomes):
    _, before, after, _ = outcomes
    assert before == after
    assert not [m for m in MARKERS if m.exists()]


def test_no_sandbox_process_left_running(outcomes):
    assert outcomes[3] == []
