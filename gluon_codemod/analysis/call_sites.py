"""What every caller passes for a parameter of a module-level function, across the project.

A rule that meets a function parameter (`def freeze(params): for n in params: ...`) may treat it as the
value its callers give it only when it sees every caller: each reference to the function, in its own
module and in every module of the project that imports it (also through a package's re-export), is a
call, and each call binds the parameter to an argument it can read. A reference that is not a call
(the function handed on as a value, stored, decorated) means callers it cannot see: no answer then.
"""
from __future__ import annotations

import ast
from typing import Callable, Iterator, List, Optional

from .module_source import parse_file


def arguments_of(function: ast.FunctionDef, parameter: str, tree: ast.Module, index=None,
                 module=None) -> Optional[List[ast.AST]]:
    """The argument each call of module-level `function` (of `tree`, the module `module` of the project
    `index`) passes for `parameter`, paired with its module tree as `(tree, argument)`; None when a
    caller may be missed or a call does not bind the parameter to an argument (a default, `*args`,
    `**kwargs`). Without a project index, callers in other modules cannot be known: None."""
    if index is None or module is None or function not in getattr(tree, "body", ()):
        return None
    found: List = []
    own = _references(tree, lambda node: isinstance(node, ast.Name) and node.id == function.name)
    if not _collect(own, function, parameter, tree, found):
        return None
    key = f"{module.name}:{function.name}"
    for other in index.modules.values():
        if other is module:
            continue
        names = {bound for bound, qualified in other.imports.items()
                 if _is_function(index, qualified, other, key)}
        modules = {bound for bound, qualified in other.imports.items()
                   if index.find_module(qualified, other) is module}
        stars = any(index.find_module(star, other) is module for star in other.star_imports)
        if not (names or modules or stars):
            continue
        other_tree = parse_file(other.path)
        if other_tree is None:
            return None
        if stars:
            names.add(function.name)
        refs = _references(other_tree, lambda node, names=names, modules=modules: (
            (isinstance(node, ast.Name) and node.id in names) or (
                isinstance(node, ast.Attribute) and node.attr == function.name
                and isinstance(node.value, ast.Name) and node.value.id in modules)))
        if not _collect(refs, function, parameter, other_tree, found):
            return None
    return found or None


def _is_function(index, qualified: str, importer, key: str) -> bool:
    resolved = index.resolve_function(qualified, importer)
    return resolved is not None and resolved[0] == key


def _references(tree: ast.Module, matches: Callable[[ast.AST], bool]) -> Iterator:
    """(node, parent) of each loaded reference `matches` accepts."""
    for parent in ast.walk(tree):
        for node in ast.iter_child_nodes(parent):
            if matches(node) and isinstance(getattr(node, "ctx", None), ast.Load):
                yield node, parent


def _collect(references, function: ast.FunctionDef, parameter: str, tree: ast.Module, found: list) -> bool:
    for node, parent in references:
        if not (isinstance(parent, ast.Call) and parent.func is node):
            return False  # used as a value: its calls cannot be followed
        argument = _argument(parent, function, parameter)
        if argument is None:
            return False
        found.append((tree, argument))
    return True


def _argument(call: ast.Call, function: ast.FunctionDef, parameter: str) -> Optional[ast.AST]:
    args = function.args
    positional = [a.arg for a in args.posonlyargs + args.args]
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        return None  # `*args`/`**kwargs`: which argument lands there is not written
    if parameter in positional and positional.index(parameter) < len(call.args):
        return call.args[positional.index(parameter)]
    if parameter in positional[:len(args.posonlyargs)]:
        return None
    return next((k.value for k in call.keywords if k.arg == parameter), None)


def bound_only_to(tree: ast.Module, call_argument: ast.AST, accepts: Callable[[ast.AST], bool]) -> bool:
    """Whether `call_argument` is a value `accepts`, or a name its scope binds only to such values."""
    if accepts(call_argument):
        return True
    if not isinstance(call_argument, ast.Name):
        return False
    scope = _scope_of(tree, call_argument)
    stores = [n for n in ast.walk(scope) if isinstance(n, ast.Name) and n.id == call_argument.id
              and not isinstance(n.ctx, ast.Load)]
    if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)) and call_argument.id in [
            a.arg for a in scope.args.posonlyargs + scope.args.args + scope.args.kwonlyargs]:
        return False  # a parameter of the caller: what its own callers pass is not followed
    values = []
    for node in ast.walk(scope):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                and node.targets[0].id == call_argument.id:
            values.append(node.value)
    return bool(stores) and len(values) == len(stores) and all(accepts(v) for v in values)


def _scope_of(tree: ast.Module, node: ast.AST) -> ast.AST:
    """The innermost function around `node` in `tree`, else the module."""
    found: ast.AST = tree
    for candidate in ast.walk(tree):  # breadth first: an enclosing function comes before the ones it holds
        if isinstance(candidate, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) \
                and any(n is node for n in ast.walk(candidate)):
            found = candidate
    return found
