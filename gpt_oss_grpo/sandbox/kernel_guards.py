"""Kernel-enforced limits for a sandbox child, applied by a launcher before it execs the child program.

    python -I -S kernel_guards.py GUARDS -- PROGRAM ARGS...    (GUARDS: a marshal'd dict, in hex)

The launcher sets the rlimits, drops every capability, applies Landlock (read only what the parent listed,
write nothing) and an allow-list seccomp filter, then execs PROGRAM. Everything holds across exec and cannot be
lifted: the candidate's interpreter starts locked down and never loads ctypes (this file's only user). The
parent imports it too, for `landlock_abi` and `seccomp_supported`. Standard library only.
"""

import ctypes
import marshal
import os
import resource
import struct
import sys

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long
_PR_SET_NO_NEW_PRIVS, _PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 38, 22, 2
_PR_CAPBSET_DROP, _PR_SET_SECUREBITS = 24, 28
_SECUREBITS_LOCKED_ALL = 0x3F  # NOROOT, NO_SETUID_FIXUP, KEEP_CAPS_LOCKED and their locks
_LANDLOCK_CREATE, _LANDLOCK_ADD_RULE, _LANDLOCK_RESTRICT = 444, 445, 446  # same on x86_64 and aarch64
_CAPSET = 126

# Filesystem rights by ABI version (bit i = 1 << i); ABI 1 has 13, 2 adds REFER, 3 TRUNCATE, 5 IOCTL_DEV.
_FS_RIGHTS_BY_ABI = {1: 13, 2: 14, 3: 15, 4: 15, 5: 16}
_EXECUTE, _READ_FILE, _READ_DIR = 1 << 0, 1 << 2, 1 << 3

# The seccomp allow-list (x86_64): what a pure-Python computation and the interpreter's start-up need. Every
# other call fails with EPERM: no processes, threads, signals, sockets, ptrace, namespaces, mounts, clocks,
# priorities, affinities or other processes' limits, no new executable memory, no file changes.
_ARCH_X86_64 = 0xC000003E
_ALLOWED = {
    "read": 0, "write": 1, "open": 2, "close": 3, "stat": 4, "fstat": 5, "lstat": 6, "lseek": 8,
    "munmap": 11, "brk": 12, "rt_sigaction": 13, "rt_sigprocmask": 14, "rt_sigreturn": 15, "pread64": 17,
    "readv": 19, "writev": 20, "access": 21, "sched_yield": 24, "mremap": 25, "madvise": 28, "dup": 32,
    "dup2": 33, "nanosleep": 35, "getpid": 39, "execve": 59, "exit": 60, "uname": 63,
    "getdents": 78, "getcwd": 79, "readlink": 89, "gettimeofday": 96, "getrlimit": 97, "getrusage": 98,
    "sysinfo": 99, "times": 100, "getuid": 102, "getgid": 104, "geteuid": 107, "getegid": 108, "getppid": 110,
    "getgroups": 115, "sigaltstack": 131, "getpriority": 140, "arch_prctl": 158, "gettid": 186, "time": 201,
    "futex": 202, "getdents64": 217, "set_tid_address": 218, "restart_syscall": 219, "clock_gettime": 228,
    "clock_getres": 229, "clock_nanosleep": 230, "exit_group": 231, "openat": 257, "newfstatat": 262,
    "readlinkat": 267, "faccessat": 269, "set_robust_list": 273, "dup3": 292, "getcpu": 309,
    "getrandom": 318, "statx": 332, "rseq": 334, "faccessat2": 439,
}  # fmt: skip
# Allowed only with these arguments (index, mask, value): the call passes when (arg & mask) == value.
_MMAP, _MPROTECT, _IOCTL, _FCNTL, _PRLIMIT64, _SCHED_GETAFFINITY = 9, 10, 16, 72, 302, 204
_PROT_EXEC, _MAP_ANONYMOUS = 0x4, 0x20
_TCGETS, _FIONCLEX, _FIOCLEX = 0x5401, 0x5450, 0x5451  # "is this a terminal", and close-on-exec flags
# fcntl: duplicate, read and set close-on-exec, read flags; never F_SETFL/F_SETOWN (O_ASYNC would let a
# descriptor signal the trainer with SIGIO), locks or leases.
_F_DUPFD, _F_GETFD, _F_SETFD, _F_GETFL, _F_DUPFD_CLOEXEC = 0, 1, 2, 3, 1030


def landlock_abi() -> int:
    """Landlock ABI version the kernel offers (0 = none)."""
    version = _libc.syscall(_LANDLOCK_CREATE, None, 0, 1)
    return max(int(version), 0)


def seccomp_supported() -> bool:
    return os.uname().machine == "x86_64" and os.path.exists("/proc/self/status")


def apply_landlock(read_files: list[str], read_dirs: list[str], list_dirs: list[str], run: list[str]) -> int:
    """Allow reading ``read_files``, reading everything under ``read_dirs``, listing ``list_dirs`` and executing
    ``run``; nothing else: no writes anywhere, no TCP (ABI >= 4), no signals or abstract sockets out (ABI >= 6).

    Rights on a directory hold for everything beneath it, so a folder that holds forbidden code (the standard
    library's site-packages) is never granted whole: the parent lists its allowed entries one by one.
    Returns the ABI used, 0 when Landlock is unavailable.
    """
    abi = landlock_abi()
    if abi == 0:
        return 0
    fs_all = (1 << _FS_RIGHTS_BY_ABI.get(abi, 16)) - 1
    net_all = 0b11 if abi >= 4 else 0
    scoped = 0b11 if abi >= 6 else 0
    attr = struct.pack("QQQ", fs_all, net_all, scoped)
    size = 8 if abi < 4 else (16 if abi < 6 else 24)
    ruleset = _check(
        _libc.syscall(_LANDLOCK_CREATE, ctypes.c_char_p(attr), size, 0), "landlock_create_ruleset"
    )
    rules = [(p, _READ_FILE) for p in read_files] + [(p, _READ_FILE | _EXECUTE) for p in run]
    rules += [(p, _READ_FILE | _READ_DIR) for p in read_dirs] + [(p, _READ_DIR) for p in list_dirs]
    try:
        for path, rights in rules:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue  # a path that is gone is simply not granted
            try:
                rule = struct.pack("=Qi", rights, fd)
                _check(_libc.syscall(_LANDLOCK_ADD_RULE, ruleset, 1, ctypes.c_char_p(rule), 0), "add_rule")
            finally:
                os.close(fd)
        _check(_libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(NO_NEW_PRIVS)")
        _check(_libc.syscall(_LANDLOCK_RESTRICT, ruleset, 0), "landlock_restrict_self")
    finally:
        os.close(ruleset)
    return abi


def drop_capabilities() -> bool:
    """Empty the bounding, effective, permitted and inheritable sets and lock root's special treatment off.

    Only root (or a process holding CAP_SETPCAP) can do this; without capabilities there is nothing to drop.
    """
    if os.geteuid() != 0:
        return False
    last = int(open("/proc/sys/kernel/cap_last_cap").read())  # noqa: SIM115 (read once, before lock-down)
    for cap in range(last + 1):
        _check(_libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0), "prctl(CAPBSET_DROP)")
    _check(_libc.prctl(_PR_SET_SECUREBITS, _SECUREBITS_LOCKED_ALL, 0, 0, 0), "prctl(SET_SECUREBITS)")
    header = struct.pack("Ii", 0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    data = bytes(24)  # two all-zero {effective, permitted, inheritable} blocks
    _check(_libc.syscall(_CAPSET, ctypes.c_char_p(header), ctypes.c_char_p(data)), "capset")
    return True


def seccomp_program() -> list[tuple[int, int, int, int]]:
    """The allow-list filter as BPF instructions (code, jump-if-true, jump-if-false, k)."""
    ld, jeq, jset, jge, ret = 0x20, 0x15, 0x45, 0x35, 0x06
    deny, allow = 0x00050000 | 1, 0x7FFF0000  # SECCOMP_RET_ERRNO | EPERM, SECCOMP_RET_ALLOW

    def arg(index: int) -> int:  # offset of the low 32 bits of argument `index` in struct seccomp_data
        return 16 + 8 * index

    program = [(ld, 0, 0, 4), (jeq, 1, 0, _ARCH_X86_64), (ret, 0, 0, deny), (ld, 0, 0, 0)]
    program += [(jge, 0, 1, 0x40000000), (ret, 0, 0, deny)]  # x32 calls
    # Plain allowed calls: "if nr == N: allow" (a false jump skips the return).
    for nr in sorted(_ALLOWED.values()):
        program += [(jeq, 0, 1, nr), (ret, 0, 0, allow)]
    # Calls allowed only with some arguments; each block reloads nr and skips itself when nr differs.
    # mmap: no anonymous executable memory (file-backed code is only what Landlock lets the process read).
    program += [(ld, 0, 0, 0), (jeq, 0, 6, _MMAP), (ld, 0, 0, arg(2)), (jset, 0, 3, _PROT_EXEC)]
    program += [(ld, 0, 0, arg(3)), (jset, 0, 1, _MAP_ANONYMOUS), (ret, 0, 0, deny), (ret, 0, 0, allow)]
    # mprotect: never to executable.
    program += [(ld, 0, 0, 0), (jeq, 0, 4, _MPROTECT), (ld, 0, 0, arg(2)), (jset, 0, 1, _PROT_EXEC)]
    program += [(ret, 0, 0, deny), (ret, 0, 0, allow)]
    # ioctl only to ask "is this a terminal" and for close-on-exec; fcntl as above; prlimit64 and
    # sched_getaffinity only on the process itself (pid 0).
    checks = (
        (_IOCTL, 1, (_TCGETS, _FIONCLEX, _FIOCLEX)),
        (_FCNTL, 1, (_F_DUPFD, _F_GETFD, _F_SETFD, _F_GETFL, _F_DUPFD_CLOEXEC)),
        (_PRLIMIT64, 0, (0,)),
        (_SCHED_GETAFFINITY, 0, (0,)),
    )
    for nr, index, values in checks:
        program += [(ld, 0, 0, 0), (jeq, 0, len(values) + 3, nr), (ld, 0, 0, arg(index))]
        program += [(jeq, len(values) - i, 0, value) for i, value in enumerate(values)]
        program += [(ret, 0, 0, deny), (ret, 0, 0, allow)]
    return [*program, (ret, 0, 0, deny)]


def apply_seccomp() -> bool:
    """Install the allow-list filter (after NO_NEW_PRIVS); it also binds every program this process execs."""
    if not seccomp_supported():
        return False
    prog = seccomp_program()
    filters = (ctypes.c_uint64 * len(prog))(
        *[struct.unpack("Q", struct.pack("HBBI", *ins))[0] for ins in prog]
    )
    fprog = struct.pack("HxxxxxxP", len(prog), ctypes.addressof(filters))
    _check(_libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(NO_NEW_PRIVS)")
    _check(_libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.c_char_p(fprog), 0, 0), "seccomp")
    return True


def _check(result: int, what: str) -> int:
    if result < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")
    return result


def main(argv: list[str]) -> None:
    """Lock this process down as ``argv[0]`` asks, then exec ``argv[2:]`` (after a ``--``).

    The guards come from the trusted parent in marshal form (it starts faster than json, which matters per child).
    """
    guards, program = marshal.loads(bytes.fromhex(argv[0])), argv[2:]
    for name, value in guards["limits"].items():
        resource.setrlimit(getattr(resource, name), (value, value))
    applied = ["rlimits"]
    if guards.get("drop_capabilities") and drop_capabilities():
        applied.append("no_capabilities")
    if guards.get("landlock"):
        rules = guards["landlock"]
        if apply_landlock(rules["read_files"], rules["read_dirs"], rules["list_dirs"], rules["run"]):
            applied.append("landlock")
    if guards.get("seccomp") and apply_seccomp():
        applied.append("seccomp")
    # The child reports what was applied before any candidate code runs (the parent fails closed on gaps).
    os.execve(program[0], program, {**guards["env"], "SANDBOX_GUARDS": ",".join(applied)})


if __name__ == "__main__":
    main(sys.argv[1:])
