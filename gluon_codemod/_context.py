"""Per-file knowledge the rules share: imports, which classes and variables are Blocks, where we are."""
from __future__ import annotations

import ast
import re
from typing import Dict, List, Optional, Set

from ._names import ImportTable, dotted, is_gluon, is_gluon_block_class

_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.IGNORECASE)


class FileContext:
    """State of the single `ast` traversal, handed to every rule's `visit_*` method."""

    def __init__(self, tree: ast.Module, lines: List[str], module_name: Optional[str] = None):
        self.lines = lines
        self.imports = ImportTable(module_name)
        self.block_classes: Set[str] = set()
        self.block_vars: Set[str] = set()
        # Innermost last; the traversal pushes and pops these.
        self.class_stack: List[ast.ClassDef] = []
        self.function_stack: List[ast.AST] = []
        self.parents: List[ast.AST] = []
        self._prescan(tree.body)

    # -- what is a Block --------------------------------------------------------------------
    def _prescan(self, body: list) -> None:
        """Collect module-level imports and classes first: a class may be used above its definition."""
        for node in body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                self.imports.add(node)
            elif isinstance(node, (ast.If, ast.Try)):
                self._prescan(node.body)
                self._prescan(getattr(node, "orelse", []))
                for handler in getattr(node, "handlers", []):
                    self._prescan(handler.body)
        classes = [n for n in ast.walk(ast.Module(body=body, type_ignores=[])) if isinstance(n, ast.ClassDef)]
        changed = True
        while changed:  # a class deriving from a Block of the same file is a Block, at any depth
            changed = False
            for cls in classes:
                if cls.name not in self.block_classes and self._looks_like_block(cls):
                    self.block_classes.add(cls.name)
                    changed = True

    def _looks_like_block(self, cls: ast.ClassDef) -> bool:
        if any(self.is_block_class_expr(base) for base in cls.bases):
            return True
        # A class deriving from an unresolvable base (imported from a sibling module) that defines
        # `hybrid_forward` is a Gluon block all the same.
        return any(isinstance(n, ast.FunctionDef) and n.name == "hybrid_forward" for n in cls.body)

    def is_block_class_expr(self, expr: ast.AST) -> bool:
        if isinstance(expr, ast.Name) and expr.id in self.block_classes:
            return True
        return is_gluon_block_class(self.imports.qualify(expr))

    def is_block_constructor(self, call: ast.AST) -> bool:
        return isinstance(call, ast.Call) and self.is_block_class_expr(call.func)

    def is_block_expr(self, expr: ast.AST) -> bool:
        """Whether `expr` evaluates to a Block, as far as this file tells."""
        if self.is_block_constructor(expr):
            return True
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "share_parameters":
            return self.is_block_expr(expr.func.value)
        if isinstance(expr, ast.Subscript):  # `net[0]` of a Sequential
            return self.is_block_expr(expr.value)
        name = dotted(expr)
        if name is None:
            return False
        if name == "self" or name.startswith("self."):
            if name == "self":
                return self.in_block_class
            return name in self.block_vars
        return name in self.block_vars

    def is_foreign(self, expr: ast.AST) -> bool:
        """Rooted at an import that is not MXNet (`tf.name_scope()`, `tempfile.mkdtemp`)."""
        name = dotted(expr)
        if name is None:
            return False
        qualified = self.imports.qualify_dotted(name)
        return qualified is not None and not (is_gluon(qualified) or qualified.split(".")[0] == "mxnet")

    @property
    def in_block_class(self) -> bool:
        return bool(self.class_stack) and self.class_stack[-1].name in self.block_classes

    @property
    def current_function(self) -> Optional[ast.AST]:
        return self.function_stack[-1] if self.function_stack else None

    def note_assignment(self, node: ast.AST) -> None:
        """`net = nn.HybridSequential()` / `self.features = Foo(...)`: remember Block variables."""
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        value = node.value
        if value is None:
            return
        is_block = self.is_block_expr(value)
        for target in targets:
            name = dotted(target)
            if name is None:
                continue
            if is_block:
                self.block_vars.add(name)
            else:
                self.block_vars.discard(name)

    # -- noqa ---------------------------------------------------------------------------------
    def suppressed(self, line: int, code: str) -> bool:
        if not 1 <= line <= len(self.lines):
            return False
        text = self.lines[line - 1]
        if "#" not in text:
            return False
        match = _NOQA.search(text)
        if not match:
            return False
        codes = match.group("codes")
        if not codes:
            return True
        return any(code.startswith(c.upper()) for c in re.split(r"[,\s]+", codes) if c)
