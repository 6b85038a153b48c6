"""Small libcst helpers shared by the rules' edits: comment-safe removals and comment carrying."""
from __future__ import annotations

from typing import Callable, List, Sequence

import libcst as cst

from ._rule import CannotFix


class _CommentFinder(cst.CSTVisitor):
    def __init__(self):
        self.found = False

    def visit_Comment(self, node: cst.Comment) -> bool:
        self.found = True
        return False


def has_comment(node: cst.CSTNode) -> bool:
    finder = _CommentFinder()
    node.visit(finder)
    return finder.found


def remove_args(call: cst.Call, drop: Callable[[int, cst.Arg], bool]) -> cst.Call:
    """Remove the arguments `drop` selects, keeping the commas, line breaks and comments of the rest.

    A removed argument's comma (with the comment and line break after it) replaces the comma of the
    argument kept before it, so `f(a,\\n  prefix='x',  # c\\n  b)` becomes `f(a,  # c\\n  b)`.
    """
    kept: List[cst.Arg] = []
    for index, arg in enumerate(call.args):
        if not drop(index, arg):
            kept.append(arg)
            continue
        if has_comment(arg.with_changes(comma=cst.MaybeSentinel.DEFAULT)):
            raise CannotFix("a comment inside the argument would be lost")
        if kept:
            kept[-1] = kept[-1].with_changes(comma=arg.comma)
        elif isinstance(arg.comma, cst.Comma) and has_comment(arg.comma):
            raise CannotFix("a comment after the argument would be lost")
    return call.with_changes(args=kept)


def comment_lines(whitespace: cst.TrailingWhitespace) -> List[cst.EmptyLine]:
    """The comment at the end of a removed header line, as a line of its own."""
    if whitespace.comment is None:
        return []
    return [cst.EmptyLine(indent=True, whitespace=cst.SimpleWhitespace(""), comment=whitespace.comment)]


def with_leading_lines(statement: cst.CSTNode, lines: Sequence[cst.EmptyLine]) -> cst.CSTNode:
    if not lines:
        return statement
    return statement.with_changes(leading_lines=list(lines) + list(statement.leading_lines))
