"""The sandbox's protections, each checked by running hostile code in a real child process."""

import logging
import os
import signal
import subprocess
import sys
import time

import pytest
from pydantic import ValidationError

from gpt_oss_grpo import sandbox
from gpt_oss_grpo.sandbox import parent
from tests.conftest import sandbox_processes

FAST = sandbox.SandboxSettings(timeout_s=6.0, call_timeout_s=2.0)
needs_landlock = pytest.mark.skipif(not sandbox.protections().landlock, reason="no Landlock on this kernel")
needs_seccomp = pytest.mark.skipif(not sandbox.protections().seccomp, reason="no seccomp filter here")


@pytest.fixture(autouse=True)
def fast_settings():
    sandbox.configure(FAST)
    yield
    sandbox.configure(sandbox.SandboxSettings())


def run(snippet: str, code: str = "") -> str:
    """Run ``snippet`` in a sandbox child: "ok", the exception it raised, or the harness's failure."""
    with sandbox.start(code, entry_point=None) as child:
        assert child.loaded.message == {"ok": True}  # the token is checked and removed by the parent
        reply = child.request({"snippet": snippet})
    return reply.failure or ("ok" if reply.message["ok"] else reply.message["error"])


def test_plain_code_runs_and_reports_its_protections():
    with sandbox.start("def matmul(A, B):\n    return [[1.5]]\n") as child:
        assert child.loaded.message["ok"]
        assert "rlimits" in child.ready.message["protections"]
        reply = child.request({"call": [[[1]], [[1]]]})
    assert reply.message["ok"] and reply.message["shape"] == [1, 1]
    assert reply.cpu_ns > 0


def test_secrets_in_the_trainer_environment_do_not_reach_the_child(monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_secret_value")
    assert (
        run("import os\nassert 'HF_TOKEN' not in os.environ and len(os.environ) <= 3, dict(os.environ)")
        == "ok"
    )


@needs_landlock
def test_child_cannot_read_the_trainers_environ_through_proc():
    result = run("import os\nopen(f'/proc/{os.getppid()}/environ').read()")
    assert "PermissionError" in result


@needs_landlock
def test_child_cannot_write_anywhere_not_even_its_working_directory(tmp_path):
    target = tmp_path / "outside.txt"
    assert "PermissionError" in run(f"open({str(target)!r}, 'w').write('x')")
    assert not target.exists()
    assert "PermissionError" in run("open('inside.txt', 'w').write('x')")


@needs_landlock
def test_numpy_stays_unimportable_even_with_site_packages_on_the_path():
    site = [p for p in __import__("sys").path if p.endswith("site-packages")]
    assert "ModuleNotFoundError" in run(f"import sys\nsys.path[:0] = {site!r}\nimport numpy")


@needs_seccomp
@pytest.mark.parametrize(
    "snippet",
    [
        "import os\nos.kill(os.getppid(), 15)",
        "import os\nos.fork()",
        "import socket\nsocket.socket()",
        "import subprocess\nsubprocess.run(['true'])",
        "import threading\nthreading.Thread(target=print).start()",
    ],
    ids=["signal-parent", "fork", "socket", "exec", "thread"],
)
def test_child_cannot_signal_fork_exec_connect_or_spawn_threads(snippet):
    # Refused by the kernel (PermissionError, RuntimeError for threads) or not even loadable (ImportError:
    # the socket and subprocess modules' native parts are outside what the child may read).
    assert run(snippet).split(":")[0] in {"PermissionError", "RuntimeError", "ImportError"}


KILL_PARENT = """
import os, signal
try:
    os.kill(os.getppid(), signal.SIGKILL)
except OSError:
    pass
"""
FORGE = """
import os
for fd in range(3, 256):
    try:
        os.write(fd, b'{"ok": true}\\n')
    except OSError:
        pass
"""


def test_parent_survives_a_kill_attempt_and_the_workdir_is_removed():
    with sandbox.start("", entry_point=None) as child:
        child.request({"snippet": KILL_PARENT})
        workdir = child.workdir
        assert os.path.isdir(workdir)
    assert not os.path.exists(workdir)


def test_a_hung_child_is_killed_at_the_call_deadline():
    start = time.monotonic()
    with sandbox.start("", entry_point=None) as child:
        reply = child.request({"snippet": "while True:\n    pass"})
        pid = child.process.pid
    assert reply.failure == "timed out"
    assert time.monotonic() - start < FAST.call_timeout_s + 1.5
    with pytest.raises(ProcessLookupError):
        os.kill(pid, signal.SIGCONT)


def test_a_pinned_child_stays_on_its_cpu():
    cpu = max(os.sched_getaffinity(0))
    with sandbox.start("", entry_point=None) as child:
        child.pin(cpu)
        assert os.sched_getaffinity(child.clock_pid) == {cpu}
        assert child.request({"snippet": "x = 1"}).message["ok"]


def test_cpu_time_is_read_once_the_process_has_stopped_running():
    """The kernel brings a running process's clock up to date only at a tick or a switch, so a reading taken
    while a child still runs lags (a 0.5 ms NumPy call read as 0 about once in 100). The parent waits until the
    child has stopped: here that is after a 50 ms busy loop, not in the middle of it."""
    busy = "import time\nprint('go', flush=True)\nend = time.process_time() + 0.05\n"
    busy += "while time.process_time() < end:\n    pass\ntime.sleep(30)"
    process = subprocess.Popen([sys.executable, "-c", busy], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline() == "go\n"
        before = parent._cpu_ns(process.pid)
        settled = parent._settled_cpu_ns(process.pid, patience_s=10.0)
    finally:
        process.kill()
        process.wait()
    assert settled - before >= 40_000_000, (before, settled)


def test_printed_output_is_captured_with_a_cap():
    sandbox.configure(FAST.model_copy(update={"output_bytes": 100}))
    with sandbox.start("print('hello ' * 1000)", entry_point=None) as child:
        assert child.printed().startswith("hello hello")
        assert len(child.printed()) == 100


def test_a_forged_answer_on_the_result_pipe_is_rejected():
    assert run(FORGE) == "forged answer"


def test_memory_limit_turns_a_memory_bomb_into_an_error():
    assert run("x = bytearray(8 << 30)").startswith("MemoryError")


def test_protections_are_logged_once(caplog):
    sandbox.configure(FAST.model_copy(update={"workers": 7}))  # settings not probed before in this process
    with caplog.at_level(logging.INFO, logger="gpt_oss_grpo.sandbox"):
        run("pass")
        run("pass")
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("sandbox:")]
    assert len(lines) == 1 and "rlimits" in lines[0]


def test_settings_validate_and_describe_every_field():
    assert sandbox.SandboxSettings().workers == (os.cpu_count() or 1)
    with pytest.raises(ValidationError):
        sandbox.SandboxSettings(workers=0)
    assert all(f.description for f in sandbox.SandboxSettings.model_fields.values())


DETACH = """
import os, time
if os.fork() == 0:
    os.setsid()
    time.sleep(600)
"""


def test_without_seccomp_a_pid_namespace_still_reaps_detached_grandchildren():
    sandbox.configure(FAST.model_copy(update={"seccomp": False}))
    if not sandbox.protections().pid_namespace:
        pytest.skip("no pid namespace available here")
    before = set(sandbox_processes())  # e.g. reference children that other tests left in their pool
    assert run(DETACH) == "ok"
    time.sleep(0.3)
    assert set(sandbox_processes()) - before == set()


ROOT_PYTHON = "/usr/bin/python3"


@pytest.mark.skipif(
    os.geteuid() != 0 or not os.path.exists(ROOT_PYTHON), reason="needs root and a system python"
)
def test_root_drops_to_nobody_when_the_interpreter_is_world_readable():
    sandbox.configure(FAST.model_copy(update={"python": ROOT_PYTHON}))
    if not sandbox.protections().unprivileged_uid:
        pytest.skip(f"{ROOT_PYTHON} or the sandbox child program is not readable by other users here")
    assert run("import os\nassert (os.getuid(), os.getgid()) == (65534, 65534), os.getuid()") == "ok"
    assert "PermissionError" in run("import os\nos.kill(1, 0)")
