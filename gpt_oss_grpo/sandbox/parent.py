"""The parent side: start a candidate in a fresh, locked-down child process and talk to it without trusting it.

Always: an isolated interpreter (-I -S), a scrubbed environment, rlimits, its own session killed as a group,
a temp dir removed afterwards (however deep or odd what it left), capped output, a deadline on every read and
write, and answers on a private pipe that must come back in order and in shape. Any surprise (a late, extra,
malformed or foreign answer) kills the child and fails the rest of its requests. On top, the kernel
protections found by ``probe``, applied by the launcher before the child program starts.
"""

import contextlib
import json
import marshal
import math
import os
import secrets
import select
import signal
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from gpt_oss_grpo.sandbox.cleanup import remove_tree
from gpt_oss_grpo.sandbox.probe import CHILD_PROGRAM, LAUNCHER, candidate_python, protections, read_rules
from gpt_oss_grpo.sandbox.settings import settings

_NOBODY = 65534
_MAX_MESSAGE = 4 << 20
_SETTLE_S = 50e-6
_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "OPENBLAS_NUM_THREADS": "1"}


@dataclass
class Reply:
    """One answer from the child; ``message`` is None when the child died, lied or ran out of time."""

    message: dict | None
    cpu_ns: int
    failure: str = ""


class Child:
    """A running candidate. Use ``with start(code) as child: child.request({...})``."""

    def __init__(self, code: str, entry_point: str | None, trusted: bool, deadline: float = math.inf) -> None:
        s, guard = settings(), protections()
        locked = not trusted
        interpreter = candidate_python() if locked else sys.executable
        layout = read_rules(interpreter) if locked else None  # may raise: nothing to clean up yet
        rules = layout if guard.landlock else None
        # What the child may have mapped as code: everything else seen in its memory maps is foreign.
        self.allowed_code = {*layout.read_files, *layout.run} if layout else None
        self.deadline = min(deadline, time.monotonic() + (s.timeout_s if locked else math.inf))
        self.token = secrets.token_hex(16)
        self.failed = ""  # set once the child has misbehaved: later requests fail at once
        self.answers = 0
        self.cpu: int | None = None  # the one CPU it runs on, once pinned
        self.workdir = tempfile.mkdtemp(prefix="sandbox-")
        self.output = tempfile.TemporaryFile()  # noqa: SIM115 (closed in close())
        self._reader, write_fd = os.pipe()
        self._lines = LineReader(self._reader, _MAX_MESSAGE)
        drop = guard.unprivileged_uid and locked
        if drop:
            os.chown(self.workdir, _NOBODY, _NOBODY)
        mib = 1 << 20
        limits = {"RLIMIT_FSIZE": s.file_size_mb * mib, "RLIMIT_CORE": 0}
        if locked:  # a trusted reference child lives across evaluations: no CPU budget to run out of
            limits |= {"RLIMIT_CPU": s.cpu_s, "RLIMIT_AS": s.memory_mb * mib, "RLIMIT_NOFILE": s.open_files}
            limits |= {"RLIMIT_NPROC": s.max_processes}
        # Trusted reference children see the trainer's import path (NumPy); candidates, the bare standard library.
        env = _ENV if locked else {**_ENV, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        flags = ["-I", "-S", "-u"] if locked else ["-s", "-u"]
        guards = {
            "limits": limits,
            "drop_capabilities": locked and guard.no_capabilities,
            "landlock": vars(rules) if rules else None,
            "seccomp": locked and guard.seccomp,
            "env": env,
        }
        prefix = ["unshare", "--net"] if guard.network_namespace and locked else []
        prefix += ["--pid", "--fork", "--kill-child"] if guard.pid_namespace and locked else []
        command = [
            *prefix,
            interpreter,
            "-I",
            "-S",
            str(LAUNCHER),
            marshal.dumps(guards).hex(),
            "--",
            interpreter,
        ]
        try:
            self.process = subprocess.Popen(
                [*command, *flags, str(CHILD_PROGRAM), str(write_fd)],
                stdin=subprocess.PIPE,
                stdout=self.output,
                stderr=subprocess.STDOUT,
                pass_fds=(write_fd,),
                cwd=self.workdir,
                env=_ENV,
                start_new_session=True,
                **({"user": _NOBODY, "group": _NOBODY, "extra_groups": []} if drop else {}),
            )
        except BaseException:
            self._cleanup()
            raise
        finally:
            os.close(write_fd)
        try:
            self._start(code, entry_point, guards, locked)
        except BaseException:
            self.close()
            raise

    def _start(self, code: str, entry_point: str | None, guards: dict, locked: bool) -> None:
        """Hand the child its job, then wait until it is locked down and has loaded the code."""
        s, guard = settings(), protections()
        os.set_blocking(self.process.stdin.fileno(), False)
        self.clock_pid = self.process.pid
        job = {"token": self.token, "code": code, "entry_point": entry_point}
        self.ready = self.request(job, s.call_timeout_s + 5, numbered=False)
        if guard.pid_namespace and locked:
            self.clock_pid = _only_child(self.process.pid)
        asked = {
            "landlock": bool(guards["landlock"]),
            "seccomp": guards["seccomp"],
            "no_capabilities": guards["drop_capabilities"],
        }
        wanted = {name for name, on in asked.items() if on}
        if self.ready.message and not wanted <= set(self.ready.message.get("protections", [])):
            self.ready = self._fail("the child could not apply its protections")  # fail closed
        self.loaded = (
            self.request(None, s.call_timeout_s, numbered=False) if self.ready.message else self.ready
        )

    def request(self, message: dict | None, timeout: float | None = None, numbered: bool = True) -> Reply:
        """Send one request (None = just wait) and read its answer, timing the child's CPU meanwhile.

        Never raises: a child that is slow, dead, or answers out of turn or out of shape is killed, and this and
        every later request fail with the reason.
        """
        if self.failed:
            return Reply(None, 0, self.failed)
        deadline = time.monotonic() + max(0.0, min(timeout or settings().call_timeout_s, self._left()))
        start = _cpu_ns(self.clock_pid)
        try:
            if message is not None and not self._write(marshal.dumps(message), deadline):
                return self._fail("timed out" if self.process.poll() is None else "child exited", start)
            line = self._lines.read(deadline)
            if line is None:
                return self._fail("timed out" if self.process.poll() is None else "child exited", start)
            answer = json.loads(line)
        except (
            Exception
        ) as error:  # a closed pipe, a malformed or hostile answer: whatever it is, end the child
            return self._fail(f"unreadable answer ({type(error).__name__})", start)
        cpu = _settled_cpu_ns(self.clock_pid) - start
        if not isinstance(answer, dict) or answer.pop("token", None) != self.token:
            return self._fail("forged answer", start)
        if numbered:
            self.answers += 1
            if answer.pop("n", None) != self.answers or self._lines.pending:
                return self._fail("answer out of turn", start)
        return Reply(answer, cpu)

    def _left(self) -> float:
        return self.deadline - time.monotonic()

    def _fail(self, why: str, cpu_start: int | None = None) -> Reply:
        cpu = _cpu_ns(self.clock_pid) - cpu_start if cpu_start is not None else 0
        self.failed = why
        self.kill()
        return Reply(None, max(cpu, 0), why)

    def _write(self, frame: bytes, deadline: float) -> bool:
        """Write one length-prefixed frame, or give up at the deadline (a child that stops reading fills the pipe)."""
        data = memoryview(struct.pack("<I", len(frame)) + frame)
        fd = self.process.stdin.fileno()
        while data:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([], [fd], [], remaining)[1]:
                return False
            try:
                data = data[os.write(fd, data) :]
            except BlockingIOError:
                continue
        return True

    def foreign_mappings(self) -> list[str]:
        """Executable memory in the child that its interpreter's own files do not account for, seen from outside.

        Landlock makes such code unloadable; this check is what notices it where Landlock is missing.
        """
        if self.allowed_code is None:
            return []
        try:
            lines = Path(f"/proc/{self.clock_pid}/maps").read_text().splitlines()
        except OSError:
            return []
        found = set()
        for line in lines:
            fields = line.split(None, 5)
            path = fields[5].strip() if len(fields) == 6 else ""
            if "x" not in fields[1] or path in ("[vdso]", "[vsyscall]"):
                continue
            if not path.startswith("/"):
                found.add(f"anonymous executable memory {fields[0]}")
            elif os.path.realpath(path) not in self.allowed_code:
                found.add(path)
        return sorted(found)

    def pin(self, cpu: int) -> None:
        """Run the child on ``cpu`` only, so that CPU times of two children pinned alike are comparable.

        The cores of a virtual machine need not run at one speed (here the same loop took 14 ms on one vCPU
        and 25 ms on the other), so a ratio of CPU times is only fair when both ran on the same core.
        """
        self.cpu = cpu
        with contextlib.suppress(OSError):  # already gone: its next request fails anyway
            os.sched_setaffinity(self.clock_pid, {cpu})

    def printed(self) -> str:
        """What the candidate printed (capped)."""
        self.output.seek(0)
        return self.output.read(settings().output_bytes).decode(errors="replace")

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            self.process.kill()

    def close(self) -> None:
        try:
            self.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=5)
            with contextlib.suppress(OSError):
                self.process.stdin.close()
        finally:
            self._cleanup()

    def _cleanup(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self._reader)
        self.output.close()
        remove_tree(self.workdir)


class LineReader:
    """Newline-terminated messages from an untrusted writer, each read against a deadline and a size cap."""

    def __init__(self, fd: int, limit: int) -> None:
        self.fd, self.limit, self.pending = fd, limit, b""

    def read(self, deadline: float) -> bytes | None:
        """The next line; None past ``deadline`` (time.monotonic), at end of file, or past ``limit`` bytes."""
        while b"\n" not in self.pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self.fd], [], [], remaining)[0]:
                return None
            chunk = os.read(self.fd, 1 << 16)
            if not chunk or len(self.pending) > self.limit:
                return None
            self.pending += chunk
        line, self.pending = self.pending.split(b"\n", 1)
        return line


@contextlib.contextmanager
def start(code: str, entry_point: str | None = "matmul", trusted: bool = False, deadline: float = math.inf):
    """Start a child running ``code``; ``trusted`` (reference solutions only) skips the lock-down.

    The child gets ``sandbox.timeout_s`` of wall-clock time, or less when ``deadline`` (time.monotonic) is sooner.
    """
    child = Child(code, entry_point, trusted, deadline)
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


def _settled_cpu_ns(pid: int, patience_s: float = 0.01) -> int:
    """CPU time of ``pid`` once it has left the CPU, or after ``patience_s``.

    The kernel brings a running process's clock up to date only at a tick or a context switch, so a reading
    taken while the child still runs lags by up to a tick (a 0.5 ms NumPy call was read as 0 ms), and a child
    shows as sleeping a moment before it has switched out. Settled: not running, and the clock unchanged
    over a short wait. A child that has answered blocks at once on its next read; one that keeps running is
    read later, its spinning counted.
    """
    give_up = time.monotonic() + patience_s
    last = _cpu_ns(pid)
    while time.monotonic() < give_up:
        time.sleep(_SETTLE_S)
        now = _cpu_ns(pid)
        if now == last and not _running(pid):
            break
        last = now
    return last


def _running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_bytes().rpartition(b")")[2].split()[0] == b"R"
    except (OSError, IndexError):
        return False


def _only_child(pid: int) -> int:
    """The process ``unshare --fork`` started (the candidate's interpreter), whose CPU time counts."""
    try:
        return int(Path(f"/proc/{pid}/task/{pid}/children").read_text().split()[0])
    except (OSError, IndexError, ValueError):
        return pid
