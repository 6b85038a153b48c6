"""Finding, reading and atomically rewriting the files a command is pointed at."""
from __future__ import annotations

import os
import tempfile
from functools import lru_cache
from typing import Iterable, Iterator, Optional

SKIP_DIRS = {".git", ".hg", ".svn", "__pycache__", ".tox", ".nox", ".venv", "venv", ".eggs", "build", "dist",
             "node_modules", ".mypy_cache", ".pytest_cache", ".ruff_cache"}


def iter_python_files(paths: Iterable[str], extensions=(".py",)) -> Iterator[str]:
    """Files named explicitly, and files with `extensions` found under named folders (sorted, stable)."""
    for path in paths:
        if os.path.isdir(path):
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info"))
                for name in sorted(files):
                    if name.endswith(tuple(extensions)):
                        yield os.path.join(root, name)
        else:
            yield path


@lru_cache(maxsize=4096)
def _is_package(directory: str) -> bool:
    return os.path.isfile(os.path.join(directory, "__init__.py"))


def module_name_for(path: str) -> Optional[str]:
    """`pkg/sub/mod.py` -> `pkg.sub.mod` by walking up `__init__.py` files; resolves relative imports."""
    path = os.path.abspath(path)
    directory, filename = os.path.split(path)
    stem = os.path.splitext(filename)[0]
    parts = [] if stem == "__init__" else [stem]
    while _is_package(directory):
        directory, package = os.path.split(directory)
        parts.append(package)
    if not parts or (len(parts) == 1 and stem == "__init__"):
        return None
    return ".".join(reversed(parts))


def write_atomic(path: str, data: bytes) -> None:
    """Write beside the original and rename over it, keeping its permission bits."""
    directory = os.path.dirname(os.path.abspath(path))
    mode = os.stat(path).st_mode & 0o7777
    fd, tmp = tempfile.mkstemp(prefix=".gluon-codemod-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
