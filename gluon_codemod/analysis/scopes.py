"""Which class definition a name stands for at a given place in a module, following Python's scoping.

Two test functions may each define a local `class Layer(HybridBlock)` with different signatures; a call
`Layer(1, False, True)` in the second binds the second's `__init__`, never the first's. The lookup walks
the lexical scopes from the innermost outwards (a class body is seen only by code directly in it, not
by its methods), and stops at the first scope that binds the name: to a class defined there, or to
something else (a parameter, an assignment, an import), in which case the name is not a class of the
file at that place.

Only names that some class of the module is called matter, so only their bindings are collected: the
parent links of the file's index place each one in its scope without walking the tree again.
"""
from __future__ import annotations

import ast
from typing import Callable, Dict, List, Optional, Set

_FUNCTION_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
_SCOPES = _FUNCTION_SCOPES + (ast.ClassDef, ast.Module)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


class Scopes:
    """The class definitions, and the other bindings of the same names, of each scope of a module."""

    def __init__(self, tree: ast.Module, parent: Dict[int, ast.AST],
                 nodes_of: Optional[Callable[[type], List[ast.AST]]] = None):
        self._tree = tree
        self._parent = parent
        if nodes_of is None:
            everything = list(ast.walk(tree))

            def nodes_of(kind):
                return [node for node in everything if type(node) is kind]
        self._classes: Dict[int, Dict[str, List[ast.ClassDef]]] = {}  # scope id -> name -> definitions
        self._others: Dict[int, Set[str]] = {}  # scope id -> names bound otherwise (parameter, assignment...)
        classes = nodes_of(ast.ClassDef)
        names = {cls.name for cls in classes}
        for cls in classes:
            self._classes.setdefault(id(self.scope_of(cls)), {}).setdefault(cls.name, []).append(cls)
        if names:
            self._collect_other_bindings(names, nodes_of)

    def _collect_other_bindings(self, names: Set[str], nodes_of) -> None:
        def bind(name: str, scope: Optional[ast.AST]) -> None:
            if scope is not None:
                self._others.setdefault(id(scope), set()).add(name)

        for node in nodes_of(ast.Name):
            if node.id in names and isinstance(node.ctx, (ast.Store, ast.Del)):
                bind(node.id, self._binding_scope_of(node))
        for node in nodes_of(ast.arg):
            if node.arg in names:
                arguments = self._parent.get(id(node))
                bind(node.arg, self._parent.get(id(arguments)))  # the function (or lambda) that takes it
        for node in nodes_of(ast.alias):
            bound = (node.asname or node.name).split(".")[0]
            if bound in names:
                bind(bound, self._binding_scope_of(node))
        for kind in (ast.FunctionDef, ast.AsyncFunctionDef):
            for node in nodes_of(kind):
                if node.name in names:
                    bind(node.name, self.scope_of(node))
        for node in nodes_of(ast.ExceptHandler):
            if node.name in names:
                bind(node.name, self._binding_scope_of(node))

    def _binding_scope_of(self, node: ast.AST) -> Optional[ast.AST]:
        """The scope a name bound at `node` belongs to (None inside a comprehension, which has its own)."""
        child, current = node, self._parent.get(id(node))
        while current is not None:
            if isinstance(current, _COMPREHENSIONS):
                return None
            if isinstance(current, _SCOPES) and self._inside_body(current, child):
                return current
            child, current = current, self._parent.get(id(current))
        return self._tree

    def scope_of(self, node: ast.AST) -> ast.AST:
        """The scope in which a class or function definition binds its name."""
        child, current = node, self._parent.get(id(node))
        while current is not None:
            if isinstance(current, _SCOPES) and self._inside_body(current, child):
                return current
            child, current = current, self._parent.get(id(current))
        return self._tree

    @staticmethod
    def _inside_body(scope: ast.AST, child: ast.AST) -> bool:
        """Whether `child` (a direct child of `scope`) is evaluated in `scope`, not in the enclosing one."""
        if isinstance(scope, ast.Module):
            return True
        if isinstance(scope, ast.Lambda):
            return child is scope.body
        return child in scope.body

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
        if not found or found[-1] is not self._tree:
            found.append(self._tree)
        return found

    def binding_scope(self, name: str, node: ast.AST) -> Optional[ast.AST]:
        """The innermost scope visible at `node` that binds `name` as a class or otherwise; the module
        for names no scope binds as a class and no function binds otherwise (module-level functions,
        imports: their own tables tell)."""
        for scope in self.enclosing_scopes(node):
            if name in self._classes.get(id(scope), ()) or name in self._others.get(id(scope), ()):
                return scope
        return self._tree

    def lookup(self, name: str, node: ast.AST) -> Optional[List[ast.ClassDef]]:
        """The class definitions `name` may stand for at `node`: a list (more than one when the scope
        defines it conditionally), or None when the nearest binding is not a class of this file (or the
        scope also binds the name otherwise: `class X: ...` then `X = wrap(X)`)."""
        for scope in self.enclosing_scopes(node):
            classes = self._classes.get(id(scope), {}).get(name)
            others = name in self._others.get(id(scope), ())
            if classes:
                return None if others else classes
            if others:
                return None
        return None

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
