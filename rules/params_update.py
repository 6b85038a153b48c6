"""`self.params.update({w.name: w})` registers a Parameter a second time in the new Block API.

## What it does
Finds `self.params.update({...})` with a dict literal in Block classes (the 1.x way to register a
Parameter made elsewhere). Where every Parameter it registers is also assigned to an attribute of
`self` in the same method (`self.w = w` next to `self.params.update({w.name: w})`), it removes the
`update` statement; otherwise it reports it. (`self.params.update(other.params)` merges
ParameterDicts: GLN008.)

## Why is this bad?
In the new Block API a Block registers a Parameter by the attribute assignment alone (spec S2.9):
`self.params` is a plain dict of the block's own Parameters. The `update` adds a second entry, under
the Parameter's unique name (`param_<uuid>_weight`), which is then handed to `hybrid_forward` as a
keyword argument it does not take (`TypeError: hybrid_forward() got an unexpected keyword argument`).

## Example
```python
def __init__(self, embed_weight, **kwargs):
    super().__init__(**kwargs)
    self.embed_weight = embed_weight
    self.params.update({self.embed_weight.name: self.embed_weight})
```

## Use instead
```python
def __init__(self, embed_weight, **kwargs):
    super().__init__(**kwargs)
    self.embed_weight = embed_weight
```

## Fix safety
Safe where every value of the dict literal given to `update` is an object the same method assigns to
an attribute of `self` (the same name or the attribute itself): that assignment already registers it.
Reported, not rewritten: an `update` with a value no attribute of `self` holds in that method (assign
it to an attribute instead), with `**other` in the dict, whose result is used, that is the only
statement of its block, or that shares its lines with a comment or another statement.
"""
from __future__ import annotations

import ast
from typing import Optional, Set

from gluon_codemod.engine.libcst_on_demand import cst
from gluon_codemod.analysis.names import dotted
from gluon_codemod.engine.rule import Edit, Invalid, Rule, Valid


def _is_self_params_update(call: ast.AST) -> bool:
    """`self.params.update({...})` with a dict literal (another argument is GLN008's: a ParameterDict merge)."""
    return (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "update"
            and isinstance(call.func.value, ast.Attribute) and call.func.value.attr == "params"
            and isinstance(call.func.value.value, ast.Name) and call.func.value.value.id == "self"
            and len(call.args) == 1 and not call.keywords and isinstance(call.args[0], ast.Dict))


def _remove(node: cst.Expr, fix_context):
    return cst.RemovalSentinel.REMOVE


class ParamsUpdate(Rule):
    code = "GLN011"
    name = "params-update"
    message = ("`self.params.update(...)` registers `{values}` a second time: in the new Block API the "
               "assignment to `self.{attrs}` registers it, and the extra entry reaches `hybrid_forward` as an "
               "unexpected keyword argument")
    fix_title = "Remove the `self.params.update(...)` statement"

    VALID = [
        Valid("""
            from mxnet import gluon
            class Net(gluon.HybridBlock):
                def __init__(self, w):
                    super().__init__()
                    self.w = w
            """,
              why="already migrated: the attribute assignment registers it"),
        Valid("""
            class Config:
                def __init__(self, w):
                    self.w = w
                    self.params = {}
                    self.params.update({w.name: w})
            """,
              why="not a Block: `self.params` is a plain dict there"),
    ]
    INVALID = [
        Invalid(
            """
            from mxnet import gluon
            class Embed(gluon.HybridBlock):
                def __init__(self, vocab, embed_weight, **kwargs):
                    super().__init__(**kwargs)
                    self.embed_weight = embed_weight
                    self.params.update({self.embed_weight.name: self.embed_weight})
                    self.vocab = vocab
                def hybrid_forward(self, F, x, embed_weight):
                    return F.Embedding(x, embed_weight, input_dim=self.vocab, output_dim=2)
            """,
            """
            from mxnet import gluon
            class Embed(gluon.HybridBlock):
                def __init__(self, vocab, embed_weight, **kwargs):
                    super().__init__(**kwargs)
                    self.embed_weight = embed_weight
                    self.vocab = vocab
                def hybrid_forward(self, F, x, embed_weight):
                    return F.Embedding(x, embed_weight, input_dim=self.vocab, output_dim=2)
            """,
            why="the attribute assignment registers it: the update goes",
            line=6,
        ),
        Invalid(
            """
            from mxnet import gluon
            class Tied(gluon.HybridBlock):
                def __init__(self, weight, bias):
                    super().__init__()
                    self.params.update({weight.name: weight, bias.name: bias})
                    self.weight = weight
            """,
            None,
            why="`bias` is held by no attribute: reported, not removed (it would no longer be registered)",
            line=5,
        ),
    ]

    def visit_Expr(self, node: ast.Expr) -> None:
        call = node.value
        if not (_is_self_params_update(call) and self.ctx.in_block_class):
            return
        function = self.ctx.current_function
        values = self._values(call)
        held = self._held(function) if function is not None else set()
        if values and all(dotted(v) in held for v in values):
            attrs = sorted({a for v in values for a in held[dotted(v)]})
            shown = ", ".join(ast.unparse(v) for v in values)
            edit = None
            if self._removable(node):
                edit = Edit("Expr", _remove)
            self.report(node, values=shown, attrs="`, `self.".join(attrs), edit=edit)
        else:
            self.report(call, "`self.params.update(...)` merges into the block's ParameterDict, which the new "
                        "Block API removes; assign each Parameter to an attribute of `self` (`self.w = w`), "
                        "which registers it")

    def visit_Call(self, node: ast.Call) -> None:
        parent = self.ctx.parents[-1] if self.ctx.parents else None
        if _is_self_params_update(node) and self.ctx.in_block_class and not isinstance(parent, ast.Expr):
            self.report(node, "`self.params.update(...)` merges into the block's ParameterDict, which the new "
                        "Block API removes; assign each Parameter to an attribute of `self` (`self.w = w`), "
                        "which registers it")

    @staticmethod
    def _values(call: ast.Call) -> Optional[list]:
        """The values of `update({k: v, ...})` when each is a plain or dotted name, else None."""
        values = call.args[0].values
        if None in call.args[0].keys or any(dotted(v) is None for v in values):
            return None  # `**other` merges an unknown dict
        return values

    def _held(self, function: ast.AST) -> "dict[str, Set[str]]":
        """{name or `self.attr`: attributes of `self` assigned it} in `function`."""
        held: "dict[str, Set[str]]" = {}
        for node in self.ctx.walk(function):
            if not isinstance(node, ast.Assign):
                continue
            source = dotted(node.value)
            for target in node.targets:
                name = dotted(target)
                if name is None or not name.startswith("self.") or name.count(".") != 1:
                    continue
                attr = name[len("self."):]
                held.setdefault(name, set()).add(attr)
                if source is not None:
                    held.setdefault(source, set()).add(attr)
        return held

    def _removable(self, statement: ast.Expr) -> bool:
        parent = self.ctx.parent_of(statement)
        body = next((getattr(parent, f) for f in ("body", "orelse", "finalbody")
                     if statement in getattr(parent, f, ())), [])
        if len(body) < 2:
            return False  # the block would be left empty
        first, last = self.ctx.lines[statement.lineno - 1], self.ctx.lines[statement.end_lineno - 1]
        text = "\n".join(self.ctx.lines[statement.lineno - 1:statement.end_lineno])
        alone = not first[:statement.col_offset].strip() and not last.encode("utf-8")[
            statement.end_col_offset:].decode("utf-8", "ignore").strip()
        return alone and "#" not in text
