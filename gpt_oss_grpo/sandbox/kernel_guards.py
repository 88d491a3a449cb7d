"""Kernel-enforced limits a sandbox child applies to itself before it runs untrusted code.

Landlock (filesystem, TCP and signal scopes) and a seccomp filter (no new processes or threads, no
exec, no signals, no sockets, no namespace or tracing calls), both through plain ctypes so the child
needs nothing outside the standard library. Both hold even as root and cannot be lifted afterwards.
"""

import ctypes
import os
import platform
import struct

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long
_PR_SET_NO_NEW_PRIVS, _PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 38, 22, 2
_LANDLOCK_CREATE, _LANDLOCK_ADD_RULE, _LANDLOCK_RESTRICT = 444, 445, 446  # same on x86_64 and aarch64

# Filesystem rights by ABI version (bit i = 1 << i); ABI 1 has 13, 2 adds REFER, 3 TRUNCATE, 5 IOCTL_DEV.
_FS_RIGHTS_BY_ABI = {1: 13, 2: 14, 3: 15, 4: 15, 5: 16}
_READ_ONLY = (1 << 0) | (1 << 2) | (1 << 3)  # execute, read file, read dir
_FILE_ONLY = (1 << 0) | (1 << 1) | (1 << 2) | (1 << 14) | (1 << 15)

_SYSCALLS = {  # blocked with EPERM: creating processes/threads, exec, signals, sockets, escapes from limits
    "x86_64": (0xC000003E, [56, 57, 58, 59, 322, 435, 62, 200, 234, 129, 297, 101, 310, 311, 41, 53, 42, 49,
                            272, 308, 165, 166, 155, 161, 321, 298, 425, 426, 427, 323, 250, 248, 249, 434,
                            424, 438, 304, 175, 313, 176, 246, 169]),
    "aarch64": (0xC00000B7, [220, 435, 221, 281, 129, 130, 131, 138, 240, 117, 270, 271, 198, 199, 203, 200,
                             97, 268, 40, 39, 41, 51, 280, 241, 425, 426, 427, 282, 219, 217, 218, 434, 424,
                             438, 265, 105, 273, 106, 104, 142]),
}  # fmt: skip


def landlock_abi() -> int:
    """Landlock ABI version the kernel offers (0 = none)."""
    version = _libc.syscall(_LANDLOCK_CREATE, None, 0, 1)
    return max(int(version), 0)


def seccomp_supported() -> bool:
    return platform.machine() in _SYSCALLS and os.path.exists("/proc/self/status")


def apply_landlock(read_paths: list[str], write_paths: list[str]) -> int:
    """Allow reading (and executing) ``read_paths``, everything under ``write_paths``, nothing else.

    Also forbids TCP bind/connect (ABI >= 4) and signalling or abstract-socket access to processes
    outside the sandbox (ABI >= 6). Returns the ABI used, 0 when Landlock is unavailable.
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
    try:
        for path, rights in [(p, _READ_ONLY) for p in read_paths] + [(p, fs_all) for p in write_paths]:
            if not os.path.exists(path):
                continue
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            try:
                allowed = rights if os.path.isdir(path) else rights & _FILE_ONLY
                rule = struct.pack("=Qi", allowed, fd)
                _check(_libc.syscall(_LANDLOCK_ADD_RULE, ruleset, 1, ctypes.c_char_p(rule), 0), "add_rule")
            finally:
                os.close(fd)
        _check(_libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(NO_NEW_PRIVS)")
        _check(_libc.syscall(_LANDLOCK_RESTRICT, ruleset, 0), "landlock_restrict_self")
    finally:
        os.close(ruleset)
    return abi


def apply_seccomp() -> bool:
    """Install a filter failing the calls in ``_SYSCALLS`` with EPERM (and any foreign-ABI call)."""
    if not seccomp_supported():
        return False
    arch, blocked = _SYSCALLS[platform.machine()]
    ld, jeq, jge, ret = 0x20, 0x15, 0x35, 0x06
    deny, allow = 0x00050000 | 1, 0x7FFF0000  # SECCOMP_RET_ERRNO | EPERM, SECCOMP_RET_ALLOW
    prog = [(ld, 0, 0, 4), (jeq, 1, 0, arch), (ret, 0, 0, deny), (ld, 0, 0, 0)]
    if arch == 0xC000003E:
        prog.append((jge, len(blocked) + 1, 0, 0x40000000))  # x32 calls
    prog += [(jeq, len(blocked) - i, 0, nr) for i, nr in enumerate(blocked)]
    prog += [(ret, 0, 0, allow), (ret, 0, 0, deny)]
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
