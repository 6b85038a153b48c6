"""The layers of `gluon_codemod` (docs/architecture.md): no module imports from a layer above its own.

Imports are read with `ast`, at module level and inside functions alike (a lazy import is still a
dependency), and relative imports are resolved against the importing module's package.
"""
from __future__ import annotations

import ast
import os
import pickle
from dataclasses import replace
from typing import Dict, Iterator, List, Optional, Set, Tuple

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = "gluon_codemod"
# (the rules live in the repository's `rules/` folder and are installed as `gluon_codemod.rules`)
SOURCES = {PACKAGE: os.path.join(ROOT, PACKAGE), f"{PACKAGE}.rules": os.path.join(ROOT, "rules")}

UPPER = ("engine", "run", "output", "frontends", "verify")
#: layer -> the layers its modules must not import from
FORBIDDEN: Dict[str, Set[str]] = {
    # the values every layer passes on, and the atomic file writes: below everything
    "vocabulary": {"analysis", *UPPER, "rules"},
    "atomic_write": {"analysis", *UPPER, "rules"},
    "analysis": {*UPPER, "rules"},
    "engine": {"run", "output", "frontends", "verify"},
    "rules": {"run", "output", "frontends", "verify"},
    "output": {"run", "frontends", "verify"},
    "run": {"frontends", "verify"},
    "verify": {"frontends"},
}
#: The entry points users' configurations name: `gluon_codemod.cli:main`, `gluon_codemod.flake8_plugin:GluonChecker`.
FRONTEND_SHIMS = {f"{PACKAGE}.cli", f"{PACKAGE}.flake8_plugin", f"{PACKAGE}.__main__"}


def modules() -> Iterator[Tuple[str, str]]:
    """(dotted module name, file) for every module of the package."""
    for prefix, folder in SOURCES.items():
        for root, dirs, files in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(files):
                if not name.endswith(".py"):
                    continue
                relative = os.path.relpath(os.path.join(root, name), folder)[:-3].split(os.sep)
                if relative[-1] == "__init__":
                    relative = relative[:-1]
                yield ".".join([prefix, *relative]), os.path.join(root, name)


def imported(module: str, source: str, is_package: bool) -> Iterator[Tuple[int, str]]:
    """(line, dotted name) of everything `source` imports, anywhere in it. `from a import b` yields `a`
    and `a.b` (b may be a module)."""
    package = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            yield node.lineno, target
            for alias in node.names:
                yield node.lineno, f"{target}.{alias.name}"


def layer(module: str) -> Optional[str]:
    """The layer of a module of the package (None: the package itself, or not ours)."""
    parts = module.split(".")
    if parts[0] != PACKAGE or len(parts) < 2:
        return None
    if module in FRONTEND_SHIMS:
        return "frontends"
    return parts[1]


def violations(module: str, source: str, is_package: bool = False) -> List[str]:
    """One line per import statement that reaches above the module's layer."""
    own = layer(module)
    found: Dict[int, str] = {}
    for line, name in imported(module, source, is_package):
        other = layer(name)
        if line in found or other is None or other == own:
            continue
        if other in FORBIDDEN.get(own, ()):
            found[line] = f"{module}:{line}: the {own} layer imports {name} ({other})"
        elif other == "frontends":
            found[line] = f"{module}:{line}: {name} is a front end; nothing below the front ends imports one"
    return [found[line] for line in sorted(found)]


def test_every_module_has_a_known_layer():
    known = set(FORBIDDEN) | {"frontends"}
    unknown = [m for m, _ in modules() if layer(m) is not None and layer(m) not in known]
    assert not unknown, f"modules outside every layer (add them to FORBIDDEN and docs/architecture.md): {unknown}"


def test_no_module_imports_from_a_layer_above_it():
    found = []
    for module, path in modules():
        with open(path, encoding="utf-8") as handle:
            found += violations(module, handle.read(), path.endswith("__init__.py"))
    assert not found, "\n".join(found)


def test_no_two_output_modules_import_each_other():
    """The emitters share what they need through `output/__init__.py` and the vocabulary, so that each can
    be read (and changed) alone."""
    ours = {m: path for m, path in modules() if m.startswith(f"{PACKAGE}.output.")}
    uses = {}
    for module, path in ours.items():
        with open(path, encoding="utf-8") as handle:
            uses[module] = {name for _, name in imported(module, handle.read(), False)} & set(ours)
    cycles = sorted(f"{a} <-> {b}" for a in ours for b in uses[a] if a < b and a in uses[b])
    assert not cycles, cycles


@pytest.mark.parametrize("module, source", [
    ("gluon_codemod.engine.detect", "from ..run.batch import Options\n"),
    ("gluon_codemod.engine.detect", "def later():\n    from gluon_codemod.output import formats\n"),
    ("gluon_codemod.output.report", "from ..run import batch\n"),
    ("gluon_codemod.output.report", "import gluon_codemod.run.files\n"),
    ("gluon_codemod.analysis.plan", "from .. import engine\n"),
    ("gluon_codemod.run.batch", "from ..frontends.cli import main\n"),
    ("gluon_codemod.vocabulary", "from .engine.rule import Rule\n"),
    ("gluon_codemod.rules", "from gluon_codemod.output.formats import stream\n"),
])
def test_the_check_catches_an_upward_import(module, source):
    assert violations(module, source, is_package=module.endswith("rules"))


@pytest.mark.parametrize("module, source", [
    ("gluon_codemod.output.report", "from ..vocabulary import FileResult\nfrom ..atomic_write import write_atomic\n"),
    ("gluon_codemod.run.batch", "from ..engine.source import decode_source\n"),
    ("gluon_codemod.frontends.cli", "from ..run.batch import run_files\nfrom ..output import formats\n"),
    ("gluon_codemod.output.formats", "from . import TOOL\nfrom .. import __version__\n"),
])
def test_the_check_allows_imports_downwards(module, source):
    assert violations(module, source) == []


# -- the values that cross the worker pool ------------------------------------------------------------------
def test_results_round_trip_through_pickle():
    from gluon_codemod.vocabulary import FileResult, Finding, SourceError

    finding = Finding("GLN002", 3, 4, "`prefix` ...", fix_title="Remove it", fix_available=True, fix_safe=False,
                      fixed=True, end_line=3, end_col=20, cell=2)
    error = SourceError("cannot parse: invalid syntax", 5, 6, cell=3)
    result = FileResult("nb.ipynb", findings=[finding], errors=[error], changed=True, written=True,
                        diff=b"--- a\n", skipped=None, edits={0: [{"offset": 1, "length": 2, "text": "x"}]})

    again = pickle.loads(pickle.dumps(result))

    # (errors are exceptions: equal only to themselves, compared field by field below)
    assert replace(again, errors=[]) == replace(result, errors=[])
    assert again.findings == [finding] and again.findings[0] is not finding
    (error_again,) = again.errors
    assert type(error_again) is SourceError
    fields = (error_again.message, error_again.line, error_again.col, error_again.cell)
    assert fields == ("cannot parse: invalid syntax", 5, 6, 3)
    assert str(error_again) == str(error) == "cannot parse: invalid syntax"
    assert error_again.format("nb.ipynb") == "nb.ipynb:cell 3:5:7: error: cannot parse: invalid syntax"


def test_a_source_error_raised_in_a_worker_arrives_whole():
    from concurrent.futures import ProcessPoolExecutor

    from gluon_codemod.vocabulary import SourceError

    with ProcessPoolExecutor(1) as pool:
        with pytest.raises(SourceError) as caught:
            pool.submit(_raise_source_error).result()
    assert (caught.value.message, caught.value.line, caught.value.col, caught.value.cell) == ("bad", 2, 3, None)


def _raise_source_error():
    from gluon_codemod.vocabulary import SourceError

    raise SourceError("bad", line=2, col=3)
