"""Finding, reading and atomically rewriting the files a command is pointed at."""
from __future__ import annotations

import fnmatch
import os
import signal
import stat
import tempfile
from typing import Iterable, Iterator, List, Optional, Sequence, Tuple

# Folders never searched, as ruff's default `exclude`: version control, virtual environments, caches,
# build outputs and installed packages hold no code of the user's to migrate.
SKIP_DIRS = {".bzr", ".direnv", ".eggs", ".git", ".git-rewrite", ".hg", ".ipynb_checkpoints", ".mypy_cache",
             ".nox", ".pants.d", ".pyenv", ".pytest_cache", ".pytype", ".ruff_cache", ".svn", ".tox", ".venv",
             ".vscode", "__pypackages__", "__pycache__", "_build", "buck-out", "build", "dist", "node_modules",
             "site-packages", "venv"}
PYTHON_EXTENSIONS = (".py", ".ipynb")


class Excluder:
    """Glob patterns (ruff/gitignore-like): a pattern without `/` matches any path component's name, one
    with `/` matches the path relative to the folder the pattern came from (the config file's or cwd)."""

    def __init__(self, patterns: Sequence[Tuple[str, str]] = ()):
        # (pattern, base folder) pairs
        self.patterns = [(p.rstrip("/"), os.path.abspath(base)) for p, base in patterns if p.strip()]

    def excluded(self, path: str) -> bool:
        if not self.patterns:
            return False
        absolute = os.path.abspath(path)
        name = os.path.basename(absolute)
        for pattern, base in self.patterns:
            if "/" not in pattern:
                if fnmatch.fnmatchcase(name, pattern):
                    return True
                continue
            relative = os.path.relpath(absolute, base).replace(os.sep, "/")
            if relative.startswith("../"):
                continue
            pattern = pattern[2:] if pattern.startswith("./") else pattern
            # `dir/` excludes everything below it as well
            if fnmatch.fnmatchcase(relative, pattern) or fnmatch.fnmatchcase(relative, pattern + "/*"):
                return True
        return False


def iter_python_files(paths: Iterable[str], extensions: Sequence[str] = (".py",),
                      excluder: Optional[Excluder] = None, force_exclude: bool = False) -> Iterator[str]:
    """Files named explicitly, and files with `extensions` found under named folders (sorted, stable).

    Exclusions apply to what folders contain; a file named explicitly is always processed unless
    `force_exclude` (for hooks and editors that pass every file) is set, as in ruff.
    """
    extensions = tuple(extensions)
    for path in paths:
        if os.path.isdir(path):
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info")
                                 and not (excluder and excluder.excluded(os.path.join(root, d))))
                for name in sorted(files):
                    full = os.path.join(root, name)
                    if name.endswith(extensions) and not (excluder and excluder.excluded(full)):
                        yield full
        elif not (force_exclude and _excluded_with_parents(path, excluder)):
            yield path


def _excluded_with_parents(path: str, excluder: Optional[Excluder]) -> bool:
    """For --force-exclude: the file, or a folder on its way (`build/lib/x.py`), is excluded."""
    parts = os.path.normpath(path).split(os.sep)
    for depth in range(len(parts), 0, -1):
        prefix = os.sep.join(parts[:depth]) or os.sep
        name = parts[depth - 1]
        if depth < len(parts) and (name in SKIP_DIRS or name.endswith(".egg-info")):
            return True
        if excluder is not None and excluder.excluded(prefix):
            return True
    return False


def collect_files(paths: Iterable[str], extensions: Sequence[str] = PYTHON_EXTENSIONS,
                  excluder: Optional[Excluder] = None, force_exclude: bool = False) -> List[str]:
    """Every file once (a file reached twice, by name and through its folder, would be fixed twice),
    sorted by path so that output does not depend on argument order or on parallel scheduling.
    Paths are shown as given, normalised (`./a.py` -> `a.py`), as ruff and flake8 show them."""
    seen = {}
    for path in iter_python_files(paths, extensions, excluder, force_exclude):
        seen.setdefault(os.path.normpath(os.path.abspath(path)), os.path.normpath(path))
    return sorted(seen.values())


def module_name_for(path: str) -> Optional[str]:
    """`pkg/sub/mod.py` -> `pkg.sub.mod` by walking up `__init__.py` files; resolves relative imports.
    (A top-level package's own `__init__.py` gets None, as a file outside any package.)"""
    from ..analysis.modules import module_name

    name = module_name(path)
    return name if name is not None and not (os.path.basename(path) == "__init__.py" and "." not in name) else None


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
