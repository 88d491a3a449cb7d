"""Which OS protections this machine offers the sandbox's children, probed once per settings and logged.

Protections, strongest first, each used when the machine offers it and logged once at start-up:
Landlock (read-only stdlib, writable temp dir only, no TCP, no signals out); seccomp (no fork, threads,
exec, kill, sockets, ptrace or namespaces); a network namespace; without seccomp, a pid namespace so no
descendant outlives its evaluation; an unprivileged uid when root and the interpreter is world-readable.
"""

import logging
import os
import shutil
import stat
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from gpt_oss_grpo.sandbox import kernel_guards
from gpt_oss_grpo.sandbox.settings import SandboxSettings, settings

log = logging.getLogger("gpt_oss_grpo.sandbox")
# The program every child runs; kernel_guards.py sits beside it and is imported by path (stdlib only).
CHILD_PROGRAM = Path(__file__).with_name("child.py")


@dataclass(frozen=True)
class Protections:
    landlock: bool
    seccomp: bool
    network_namespace: bool
    pid_namespace: bool
    unprivileged_uid: bool


@cache
def _probe(s: SandboxSettings) -> Protections:
    interpreter = s.python or sys.executable
    uid = (
        s.drop_privileges
        and os.geteuid() == 0
        # The dropped uid must be able to read the interpreter and the child program (a checkout in a
        # private folder, e.g. under mktemp -d, is not).
        and all(map(_world_readable, [interpreter, *interpreter_paths(interpreter), str(CHILD_PROGRAM)]))
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
    """Which OS protections children get on this machine under the active settings (probed and logged once)."""
    return _probe(settings())


def python() -> str:
    """The interpreter candidates run under."""
    return settings().python or sys.executable


@cache
def interpreter_paths(python: str) -> list[str]:
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
