"""`with block.name_scope():` no longer exists: children are named by the attribute they are stored in.

## What it does
Finds `with <block>.name_scope():` (on `self`, a Sequential variable, `self.features`, in helpers,
loops and conditionals) and other uses of `name_scope()`.

## Why is this bad?
The simplified Block API removes `name_scope()` and prefixes: a child's parameters are named by the
attribute path (`features.0.weight`), whether or not it was created inside a scope.

## Example
```python
with self.name_scope():
    self.dense = nn.Dense(10)
```

## Use instead
```python
self.dense = nn.Dense(10)
```

## Fix safety
Safe: unwrapping only changes prefixed names, which the new API no longer has. A comment on the `with`
line moves to the first statement of the body; every `name_scope()` item of a multi-item `with` goes,
the other items stay, and a comment among the items that would be lost leaves the `with` as it is
(reported). `name_scope()` used any other way (stored, entered by hand, `with ... as scope`) is
reported and left alone.
"""
from __future__ import annotations

import ast

from gluon_codemod.engine.libcst_on_demand import cst
from gluon_codemod.engine.cst_edits import comment_lines, has_comment, remove_items, with_leading_lines
from gluon_codemod.engine.rule import CannotFix, Edit, Invalid, Rule, Valid


def _is_name_scope_call(node) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "name_scope" and not node.args and not node.keywords)


def _unwrap(node: cst.With, fix):
    if any(has_comment(item) for item in node.items) or (
            isinstance(node.lpar, cst.LeftParen) and has_comment(node.lpar)):
        raise CannotFix("a comment inside the `with` items would be lost")
    if isinstance(node.body, cst.SimpleStatementSuite):  # `with self.name_scope(): x = 1`
        return cst.SimpleStatementLine(
            body=node.body.body, leading_lines=node.leading_lines, trailing_whitespace=node.body.trailing_whitespace)
    statements = list(node.body.body)
    lines = list(node.leading_lines) + comment_lines(node.body.header)
    statements[0] = with_leading_lines(statements[0], lines)
    fix.carry_after(statements[-1], node.body.footer)
    return cst.FlattenSentinel(statements)


def _drop_items(indices):
    """Remove the `name_scope()` items at `indices` from a `with` that keeps other items."""
    def apply(node: cst.With, fix):
        return node.with_changes(items=remove_items(node.items, lambda index, _: index in indices, "`with` item"))
    return apply


class NameScope(Rule):
    code = "GLN001"
    name = "name-scope"
    message = "`{receiver}.name_scope()` is removed in the new Block API; children are named by attribute"
    fix_title = "Remove the `with {receiver}.name_scope():` and dedent its body"

    VALID = [
        Valid("""
            import tensorflow as tf
            with tf.name_scope('x'):
                pass
            """,
              why="not Gluon: TensorFlow's name_scope takes a name"),
        Valid("""
            from mxnet.gluon import nn
            class Net(nn.Block):
                def __init__(self):
                    super().__init__()
                    self.dense = nn.Dense(3)
            """,
              why="already migrated"),
    ]
    INVALID = [
        Invalid(
            """
            from mxnet.gluon import nn
            class Net(nn.HybridBlock):
                def __init__(self, **kwargs):
                    super(Net, self).__init__(**kwargs)
                    # build the layers
                    with self.name_scope():  # scoped
                        self.dense = nn.Dense(3)
                        self.out = nn.Dense(1)
                        # trailing note
                    self.flag = True
            """,
            """
            from mxnet.gluon import nn
            class Net(nn.HybridBlock):
                def __init__(self, **kwargs):
                    super(Net, self).__init__(**kwargs)
                    # build the layers
                    # scoped
                    self.dense = nn.Dense(3)
                    self.out = nn.Dense(1)
                    # trailing note
                    self.flag = True
            """,
            line=6,
        ),
        Invalid(
            "import mxnet as mx\r\n"
            "net = mx.gluon.nn.HybridSequential()\r\n"
            "with net.name_scope():\r\n"
            "    for i in range(2):\r\n"
            "        net.add(mx.gluon.nn.Dense(4))\r\n",
            "import mxnet as mx\r\n"
            "net = mx.gluon.nn.HybridSequential()\r\n"
            "for i in range(2):\r\n"
            "    net.add(mx.gluon.nn.Dense(4))\r\n",
            why="CRLF line endings are kept; a Sequential variable is a Block",
            line=3,
        ),
        Invalid(
            """
            from mxnet.gluon import nn as N
            def build(net, ctx):
                with ctx, net.name_scope():
                    net.add(N.Dense(2))
            """,
            """
            from mxnet.gluon import nn as N
            def build(net, ctx):
                with ctx:
                    net.add(N.Dense(2))
            """,
            why="a multi-item `with` keeps its other items",
            line=3,
        ),
        Invalid(
            """
            from mxnet import gluon
            class Net(gluon.Block):
                def __init__(self):
                    super().__init__()
                    scope = self.name_scope()
                    scope.__enter__()
            """,
            None,
            why="entered by hand: reported, not rewritten",
            line=5,
        ),
    ]

    def __init__(self, sink, ctx):
        super().__init__(sink, ctx)
        self._in_with = set()

    def visit_With(self, node: ast.With) -> None:
        # Every `name_scope()` item of one `with` is removed by one edit: two edits on the same node would
        # each count the items of the original (`with self.name_scope(), self.body.name_scope():`).
        removable = []
        for index, item in enumerate(node.items):
            call = item.context_expr
            if not _is_name_scope_call(call) or not self._is_block(call.func.value):
                continue
            self._in_with.add(id(call))
            if item.optional_vars is not None:
                self.report(call, "`{receiver}.name_scope()` bound with `as` is removed in the new Block API; "
                            "remove the `with` and any use of its target", receiver=ast.unparse(call.func.value))
            else:
                removable.append((index, call, ast.unparse(call.func.value)))
        if not removable:
            return
        if len(removable) == len(node.items):
            edit = Edit("With", _unwrap, span=_span(node))
            title = (self.fix_title.format(receiver=removable[0][2]) if len(removable) == 1
                     else "Remove the `with` and dedent its body")
        else:
            edit = Edit("With", _drop_items({index for index, _, _ in removable}), span=_span(node))
            title = f"Remove `{removable[0][2]}.name_scope()` from the `with` items"
        where = node if len(node.items) == 1 else removable[0][1]
        if len(removable) == 1:
            self.report(where, receiver=removable[0][2], edit=edit, fix_title=title)
        else:  # one finding for the one edit that removes them all
            calls = "`, `".join(f"{receiver}.name_scope()" for _, _, receiver in removable)
            self.report(where, "`{calls}` are removed in the new Block API; children are named by attribute",
                        calls=calls, edit=edit, fix_title=title)

    def visit_Call(self, node: ast.Call) -> None:
        if _is_name_scope_call(node) and id(node) not in self._in_with and self._is_block(node.func.value):
            self.report(node, "`{receiver}.name_scope()` is removed in the new Block API and cannot be rewritten "
                        "here; delete the scope and name children by attribute",
                        receiver=ast.unparse(node.func.value))

    def _is_block(self, receiver) -> bool:
        # An unknown receiver (a helper's `net` argument) counts in a file that imports Gluon:
        # a zero-argument `name_scope()` is Gluon's; TensorFlow's takes a name.
        if self.ctx.is_foreign(receiver):
            return False
        return self.ctx.is_block_expr(receiver) or self.ctx.imports.imports_gluon


def _span(node):
    return (node.lineno, node.col_offset, node.end_lineno, node.end_col_offset)
