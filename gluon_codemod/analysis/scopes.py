"""Which class definition a name stands for at a given place in a module, following Python's scoping.

Two test functions may each define a local `class Layer(HybridBlock)` with different signatures; a call
`Layer(1, False, True)` in the second binds the second's `__init__`, never the first's. The lookup walks
the lexical scopes from the innermost outwards (a class body is seen only by code directly in it, not
by its methods), and stops at the first scope that binds the name: to a class defined there, or to
something else (a parameter, an assignment, an import), in which case the name is not a class of the
file at that place.
"""
from __future__ import annotations

import ast
from typing import Dict, List, Optional, Set

_FUNCTION_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
_SCOPES = _FUNCTION_SCOPES + (ast.ClassDef, ast.Module)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda) + _COMPREHENSIONS


class _Scope:
    __slots__ = ("node", "classes", "bound", "assigned")

    def __init__(self, node: ast.AST):
        self.node = node
        self.classes: Dict[str, List[ast.ClassDef]] = {}
        self.bound: Set[str] = set()  # every name the scope binds, classes included
        self.assigned: Optional[Set[str]] = None  # names bound by assignment or import (on first need)


class Scopes:
    """The classes and other bindings of each scope of a module, built in one walk."""

    def __init__(self, tree: ast.Module, parent: Dict[int, ast.AST]):
        self._parent = parent
        self._scopes: Dict[int, _Scope] = {}
        self._build(tree)

    def _build(self, tree: ast.Module) -> None:
        todo = [(tree, self._scope(tree))]
        while todo:
            node, scope = todo.pop()
            for child in ast.iter_child_nodes(node):
                inner = scope
                if isinstance(child, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                    scope.bound.add(child.name)
                    if isinstance(child, ast.ClassDef):
                        scope.classes.setdefault(child.name, []).append(child)
                    inner = self._scope(child)
                    # decorators, bases and defaults belong to the enclosing scope
                    for outer in (*child.decorator_list, *getattr(child, "bases", ()),
                                  *getattr(child, "keywords", ())):
                        todo.append((outer, scope))
                    if not isinstance(child, ast.ClassDef):
                        self._bind_arguments(child.args, inner)
                        for default in (*child.args.defaults, *child.args.kw_defaults):
                            if default is not None:
                                todo.append((default, scope))
                    for statement in child.body:
                        todo.append((statement, inner))
                    continue
                if isinstance(child, ast.Lambda):
                    inner = self._scope(child)
                    self._bind_arguments(child.args, inner)
                    todo.append((child.body, inner))
                    continue
                if isinstance(child, _COMPREHENSIONS):
                    continue  # their targets are their own; nothing in them defines a class
                self._note_binding(child, scope)
                todo.append((child, scope))

    def _scope(self, node: ast.AST) -> _Scope:
        scope = self._scopes[id(node)] = _Scope(node)
        return scope

    @staticmethod
    def _bind_arguments(args: ast.arguments, scope: _Scope) -> None:
        for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg):
            if arg is not None:
                scope.bound.add(arg.arg)

    @staticmethod
    def _note_binding(node: ast.AST, scope: _Scope) -> None:
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            scope.bound.add(node.id)
        elif isinstance(node, ast.alias):
            scope.bound.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            scope.bound.add(node.name)

    def enclosing_scopes(self, node: ast.AST) -> List[ast.AST]:
        """The scopes whose names are visible at `node`, innermost first (classes only when `node` is
        directly in the class body)."""
        found = []
        crossed_function = False
        child, current = node, self._parent.get(id(node))
        while current is not None:
            if isinstance(current, _SCOPES) and self._inside_body(current, child):
                if isinstance(current, ast.ClassDef):
                    if not crossed_function:
                        found.append(current)
                else:
                    found.append(current)
                    crossed_function = crossed_function or isinstance(current, _FUNCTION_SCOPES)
            child, current = current, self._parent.get(id(current))
        return found

    @staticmethod
    def _inside_body(scope: ast.AST, child: ast.AST) -> bool:
        """Whether `child` (a direct child of `scope`) is evaluated in `scope`, not in the enclosing one."""
        if isinstance(scope, ast.Module):
            return True
        if isinstance(scope, ast.Lambda):
            return child is scope.body
        return child in scope.body

    def binding_scope(self, name: str, node: ast.AST) -> Optional[ast.AST]:
        """The innermost scope visible at `node` that binds `name` (None: a builtin or undefined)."""
        for scope_node in self.enclosing_scopes(node):
            scope = self._scopes.get(id(scope_node))
            if scope is not None and name in scope.bound:
                return scope_node
        return None

    def lookup(self, name: str, node: ast.AST) -> Optional[List[ast.ClassDef]]:
        """The class definitions `name` may stand for at `node`: a list (more than one when the scope
        defines it conditionally), or None when the nearest binding is not a class of this file."""
        for scope_node in self.enclosing_scopes(node):
            scope = self._scopes.get(id(scope_node))
            if scope is None or name not in scope.bound:
                continue
            classes = scope.classes.get(name)
            if classes and not self._rebound_otherwise(scope, name):
                return classes
            return None
        return None

    @staticmethod
    def _rebound_otherwise(scope: _Scope, name: str) -> bool:
        """`class X: ...` then `X = wrap(X)`: the name no longer stands for the definition alone."""
        if scope.assigned is None:
            assigned: Set[str] = set()
            todo = list(scope.node.body) if not isinstance(scope.node, ast.Lambda) else [scope.node.body]
            while todo:
                node = todo.pop()
                if isinstance(node, _NESTED):
                    continue
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                    assigned.add(node.id)
                elif isinstance(node, ast.alias):
                    assigned.add((node.asname or node.name).split(".")[0])
                todo.extend(ast.iter_child_nodes(node))
            scope.assigned = assigned
        return name in scope.assigned

    def scope_of(self, cls: ast.ClassDef) -> ast.AST:
        """The scope node that defines `cls` (the module, a function, or a class body)."""
        current = self._parent.get(id(cls))
        while current is not None and not isinstance(current, _SCOPES):
            current = self._parent.get(id(current))
        return current

    def qualname(self, cls: ast.ClassDef) -> str:
        """`Outer.Inner`, `test_a.<locals>.Layer`: the class's `__qualname__`."""
        parts = [cls.name]
        scope = self.scope_of(cls)
        while scope is not None and not isinstance(scope, ast.Module):
            if isinstance(scope, ast.ClassDef):
                parts.append(scope.name)
            else:
                parts.append("<locals>")
                parts.append(getattr(scope, "name", "<lambda>"))
            scope = self.scope_of(scope)
        return ".".join(reversed(parts))
