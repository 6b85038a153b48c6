"""Numpy mode: does a file run its models on `mx.np` arrays (`npx.set_np()`, `@use_np`)? Read from its source.

Names are matched by what they are imported as, not by their text: `import mxnet as mx; mx.npx.set_np()`,
`from mxnet import npx as X; X.set_np()` and `from mxnet.util import use_np` are all found; a local
function that happens to be called `set_np` is not. MXNet is not imported here (the parent process).
"""
from __future__ import annotations

import ast
from typing import Dict, Optional

# mxnet.npx is an alias of the mxnet.numpy_extension module
_ALIASES = {"mxnet.npx": "mxnet.numpy_extension"}
SET_NP = frozenset({"mxnet.numpy_extension.set_np", "mxnet.util.set_np"})
USE_NP = frozenset({"mxnet.use_np", "mxnet.util.use_np", "mxnet.use_np_array", "mxnet.util.use_np_array"})


def _canonical(name: str) -> str:
    for alias, real in _ALIASES.items():
        if name == alias or name.startswith(alias + "."):
            return real + name[len(alias):]
    return name


def _imports(tree: ast.AST) -> Dict[str, str]:
    """Local name -> the dotted name it was imported as (any scope: a function's import counts too)."""
    names: Dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = alias.name
                else:  # `import mxnet.util` binds `mxnet`
                    top = alias.name.split(".")[0]
                    names[top] = top
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _dotted(node: ast.AST, names: Dict[str, str]) -> Optional[str]:
    """The qualified name of `npx.set_np`-like expressions, through the file's imports; None if not imported."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id not in names:
        return None
    return _canonical(".".join([names[node.id]] + parts[::-1]))


def _turns_array_mode_off(call: ast.Call) -> bool:
    """`set_np(array=False)` (or `set_np(True, False)`) keeps legacy arrays: only numpy shapes."""
    array = next((k.value for k in call.keywords if k.arg == "array"), call.args[1] if len(call.args) > 1 else None)
    return isinstance(array, ast.Constant) and array.value is False


def detect(source) -> Optional[str]:
    """Why the file runs in numpy mode (`'calls npx.set_np() on line 4'`), or None when nothing says so.

    A file that does not parse is left to the import to report: None.
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    names = _imports(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _dotted(node.func, names) in SET_NP and not _turns_array_mode_off(node):
            found.append((node.lineno, f"calls {ast.unparse(node.func)}() on line {node.lineno}"))
        elif isinstance(node, ast.Call) and _dotted(node.func, names) in USE_NP:
            found.append((node.lineno, f"calls {ast.unparse(node.func)}() on line {node.lineno}"))
        elif isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            for deco in node.decorator_list:
                if _dotted(deco, names) in USE_NP:
                    found.append((deco.lineno, f"decorates {node.name} with @{ast.unparse(deco)} on line "
                                               f"{deco.lineno}"))
    return min(found)[1] if found else None


def detect_file(path: str) -> Optional[str]:
    try:
        with open(path, "rb") as handle:
            return detect(handle.read())
    except OSError:
        return None  # the verifier reports the unreadable file itself
