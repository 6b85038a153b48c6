"""Which `prefix`/`params` keys a `**name` argument may carry, when `name` is filled in the call's own scope.

`cfg = dict(prefix='e_'); Head(4, **cfg)` passes `prefix` as surely as `Head(4, prefix='e_')`; so do
`cfg['prefix'] = ...`, `cfg.update(prefix=...)` and `cfg.setdefault('prefix', ...)` anywhere in that scope.
The keys found are noted on the call's `**` keyword (`carried_keys`), where the call resolution reads
them as it reads a literal `**{'prefix': ...}`: a signature keeps a parameter such a call passes, and
the call is reported. A mapping filled elsewhere (a parameter, an attribute, a call's result) is
opaque: its keys cannot be read (`keys_known`), and GLN002 says so where this run removes a parameter
from the callable it is given to.
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
    found = getattr(keyword, _ATTRIBUTE, None)
    return found[0] if found else {}


def keys_known(keyword: ast.keyword) -> bool:
    """Whether every key of the mapping `keyword` unpacks can be read: a literal `**{...}`/`**dict(...)`,
    or a name of the call's scope filled only by literals and constant keys there."""
    if _is_mapping_literal(keyword.value):
        return _readable(keyword.value)
    found = getattr(keyword, _ATTRIBUTE, None)
    return bool(found and found[1])


def _is_mapping_literal(value: Optional[ast.AST]) -> bool:
    """`{...}` or `dict(...)`."""
    return isinstance(value, ast.Dict) or (
        isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "dict")


def _readable(literal: ast.AST) -> bool:
    """Whether every key of the mapping literal `literal` (see `_is_mapping_literal`) can be read: constant
    keys, keywords without `**` or positional arguments."""
    if isinstance(literal, ast.Dict):
        return all(isinstance(key, ast.Constant) for key in literal.keys)
    return not literal.args and all(k.arg is not None for k in literal.keywords)


def note_carried_keys(source: str, tree: ast.Module, nodes_of: Callable[[type], List[ast.AST]],
                      parent_of: Callable[[ast.AST], Optional[ast.AST]]) -> None:
    """Note on each `**name` keyword of the module `tree` (`nodes_of(kind)`: its nodes of a kind) the
    `prefix`/`params` keys its mapping is given in the call's scope (or, for a module-level name, in the
    module), and whether all its keys are. Once per tree: a project's kept tree is analysed several times."""
    if "**" not in source or getattr(tree, _ATTRIBUTE, False):
        return
    setattr(tree, _ATTRIBUTE, True)
    # (without the words, no key of theirs is put anywhere: only whether a local mapping's keys are known matters)
    named = any(key in source for key in KEYS)
    stores = _stores(nodes_of)
    known: Dict[tuple, tuple] = {}  # (id of the call's scope, name) -> (keys, whether all its keys are read)
    for keyword in nodes_of(ast.keyword):
        # (most `**name` are a function's `**kwargs`, never filled anywhere in the module)
        if keyword.arg is not None or not isinstance(keyword.value, ast.Name) or keyword.value.id not in stores:
            continue
        name = keyword.value.id
        scope = _scope_of(keyword, parent_of)
        if not named and _is_parameter(scope, name):
            continue
        if (id(scope), name) not in known:
            known[(id(scope), name)] = _keys_of(scope, name, stores[name], parent_of)
        if known[(id(scope), name)] != ({}, False):
            setattr(keyword, _ATTRIBUTE, known[(id(scope), name)])


def _stores(nodes_of) -> Dict[str, List[ast.AST]]:
    """name -> the assignments to it, and the statements and calls that add keys to it, in the module."""
    found: Dict[str, List[ast.AST]] = {}
    for node in nodes_of(ast.Assign):
        for target in node.targets:
            if isinstance(target, ast.Name):
                found.setdefault(target.id, []).append(node)
    for node in nodes_of(ast.AnnAssign):
        if isinstance(node.target, ast.Name):
            found.setdefault(node.target.id, []).append(node)
    for node in nodes_of(ast.Subscript):
        if isinstance(node.ctx, ast.Store) and isinstance(node.value, ast.Name):
            found.setdefault(node.value.id, []).append(node)
    for node in nodes_of(ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in ("update", "setdefault") and isinstance(
                func.value, ast.Name):
            found.setdefault(func.value.id, []).append(node)
    return found


def _keys_of(scope: ast.AST, name: str, stores: List[ast.AST], parent_of) -> tuple:
    """(the `prefix`/`params` keys put into the mapping `name` of `scope`, whether its keys are all known).
    A parameter comes with keys of its caller's: unknown, though what the function adds is known."""
    parameter = _is_parameter(scope, name)
    mine = [node for node in stores if _scope_of(parent_of(node), parent_of) is scope]
    if not mine and not parameter and not isinstance(scope, ast.Module):  # a module-level name
        mine = [node for node in stores if isinstance(_scope_of(parent_of(node), parent_of), ast.Module)]
    found: Dict[str, ast.AST] = {}
    for node in mine:
        for key, spelled in _keys_put_by(node):
            found.setdefault(key, spelled)
    return found, bool(mine) and not parameter and all(_literal(node) for node in mine)


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


def _literal(store: ast.AST) -> bool:
    """Whether `store` puts only keys that can be read (a literal bound, a constant key set)."""
    if isinstance(store, (ast.Assign, ast.AnnAssign)):
        return _is_mapping_literal(store.value) and _readable(store.value)
    if isinstance(store, ast.Subscript):
        return isinstance(store.slice, ast.Constant)
    if store.func.attr == "setdefault":
        return bool(store.args) and isinstance(store.args[0], ast.Constant)
    return not store.args and all(k.arg is not None for k in store.keywords)  # update(a=...)


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
