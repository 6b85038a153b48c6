"""For `--target runtime`: point `mxnet.gluon` at `gluon_runtime`, which runs the new API on MXNet 1.9.1.

## What it does
Only with `--target runtime`: rewrites `from mxnet.gluon import nn`, `from mxnet.gluon.nn import Dense`,
`import mxnet.gluon as G`, `from mxnet import gluon` and attribute uses such as `mx.gluon.nn.Dense` to the
same names under `gluon_runtime`, also inside string annotations (`trainer: 'mx.gluon.Trainer'`).

## Why is this bad?
Stock MXNet 1.9.1 only has the old Block API. Migrated code runs today on `gluon_runtime`, which
implements the new API on MXNet 1.9.1's operators; other MXNet imports (`mx.nd`, `mx.autograd`) stay.

## Example
```python
import mxnet as mx
from mxnet import gluon
net = mx.gluon.nn.Dense(3)
```

## Use instead
```python
import mxnet as mx
import gluon_runtime
import gluon_runtime as gluon

net = gluon_runtime.nn.Dense(3)
```

## Fix safety
Safe: `gluon_runtime` mirrors the module layout of `mxnet.gluon` for what it implements and re-exports
the rest (`data`, `utils`, `metric`). `model_zoo` is not part of the runtime: its uses are reported.
In a string annotation only the `mx.gluon` spelled in the string is replaced, and only where the
literal is written as its plain value (one line, no prefix, no escapes, not concatenated); otherwise it
is reported, not fixed.
"""
from __future__ import annotations

import ast

from gluon_codemod.engine.libcst_on_demand import cst
from gluon_codemod.engine.rule import Edit, Invalid, Rule, Valid

RUNTIME = "gluon_runtime"
# mxnet.gluon modules that gluon_runtime implements as importable modules of its own.
_MODULES = {"", "parameter", "block", "nn", "rnn", "loss", "trainer", "contrib", "contrib.nn"}


def _retargetable(module: str) -> bool:
    if module == "mxnet.gluon":
        return True
    return module.startswith("mxnet.gluon.") and module[len("mxnet.gluon."):] in _MODULES


# What the new API removed and gluon_runtime therefore does not export.
_REMOVED = {"": {"ParameterDict"}, ".parameter": {"ParameterDict"}, ".block": {"_BlockScope"}}


def _runtime_has(module: str, name: str) -> bool:
    return name not in _REMOVED.get(module[len(RUNTIME):], ())


def _runtime_name(module: str) -> str:
    return RUNTIME + module[len("mxnet.gluon"):]


def _set_module(name: str):
    def apply(node: cst.ImportFrom, fix):
        return node.with_changes(module=cst.parse_expression(name))
    return apply


def _rename_alias(name: str, asname: str):
    def apply(node: cst.ImportAlias, fix):
        return node.with_changes(name=cst.parse_expression(name),
                                 asname=node.asname or cst.AsName(name=cst.Name(asname)))
    return apply


def _split_from_mxnet(gluon_aliases, others):
    def apply(node: cst.SimpleStatementLine, fix):
        statements = [cst.parse_statement(f"import {RUNTIME} as {alias}\n") for alias in gluon_aliases]
        if others:
            statements.insert(0, cst.parse_statement(f"from mxnet import {', '.join(others)}\n"))
        statements[0] = statements[0].with_changes(leading_lines=node.leading_lines)
        statements[-1] = statements[-1].with_changes(trailing_whitespace=node.trailing_whitespace)
        return cst.FlattenSentinel(statements)
    return apply


def _replace_with_runtime(node: cst.Attribute, fix):
    fix.require_import(RUNTIME)
    return cst.Name(RUNTIME, lpar=node.lpar, rpar=node.rpar)


def _retarget_string(spans):
    """`'mx.gluon.Block'` -> `'gluon_runtime.Block'`: each `<mx>.gluon` span of the value replaced."""
    def apply(node: cst.SimpleString, fix):
        quote = node.quote
        text = node.value[len(node.prefix) + len(quote):-len(quote)]
        for start, end in sorted(spans, reverse=True):
            text = text[:start] + RUNTIME + text[end:]
        fix.require_import(RUNTIME)
        return node.with_changes(value=f"{node.prefix}{quote}{text}{quote}")
    return apply


class RuntimeImports(Rule):
    code = "GLN010"
    name = "runtime-imports"
    targets = ("runtime",)
    message = "`{old}` is stock MXNet 1.9.1 Gluon; with target `runtime` use `{new}`"
    fix_title = "Import `{new}` instead"

    VALID = [
        Valid("""
            from mxnet.gluon import nn
            """, why="target mxnet keeps mxnet.gluon imports"),
        Valid("""
            from mxnet.gluon.data import DataLoader
            """, target="runtime",
              why="the runtime does not reimplement gluon.data: stock is used as is"),
        Valid("""
            from mxnet import nd, autograd
            """, target="runtime", why="not Gluon"),
    ]
    INVALID = [
        Invalid("""
            from mxnet.gluon import nn as N  # layers
            from mxnet.gluon.block import HybridBlock
            """,
                """
                from gluon_runtime import nn as N  # layers
                from gluon_runtime.block import HybridBlock
                """,
                target="runtime",
                line=1),
        Invalid("""
            # models
            from mxnet import gluon, nd  # both
            net = gluon.nn.Dense(1)
            """,
                """
                # models
                from mxnet import nd
                import gluon_runtime as gluon  # both
                net = gluon.nn.Dense(1)
                """,
                target="runtime", why="other names of the same `from mxnet import` stay", line=2),
        Invalid("""
            import mxnet as mx
            import mxnet.gluon as G
            net = mx.gluon.nn.Dense(3)
            """,
                """
                import mxnet as mx
                import gluon_runtime as G
                import gluon_runtime

                net = gluon_runtime.nn.Dense(3)
                """,
                target="runtime",
                line=2),
        Invalid("""
            import mxnet as mx


            @mx.gluon.utils.doc
            def train(trainer: mx.gluon.Trainer, net=mx.gluon.nn.Dense(1)):
                return trainer
            """,
                """
                import mxnet as mx
                import gluon_runtime


                @gluon_runtime.utils.doc
                def train(trainer: gluon_runtime.Trainer, net=gluon_runtime.nn.Dense(1)):
                    return trainer
                """,
                target="runtime", why="annotations, defaults and decorators are references like any other", line=4),
        Invalid("""
            import mxnet as mx


            def train(trainer: 'mx.gluon.Trainer') -> 'Optional[mx.gluon.Block]':
                return trainer
            """,
                """
                import mxnet as mx
                import gluon_runtime


                def train(trainer: 'gluon_runtime.Trainer') -> 'Optional[gluon_runtime.Block]':
                    return trainer
                """,
                target="runtime", why="string annotations are references too: retargeted inside the string", line=4),
        Invalid("import mxnet as mx\r\nnet = mx.gluon.model_zoo.vision.resnet18_v1()\r\n", None, target="runtime",
                why="model_zoo builds stock blocks: reported, not rewritten",
                line=2),
        Invalid("""
            from mxnet.gluon import nn, ParameterDict
            """, None, target="runtime",
                why="the runtime has no `ParameterDict` (the new API removed it): reported, not retargeted",
                line=1),
    ]

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level or not node.module:
            return
        if _retargetable(node.module):
            new = _runtime_name(node.module)
            missing = [a.name for a in node.names if not _runtime_has(new, a.name)]
            if missing:
                self.report(node, "`{new}` has no {names}: the new Block API removed {them}; migrate {its} uses "
                            "first (GLN006/GLN008), then import from `{new}`", new=new,
                            names=", ".join(f"`{m}`" for m in missing), them="it" if len(missing) == 1 else "them",
                            its="its" if len(missing) == 1 else "their")
                return
            self.report(node, old=node.module, new=new, edit=Edit("ImportFrom", _set_module(new)),
                        fix_title=self.fix_title.format(new=new))
        elif node.module == "mxnet":
            gluon = [a for a in node.names if a.name == "gluon"]
            if not gluon:
                return
            others = [a.name if not a.asname else f"{a.name} as {a.asname}" for a in node.names if a.name != "gluon"]
            aliases = [a.asname or "gluon" for a in gluon]
            self.report(node, old="from mxnet import gluon", new=f"import {RUNTIME} as {aliases[0]}",
                        edit=Edit("SimpleStatementLine", _split_from_mxnet(aliases, others)),
                        fix_title=f"Import `{RUNTIME}` as `{aliases[0]}`")
        elif node.module.startswith("mxnet.gluon.model_zoo"):
            self._report_model_zoo(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.asname and _retargetable(alias.name):
                new = _runtime_name(alias.name)
                self.report(alias, old=alias.name, new=new,
                            edit=Edit("ImportAlias", _rename_alias(new, alias.asname)),
                            fix_title=self.fix_title.format(new=new))

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr != "gluon" or not isinstance(node.value, ast.Name):
            return
        if self.ctx.imports.qualify(node.value) != "mxnet" or isinstance(getattr(node, "ctx", None), ast.Store):
            return
        parent = self.ctx.parents[-1] if self.ctx.parents else None
        if isinstance(parent, ast.Attribute) and parent.attr == "model_zoo":
            self._report_model_zoo(node)
            return
        self.report(node, old=f"{node.value.id}.gluon", new=RUNTIME, edit=Edit("Attribute", _replace_with_runtime),
                    fix_title=f"Use `{RUNTIME}`")

    def visit_Constant(self, node: ast.Constant) -> None:
        """A string annotation (`x: 'mx.gluon.Block'`, `Optional['mx.gluon.Trainer']`): a reference too."""
        if not isinstance(node.value, str) or "gluon" not in node.value or not self._in_annotation(node):
            return
        try:
            inner = ast.parse(node.value.strip(), mode="eval")
        except SyntaxError:
            return
        lead = len(node.value) - len(node.value.lstrip())
        found = [n for n in ast.walk(inner) if isinstance(n, ast.Attribute) and n.attr == "gluon"
                 and isinstance(n.value, ast.Name) and self.ctx.imports.qualify(n.value) == "mxnet"]
        if not found:
            return
        if any(isinstance(n, ast.Attribute) and n.attr == "model_zoo" and n.value in found for n in ast.walk(inner)):
            self._report_model_zoo(node)
            return
        old = f"{found[0].value.id}.gluon"
        spans = [(lead + n.col_offset, lead + n.end_col_offset) for n in found]
        if self._plain_string(node):
            self.report(node, "`{old}` in the string annotation `{text}` is stock MXNet 1.9.1 Gluon; with target "
                        "`runtime` use `{new}`", old=old, text=node.value, new=RUNTIME,
                        edit=Edit("SimpleString", _retarget_string(spans)), fix_title=f"Use `{RUNTIME}`")
        else:
            # escapes, a prefix, several lines or implicit concatenation: the string's text is not its value
            self.report(node, "`{old}` in the string annotation `{text}` is stock MXNet 1.9.1 Gluon; with target "
                        "`runtime` write `{new}` there (not fixed: the string is not written as its plain value)",
                        old=old, text=node.value, new=RUNTIME)

    def _in_annotation(self, node: ast.AST) -> bool:
        child = node
        for parent in reversed(self.ctx.parents):
            if isinstance(parent, (ast.arg, ast.AnnAssign)):
                return parent.annotation is child
            if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef)):
                return parent.returns is child
            if not isinstance(parent, (ast.Subscript, ast.Tuple, ast.List, ast.BinOp, ast.Attribute)):
                return False
            child = parent
        return False

    def _plain_string(self, node: ast.Constant) -> bool:
        """The literal is one single-line string without prefix or escapes: its text is its value."""
        if node.lineno != node.end_lineno:
            return False
        line = self.ctx.lines[node.lineno - 1].encode("utf-8")
        written = line[node.col_offset:node.end_col_offset].decode("utf-8", "replace")
        return len(written) >= 2 and written[0] in "'\"" and written[-1] == written[0] \
            and not written.startswith(written[0] * 3) and "\\" not in written and written[1:-1] == node.value

    def _report_model_zoo(self, node) -> None:
        self.report(node, "`mxnet.gluon.model_zoo` builds stock 1.x blocks and is not part of `gluon_runtime`; "
                    "copy the model definition into your code to run it on the runtime")
