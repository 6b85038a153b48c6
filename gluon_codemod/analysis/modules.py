"""Module names for the files of a project, with and without `__init__.py`, and its root.

A package's modules are named by walking up `__init__.py` files (`pkg/sub/mod.py` -> `pkg.sub.mod`).
A folder without `__init__.py` (a scripts folder, a flat copy of a package, a namespace package) is
named by its path below the project root, with a leading `src/` dropped, so that `from ..block import
Block` and `from layers import Net` in such a folder still find the module they mean.
"""
from __future__ import annotations

import os
from functools import lru_cache
from typing import Iterator, Optional

#: Files that mark a project's root, nearest first (as ruff, black and pre-commit find theirs).
ROOT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")


def folders_up(folder: str) -> Iterator[str]:
    """`folder` (made absolute), then each folder above it, up to the file system's root."""
    current = os.path.abspath(folder)
    while True:
        yield current
        parent = os.path.dirname(current)
        if parent == current:
            return
        current = parent


def project_root(path: str) -> Optional[str]:
    """The nearest folder at or above `path` holding a root marker, or None when there is none."""
    start = os.path.abspath(path)
    return next((folder for folder in folders_up(start if os.path.isdir(start) else os.path.dirname(start))
                 if any(os.path.exists(os.path.join(folder, marker)) for marker in ROOT_MARKERS)), None)


def find_root(path: str) -> str:
    """`project_root(path)`, or the file's own folder when no folder above is marked as a root."""
    start = os.path.abspath(path)
    return project_root(start) or (start if os.path.isdir(start) else os.path.dirname(start))


@lru_cache(maxsize=4096)  # the files of a run share a few folders
def _is_package(directory: str) -> bool:
    return os.path.isfile(os.path.join(directory, "__init__.py"))


def module_name(path: str, root: Optional[str] = None) -> Optional[str]:
    """The dotted module name of the Python file `path` within the project rooted at `root`."""
    path = os.path.abspath(path)
    directory, filename = os.path.split(path)
    stem = os.path.splitext(filename)[0]
    parts = [] if stem == "__init__" else [stem]
    while _is_package(directory):
        directory, package = os.path.split(directory)
        parts.append(package)
    if root is not None:
        root = os.path.abspath(root)
        relative = os.path.relpath(directory, root)
        if not relative.startswith(os.pardir) and relative != os.curdir:
            folders = [p for p in relative.split(os.sep) if p]
            if folders and folders[0] == "src":
                folders = folders[1:]
            if all(folder.isidentifier() for folder in folders):
                parts.extend(reversed(folders))
    if not parts:
        return None
    name = ".".join(reversed(parts))
    return name if all(part.isidentifier() for part in parts) else None


def is_package_init(path: str) -> bool:
    return os.path.basename(path) == "__init__.py"
