"""Finding and reading the files a command is pointed at (rewriting them: `gluon_codemod.atomic_write`)."""
from __future__ import annotations

import fnmatch
import os
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
