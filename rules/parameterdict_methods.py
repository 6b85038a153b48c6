"""`collect_params()` returns a plain dict: the ParameterDict methods called on it moved to the Block.

## What it does
Finds `net.collect_params().initialize(...)`, `.zero_grad()`, `.reset_ctx(...)`, `.setattr(...)`,
`.load_dict(...)`, `.save(...)` and `.load(...)`, also through a variable
(`params = net.collect_params()` then `params.initialize()`). Without a selection the call moves to the
Block (`net.initialize(...)`, `net.save_parameters(...)`, `net.load_parameters(...)`). With a selection
(`collect_params('.*gamma')`) a statement becomes a loop over the selected Parameters.

## Why is this bad?
The simplified Block API turns `collect_params()` into a `dict` keyed by structural names
(`'0.weight'`); `initialize`, `zero_grad`, `reset_ctx`, `setattr` and `load_dict` are Block methods
(spec S5), and parameter files are written and read by `save_parameters` / `load_parameters` (S7).
`select` is still a regex, but it is `re.match`ed against structural keys (S3.3), so a pattern written
for prefixed names (`'dense0_.*'`, `'.*batchnorm.*'`) silently selects something else.

## Example
```python
net.collect_params().initialize(mx.init.Xavier(), ctx=ctx)
net.collect_params('.*beta|.*gamma').setattr('wd_mult', 0.0)
net.collect_params().save('model.params')
```

## Use instead
```python
net.initialize(mx.init.Xavier(), ctx=ctx)
for param in net.collect_params('.*beta|.*gamma').values():
    param.wd_mult = 0.0
net.save_parameters('model.params')
```

## Fix safety
Moving `initialize`, `zero_grad`, `reset_ctx` and `setattr` to the Block is safe: same signatures,
same parameters. The loop over a selection is safe for a `select` that means the same on structural
keys (suffix patterns such as `'.*weight'`); in the loop, the dict-level `init` becomes the Parameter's
`default_init`, which is what `ParameterDict.initialize` passed, so a parameter's own initializer
(BatchNorm's `gamma` = ones) still wins. `save` -> `save_parameters`, `load` -> `load_parameters` and
`load_dict` are unsafe: the file's (or dict's) keys change from prefixed to structural names, so files
written before do not load (spec S7.6). `strip_prefix` / `restore_prefix` equal to the receiver's
`.prefix` are dropped (structural keys are already relative); any other value is reported. A
selection in an expression, `verbose=`, a `select` regex written for prefixed names or computed at
run time, and save/load of a selection are reported, not rewritten. So are files of other formats:
`load` of a file in the `export()` format (`model-0000.params`, a `'%s-%04d.params'` name, also
through `os.path.join`, `tmp_path / ...` or `str(...)`, a path given to `export()` in the file: keys
`arg:`/`aux:` plus 1.x names, which `SymbolBlock.imports` keeps reading), `load_dict` of what
`mx.model.load_checkpoint` returned, `save` of a file that a `SymbolBlock` of the same file reads
(its keys must stay the symbol's argument names), and a `SymbolBlock`'s `load` of a file that such a
writer (`save_params` or `collect_params().save`, left as it is) writes with 1.x names. Convert legacy checkpoints with
`gluon-codemod convert-params OLD.params NEW.params --model FILE --build EXPR`. The receiver must be a
Block as far as the file tells, or any non-foreign name in a file that imports MXNet.
"""
from __future__ import annotations

import ast
from typing import Dict, Optional

from gluon_codemod.engine.libcst_on_demand import cst
from gluon_codemod.engine.cst_edits import has_comment, remove_args
from gluon_codemod.analysis.names import dotted
from gluon_codemod.engine.rule import CannotFix, Edit, Invalid, Rule, Valid
from gluon_codemod.analysis.checkpoint_files import CONVERT, EXPORT_FORMAT, is_checkpoint_dict, is_export_file, \
    legacy_write, reads_into_symbol_block, symbol_block_read
from gluon_codemod.analysis.old_api import MOVED_METHODS, all_names, is_collect_params, literal, scope_of, select_arg, \
    select_problem, stores

# 1.9.1 ParameterDict signatures (positional order), to map arguments onto the Block's methods.
_SIGNATURES = {
    "initialize": ("init", "ctx", "verbose", "force_reinit"),
    "zero_grad": (), "reset_ctx": ("ctx",), "setattr": ("name", "value"),
    "load_dict": ("param_dict", "ctx", "allow_missing", "ignore_extra", "restore_prefix", "cast_dtype",
                  "dtype_source"),
    "save": ("filename", "strip_prefix"),
    "load": ("filename", "ctx", "allow_missing", "ignore_extra", "restore_prefix", "cast_dtype", "dtype_source"),
}
_SELECTION_MESSAGE = ("`{shown}.{method}(...)` calls a ParameterDict method on a selection, but "
                      "`collect_params()` now returns a dict")
_NEW_NAME = {"save": "save_parameters", "load": "load_parameters"}
_PREFIX_ARG = {"save": "strip_prefix", "load": "restore_prefix", "load_dict": "restore_prefix"}


def _bind(args, keywords, names) -> Optional[Dict[str, object]]:
    """{parameter: argument} by the 1.x signature, or None for `*args`, `**kw` or unknown keywords."""
    if len(args) > len(names) or any(isinstance(a, ast.Starred) for a in args):
        return None
    bound = dict(zip(names, args))
    for keyword in keywords:
        if keyword.arg is None or keyword.arg not in names or keyword.arg in bound:
            return None
        bound[keyword.arg] = keyword.value
    return bound


def _cst_bind(call: cst.Call, names) -> Dict[str, cst.Arg]:
    out = {}
    for index, arg in enumerate(call.args):
        out[arg.keyword.value if arg.keyword else names[index]] = arg
    return out


def _keyword(arg: cst.Arg, name: str) -> cst.Arg:
    return arg.with_changes(keyword=cst.Name(name), equal=cst.AssignEqual(
        whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")))


def _move_to_block(receiver: Optional[str], method: str):
    """`R.collect_params().m(a, b)` (or `params.m(...)` with `receiver` given) -> `R.<new>(...)`."""
    names = _SIGNATURES[method]

    def apply(node: cst.Call, fix):
        owner = node.func.value
        if has_comment(owner):
            raise CannotFix("a comment inside `collect_params()` would be lost")
        block = cst.parse_expression(receiver) if receiver else owner.func.value
        call = node
        if method in _PREFIX_ARG:  # positional arguments after the first become keywords; the prefix goes
            args = [a if a.keyword or i == 0 else _keyword(a, names[i]) for i, a in enumerate(node.args)]
            call = remove_args(node.with_changes(args=args),
                               lambda i, a: a.keyword is not None and a.keyword.value == _PREFIX_ARG[method])
        return call.with_changes(func=cst.Attribute(value=block, attr=cst.Name(_NEW_NAME.get(method, method))))
    return apply


def _loop(method: str, var: str):
    """`<dict expr>.m(...)` as a statement -> `for var in <dict expr>.values(): var.m(...)`."""
    names = _SIGNATURES[method]

    def apply(line: cst.SimpleStatementLine, fix):
        if len(line.body) != 1 or not isinstance(line.body[0], cst.Expr):
            raise CannotFix("several statements share the line")
        call = line.body[0].value
        if any(has_comment(arg) for arg in call.args):
            raise CannotFix("a comment inside the arguments would be lost")
        bound = {k: a.value for k, a in _cst_bind(call, names).items()}
        param = cst.Name(var)
        if method == "setattr" and isinstance(bound["name"], cst.SimpleString) and \
                bound["name"].evaluated_value.isidentifier():
            statement = cst.Assign(targets=[cst.AssignTarget(cst.Attribute(param, cst.Name(
                bound["name"].evaluated_value)))], value=bound["value"])
        elif method == "setattr":
            statement = cst.Expr(cst.Call(cst.Name("setattr"), [cst.Arg(param), cst.Arg(bound["name"]),
                                                                cst.Arg(bound["value"])]))
        else:
            new_names = {"init": "default_init", "ctx": "ctx", "force_reinit": "force_reinit"}
            args = [cst.Arg(value, keyword=cst.Name(new_names[k]), equal=cst.AssignEqual(
                whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")))
                for k, value in bound.items()]
            if method == "reset_ctx":
                args = [cst.Arg(bound["ctx"])]
            statement = cst.Expr(cst.Call(cst.Attribute(param, cst.Name(method)), args))
        values = cst.Call(cst.Attribute(call.func.value, cst.Name("values")))
        return cst.For(target=param, iter=values, leading_lines=line.leading_lines,
                       body=cst.IndentedBlock([cst.SimpleStatementLine([statement])],
                                              header=line.trailing_whitespace))
    return apply


class ParameterDictMethods(Rule):
    code = "GLN006"
    name = "parameterdict-methods"
    message = ("`{shown}.{method}(...)` calls a ParameterDict method, but `collect_params()` now returns a "
               "dict; call `{receiver}.{new}(...)` on the Block")
    fix_title = "Call `{receiver}.{new}(...)`"

    VALID = [
        Valid("""
            from mxnet import gluon
            net = gluon.nn.Dense(2)
            net.initialize()
            """, why="already migrated"),
        Valid("""
            from mxnet import gluon
            import boto3
            boto3.session.collect_params().load('x')
            """,
              why="rooted at a non-MXNet import"),
        Valid("""
            from mxnet import gluon
            net = gluon.nn.Dense(2)
            for p in net.collect_params('.*weight').values():
                p.lr_mult = 2
            """, why="already the migrated loop (idempotence)"),
    ]
    INVALID = [
        Invalid(
            """
            import mxnet as mx
            from mxnet.gluon import nn as N
            net = N.HybridSequential()
            # init
            net.collect_params().initialize(mx.init.Xavier(),  # weights
                                            ctx=[mx.cpu(0), mx.cpu(1)])
            net.collect_params().zero_grad()
            """,
            """
            import mxnet as mx
            from mxnet.gluon import nn as N
            net = N.HybridSequential()
            # init
            net.initialize(mx.init.Xavier(),  # weights
                                            ctx=[mx.cpu(0), mx.cpu(1)])
            net.zero_grad()
            """,
            why="aliased import; comments inside the arguments are kept",
            line=5,
        ),
        Invalid(
            "from mxnet import gluon\r\n"
            "def build(net):\r\n"
            "    net.collect_params('.*beta|.*gamma').setattr('wd_mult', 0.0)  # no decay\r\n"
            "    net.collect_params('.*weight').initialize(gluon.init.Xavier(), force_reinit=True)\r\n",
            "from mxnet import gluon\r\n"
            "def build(net):\r\n"
            "    for param in net.collect_params('.*beta|.*gamma').values():  # no decay\r\n"
            "        param.wd_mult = 0.0\r\n"
            "    for param in net.collect_params('.*weight').values():\r\n"
            "        param.initialize(default_init=gluon.init.Xavier(), force_reinit=True)\r\n",
            why="a selection becomes a loop; CRLF kept; the dict's init is the Parameter's default_init",
            line=3,
        ),
        Invalid(
            """
            from mxnet import gluon
            net = gluon.nn.Dense(1)
            params = net.collect_params()
            params.initialize(ctx=ctx)
            trainer = gluon.Trainer(params, 'sgd')
            """,
            """
            from mxnet import gluon
            net = gluon.nn.Dense(1)
            params = net.collect_params()
            net.initialize(ctx=ctx)
            trainer = gluon.Trainer(params, 'sgd')
            """,
            why="through a variable assigned once from `collect_params()`",
            line=4,
        ),
        Invalid(
            """
            from mxnet import gluon
            net = gluon.nn.Dense(1)
            net.collect_params().save('a.params', strip_prefix=net.prefix)
            net.collect_params().load('a.params', ctx, True, restore_prefix=net.prefix)
            """,
            """
            from mxnet import gluon
            net = gluon.nn.Dense(1)
            net.save_parameters('a.params')
            net.load_parameters('a.params', ctx=ctx, allow_missing=True)
            """,
            unsafe_fixes=True, why="unsafe: file keys become structural; the receiver's own prefix is dropped", line=3,
        ),
        Invalid(
            """
            from mxnet import gluon
            net = gluon.nn.Dense(1)
            net.collect_params('dense0_.*').setattr('grad_req', 'null')
            n = len(net.collect_params('.*weight').initialize())
            net.collect_params().load('a.params', restore_prefix='model_')
            net.collect_params().initialize(verbose=True)
            """,
            None,
            why="prefixed regex, a value used, a foreign restore_prefix: reported, not rewritten",
            line=3,
        ),
        Invalid(
            """
            import mxnet as mx
            from mxnet import gluon
            def finetune(net, prefix, epoch, ctx):
                net.collect_params().load('%s-%04d.params' % (prefix, epoch), ctx=ctx)
                sym, arg_params, aux_params = mx.model.load_checkpoint(prefix, epoch)
                net.collect_params().load_dict(arg_params, ctx=ctx)
                net.collect_params().save('net.params')
                return gluon.SymbolBlock.imports(prefix + '-symbol.json', ['data'], 'net.params')
            """,
            None,
            unsafe_fixes=True,
            why="export-format checkpoints and a file a SymbolBlock reads: not `save/load_parameters` files",
            line=4,
        ),
        Invalid(
            """
            import mxnet as mx
            from mxnet import gluon
            def test_symbol_block(net, path):
                net.save_params(path)
                sb = gluon.SymbolBlock(net(mx.sym.var('data')), mx.sym.var('data'))
                sb.collect_params().load(path, ctx=mx.cpu())
            """,
            None,
            unsafe_fixes=True,
            why="a SymbolBlock reads a file its writer keeps in the 1.x format: the read is reported, not rewritten",
            line=6,
        ),
        Invalid(
            """
            import mxnet as mx
            from mxnet import gluon
            def test_export(net, tmp_path):
                net.export(str(tmp_path / 'model'))
                net.collect_params().load(str(tmp_path / 'model-0000.params'), ctx=mx.cpu())
            """,
            None,
            unsafe_fixes=True,
            why="a test's export checkpoint, named through `tmp_path`: `load_parameters` cannot read it",
            line=5,
        ),
    ]

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if not (isinstance(func, ast.Attribute) and func.attr in MOVED_METHODS):
            return
        variable, collect = None, func.value
        if isinstance(func.value, ast.Name):
            variable, collect = func.value.id, self._assigned_collect(func.value.id, node)
        if not is_collect_params(collect) or self.ctx.is_foreign(collect.func.value):
            return
        method, block = func.attr, collect.func.value
        receiver = ast.unparse(block)
        fmt = dict(shown=variable or ast.unparse(collect), method=method, receiver=receiver,
                   new=_NEW_NAME.get(method, method))
        bound = _bind(node.args, node.keywords, _SIGNATURES[method])
        reason = self._not_fixable(node, block, method, bound, collect, variable)
        other_format = None if reason or bound is None or select_arg(collect) is not None else \
            self._other_file_format(node, method, bound, receiver)
        if other_format:
            self.report(node, "`{shown}.{method}(...)` {problem}", problem=other_format, **fmt)
        elif reason:
            # With a selection, moving the call to the Block would reach every parameter: do not suggest it.
            base = self.message if select_arg(collect) is None else _SELECTION_MESSAGE
            # `reason` goes in as a value: it may hold braces (`{k: p.data() ...}`, a regex's `{4}`).
            self.report(node, base + "; not rewritten: {reason}", reason=reason, **fmt)
        elif select_arg(collect) is None:
            safe = method not in ("save", "load", "load_dict")
            text = receiver if variable else None
            message = self.message if safe else self.message + (
                " (unsafe: the keys become structural names such as `'0.weight'`, so files or dicts with "
                "1.x prefixed keys such as `'dense0_weight'` no longer load)")
            self.report(node, message, edit=Edit("Call", _move_to_block(text, method), safe=safe),
                        fix_title=self.fix_title.format(**fmt), **fmt)
        else:
            var = next(n for n in ("param", "p", "_param", "param_") if n not in self._names())
            self.report(node, _SELECTION_MESSAGE + "; loop over its `.values()`",
                        edit=Edit("SimpleStatementLine", _loop(method, var)),
                        fix_title="Loop over the selected Parameters", **fmt)

    def _not_fixable(self, node, block, method, bound, collect, variable) -> Optional[str]:
        if not (self.ctx.is_block_expr(block) or self.ctx.imports.imports_gluon):
            return "the receiver is not known to be a Block"
        if bound is None:
            return "the arguments cannot be matched to the 1.x signature"
        prefix_arg = bound.get(_PREFIX_ARG.get(method, ""))
        if prefix_arg is not None and ast.unparse(prefix_arg) != f"{ast.unparse(block)}.prefix":
            return f"`{_PREFIX_ARG[method]}` has no equivalent (keys are structural and relative to the Block)"
        if method == "initialize" and not _is_false(bound.get("verbose")):
            return "`verbose` has no Parameter-level equivalent; call `init.set_verbosity()` first"
        if variable and dotted(block) is None:
            return "the Block is not a plain name"
        select = select_arg(collect)
        if select is None:
            return None
        if literal(select) is None:
            return "check that the computed `select` regex matches structural keys such as `'0.weight'`"
        problem = select_problem(literal(select))
        if problem:
            return problem
        if method in ("save", "load", "load_dict"):
            return "a selection cannot be saved or loaded by the Block; save `{k: p.data() for k, p in ...}`"
        parents = self.ctx.parents
        # A statement on its parent's line (`if c: params.setattr(...)`) cannot become a loop; the module
        # itself has no line.
        if not (isinstance(parents[-1], ast.Expr) and len(parents) > 1
                and getattr(parents[-2], "lineno", None) != parents[-1].lineno
                and self._alone_on_its_lines(parents[-1])):
            return "its value is used or it shares a line; loop over `.values()` instead"
        return None

    def _other_file_format(self, node: ast.Call, method: str, bound: Dict[str, object],
                           receiver: str) -> Optional[str]:
        """Why the file (or dict) is not one that `save_parameters`/`load_parameters` may take over."""
        if method == "load" and is_export_file(self.ctx, bound.get("filename")):
            return (f"reads `{ast.unparse(bound['filename'])}`, a file in {EXPORT_FORMAT}, which "
                    f"`{receiver}.load_parameters` cannot read, so it is not rewritten; keep reading it with "
                    f"`gluon.SymbolBlock.imports(symbol_file, input_names, param_file)`, or convert it once "
                    f"(`{CONVERT}`) and load the result with `{receiver}.load_parameters(...)`")
        if method == "load_dict" and is_checkpoint_dict(self.ctx, bound.get("param_dict")):
            return (f"loads `{ast.unparse(bound['param_dict'])}`, read from a file in {EXPORT_FORMAT}, which "
                    f"`{receiver}.load_dict` would match against structural names, so it is not rewritten; convert "
                    f"the file once (`{CONVERT}`) and load the result with `{receiver}.load_parameters(...)`")
        writer = legacy_write(self.ctx, bound.get("filename")) if method == "load" else None
        if writer is not None and reads_into_symbol_block(self.ctx, node):
            return (f"reads `{ast.unparse(bound['filename'])}` into a `SymbolBlock`, a file that "
                    f"`{ast.unparse(writer.func)}` writes at line {writer.lineno} with 1.x names (left as it is "
                    f"because a `SymbolBlock` reads it); `{receiver}.load_parameters` would expect the keys of "
                    f"the new API, so it is not rewritten; write the file with `export(path)` and read it with "
                    f"`gluon.SymbolBlock.imports(symbol_file, input_names, param_file)`")
        reader = symbol_block_read(self.ctx, bound.get("filename")) if method == "save" else None
        if reader is not None:
            return (f"writes `{ast.unparse(bound['filename'])}`, which a `SymbolBlock` reads at line "
                    f"{reader.lineno}; `{receiver}.save_parameters` would write structural keys (`'0.weight'`) that "
                    f"do not match the symbol's argument names, so it is not rewritten; write the file with "
                    f"`{receiver}.export(path)` (symbol and parameters) for `SymbolBlock.imports`")
        return None

    def _alone_on_its_lines(self, statement: ast.stmt) -> bool:
        """Not one of several `;`-separated statements (`x = 1; params.setattr(...)`)."""
        first, last = self.ctx.lines[statement.lineno - 1], self.ctx.lines[statement.end_lineno - 1]
        before = first.encode("utf-8")[:statement.col_offset].decode("utf-8", "ignore")
        after = last.encode("utf-8")[statement.end_col_offset:].decode("utf-8", "ignore")
        return not before.strip() and not after.strip().startswith(";")

    def _assigned_collect(self, name: str, call: ast.Call):
        """The `collect_params()` call `name` was assigned from, if that is its only binding before `call`."""
        scope = scope_of(self.ctx, self._module)
        bindings = stores(self.ctx, scope).get(name, [])
        if len(bindings) != 1:
            return None
        for node in self.ctx.walk(scope):
            if (isinstance(node, ast.Assign) and len(node.targets) == 1 and node.targets[0] is bindings[0]
                    and node.lineno < call.lineno):
                root = dotted(node.value.func.value) if is_collect_params(node.value) else None
                root_bound = stores(self.ctx, scope).get((root or "").split(".")[0], [])
                if root and not any(node.lineno < b.lineno <= call.lineno for b in root_bound):
                    return node.value
        return None

    def _names(self):
        return all_names(self.ctx, scope_of(self.ctx, self._module))

    def visit_Module(self, node: ast.Module) -> None:
        self._module = node


def _is_false(expr) -> bool:
    return expr is None or (isinstance(expr, ast.Constant) and not expr.value)
