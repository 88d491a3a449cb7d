"""What this machine offers the sandbox's children: kernel protections, and what their interpreter may read.

Protections, strongest first, each used when the machine offers it and logged once per settings: Landlock (read
only the standard library's own files, no site-packages, no ctypes; write nothing; no TCP, no signals out); an
allow-list seccomp filter (no processes, threads, signals, sockets or other processes, no new executable
memory); no capabilities (root); a network namespace; without seccomp, a pid namespace so no descendant
outlives its evaluation; an unprivileged uid when root and the interpreter and the sandbox files are
world-readable.
"""

import json
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
SANDBOX_DIR = Path(__file__).parent
CHILD_PROGRAM = SANDBOX_DIR / "child.py"  # the program every child runs (standard library only)
LAUNCHER = SANDBOX_DIR / "kernel_guards.py"  # locks the process down, then execs the child program
# Compiled standard-library modules a candidate may load: pure computation, no OS access, no foreign code.
ALLOWED_EXTENSIONS = (
    "_bisect", "_blake2", "_bz2", "_contextvars", "_csv", "_datetime", "_decimal", "_heapq", "_json", "_lzma",
    "_md5", "_opcode", "_pickle", "_queue", "_random", "_sha1", "_sha256", "_sha3", "_sha512", "_statistics",
    "_struct", "_typing", "array", "binascii", "cmath", "math", "unicodedata", "zlib",
)  # fmt: skip
# Standard-library folders a candidate may not read: other people's code (site-packages), native-code and
# process tools, and what only tests and GUIs use.
FORBIDDEN_STDLIB = frozenset({
    "site-packages", "dist-packages", "lib-dynload", "ctypes", "multiprocessing", "concurrent", "asyncio",
    "test", "idlelib", "tkinter", "turtledemo", "ensurepip", "venv", "lib2to3", "distutils", "sqlite3",
    "curses", "dbm",
})  # fmt: skip
_LAYOUT = """
import importlib, json, os, sys
for name in sys.argv[1].split(","):
    try:
        importlib.import_module(name)
    except ImportError:
        pass
lib = os.path.dirname(os.__file__)
mapped = sorted({line.split(None, 5)[5].strip() for line in open("/proc/self/maps") if len(line.split(None, 5)) == 6})
print(json.dumps({"stdlib": lib, "dynload": os.path.join(lib, "lib-dynload"), "mapped": mapped,
                  "extensions": [getattr(sys.modules.get(n), "__file__", None) for n in sys.argv[1].split(",")]}))
"""


@dataclass(frozen=True)
class ReadRules:
    """Landlock's grant for a candidate interpreter: what it may read, list and execute (and nothing else)."""

    read_files: list[str]
    read_dirs: list[str]
    list_dirs: list[str]
    run: list[str]


@dataclass(frozen=True)
class Protections:
    landlock: bool
    seccomp: bool
    no_capabilities: bool
    network_namespace: bool
    pid_namespace: bool
    unprivileged_uid: bool


@cache
def _probe(s: SandboxSettings) -> Protections:
    interpreter = candidate_python(s)
    rules = read_rules(interpreter)
    uid = (
        s.drop_privileges
        and os.geteuid() == 0
        # The dropped uid must be able to read the interpreter and the sandbox files (a checkout in a private
        # folder, e.g. under mktemp -d, is not).
        and all(map(_world_readable, [*rules.run, *rules.list_dirs, str(CHILD_PROGRAM), str(LAUNCHER)]))
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
        no_capabilities=os.geteuid() == 0 and not uid,
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


def candidate_python(s: SandboxSettings | None = None) -> str:
    """The interpreter candidates run under: the setting, else the base interpreter behind this (virtual) env.

    A virtualenv's python is a link to its base interpreter; starting that directly keeps the venv's
    site-packages (and its pyvenv.cfg) out of the candidate's reach.
    """
    chosen = (s or settings()).python or getattr(sys, "_base_executable", "") or sys.executable
    return os.path.realpath(chosen)


@cache
def read_rules(python: str) -> ReadRules:
    """What a candidate interpreter ``python`` may read under Landlock, from a probe of its real layout.

    Every entry of its standard library but the forbidden folders; only the allowed extension modules; the
    shared libraries it maps (found in /proc/self/maps, so pyenv, conda and distribution layouts all work).
    """
    try:
        found = subprocess.run(
            [python, "-I", "-S", "-c", _LAYOUT, ",".join(ALLOWED_EXTENSIONS)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        layout = json.loads(found.stdout)
    except (OSError, ValueError, subprocess.SubprocessError) as error:
        raise RuntimeError(f"sandbox: cannot probe the candidates' interpreter {python!r}: {error}") from None
    stdlib = Path(layout["stdlib"])
    entries = [
        e for e in stdlib.iterdir() if e.name not in FORBIDDEN_STDLIB and not e.name.startswith("config-")
    ]
    mapped = [p for p in layout["mapped"] if p.startswith("/") and os.path.isfile(p)]
    loader = next((p for p in mapped if "/ld-linux" in p or "/ld-musl" in p), None)
    run = sorted({os.path.realpath(python), *([os.path.realpath(loader)] if loader else [])})
    files = {str(e) for e in entries if e.is_file()} | {p for p in layout["extensions"] if p}
    files |= {os.path.realpath(p) for p in mapped} | {"/etc/ld.so.cache", str(CHILD_PROGRAM)}
    return ReadRules(
        read_files=sorted(files - set(run)),
        read_dirs=sorted(str(e) for e in entries if e.is_dir()),
        list_dirs=[str(stdlib), layout["dynload"]],
        run=run,
    )


def library_read_dirs() -> list[str]:
    """What a scoring library's child (math-verify, reasoning-gym: trusted code fed untrusted answers) may read
    once it has imported its library: the standard library, the trainer's site-packages and the system
    libraries, for the modules it loads on demand. Its own start-up is not restricted."""
    stdlib = os.path.dirname(os.__file__)
    system = [p for p in ("/lib", "/lib64", "/usr/lib", "/usr/lib64") if os.path.isdir(p)]
    return sorted({stdlib, *(p for p in sys.path if "-packages" in p and os.path.isdir(p)), *system})


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
