"""The string an expression always evaluates to, folded through constants of the file and the project.

Folds literals, `+`, `%`, `str.format`, f-strings and names bound once at module level, in this module
or, through its imports and the project index, in another (`C.LHUC_PREFIX + 'weight'` with
`LHUC_PREFIX = 'lhuc_'` in `constants.py` folds to `'lhuc_weight'`). Anything else (a function
argument, a call, a name bound twice) does not fold: the answer is None.
"""
from __future__ import annotations

import ast
from typing import Dict, Optional

from .module_source import parse_file
from .names import ImportTable

_MAX_DEPTH = 16


def module_constants(tree: ast.Module) -> Dict[str, ast.AST]:
    """{name: value} for the names the module binds exactly once, by a plain assignment at its top level."""
    values: Dict[str, ast.AST] = {}
    bound: Dict[str, int] = {}
    for statement in tree.body:
        names = []
        if isinstance(statement, ast.Assign):
            for target in statement.targets:
                names += [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]
            if len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
                values[statement.targets[0].id] = statement.value
        elif isinstance(statement, (ast.AugAssign, ast.AnnAssign)) and isinstance(statement.target, ast.Name):
            names.append(statement.target.id)
            if isinstance(statement, ast.AnnAssign) and statement.value is not None:
                values[statement.target.id] = statement.value
        elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(statement.name)
        elif isinstance(statement, (ast.Import, ast.ImportFrom)):
            names += [(a.asname or a.name).split(".")[0] for a in statement.names]
        else:  # a name bound under `if`/`for`/`try` may differ from one run to the next
            names += [n.id for n in ast.walk(statement) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)]
        for name in names:
            bound[name] = bound.get(name, 0) + 1
    return {name: value for name, value in values.items() if bound.get(name) == 1}


class Folder:
    """Folds expressions of one module (`tree`, its `imports`); `project` (a `ProjectIndex`) and
    `module` (its `ModuleInfo`) let names imported from the project's other modules fold too."""

    def __init__(self, tree: ast.Module, imports: ImportTable, project=None, module=None):
        self.imports = imports
        self.project = project
        self.module = module
        self.constants = module_constants(tree)
        self._others: Dict[str, Optional["Folder"]] = {}

    def fold(self, expr: ast.AST, depth: int = 0) -> Optional[str]:
        if depth > _MAX_DEPTH:
            return None
        if isinstance(expr, ast.Constant):
            return expr.value if isinstance(expr.value, str) else None
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
            left, right = self.fold(expr.left, depth + 1), self.fold(expr.right, depth + 1)
            return left + right if left is not None and right is not None else None
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mod):
            return self._percent(expr, depth)
        if isinstance(expr, ast.JoinedStr):
            return self._fstring(expr, depth)
        if isinstance(expr, ast.Call):
            return self._format(expr, depth)
        if isinstance(expr, ast.Name):
            value = self.constants.get(expr.id)
            if value is not None:
                return self.fold(value, depth + 1)
        if isinstance(expr, (ast.Name, ast.Attribute)):
            return self._imported(self.imports.qualify(expr), depth)
        return None

    def _percent(self, expr: ast.BinOp, depth: int) -> Optional[str]:
        template = self.fold(expr.left, depth + 1)
        items = expr.right.elts if isinstance(expr.right, ast.Tuple) else [expr.right]
        values = [self.fold(item, depth + 1) for item in items]
        if template is None or None in values:
            return None
        try:
            return template % tuple(values)
        except (TypeError, ValueError):
            return None

    def _fstring(self, expr: ast.JoinedStr, depth: int) -> Optional[str]:
        parts = []
        for part in expr.values:
            if isinstance(part, ast.FormattedValue):
                if part.format_spec is not None or part.conversion not in (-1, ord("s")):
                    return None
                part = part.value
            value = self.fold(part, depth + 1)
            if value is None:
                return None
            parts.append(value)
        return "".join(parts)

    def _format(self, call: ast.Call, depth: int) -> Optional[str]:
        if not (isinstance(call.func, ast.Attribute) and call.func.attr == "format"):
            return None
        template = self.fold(call.func.value, depth + 1)
        args = [self.fold(a, depth + 1) for a in call.args]
        kwargs = {k.arg: self.fold(k.value, depth + 1) for k in call.keywords}
        if template is None or None in args or None in kwargs or None in kwargs.values():
            return None
        try:
            return template.format(*args, **kwargs)
        except (IndexError, KeyError, ValueError, AttributeError):
            return None

    def _imported(self, qualified: Optional[str], depth: int) -> Optional[str]:
        """A constant of another module of the project (`pkg.constants.LHUC_PREFIX`)."""
        if not qualified or "." not in qualified or self.project is None:
            return None
        module_name, _, name = qualified.rpartition(".")
        other = self._folder_of(module_name)
        if other is None:
            return None
        value = other.constants.get(name)
        if value is not None:
            return other.fold(value, depth + 1)
        return other._imported(other.imports.names.get(name), depth + 1)  # a re-export

    def _folder_of(self, module_name: str) -> Optional["Folder"]:
        if module_name not in self._others:
            self._others[module_name] = None  # (a cycle of re-exports ends here)
            info = self.project.find_module(module_name, self.module)
            tree = parse_file(info.path) if info is not None else None
            if tree is not None:
                table = ImportTable(info.name, is_package=info.path.endswith("__init__.py"))
                for statement in tree.body:
                    if isinstance(statement, (ast.Import, ast.ImportFrom)):
                        table.add(statement)
                self._others[module_name] = Folder(tree, table, self.project, info)
        return self._others[module_name]
