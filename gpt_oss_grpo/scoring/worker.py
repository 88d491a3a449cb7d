"""Run a trusted scoring library (math-verify, reasoning-gym) on untrusted answers, in a locked-down child.

Neither may run in the trainer: sympy can stall on a hostile answer (``10^{10^{10}}``) where math-verify's
``signal.alarm`` timeout cannot reach it (only the main thread gets signals), and several reasoning-gym
scorers ``eval()`` the answer. So each kind gets one long-lived child (importing sympy takes seconds, once)
that locks itself down (rlimits, scrubbed env, own session, temp dir; Landlock and seccomp where the sandbox
finds them) and answers one request at a time. Every request is bounded by ``sandbox.call_timeout_s``: past
it the child is killed, the request gets no answer, and the next one starts a fresh child. Thread-safe.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from functools import cache
from pathlib import Path

from gpt_oss_grpo.sandbox import kernel_guards, protections, settings
from gpt_oss_grpo.sandbox.parent import LineReader
from gpt_oss_grpo.sandbox.probe import library_read_dirs

log = logging.getLogger(__name__)
CHILD_PROGRAM = Path(__file__).with_name("worker_child.py")
START_TIMEOUT_S = 120.0  # importing sympy or reasoning-gym: seconds on a quiet machine, more on a busy one
_MAX_LINE = 16 << 20  # a chunk of generated rows (ARC questions run to kilobytes each)


class WorkerError(RuntimeError):
    """The child could not start (library missing, protections not applied): a setup problem, not an answer."""


class Worker:
    """One child for one kind of request (``math`` or ``reasoning_gym``, see worker_child.py).

    The reasoning-gym child also generates the task's rows, so the trainer never imports that library.
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self._workdir = ""
        self._lines: LineReader | None = None

    def request(self, message: dict, timeout: float | None = None) -> dict | None:
        """The child's answer ``{"ok": ..., "value" | "error": ...}``; None when it ran out of time or died.

        ``timeout`` defaults to ``sandbox.call_timeout_s`` (one answer); generating a task's rows takes longer.
        """
        timeout = timeout or settings().call_timeout_s
        with self._lock:
            if self._process is None:
                self._start()
            answer = self._exchange(message, timeout)
            if answer is None:
                log.warning("scoring worker %s: no answer within %ss; scored as wrong", self.kind, timeout)
                self.stop()
            return answer

    def stop(self) -> None:
        if self._process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait()
            for pipe in (self._process.stdin, self._process.stdout):
                with contextlib.suppress(OSError):
                    pipe.close()
            self._process = None
        shutil.rmtree(self._workdir, ignore_errors=True)
        self._lines = None

    def _start(self) -> None:
        guard = protections()
        self._workdir = tempfile.mkdtemp(prefix=f"scoring-{self.kind}-")
        mib = 1 << 20
        job = {
            "limits": {
                "RLIMIT_AS": settings().memory_mb * mib,
                "RLIMIT_FSIZE": settings().file_size_mb * mib,
                "RLIMIT_CORE": 0,
            },
            "landlock": guard.landlock,
            "seccomp": guard.seccomp,
            "guards": str(Path(kernel_guards.__file__).parent),
            "read_dirs": library_read_dirs(),
        }
        self._process = subprocess.Popen(
            [sys.executable, "-I", "-u", str(CHILD_PROGRAM), self.kind],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=self._workdir,
            env={
                "PATH": "/usr/bin:/bin",
                "LANG": "C.UTF-8",
                "HOME": self._workdir,
                "MPLCONFIGDIR": self._workdir,
                "OPENBLAS_NUM_THREADS": "1",
                "OMP_NUM_THREADS": "1",
                "PYTHONHASHSEED": "0",  # reasoning-gym's entries must come out the same in every child
            },
            start_new_session=True,
        )
        self._lines = LineReader(self._process.stdout.fileno(), _MAX_LINE)
        ready = self._exchange(job, START_TIMEOUT_S)
        wanted = {name for name in ("landlock", "seccomp") if job[name]}
        if not ready or not ready.get("ok") or not wanted <= set(ready.get("value", [])):
            self.stop()
            reason = (ready or {}).get("error") or "it did not apply its protections or did not answer"
            raise WorkerError(f"scoring worker {self.kind} could not start: {reason}")

    def _exchange(self, message: dict, timeout: float) -> dict | None:
        try:
            self._process.stdin.write(json.dumps(message).encode() + b"\n")
            self._process.stdin.flush()
            line = self._lines.read(time.monotonic() + timeout)
            return json.loads(line) if line is not None else None
        except (OSError, ValueError):
            return None


@cache
def worker(kind: str) -> Worker:
    """The process-wide worker of ``kind``, stopped when the trainer exits."""
    found = Worker(kind)
    atexit.register(found.stop)
    return found
