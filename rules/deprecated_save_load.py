"""`save_params`/`load_params` are removed: use `save_parameters`/`load_parameters` on the Block.

## What it does
Finds the deprecated Block methods `save_params(filename)` and `load_params(filename, ...)` on
`self` in a Block class, on Block variables, and on receivers the file does not resolve (a helper's
`net` argument) in a file that uses MXNet; calls on other objects (`mx.mod.Module`, a class of your
own) are left alone.

## Why is this bad?
Both were deprecated in 1.x and are gone from the new Block API. `save_params` wrote the 1.x
prefixed names relative to the block (`'dense0_weight'`); `save_parameters` writes structural names
(`'0.weight'`). The new `load_parameters` reads only structural names: it has no fallback for files
with prefixed keys (spec S7.3, S7.6).

## Example
```python
net.save_params('model.params')
net.load_params('model.params', ctx=ctx)
```

## Use instead
```python
net.save_parameters('model.params')
net.load_parameters('model.params', ctx=ctx)
```
Convert files written by `save_params` once: `gluon-codemod convert-params OLD.params NEW.params
--model FILE --build EXPR` (or, with MXNet 1.x, `net.load_parameters('old.params')` then
`net.save_parameters('new.params')`).

## Fix safety
`load_params` -> `load_parameters` is safe: in 1.9.1 `load_params(filename, ctx, allow_missing,
ignore_extra)` only warns and calls `load_parameters` with the same arguments, so the call does the
same thing; old prefixed files keep loading on 1.x and, under the new API, fail to load whatever the
method is called (convert them as shown above).
`save_params` -> `save_parameters` is unsafe: the keys in the written file change from prefixed to
structural names, so anything else that reads the file by key (a 1.x `load_params` in another
program, `mx.nd.load(...)['dense0_weight']`, a C++ predictor) breaks.
A reference that is not called (`f = net.save_params`) is renamed the same way. A receiver that may be
a Module-API object (the file uses `mx.mod`) is reported without a fix. Files of other formats are
reported, not rewritten: `load_params` of a file in the `export()` format (`model-0000.params`, a
`'%s-%04d.params'` name, also through `os.path.join`, `tmp_path / ...` or `str(...)`, a path given to
`export()` in the file; keys `arg:`/`aux:` plus 1.x names),
which `SymbolBlock.imports` keeps reading, and `save_params` of a file that a `SymbolBlock` of the
same file reads (its keys must stay the symbol's argument names).
"""
from __future__ import annotations

import ast

from gluon_codemod.engine.libcst_on_demand import cst
from gluon_codemod.engine.rule import Edit, Invalid, Rule, Valid
from gluon_codemod.analysis.checkpoint_files import CONVERT, EXPORT_FORMAT, is_export_file, symbol_block_read
from gluon_codemod.analysis.old_api import Role, receiver_role, uses_module_api

_NEW_NAME = {"save_params": "save_parameters", "load_params": "load_parameters"}
_WHY = {
    "save_params": ("unsafe: the file's keys become structural names such as `'0.weight'` instead of the 1.x "
                    "prefixed names such as `'dense0_weight'`, so readers of the file by key must change"),
    "load_params": ("files written by `save_params` have 1.x prefixed keys such as `'dense0_weight'`, which the "
                    f"new `load_parameters` does not read: convert them once with `{CONVERT}` (or, with MXNet 1.x, "
                    "`net.load_parameters(old)` then `net.save_parameters(new)`)"),
}


def _rename(new: str):
    def apply(node: cst.Attribute, fix):
        return node.with_changes(attr=cst.Name(new))
    return apply


class DeprecatedSaveLoad(Rule):
    code = "GLN007"
    name = "deprecated-save-load-params"
    message = "`{receiver}.{old}` is removed in the new Block API; use `{receiver}.{new}` ({why})"
    fix_title = "Replace with `{receiver}.{new}`"

    VALID = [
        Valid("""
            import mxnet as mx
            from mxnet import gluon
            mod = mx.mod.Module(sym)
            mod.save_params('m.params')
            """,
              why="a Module-API object: `Module.save_params` is not deprecated"),
        Valid("""
            from mxnet import gluon
            class Store:
                def save_params(self, f):
                    pass
                def run(self):
                    self.save_params('x')
            """,
              why="`self` is a user's non-Block class with its own method"),
        Valid("""
            from mxnet import gluon
            net = gluon.nn.Dense(2)
            net.save_parameters('a.params')
            """,
              why="already migrated"),
    ]
    INVALID = [
        Invalid(
            """
            from mxnet import gluon
            net = gluon.nn.HybridSequential()
            net.load_params('model.params',  # trained weights
                            ctx=ctx)
            """,
            """
            from mxnet import gluon
            net = gluon.nn.HybridSequential()
            net.load_parameters('model.params',  # trained weights
                            ctx=ctx)
            """,
            why="safe: `load_params` delegates to `load_parameters` in 1.9.1",
            line=3,
        ),
        Invalid(
            "from mxnet import gluon\r\n"
            "class Net(gluon.Block):\r\n"
            "    def checkpoint(self, path):\r\n"
            "        self.save_params(path)\r\n"
            "def snapshot(model, path):\r\n"
            "    model.save_params(path)\r\n",
            "from mxnet import gluon\r\n"
            "class Net(gluon.Block):\r\n"
            "    def checkpoint(self, path):\r\n"
            "        self.save_parameters(path)\r\n"
            "def snapshot(model, path):\r\n"
            "    model.save_parameters(path)\r\n",
            unsafe_fixes=True,
            why="unsafe: the saved keys change; `self` in a Block and an unknown argument; CRLF kept",
            line=4,
        ),
        Invalid(
            """
            import mxnet as mx
            from mxnet import gluon
            def restore(model, mod):
                model.load_params('a.params')
                mod.save_params('b.params')
            m = mx.mod.Module(sym)
            """,
            None,
            why="the file also uses the Module API, which has its own `save_params`: reported, not rewritten",
            line=4,
        ),
        Invalid(
            """
            import mxnet as mx
            from mxnet import gluon
            def deploy(net, ctx):
                net.save_params('deploy.params')
                sb = gluon.SymbolBlock.imports('deploy-symbol.json', ['data'], 'deploy.params', ctx=ctx)
                net.load_params('deploy-0000.params', ctx=ctx)
            """,
            None,
            unsafe_fixes=True,
            why="a file a SymbolBlock reads, and an `export()` checkpoint: other formats, reported, not rewritten",
            line=4,
        ),
        Invalid(
            """
            from mxnet import gluon
            def test_deploy(net, tmpdir):
                net.save_params(str(tmpdir.join('net.params')))
                gluon.SymbolBlock.imports('net-symbol.json', ['data'], str(tmpdir.join('net.params')))
            """,
            None,
            unsafe_fixes=True,
            why="a test's file read back by a SymbolBlock, named through `tmpdir`: its keys must stay 1.x names",
            line=3,
        ),
    ]

    def visit_Module(self, node: ast.Module) -> None:
        self._own_methods = {n.name for kind in (ast.FunctionDef, ast.AsyncFunctionDef)
                             for n in self.ctx.nodes_of(kind) if n.name in _NEW_NAME}
        self._module_api = uses_module_api(self.ctx)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr not in _NEW_NAME or not isinstance(node.ctx, ast.Load) or node.attr in self._own_methods:
            return
        role = receiver_role(self.ctx, node.value)
        if role is Role.OTHER or (role is Role.UNKNOWN and not self.ctx.imports.imports_gluon):
            return
        receiver, new = ast.unparse(node.value), _NEW_NAME[node.attr]
        fmt = dict(receiver=receiver, old=node.attr, new=new, why=_WHY[node.attr])
        other_format = self._other_file_format(node, receiver)
        if other_format:
            self.report(node, "`{receiver}.{old}(...)` {problem}", problem=other_format, **fmt)
            return
        if role is Role.UNKNOWN and self._module_api:
            self.report(node, self.message + "; not rewritten: this file also uses the Module API, whose "
                        "`save_params`/`load_params` stay; rename it by hand if `{receiver}` is a Gluon Block", **fmt)
            return
        self.report(node, edit=Edit("Attribute", _rename(new), safe=node.attr == "load_params"),
                    fix_title=self.fix_title.format(**fmt), **fmt)

    def _other_file_format(self, node: ast.Attribute, receiver: str):
        """Why the call's file is not one that `save_parameters`/`load_parameters` may take over."""
        call = self.ctx.parent_of(node)
        if not (isinstance(call, ast.Call) and call.func is node):
            return None
        filename = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "filename"), None)
        if node.attr == "load_params" and is_export_file(self.ctx, filename):
            return (f"reads `{ast.unparse(filename)}`, a file in {EXPORT_FORMAT}, which the new "
                    f"`load_parameters` cannot read, so it is not rewritten; keep reading it with "
                    f"`gluon.SymbolBlock.imports(symbol_file, input_names, param_file)`, or convert it once "
                    f"(`{CONVERT}`) and load the result with `{receiver}.load_parameters(...)`")
        reader = symbol_block_read(self.ctx, filename) if node.attr == "save_params" else None
        if reader is not None:
            return (f"writes `{ast.unparse(filename)}`, which a `SymbolBlock` reads at line {reader.lineno}; "
                    f"`save_parameters` would write structural keys (`'0.weight'`) that do not match the symbol's "
                    f"argument names, so it is not rewritten; write the file with `{receiver}.export(path)` "
                    f"(symbol and parameters) for `SymbolBlock.imports`")
        return None
