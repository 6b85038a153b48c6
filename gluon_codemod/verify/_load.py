"""Both sides of a verification in one (child) process: two temporary copies of the user's code, swapped in and out.

The original tree is copied as is; the other copy is rewritten by the engine (target `runtime`), or takes
a hand-edited rewrite (`rewritten=`). Both copies keep the user's module names, so absolute imports
inside the package keep working; a `Side` puts its own modules into `sys.modules` (and its folder on
`sys.path`) only while it runs, and takes them out again, so lazy imports inside functions also resolve
to the right side. Whatever was in `sys.modules` under those names before is restored afterwards.
"""
from __future__ import annotations

import contextlib
import importlib
import os
import shutil
import signal
import sys
import threading
import time
import traceback
from typing import Callable, Dict, List, Optional, Tuple

from ..engine.pipeline import check_code, fix_code
from ..run.files import SKIP_DIRS
from ..vocabulary import SourceError

MAX_FILES = 5000


class SideTimeout(BaseException):
    """A side ran longer than its time budget (a BaseException: the model's `except Exception` cannot swallow it)."""


class SideError(Exception):
    """A side raised: carries which side, in which phase, and its traceback."""

    def __init__(self, side: str, phase: str, exc: BaseException, tb: str):
        super().__init__(f"{side} side failed in {phase}: {type(exc).__name__}: {exc}")
        self.side = side
        self.phase = phase
        self.exc = exc
        self.traceback = tb


def locate(path: str, root: Optional[str] = None) -> Tuple[str, str, str]:
    """`(copy_source, copy_name, module_name)` for FILE: what to copy and the dotted name to import.

    `root` (or by default the topmost folder with `__init__.py` above FILE, else FILE's folder) is
    copied whole. A root that is a package is copied as that package; otherwise its content is the
    import root and FILE's module name is its path relative to it.
    """
    path = os.path.abspath(path)
    if not os.path.isfile(path) or not path.endswith(".py"):
        raise ValueError(f"{path!r} is not a Python source file: give the .py file that defines the model")
    if root is None:
        root = os.path.dirname(path)
        if os.path.isfile(os.path.join(root, "__init__.py")):
            while os.path.isfile(os.path.join(os.path.dirname(root), "__init__.py")):
                root = os.path.dirname(root)
    root = os.path.abspath(root)
    if os.path.commonpath([root, path]) != root:
        raise ValueError(f"--root {root!r} does not contain {path!r}: give the folder your package lives in")
    import_root = os.path.dirname(root) if os.path.isfile(os.path.join(root, "__init__.py")) else root
    rel = os.path.relpath(path, import_root)[:-3].split(os.sep)
    if rel[-1] == "__init__":
        rel.pop()
    return root, import_root, ".".join(rel)


def _python_files(root: str) -> List[str]:
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info"))
        found.extend(os.path.relpath(os.path.join(folder, f), root) for f in sorted(files) if f.endswith(".py"))
        if len(found) > MAX_FILES:
            raise ValueError(f"{root!r} holds more than {MAX_FILES} Python files: point --root at your package")
    return found


def _top_name(rel_path: str) -> str:
    first = rel_path.split(os.sep)[0]
    return first[:-3] if first == rel_path else first


def _module_name(rel_path: str, prefix: str) -> str:
    parts = rel_path[:-3].split(os.sep)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(([prefix] if prefix else []) + parts)


class Workspace:
    """The two temporary copies (`orig/` and `new/`) and what the rewrite reported."""

    def __init__(self, path: str, root: str, import_root: str, module_name: str, tmpdir: str,
                 rewritten: Optional[str] = None, unsafe_fixes: bool = False):
        self.tmpdir = tmpdir
        self.module_name = module_name
        self.import_root = import_root
        self.kept: Optional[str] = None  # where --keep copied the rewrite
        self.findings: Dict[str, list] = {}
        self.errors: Dict[str, str] = {}  # files the engine could not rewrite (left as they are)
        self.parse_errors: Dict[str, SourceError] = {}  # those of them that do not parse
        self.rewrite_seconds = 0.0
        package = os.path.basename(root) if root != import_root else ""
        self.entries = {}
        main_rel = os.path.relpath(os.path.abspath(path), root)
        files = _python_files(root)
        for label in ("orig", "new"):
            entry = os.path.join(tmpdir, label)
            dest = os.path.join(entry, package) if package else entry
            for rel in files:
                os.makedirs(os.path.dirname(os.path.join(dest, rel)), exist_ok=True)
                shutil.copyfile(os.path.join(root, rel), os.path.join(dest, rel))
            self.entries[label] = entry
        new_dest = os.path.join(self.entries["new"], package) if package else self.entries["new"]
        start = time.perf_counter()
        for rel in files:
            target = os.path.join(new_dest, rel)
            with open(target, "rb") as handle:
                source = handle.read()
            name = _module_name(rel, package)
            try:
                if rel == main_rel and rewritten is not None:
                    with open(rewritten, "rb") as handle:
                        code = handle.read()
                    findings = check_code(code, target="runtime", module_name=name)
                else:
                    result = fix_code(source, target="runtime", module_name=name, unsafe_fixes=unsafe_fixes)
                    code, findings = result.code, result.findings
            except Exception as exc:  # noqa: BLE001 - a file the model never imports must not stop verify
                # kept as it is: if the model imports it, both sides fail alike and the row says why
                shown = os.path.join(package, rel) if package else rel
                # a file that does not parse is said as `check` says it: where, then why
                self.errors[shown] = (exc.format(shown) if isinstance(exc, SourceError)
                                      else f"{shown}: {type(exc).__name__}: {exc}")
                if isinstance(exc, SourceError):
                    self.parse_errors[shown] = exc
                continue
            with open(target, "wb") as handle:
                handle.write(code)
            unfixed = [f for f in findings if not f.fixed]
            if unfixed:
                self.findings[os.path.join(package, rel) if package else rel] = unfixed
        self.rewrite_seconds = time.perf_counter() - start
        self.top_names = [package] if package else sorted({_top_name(rel) for rel in files})
        self.new_tree = new_dest

    def keep(self, dest: str) -> None:
        """Copy the rewritten tree to `dest` for the user to read."""
        self.kept = os.path.abspath(dest)
        shutil.copytree(self.new_tree, dest, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("__pycache__"))


@contextlib.contextmanager
def time_limit(seconds: Optional[float]):
    """Raise SideTimeout after `seconds` (SIGALRM: main thread of a Unix process only; else no limit)."""
    usable = (seconds is not None and hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return
    if seconds <= 0:
        raise SideTimeout("no time left")

    def on_alarm(signum, frame):
        raise SideTimeout("ran longer than its time limit")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class Side:
    """One version of the user's code: its modules, its time budget and per-phase timings."""

    def __init__(self, label: str, entry: str, top_names: List[str], timeout: Optional[float]):
        self.label = label
        self.entry = entry
        self.top_names = top_names
        self.timeout = timeout
        self.elapsed = 0.0
        self.modules: Dict[str, object] = {}
        self.timings: Dict[str, float] = {}
        self.workdir = entry + "-cwd"
        self.on_call: Optional[Callable[[str, str], None]] = None  # told (side, phase) as each call starts

    def _owns(self, module) -> bool:
        origin = getattr(module, "__file__", None)
        return bool(origin) and os.path.abspath(origin).startswith(self.entry + os.sep)

    def _shadowed(self, name: str) -> bool:
        return any(name == top or name.startswith(top + ".") for top in self.top_names)

    @contextlib.contextmanager
    def active(self):
        """This side's modules and folder are importable for the duration, and only then."""
        saved = {name: mod for name, mod in sys.modules.items() if self._shadowed(name)}
        for name in saved:
            del sys.modules[name]
        sys.modules.update(self.modules)
        sys.path.insert(0, self.entry)
        importlib.invalidate_caches()
        cwd = os.getcwd()
        os.makedirs(self.workdir, exist_ok=True)
        os.chdir(self.workdir)  # files the user's code writes with relative paths stay in the temp dir
        try:
            yield
        finally:
            os.chdir(cwd)
            for name, mod in list(sys.modules.items()):
                if self._owns(mod) or (name in self.modules and sys.modules[name] is self.modules[name]):
                    self.modules[name] = mod
                    del sys.modules[name]
            for name in [n for n in sys.modules if self._shadowed(n)]:
                del sys.modules[name]  # half-imported leftovers of a failed import
            sys.modules.update(saved)
            while self.entry in sys.path:
                sys.path.remove(self.entry)

    def call(self, phase: str, fn: Callable, *args, **kwargs):
        """Run `fn` as this side, within what is left of its time budget; failures become SideError."""
        remaining = None if self.timeout is None else self.timeout - self.elapsed
        if self.on_call is not None:
            self.on_call(self.label, phase)
        start = time.perf_counter()
        try:
            with self.active(), time_limit(remaining):
                return fn(*args, **kwargs)
        except (Exception, SystemExit, SideTimeout) as exc:  # noqa: BLE001 - the user's code may raise anything
            # start the traceback at the user's code (or the runtime), not at this harness frame
            tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__.tb_next))
            raise SideError(self.label, phase, exc, tb) from exc
        finally:
            spent = time.perf_counter() - start
            self.elapsed += spent
            self.timings[phase] = self.timings.get(phase, 0.0) + spent

    def import_module(self, name: str):
        return self.call("import", importlib.import_module, name)
