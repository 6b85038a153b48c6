"""The project of the files of a run, found from their roots and cached between runs.

flake8 and the pre-commit hooks see one file (or a few) at a time, yet a file's findings must be those
of a check of its whole project: a class it defines may be called from a module they were not given.
So each run finds the project root of its files (nearest `pyproject.toml`, `setup.cfg`, `setup.py` or
`.git`; without one, the run's files are the project), indexes every Python file under it (ast only) and
settles the plan. The result is kept in the
user's cache folder, keyed by every file's path, size and modification time and by the run's options,
so that the next hook run on one file of a large repository reads it back instead.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from typing import Iterable, Optional, Sequence

from .. import __version__
from .files import SKIP_DIRS
from .project import Project
from ..analysis.modules import project_root

#: Above this many files a root is taken not to be one project (a home folder): only the run is indexed.
_MAX_PROJECT_FILES = 10000


#: Projects already settled by this process (a flake8 worker checks many files of one project).
_LOADED: dict = {}
_MEMO_SIZE = 8


def cache_folder() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "gluon-codemod")


def _python_files(root: str):
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs
                         if d not in SKIP_DIRS and not d.endswith(".egg-info") and not d.startswith("."))
        found.extend(os.path.join(folder, name) for name in sorted(files) if name.endswith(".py"))
        if len(found) > _MAX_PROJECT_FILES:
            return None
    return found


def project_paths(run: Sequence[str]) -> list:
    """The run's `.py` files and every `.py` file of their projects (below the nearest `pyproject.toml`,
    `setup.cfg`, `setup.py` or `.git`), shown relative to the current folder where they are below it."""
    paths = {os.path.abspath(p): os.path.normpath(p) for p in run if p.endswith(".py")}
    roots, seen = set(), set()
    for path in paths:
        folder = os.path.dirname(path)
        if folder in seen:  # (the files of a run share a few folders; looking up a root costs a stat a level)
            continue
        seen.add(folder)
        root = project_root_of(path)
        if root is not None:
            roots.add(root)
    for root in sorted(roots):
        found = _python_files(root)
        if found is None:
            _TOO_LARGE.add(root)
        for path in found or ():
            paths.setdefault(os.path.abspath(path), _shown(path))
    return sorted(paths.values())


def project_root_of(path: str) -> Optional[str]:
    """The root of the project whose files `project_paths` adds to `path`'s, or None: the file is a project
    of its own. Without a marked root the project's extent is unknown (the standard library, a folder of
    scripts); a file below a folder a walk skips (`build`, `.venv`) is not one of its project's modules."""
    path = os.path.abspath(path)
    root = None if _installed(path) else project_root(os.path.dirname(path))
    return root if root is not None and root not in _TOO_LARGE and not _skipped_below(root, path) else None


def _installed(path: str) -> bool:
    """A file of a Python installation (the standard library, an environment's packages): no project's."""
    folder = os.path.dirname(path)
    return any(folder == prefix or folder.startswith(prefix + os.sep) for prefix in _INSTALLATIONS)


_INSTALLATIONS = tuple(sorted({os.path.abspath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}))
#: Roots found to hold more files than a project (a home folder, a toolchain checkout), this process.
_TOO_LARGE: set = set()


def _skipped_below(root: str, path: str) -> bool:
    """A file in a folder that a walk of `root` skips (`.venv/.../site-packages`, `build`): it is not one of
    the project's modules, and the project is not its own; it is analysed with the run's files alone."""
    folders = os.path.relpath(os.path.dirname(path), root).split(os.sep)
    return any(f in SKIP_DIRS or f.endswith(".egg-info") or (f.startswith(".") and f not in (".", ".."))
               for f in folders)


def _shown(path: str) -> str:
    """A path below the current folder as a relative path (as the run's own files are usually given)."""
    relative = os.path.relpath(path)
    return path if relative.startswith(os.pardir) else relative


def _code_stamp() -> str:
    """The tool's own modules and rules, by size and modification time: a plan cached by other code (an
    upgrade, or a development checkout edited since) is not read back."""
    global _CODE_STAMP
    if _CODE_STAMP is None:
        from .. import rules

        package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        folders = [folder for folder, _, _ in os.walk(package) if not folder.endswith("__pycache__")]
        digest = hashlib.sha256(__version__.encode())
        for folder in (*sorted(folders), *rules.__path__):
            for name in sorted(os.listdir(folder)):
                if name.endswith(".py"):
                    info = os.stat(os.path.join(folder, name))
                    digest.update(f"{folder}/{name}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
        _CODE_STAMP = digest.hexdigest()
    return _CODE_STAMP


_CODE_STAMP: Optional[str] = None


def _key(paths: Iterable[str], run: Optional[Sequence[str]], options: tuple) -> str:
    digest = hashlib.sha256(repr((_code_stamp(), options)).encode())
    for path in sorted(paths, key=os.path.abspath):  # the same files, however the run spells them
        try:
            info = os.stat(path)
        except OSError:
            continue
        digest.update(f"{os.path.abspath(path)}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    digest.update(repr(sorted(os.path.abspath(p) for p in run) if run is not None else None).encode())
    return digest.hexdigest()


def project_for(run: Sequence[str], *, whole: bool, select=None, ignore=None, target: str = "mxnet",
                unsafe_fixes: bool = False, use_cache: bool = True, jobs: int = 1) -> Project:
    """The settled project of the files `run`. `whole`: the plan of a run over the whole project (a
    check: what would `fix` do); otherwise only `run`'s files are rewritten, so a call elsewhere keeps
    every argument it passes. `jobs`: processes that may share the indexing and the plan's analyses."""
    paths = project_paths(run)
    in_run = None if whole else list(run)
    options = (tuple(select or ()), tuple(ignore or ()), target, unsafe_fixes)
    key = _key(paths, in_run, options) if use_cache else None
    if key in _LOADED:  # flake8 asks once per file of the project
        return _LOADED[key]
    project = _load(key) if key else None
    if project is None:
        project = Project.load(paths, in_run=in_run, jobs=jobs)
        project.settle(select=select, ignore=ignore, target=target, unsafe_fixes=unsafe_fixes, jobs=jobs)
        if key:
            _save(key, project)
    if key:
        if len(_LOADED) >= _MEMO_SIZE:  # files outside any project each have their own: keep a few
            _LOADED.pop(next(iter(_LOADED)))
        # The index and the plan only, as the disk cache keeps them: the texts and trees are for this call's
        # run (the CLI's), and would keep up to `_MEMO_SIZE` projects' trees alive in a flake8 worker.
        _LOADED[key] = project.without_sources()
    return project


def _load(key: str) -> Optional[Project]:
    path = os.path.join(cache_folder(), key + ".pickle")
    try:
        with open(path, "rb") as handle:
            project = pickle.load(handle)
        os.utime(path)  # its modification time is its last use: the least recently used go first
    except Exception:  # a missing, partial or outdated cache entry is rebuilt
        return None
    return project if isinstance(project, Project) else None


def _save(key: str, project: Project) -> None:
    folder = cache_folder()
    try:
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(project.without_sources(), handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, os.path.join(folder, key + ".pickle"))
        _prune(folder)
    except OSError:
        pass  # a cache that cannot be written only costs time


#: Each state of a project is an entry (a hook run after an edit writes a new one): the most recently
#: used are kept, up to this size in all. (A file outside any project is an entry of its own, a few KB:
#: flake8 over a folder of such files needs them all.)
_MAX_BYTES = 64 * 2**20


def _prune(folder: str) -> None:
    entries = []
    with os.scandir(folder) as found:
        for entry in found:
            if entry.name.endswith(".pickle"):
                try:
                    info = entry.stat()
                except OSError:
                    continue
                entries.append((info.st_mtime_ns, info.st_size, entry.path))
    entries.sort(reverse=True)
    total = 0
    for _, size, path in entries:
        total += size
        if total > _MAX_BYTES:
            try:
                os.unlink(path)
            except OSError:
                pass  # another process removed it, or may not: the next save tries again
