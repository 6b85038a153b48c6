"""Position narrowing: the edits' statements alone get libcst positions and are transformed.

Node positions cost a code generation pass over the code they cover, and most of a file holds no edit;
`transform_statements` lines libcst's statements up with the `ast` ones and works on those that hold one.
"""
from __future__ import annotations

import ast
import bisect
from typing import Dict, List, Optional, Sequence, Tuple

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from .apply import Fixer
from .rule import Edit


def transform_statements(module: cst.Module, tree: ast.Module, edits: Sequence[Edit],
                         fixer: Fixer) -> Optional[cst.Module]:
    """Apply `fixer` to the top-level statements that hold an edit only, or return None if it cannot.

    Node positions cost a code generation pass over the code they cover, and the transform another
    traversal; most of a file needs neither. Each statement of `module.body` is lined up with the `ast`
    statements it holds (a simple statement line holds one per `;`-separated statement); a statement
    that holds an edit gets its positions computed on its own (they only shift by whole lines: a
    top-level statement starts at column 0), checked against the `ast` lines of its first and last
    statement, and is transformed alone. In a class or function whose edits all lie in statements of its
    body (a model class's `__init__`), only those statements get positions, and so on inward
    (`_narrowed`). Anything that does not line up returns None.
    """
    groups = _line_up(module.body, tree.body)
    if groups is None:
        return None
    affected = _holding(groups, [edit.span for edit in edits])
    if affected is None:
        return None  # not inside a statement (the module itself?): let the whole-tree pass decide
    positions: Dict[cst.CSTNode, Tuple[int, int, int, int]] = {}
    for index, held in affected.items():
        leaves: List[Tuple[cst.CSTNode, List[ast.stmt]]] = []
        narrowed = _narrowed(module.body[index], groups[index], held, positions, leaves)
        found = _positions_alone(narrowed, module)
        if not all(_add_shifted(positions, found, leaf, group) for leaf, group in leaves):
            return None
    fixer.positions = positions
    body: List[cst.CSTNode] = []
    for index, statement in enumerate(module.body):
        if index not in affected:
            body.append(statement)
            continue
        result = statement.visit(fixer)
        if isinstance(result, cst.FlattenSentinel):
            body.extend(result.nodes)
        elif isinstance(result, cst.CSTNode):
            body.append(result)
    new_module = module.with_changes(body=body)
    # What the whole-tree pass does on leaving the module: comments carried past a top-level statement.
    return fixer.place_carried(new_module) if fixer.fix_context.carried else new_module


def _line_up(statements: Sequence[cst.CSTNode], body: List[ast.stmt]) -> Optional[List[List[ast.stmt]]]:
    """The `ast` statements each libcst statement holds, or None if they do not line up."""
    groups: List[List[ast.stmt]] = []
    taken = 0
    for statement in statements:
        count = len(statement.body) if isinstance(statement, cst.SimpleStatementLine) else 1
        group = body[taken:taken + count]
        if len(group) != count:
            return None
        groups.append(group)
        taken += count
    return groups if taken == len(body) else None


def _holding(groups: List[List[ast.stmt]], spans) -> Optional[Dict[int, list]]:
    """Index of the statement group that holds each span -> those spans; None if one is outside all."""
    starts = [_first_line(group[0]) for group in groups]
    held: Dict[int, list] = {}
    for span in spans:
        index = bisect.bisect_right(starts, span[0]) - 1
        if index < 0 or span[0] > groups[index][-1].end_lineno:
            return None
        held.setdefault(index, []).append(span)
    return held


def _narrowed(statement: cst.CSTNode, group: List[ast.stmt], spans, positions, leaves) -> cst.CSTNode:
    """`statement` cut down to what its positions are needed for: in a class or function whose edits all
    start in statements of its body (a model class's `__init__`, the statements of `__init__` that hold
    an edit), only those statements, narrowed in turn. The statements kept whole go to `leaves`; the
    enclosing ones, their blocks and the statements left out get their `ast` spans, enough to decide
    where to descend (their headers get no positions, and are not visited)."""
    inner = _inner_statements(statement, group, spans)
    if inner is None:
        leaves.append((statement, group))
        return statement
    body_groups, held = inner
    statements = statement.body.body
    kept = [_narrowed(statements[i], body_groups[i], held[i], positions, leaves) for i in sorted(held)]
    positions[statement] = positions[statement.body] = _group_span(group)
    for i, body_statement in enumerate(statements):
        if i not in held:
            positions[body_statement] = _group_span(body_groups[i])
    return statement.with_changes(body=statement.body.with_changes(body=kept))


# Statements whose body's statements are narrowed in turn (see `_narrowed`). libcst's position of a `with`,
# `for`, `while` or `if` is the `ast` span of the statement; a class's or function's is not (it leaves the
# decorators out), but those are entered whenever their parent is (`apply._PARTIAL_POSITIONS`).
_NARROWED = (cst.ClassDef, cst.FunctionDef, cst.With, cst.For, cst.While, cst.If)


def _inner_statements(statement: cst.CSTNode, group: List[ast.stmt], spans):
    """For a class, function, `with`, or `for`/`while`/`if` without `else`, whose edits all start in
    statements of its (indented) body: the body's statement groups and the indices holding edits;
    otherwise None. A `with` may itself be edited too (`with self.name_scope():` unwrapped): an edit spans
    the same as the statement's node only, and the statement's position is its `ast` span."""
    if not isinstance(statement, _NARROWED) or not isinstance(statement.body, cst.IndentedBlock) \
            or getattr(statement, "orelse", None) is not None:
        return None
    if isinstance(statement, cst.With):
        own = _group_span(group)
        # (with only the `with` itself edited, none is left: its body's statements get no positions at all)
        spans = [span for span in spans if tuple(span) != own]
    groups = _line_up(statement.body.body, group[0].body)
    if not groups:
        return None
    held = _holding(groups, spans)
    first = groups[0][0]
    if held is None or any(span[:2] < (first.lineno, 0) for span in spans):
        return None  # an edit of the header (a decorator, a base class, a parameter, a `with` item)
    return groups, held


def _positions_alone(statement: cst.CSTNode, module: cst.Module):
    alone = cst.Module(body=[statement], default_indent=module.default_indent,
                       default_newline=module.default_newline, encoding=module.encoding)
    return MetadataWrapper(alone, unsafe_skip_copy=True).resolve(PositionProvider)


def _add_shifted(positions, found, statement: cst.CSTNode, group: List[ast.stmt]) -> bool:
    """Positions of `statement`'s subtree, moved by whole lines to where the `ast` statements are; False
    if its first and last statements do not land on their `ast` lines and column."""
    first, last = (statement.body[0], statement.body[-1]) if isinstance(
        statement, cst.SimpleStatementLine) else (statement, statement)
    shift = group[0].lineno - found[first].start.line
    if found[first].start.column != group[0].col_offset or found[last].end.line + shift != group[-1].end_lineno:
        return False
    for node in _subtree(statement):
        where = found[node]
        positions[node] = (where.start.line + shift, where.start.column, where.end.line + shift,
                           where.end.column)
    return True


def _subtree(node: cst.CSTNode):
    todo = [node]
    while todo:
        node = todo.pop()
        yield node
        todo.extend(node.children)


def _first_line(statement: ast.stmt) -> int:
    """A statement's first line, its decorators included."""
    return min([statement.lineno] + [d.lineno for d in getattr(statement, "decorator_list", ())])


def _group_span(group: List[ast.stmt]) -> Tuple[int, int, int, int]:
    first = group[0]
    line = _first_line(first)
    return (line, 0 if line < first.lineno else first.col_offset, group[-1].end_lineno, group[-1].end_col_offset)
