"""Run untrusted candidate code in a fresh, locked-down child process and talk to it over a private pipe.

Protections, strongest first, each used when the machine offers it (logged once at start-up):
Landlock (read-only stdlib, writable temp dir only, no TCP, no signals out), seccomp (no fork, threads,
exec, kill, sockets, ptrace or namespaces), a network namespace, an unprivileged uid when root and the
interpreter is world-readable; always: an isolated interpreter (-I -S), a scrubbed environment,
rlimits, its own session killed as a group, a temp dir removed afterwards, capped output and deadlines.
"""

import contextlib
import json
import logging
import marshal
import os
import secrets
import select
import shutil
import signal
import stat
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pydantic import BaseModel, Field

from gpt_oss_grpo import kernel_guards

log = logging.getLogger(__name__)
_CHILD = Path(__file__).with_name("sandbox_child.py")
_NOBODY = 65534
_MAX_MESSAGE = 16 << 20


class SandboxSettings(BaseModel):
    """How candidates run: the ``sandbox:`` section of config.yaml."""

    workers: int = Field(
        default_factory=lambda: os.cpu_count() or 1, ge=1, description="candidates run at once"
    )
    timeout_s: float = Field(
        30.0, gt=0, description="wall-clock budget for one completion's whole evaluation"
    )
    call_timeout_s: float = Field(5.0, gt=0, description="wall-clock budget for one call or one test snippet")
    cpu_s: int = Field(30, ge=1, description="CPU-seconds limit of a child (RLIMIT_CPU)")
    memory_mb: int = Field(1024, ge=64, description="address-space limit of a child in MiB (RLIMIT_AS)")
    file_size_mb: int = Field(16, ge=1, description="largest file a child may write, output included")
    open_files: int = Field(64, ge=16, description="open file descriptors per child")
    max_processes: int = Field(64, ge=1, description="process limit (RLIMIT_NPROC; root ignores it)")
    output_bytes: int = Field(65536, ge=0, description="how much of a child's stdout/stderr is kept")
    landlock: bool = Field(True, description="use Landlock when the kernel offers it")
    seccomp: bool = Field(True, description="use a seccomp filter when the architecture is supported")
    network_namespace: bool = Field(True, description="run in an empty network namespace when possible")
    pid_namespace: bool = Field(
        True, description="without seccomp: a pid namespace so no descendant outlives"
    )
    drop_privileges: bool = Field(True, description="run as nobody when root and the interpreter allows it")
    python: str = Field("", description="interpreter for candidates (stdlib only); empty = the trainer's own")
    speed_matrix_size: int = Field(64, ge=8, le=256, description="n of the n×n matrices the speed trials use")
    speed_trials: int = Field(5, ge=1, le=50, description="timed trials per candidate (the median counts)")


_settings = SandboxSettings()


def configure(settings: SandboxSettings) -> None:
    """Use ``settings`` for every later evaluation in this process."""
    global _settings
    _settings = settings
    _protections.cache_clear()


def settings() -> SandboxSettings:
    return _settings


@dataclass(frozen=True)
class Protections:
    landlock: bool
    seccomp: bool
    network_namespace: bool
    pid_namespace: bool
    unprivileged_uid: bool


@cache
def _protections() -> Protections:
    s = _settings
    uid = (
        s.drop_privileges
        and os.geteuid() == 0
        and all(map(_world_readable, [_python(), *_interpreter_paths(_python())]))
    )
    # unshare needs privileges the dropped uid lacks; seccomp and Landlock already cut the network there.
    netns = (
        s.network_namespace
        and not uid
        and shutil.which("unshare") is not None
        and _runs(["unshare", "--net", "true"])
    )
    seccomp = s.seccomp and kernel_guards.seccomp_supported()
    # Without seccomp a candidate can fork and setsid away from its process group: a pid namespace whose
    # first process is the candidate takes every descendant down with it.
    pidns = (
        netns
        and not seccomp
        and s.pid_namespace
        and _runs(["unshare", "--pid", "--fork", "--kill-child", "true"])
    )
    found = Protections(
        landlock=s.landlock and kernel_guards.landlock_abi() > 0,
        seccomp=seccomp,
        network_namespace=netns,
        pid_namespace=pidns,
        unprivileged_uid=uid,
    )
    active = [name for name, on in vars(found).items() if on]
    missing = [name for name, on in vars(found).items() if not on]
    log.info(
        "sandbox: fresh isolated interpreter, scrubbed env, rlimits, own session, temp dir%s%s",
        ", " + ", ".join(active) if active else "",
        f" (unavailable or off: {', '.join(missing)})" if missing else "",
    )
    return found


def protections() -> Protections:
    """Which OS protections children get on this machine (probed and logged once)."""
    return _protections()


@dataclass
class Reply:
    """One answer from the child; ``message`` is None when the child died, lied or ran out of time."""

    message: dict | None
    cpu_ns: int
    failure: str = ""


class Child:
    """A running candidate. Use ``with start(code) as child: child.request({...})``."""

    def __init__(self, code: str, entry_point: str | None, trusted: bool) -> None:
        s, guard = _settings, _protections()
        self.deadline = time.monotonic() + s.timeout_s
        self.token = secrets.token_hex(16)
        self.workdir = tempfile.mkdtemp(prefix="sandbox-")
        self.output = tempfile.TemporaryFile()  # noqa: SIM115 (closed in close())
        self._buffer = b""
        self._reader, write_fd = os.pipe()
        drop = guard.unprivileged_uid and not trusted
        if drop:
            os.chown(self.workdir, _NOBODY, _NOBODY)
        prefix = ["unshare", "--net"] if guard.network_namespace and not trusted else []
        prefix += ["--pid", "--fork", "--kill-child"] if guard.pid_namespace and not trusted else []
        python = sys.executable if trusted else _python()
        try:
            self.process = subprocess.Popen(
                [*prefix, python, "-I", "-S", "-u", str(_CHILD), str(write_fd)],
                stdin=subprocess.PIPE,
                stdout=self.output,
                stderr=subprocess.STDOUT,
                pass_fds=(write_fd,),
                cwd=self.workdir,
                env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "OPENBLAS_NUM_THREADS": "1"},
                start_new_session=True,
                **({"user": _NOBODY, "group": _NOBODY, "extra_groups": []} if drop else {}),
            )
        except BaseException:
            self._cleanup()
            raise
        finally:
            os.close(write_fd)
        mib = 1 << 20
        limits = {"RLIMIT_CPU": s.cpu_s, "RLIMIT_FSIZE": s.file_size_mb * mib, "RLIMIT_CORE": 0}
        if not trusted:
            limits |= {
                "RLIMIT_AS": s.memory_mb * mib,
                "RLIMIT_NOFILE": s.open_files,
                "RLIMIT_NPROC": s.max_processes,
            }
        job = {
            "token": self.token,
            "code": code,
            "entry_point": entry_point,
            "limits": limits,
            "landlock": guard.landlock and not trusted,
            "seccomp": guard.seccomp and not trusted,
            "read_paths": _interpreter_paths(python),
            "extra_sys_path": [p for p in sys.path if "-packages" in p] if trusted else [],
        }
        self.clock_pid = self.process.pid
        self.ready = self.request(job, s.call_timeout_s + 5)
        if guard.pid_namespace and not trusted:
            self.clock_pid = _only_child(self.process.pid)
        wanted = {name for name in ("landlock", "seccomp") if job[name]}
        if self.ready.message and not wanted <= set(self.ready.message.get("protections", [])):
            self.ready = Reply(None, 0, "the child could not apply its protections")  # fail closed
        self.loaded = self.request(None, s.call_timeout_s) if self.ready.message else self.ready

    def request(self, message: dict | None, timeout: float | None = None) -> Reply:
        """Send one request (None = just wait) and read the answer, timing the child's CPU meanwhile."""
        timeout = min(timeout or _settings.call_timeout_s, self.deadline - time.monotonic())
        start = _cpu_ns(self.clock_pid)
        try:
            if message is not None:
                frame = marshal.dumps(message)
                self.process.stdin.write(struct.pack("<I", len(frame)) + frame)
                self.process.stdin.flush()
            line = self._read_line(time.monotonic() + max(timeout, 0))
        except (OSError, ValueError) as error:
            return Reply(None, 0, f"channel closed ({error})")
        cpu = _cpu_ns(self.clock_pid) - start
        if line is None:
            failure = "timed out" if self.process.poll() is None else "child exited"
            self.kill()
            return Reply(None, cpu, failure)
        try:
            answer = json.loads(line)
        except ValueError:
            return Reply(None, cpu, "unreadable answer")
        if not isinstance(answer, dict) or answer.pop("token", None) != self.token:
            return Reply(None, cpu, "forged answer")
        return Reply(answer, cpu)

    def _read_line(self, deadline: float) -> bytes | None:
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self._reader], [], [], remaining)[0]:
                return None
            chunk = os.read(self._reader, 1 << 16)
            if not chunk or len(self._buffer) > _MAX_MESSAGE:
                return None
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line

    def printed(self) -> str:
        """What the candidate printed (capped)."""
        self.output.seek(0)
        return self.output.read(_settings.output_bytes).decode(errors="replace")

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.kill()

    def close(self) -> None:
        self.kill()
        self.process.wait()
        with contextlib.suppress(OSError):
            self.process.stdin.close()
        self._cleanup()

    def _cleanup(self) -> None:
        os.close(self._reader)
        self.output.close()
        shutil.rmtree(self.workdir, ignore_errors=True)


@contextlib.contextmanager
def start(code: str, entry_point: str | None = "matmul", trusted: bool = False):
    """Start a child running ``code``; ``trusted`` (reference solutions only) skips the lock-down."""
    child = Child(code, entry_point, trusted)
    try:
        yield child
    finally:
        child.close()


def _cpu_ns(pid: int) -> int:
    """CPU time of process ``pid`` (all its threads), read by the kernel: the candidate cannot fake it."""
    try:
        return time.clock_gettime_ns(((~pid) << 3) | 2)  # CPUCLOCK_SCHED of the whole process
    except OSError:
        return 0


def _only_child(pid: int) -> int:
    """The process ``unshare --fork`` started (the candidate's interpreter), whose CPU time counts."""
    try:
        return int(Path(f"/proc/{pid}/task/{pid}/children").read_text().split()[0])
    except (OSError, IndexError, ValueError):
        return pid


def _python() -> str:
    return _settings.python or sys.executable


@cache
def _interpreter_paths(python: str) -> list[str]:
    """What a child of ``python`` must read: its stdlib, extension modules and the system libraries."""
    ask = "import os; lib = os.path.dirname(os.__file__); print(lib); print(os.path.join(lib, 'lib-dynload'))"
    try:
        found = subprocess.run([python, "-I", "-S", "-c", ask], capture_output=True, text=True, timeout=30)
    except OSError as error:
        raise RuntimeError(f"sandbox: cannot run the candidates' interpreter {python!r}: {error}") from None
    system = ["/lib", "/lib64", "/usr/lib", "/usr/lib64", "/dev/null", "/dev/urandom"]
    return sorted({*found.stdout.split(), *(p for p in system if os.path.exists(p))})


def _world_readable(path: str) -> bool:
    parts = Path(os.path.realpath(path)).parts
    for i in range(1, len(parts) + 1):
        mode = os.stat(Path(*parts[:i])).st_mode
        if not mode & (stat.S_IXOTH if stat.S_ISDIR(mode) else stat.S_IROTH):
            return False
    return True


def _runs(command: list[str]) -> bool:
    try:
        return subprocess.run(command, capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False
