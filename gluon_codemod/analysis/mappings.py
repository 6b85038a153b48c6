"""Which `prefix`/`params` keys a `**name` argument may carry, when `name` is filled in the call's own scope.

`cfg = dict(prefix='e_'); Head(4, **cfg)` passes `prefix` as surely as `Head(4, prefix='e_')`; so do
`cfg['prefix'] = ...`, `cfg.update(prefix=...)` and `cfg.setdefault('prefix', ...)` anywhere in that scope.
The keys found are noted on the call's `**` keyword (`carried_keys`), where the call resolution reads
them as it reads a literal `**{'prefix': ...}`: a signature keeps a parameter such a call passes, and
the call is reported. A mapping filled elsewhere (a parameter, an attribute, a call's result) stays
opaque, as before: its keys cannot be read.
"""
from __future__ import annotations

import ast
from typing import Callable, Dict, List, Optional

#: The keys that matter: the 1.x naming arguments.
KEYS = ("prefix", "params")
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.Module)
_ATTRIBUTE = "gluon_codemod_carried_keys"


def carried_keys(keyword: ast.keyword) -> Dict[str, ast.AST]:
    """key -> the node that puts it into the mapping `keyword` unpacks (see `note_carried_keys`)."""
    return getattr(keyword, _ATTRIBUTE, None) or {}


def note_carried_keys(source: str, keywords: List[ast.keyword], parent_of: Callable[[ast.AST], Optional[ast.AST]],
                      walk: Callable[[ast.AST], List[ast.AST]]) -> None:
    """Note on each `**name` keyword of `keywords` (a module's) the `prefix`/`params` keys its mapping is
    given in the call's scope (or, for a module-level name, in the module)."""
    if "**" not in source or not any(key in source for key in KEYS):
        return
    known: Dict[tuple, Dict[str, ast.AST]] = {}  # (id of the scope, name) -> keys
    for keyword in keywords:
        if keyword.arg is not None or not isinstance(keyword.value, ast.Name):
            continue
        name = keyword.value.id
        scope = _scope_of(keyword, parent_of)
        if _is_parameter(scope, name):
            continue
        if (id(scope), name) not in known:
            stores = _stores(scope, name, parent_of, walk)
            if not stores and not isinstance(scope, ast.Module):  # a module-level name
                while not isinstance(scope, ast.Module):
                    scope = parent_of(scope)
                stores = _stores(scope, name, parent_of, walk)
            found = known[(id(scope), name)] = {}
            for node in stores:
                for key, spelled in _keys_put_by(node):
                    found.setdefault(key, spelled)
        if known[(id(scope), name)]:
            setattr(keyword, _ATTRIBUTE, known[(id(scope), name)])


def _scope_of(node: ast.AST, parent_of) -> ast.AST:
    while not isinstance(node, _SCOPES):
        node = parent_of(node)
    return node


def _is_parameter(scope: ast.AST, name: str) -> bool:
    if isinstance(scope, ast.Module):
        return False
    arguments = scope.args
    return any(arg.arg == name for arg in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs,
                                           arguments.vararg, arguments.kwarg) if arg is not None)


def _stores(scope: ast.AST, name: str, parent_of, walk) -> List[ast.AST]:
    """The assignments to `name`, and the statements and calls that add keys to it, in `scope` itself
    (not in the functions it defines)."""
    found = []
    for node in walk(scope):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            found.append(node)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == name:
            found.append(node)
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store) and _is_name(node.value, name):
            found.append(node)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and _is_name(node.func.value, name) \
                and node.func.attr in ("update", "setdefault"):
            found.append(node)
    return [node for node in found if _scope_of(parent_of(node), parent_of) is scope]


def _is_name(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _keys_put_by(node: ast.AST):
    """(key, the node spelling it) for the `prefix`/`params` keys that `node` puts into the mapping."""
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        yield from _literal_keys(node.value)
    elif isinstance(node, ast.Subscript):
        if isinstance(node.slice, ast.Constant) and node.slice.value in KEYS:
            yield node.slice.value, node.slice
    elif node.func.attr == "setdefault":
        if node.args and isinstance(node.args[0], ast.Constant) and node.args[0].value in KEYS:
            yield node.args[0].value, node.args[0]
    else:  # update
        for arg in node.args:
            yield from _literal_keys(arg)
        yield from ((k.arg, k) for k in node.keywords if k.arg in KEYS)


def _literal_keys(value: Optional[ast.AST]):
    if isinstance(value, ast.Dict):
        yield from ((key.value, key) for key in value.keys if isinstance(key, ast.Constant) and key.value in KEYS)
    elif isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "dict":
        yield from ((k.arg, k) for k in value.keywords if k.arg in KEYS)
