"""The parent side: start a candidate in a fresh, locked-down child process and talk to it over a private pipe.

Always: an isolated interpreter (-I -S), a scrubbed environment, rlimits, its own session killed as a
group, a temp dir removed afterwards, capped output, wall-clock deadlines, and answers on a pipe only
the harness writes (with a per-run token). On top, the kernel protections found by ``probe``.
"""

import contextlib
import json
import marshal
import os
import secrets
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from gpt_oss_grpo.sandbox.probe import CHILD_PROGRAM, interpreter_paths, protections, python
from gpt_oss_grpo.sandbox.settings import settings

_NOBODY = 65534
_MAX_MESSAGE = 16 << 20


@dataclass
class Reply:
    """One answer from the child; ``message`` is None when the child died, lied or ran out of time."""

    message: dict | None
    cpu_ns: int
    failure: str = ""


class Child:
    """A running candidate. Use ``with start(code) as child: child.request({...})``."""

    def __init__(self, code: str, entry_point: str | None, trusted: bool) -> None:
        s, guard = settings(), protections()
        interpreter = sys.executable if trusted else python()
        read_paths = interpreter_paths(interpreter)  # may raise: before anything needs cleaning up
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
        try:
            self.process = subprocess.Popen(
                [*prefix, interpreter, "-I", "-S", "-u", str(CHILD_PROGRAM), str(write_fd)],
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
            "read_paths": read_paths,
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
        timeout = min(timeout or settings().call_timeout_s, self.deadline - time.monotonic())
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
        return self.output.read(settings().output_bytes).decode(errors="replace")

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
