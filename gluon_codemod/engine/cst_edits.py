"""Small libcst helpers shared by the rules' edits: comment-safe removals and comment carrying."""
from __future__ import annotations

from typing import Callable, List, Sequence, Tuple, TypeVar, Union

from .libcst_on_demand import cst, extends
from .rule import CannotFix

_Listed = TypeVar("_Listed", bound="Union[cst.Arg, cst.Param, cst.WithItem]")


@extends("CSTVisitor")
class _CommentFinder:
    def __init__(self):
        self.found = False

    def visit_Comment(self, node: cst.Comment) -> bool:
        self.found = True
        return False


def has_comment(node: cst.CSTNode) -> bool:
    finder = _CommentFinder()
    node.visit(finder)
    return finder.found


def _commented(comma) -> bool:
    return isinstance(comma, cst.Comma) and has_comment(comma)


def remove_items(items: Sequence[_Listed], drop: Callable[[int, _Listed], bool], what: str) -> List[_Listed]:
    """The comma-separated `items` less those `drop` selects, keeping every comment of the rest.

    A removed item's comma (with the comment and line break after it) replaces the comma of the item kept
    before it, unless that comma carries a comment itself: then it stays (the result may end in a trailing
    comma, which calls, signatures and `with` items accept). A comment that would go with a removed item
    raises `CannotFix` (`what` names the item in its message).
    """
    kept: List[_Listed] = []
    for index, item in enumerate(items):
        if not drop(index, item):
            kept.append(item)
            continue
        if has_comment(item.with_changes(comma=cst.MaybeSentinel.DEFAULT)):
            raise CannotFix(f"a comment inside the {what} would be lost")
        if kept and not _commented(kept[-1].comma):
            kept[-1] = kept[-1].with_changes(comma=item.comma)
        elif _commented(item.comma):
            raise CannotFix(f"a comment after the {what} would be lost")
    return kept


def remove_args(call: cst.Call, drop: Callable[[int, cst.Arg], bool]) -> cst.Call:
    """Remove the arguments `drop` selects (see `remove_items`)."""
    return call.with_changes(args=remove_items(call.args, drop, "argument"))


def comment_lines(whitespace: cst.TrailingWhitespace) -> List[cst.EmptyLine]:
    """The comment at the end of a removed header line, as a line of its own."""
    if whitespace.comment is None:
        return []
    return [cst.EmptyLine(indent=True, whitespace=cst.SimpleWhitespace(""), comment=whitespace.comment)]


def with_leading_lines(statement: cst.CSTNode, lines: Sequence[cst.EmptyLine]) -> cst.CSTNode:
    if not lines:
        return statement
    return statement.with_changes(leading_lines=list(lines) + list(statement.leading_lines))


def drop_call_args(names: Tuple[str, ...], slots: Tuple[int, ...], skip: int = 0):
    """Remove the keyword arguments `names` and the positional arguments at `slots` (counted after `skip`
    leading ones, the explicit `self` of `Base.__init__(self, ...)`) of a call."""
    def apply(node: cst.Call, fix):
        positional = [a for a in node.args if a.keyword is None and not a.star][skip:]

        def drop(index, arg):
            if arg.keyword is not None:
                return arg.keyword.value in names
            return not arg.star and arg in positional and positional.index(arg) in slots
        return remove_args(node, drop)
    return apply
