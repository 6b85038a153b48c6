"""`--all`: which Block classes and model factories of a file can be built without arguments, and why not."""
from __future__ import annotations

import ast
import inspect
from typing import List, Optional, Tuple

from mxnet.gluon.block import Block as StockBlock


def candidates(path: str, module) -> List[Tuple[str, Optional[str]]]:
    """`(expression, reason to skip or None)` for each public Block class and model factory of the file.

    A factory is a public top-level function of the file that returns a value. Both must be callable
    without arguments: every parameter has a default, and the body does not index its `**kwargs`
    (`kwargs['pretrained']` fails without that argument). Factories are only known to build a Block
    once called.
    """
    with open(path, "rb") as handle:
        tree = ast.parse(handle.read())
    found = []
    for node in tree.body:
        if not isinstance(node, (ast.FunctionDef, ast.ClassDef)) or node.name.startswith("_"):
            continue
        obj = getattr(module, node.name, None)
        if obj is None or getattr(obj, "__module__", None) != module.__name__:
            continue
        if isinstance(node, ast.ClassDef):
            if not (inspect.isclass(obj) and issubclass(obj, StockBlock)):
                continue
            function = next((n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)
        else:
            if not any(isinstance(n, ast.Return) and n.value is not None for n in _own_nodes(node)):
                continue
            function = node
        found.append((f"{node.name}()", _missing_arguments(obj) or _indexed_kwargs(function)))
    return found


def _own_nodes(func):
    stack = list(func.body)
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            stack.extend(ast.iter_child_nodes(node))


def _missing_arguments(obj) -> Optional[str]:
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return "its signature cannot be read"
    needed = [p.name for p in signature.parameters.values()
              if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    return f"needs arguments: {', '.join(needed)}" if needed else None


def _indexed_kwargs(function) -> Optional[str]:
    if function is None or function.args.kwarg is None:
        return None
    name = function.args.kwarg.arg
    for node in _own_nodes(function):
        if (isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load)
                and isinstance(node.value, ast.Name) and node.value.id == name):
            key = node.slice.value if isinstance(node.slice, ast.Constant) else None
            shown = f"{name}[{key!r}]" if key is not None else f"{name}[...]"
            return f"needs arguments: reads {shown} (line {node.lineno}), which fails without it"
    return None


def unbuildable(row) -> Optional[str]:
    """The reason to skip an `--all` candidate whose build failed alike on both sides for want of arguments."""
    detail = row.detail or ""
    if row.name != "build" or not detail.startswith("both fail alike: "):
        return None
    if "not a Block" in detail and "TypeError" in detail:
        return "does not return a Block"
    if detail.split(":")[1].strip() in ("TypeError", "KeyError"):
        return "cannot be built without arguments: " + detail[len("both fail alike: "):]
    return None
