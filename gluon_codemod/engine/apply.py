"""Application: every planned edit applied in one libcst traversal, and the imports the edits need."""
from __future__ import annotations

import bisect
from typing import Dict, List, Optional, Sequence, Tuple

import libcst as cst
from libcst.metadata import PositionProvider

from .rule import CannotFix, Edit, FixContext

# libcst's position of these leaves out part of what they hold (a parameter's annotation and default, a
# definition's decorators): they are entered whenever their parent is, and their children decide.
_PARTIAL_POSITIONS = (cst.Param, cst.FunctionDef, cst.ClassDef)


class Fixer(cst.CSTTransformer):
    """Applies every planned edit in one libcst traversal, matching nodes by type and span."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, edits: Sequence[Edit], fix_context: FixContext):
        super().__init__()
        self.fix_context = fix_context
        #: (libcst class name, span) -> the edits of that node
        self.pending: Dict[Tuple[str, int, int, int, int], List[Edit]] = {}
        for edit in edits:
            self.pending.setdefault((edit.target,) + tuple(edit.span), []).append(edit)
        self.types = {key[0] for key in self.pending}
        self.applied: set = set()
        self.refused: Dict[int, str] = {}
        #: Positions of the nodes being transformed, when they come from `_transform_statements`.
        self.positions: Optional[Dict[cst.CSTNode, Tuple[int, int, int, int]]] = None
        self.starts = sorted(tuple(edit.span[:2]) for edit in edits)

    def on_visit(self, node) -> bool:
        # With positions at hand, a subtree where no edit starts is left as it is, unvisited: an edited
        # node starts inside every node that encloses it (and a carried comment belongs to a block that
        # holds the edit that carried it).
        if self.positions is None:
            return super().on_visit(node)
        where = self.positions.get(node)
        if where is None:
            return False  # the header of a class or function whose body statements hold the edits
        if isinstance(node, _PARTIAL_POSITIONS):
            return True
        line, column, end_line, end_column = where
        index = bisect.bisect_left(self.starts, (line, column))
        return index < len(self.starts) and self.starts[index] <= (end_line, end_column)

    def on_leave(self, original_node, updated_node):
        if self.fix_context.carried and isinstance(updated_node, (cst.IndentedBlock, cst.Module)):
            updated_node = self.place_carried(updated_node)
        kind = type(original_node).__name__
        if kind not in self.types:
            return updated_node
        if self.positions is not None:
            where = self.positions.get(original_node)
            if where is None:
                return updated_node
            key = (kind,) + where
        else:
            pos = self.get_metadata(PositionProvider, original_node)
            key = (kind, pos.start.line, pos.start.column, pos.end.line, pos.end.column)
        for edit in self.pending.get(key, ()):
            if not isinstance(updated_node, cst.CSTNode):
                break  # an earlier edit removed or flattened the node
            try:
                updated_node = edit.apply(updated_node, self.fix_context)
            except CannotFix as reason:
                self.refused[id(edit)] = str(reason)
                continue
            self.applied.add(id(edit))
        return updated_node

    def place_carried(self, block):
        body = list(block.body)
        carried = self.fix_context.carried
        footer = list(block.footer)
        changed = False
        for index, statement in enumerate(body):
            lines = carried.pop(id(statement), None)
            if not lines:
                continue
            changed = True
            if index + 1 < len(body):
                follower = body[index + 1]
                body[index + 1] = follower.with_changes(leading_lines=list(lines) + list(follower.leading_lines))
            else:
                footer = list(lines) + footer
        return block.with_changes(body=body, footer=footer) if changed else block


def add_imports(module: cst.Module, imports) -> cst.Module:
    # imported here: libcst.codemod costs half a second to import, and few files need an import added
    from libcst.codemod import CodemodContext
    from libcst.codemod.visitors import AddImportsVisitor, ImportItem

    context = CodemodContext()
    items = [ImportItem(module_name, obj_name=name, alias=alias) for module_name, name, alias in imports]
    # The visitor reads and changes the module's leading docstring and imports only, and the statement after
    # them (a blank line before it): it is given those, as its traversal and its copy of a whole module cost
    # far more than the edit.
    end = _after_leading_imports(module.body)
    head = AddImportsVisitor(context, items).transform_module(module.with_changes(body=module.body[:end]))
    return head.with_changes(body=list(head.body) + list(module.body[end:]))


def _after_leading_imports(body) -> int:
    """The number of statements up to and including the first one after the module's first statement that
    is not a line of one import."""
    for index, statement in enumerate(body):
        if index and not (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1
                          and isinstance(statement.body[0], (cst.Import, cst.ImportFrom))):
            return index + 1
    return len(body)
