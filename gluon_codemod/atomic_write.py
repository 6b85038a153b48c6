"""Replacing a file in one rename: readers (and a Ctrl-C, a full disk) see the old file or the new one,
never half of one.

Below every layer that writes: the runs rewrite source files with it, the output writes `--output-file`
and `--report`, the front ends write `noqa` comments and reviewed fixes.
"""
from __future__ import annotations

import os
import signal
import stat
import tempfile
from typing import Optional


def write_atomic(path: str, data: bytes) -> None:
    """Write beside the original and rename over it, keeping its permission bits, owner and group.

    Readers see either the old or the new file, never half of one (no fsync: across a power loss the
    file system's own ordering applies, as for ruff and black). The rename would succeed on a
    read-only file (only the folder's permission counts), so the file's own write bits are checked
    first: read-only means "do not touch", also for root. A symbolic link is followed, so that the
    file it points to is rewritten and the link stays a link. The new file is created by whoever runs
    the command (root, in a container or under sudo): it is given the original's owner and group, and
    a file whose owner cannot be kept is not rewritten.
    """
    real = os.path.realpath(path)
    info = os.stat(real)
    mode = info.st_mode
    if not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(real, os.W_OK):
        raise PermissionError(13, "file is read-only (make it writable to let gluon-codemod fix it)", path)
    _replace(real, data, info)


def write_new_atomic(path: str, data: bytes) -> None:
    """Create or replace `path` with `data` in one rename: a full disk leaves the old file (or none),
    never a truncated one."""
    try:
        info: Optional[os.stat_result] = os.stat(path)
    except FileNotFoundError:
        info = None
    _replace(os.path.realpath(path), data, info)


def _replace(real: str, data: bytes, info: Optional[os.stat_result]) -> None:
    # Ctrl-C or SIGTERM (a worker whose parent died) wait until the file is replaced or cleaned up: a
    # signal inside mkstemp, before the temporary file's name is known, would leave it behind.
    with _signals_held():
        _replace_now(real, data, info)


class _signals_held:
    _HELD = {getattr(signal, "SIGINT", None), getattr(signal, "SIGTERM", None)} - {None}

    def __enter__(self):
        self.old = None
        if hasattr(signal, "pthread_sigmask"):
            self.old = signal.pthread_sigmask(signal.SIG_BLOCK, self._HELD)
        return self

    def __exit__(self, *exc):
        if self.old is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, self.old)  # a held signal is delivered here
        return False


def _replace_now(real: str, data: bytes, info: Optional[os.stat_result]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".gluon-codemod-", suffix=".tmp", dir=os.path.dirname(real) or ".")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        if info is None:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)  # what open() would have created
        else:
            _keep_owner(tmp, info, real)
            os.chmod(tmp, stat.S_IMODE(info.st_mode))  # after chown, which clears set-id bits
        os.replace(tmp, real)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _keep_owner(tmp: str, info: os.stat_result, real: str) -> None:
    new = os.stat(tmp)
    if (new.st_uid, new.st_gid) == (info.st_uid, info.st_gid) or not hasattr(os, "chown"):
        return
    try:
        os.chown(tmp, info.st_uid, info.st_gid)
    except PermissionError:
        raise PermissionError(1, "cannot keep the file's owner and group (uid "
                              f"{info.st_uid}, gid {info.st_gid}) in a rewrite; run as its owner", real) from None
