"""Remove a child's temp dir whatever it left there: very deep trees, odd names, links, immutable files.

No recursion (a tree 100 000 levels deep would overflow it) and no long paths (they pass PATH_MAX): each pass
deletes the files of the top folder's sub-folders and pulls their own sub-folders up into the top folder,
working on folder descriptors. With Landlock a child cannot write at all; this is for the other settings.
"""

import contextlib
import fcntl
import os
import secrets
import stat
import struct
import time

_FS_IOC_SETFLAGS = 0x40086602  # clears immutable and append-only flags (the parent as root may)
_BUDGET_S = 30.0


def remove_tree(path: str) -> None:
    """Delete ``path`` and everything under it: a best effort that never raises and gives up after 30 s."""
    try:
        top = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return
    give_up = time.monotonic() + _BUDGET_S
    try:
        before: list[str] | None = None
        while (names := sorted(_names(top))) and names != before and time.monotonic() < give_up:
            before = names
            for name in names:
                _remove(name, top)
    finally:
        os.close(top)
    with contextlib.suppress(OSError):
        os.rmdir(path)


def _remove(name: str, top: int) -> None:
    """Delete the entry ``name`` of ``top``; a folder's files go, its sub-folders move up into ``top``."""
    if not _is_dir(name, top):
        _insist(lambda: os.unlink(name, dir_fd=top), name, top)
        return
    try:
        folder = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=top)
    except OSError:
        return
    try:
        for inner in _names(folder):
            if _is_dir(inner, folder):
                up = f".up-{secrets.token_hex(8)}"
                _insist(
                    lambda i=inner, u=up: os.rename(i, u, src_dir_fd=folder, dst_dir_fd=top), inner, folder
                )
            else:
                _insist(lambda i=inner: os.unlink(i, dir_fd=folder), inner, folder)
    finally:
        os.close(folder)
    _insist(lambda: os.rmdir(name, dir_fd=top), name, top)


def _names(folder: int) -> list[str]:
    try:
        return os.listdir(folder)
    except OSError:
        return []


def _is_dir(name: str, folder: int) -> bool:
    try:
        return stat.S_ISDIR(os.stat(name, dir_fd=folder, follow_symlinks=False).st_mode)
    except OSError:
        return False


def _insist(action, name: str, folder: int) -> None:
    """Run ``action``; if it is refused, clear the flags of the entry and of its folder and try once more."""
    try:
        action()
    except PermissionError:
        _clear_flags(name, folder)
        _clear_flags(".", folder)
        with contextlib.suppress(OSError):
            action()
    except OSError:
        pass


def _clear_flags(name: str, folder: int) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW, dir_fd=folder)
        try:
            fcntl.ioctl(fd, _FS_IOC_SETFLAGS, struct.pack("i", 0))
        finally:
            os.close(fd)
