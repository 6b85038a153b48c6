"""Name resolution through a file's own import table (no libcst scope analysis: see README, Performance).

`ImportTable.qualify(expr)` turns `N.Dense`, `mx.gluon.nn.Dense` or `HB` into a dotted qualified name
such as `mxnet.gluon.nn.Dense`, following the aliases the file imported.
"""
from __future__ import annotations

import ast
from typing import Dict, Iterable, List, Optional

GLUON = "mxnet.gluon"

# Gluon names that are classes but not Blocks; everything else CamelCase under mxnet.gluon is a Block.
_NOT_BLOCKS = {"Parameter", "Constant", "ParameterDict", "Trainer", "DeferredInitializationError",
               "HookHandle", "Symbol", "NDArray"}
_NOT_BLOCK_PACKAGES = ("mxnet.gluon.data", "mxnet.gluon.utils", "mxnet.gluon.metric",
                       "mxnet.gluon.parameter", "mxnet.gluon.trainer", "mxnet.gluon.contrib.estimator",
                       "mxnet.gluon.contrib.data")
# Names a `from mxnet.gluon import *` (or `from mxnet.gluon.nn import *`) may bring in.
_STAR_EXPORTS = {
    GLUON: {"Block", "HybridBlock", "SymbolBlock", "Parameter", "Constant", "ParameterDict", "Trainer",
            "nn", "rnn", "loss", "data", "utils", "model_zoo", "contrib"},
}


RUNTIME = "gluon_runtime"


def as_gluon(module: str) -> str:
    """`gluon_runtime.nn` -> `mxnet.gluon.nn`: code migrated with `--target runtime` imports the same Gluon
    API from `gluon_runtime`, and is checked as Gluon code all the same."""
    if module == RUNTIME or module.startswith(RUNTIME + "."):
        return GLUON + module[len(RUNTIME):]
    return module


_NAME, _ATTRIBUTE = ast.Name, ast.Attribute


def dotted(expr: ast.AST) -> Optional[str]:
    """`a.b.c` for a chain of attributes on a name, else None."""
    # (Asked hundreds of thousands of times per run: a name and `a.b` take the short paths.)
    kind = type(expr)
    if kind is _NAME:
        return expr.id
    if kind is not _ATTRIBUTE:
        return None
    value = expr.value
    if type(value) is _NAME:
        return f"{value.id}.{expr.attr}"
    parts = [expr.attr]
    while type(value) is _ATTRIBUTE:
        parts.append(value.attr)
        value = value.value
    if type(value) is not _NAME:
        return None
    parts.append(value.id)
    return ".".join(reversed(parts))


#: Statements that hold no other statement (nothing below them is a class, a function or an import).
SIMPLE_STATEMENTS = frozenset((ast.Expr, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Return, ast.Pass, ast.Break,
                               ast.Continue, ast.Raise, ast.Assert, ast.Delete, ast.Global, ast.Nonlocal))


def scope_imports(body: list) -> List[ast.AST]:
    """The imports a function body binds in its own scope: in compound statements too, not in the
    functions and classes it defines."""
    found = []
    for node in body:
        if type(node) in SIMPLE_STATEMENTS:
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        elif not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for block in ("body", "orelse", "finalbody"):
                found += scope_imports(getattr(node, block, None) or [])
            for clause in (*getattr(node, "handlers", ()), *getattr(node, "cases", ())):
                found += scope_imports(clause.body)
    return found


class ImportTable:
    """Maps each name a file binds by import to the qualified name it stands for."""

    def __init__(self, module_name: Optional[str] = None, is_package: bool = False):
        # The package is needed to resolve relative imports (mxnet's own sources use them); a package's
        # `__init__` is its own package.
        self.package = (module_name if is_package else module_name.rpartition(".")[0] or None) if module_name else None
        self.names: Dict[str, str] = {}
        self.star_from: list = []

    def add(self, node: ast.AST) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    self.names[alias.asname] = as_gluon(alias.name)
                else:
                    top = alias.name.split(".")[0]
                    self.names[top] = as_gluon(top)
        elif isinstance(node, ast.ImportFrom):
            module = self._absolute(node)
            if module is None:
                return
            module = as_gluon(module)
            for alias in node.names:
                if alias.name == "*":
                    self.star_from.append(module)
                else:
                    self.names[alias.asname or alias.name] = f"{module}.{alias.name}"

    def extended(self, nodes: Iterable[ast.AST]) -> "ImportTable":
        """A copy that also knows the imports among `nodes` (a function's own, for the classes it defines)."""
        table = ImportTable()
        table.package, table.names, table.star_from = self.package, dict(self.names), list(self.star_from)
        for node in nodes:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                table.add(node)
        return table

    def _absolute(self, node: ast.ImportFrom) -> Optional[str]:
        if not node.level:
            return node.module
        if self.package is None:
            return None
        parts = self.package.split(".")
        if node.level - 1 > len(parts):
            return None
        base = parts[: len(parts) - (node.level - 1)]
        return ".".join(base + ([node.module] if node.module else []))

    def qualify(self, expr: ast.AST) -> Optional[str]:
        name = dotted(expr)
        return self.qualify_dotted(name) if name else None

    def qualify_dotted(self, name: str) -> Optional[str]:
        root, _, rest = name.partition(".")
        target = self.names.get(root)
        if target is None:
            if not self.star_from:
                return None
            for module in self.star_from:
                if root in _STAR_EXPORTS.get(module, ()) or (module.startswith(GLUON + ".") and root[:1].isupper()):
                    target = f"{module}.{root}"
                    break
            else:
                return None
        return f"{target}.{rest}" if rest else target

    @property
    def imports_gluon(self) -> bool:
        return any(is_gluon(q) or q == "mxnet" for q in self.names.values()) or any(
            is_gluon(m) for m in self.star_from)


def is_gluon(qualified: Optional[str]) -> bool:
    return bool(qualified) and (qualified == GLUON or qualified.startswith(GLUON + "."))


def is_gluon_block_class(qualified: Optional[str]) -> bool:
    """True for Gluon Block classes (and model-zoo factories, which return Blocks)."""
    if not is_gluon(qualified) or qualified.startswith(_NOT_BLOCK_PACKAGES):
        return False
    last = qualified.rsplit(".", 1)[-1]
    if ".model_zoo." in qualified:  # factories such as `vision.resnet18_v1()` and `get_model()` build Blocks
        return not last.startswith("_") and last not in ("vision", "model_store", "get_model_file")
    return last[:1].isupper() and last not in _NOT_BLOCKS
