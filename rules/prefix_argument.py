"""`prefix=` is removed from Block constructors: a block is named by the attribute that holds it.

## What it does
Finds the `prefix` argument of calls that construct a Gluon Block (`nn.Dense(3, prefix='fc_')`,
`mx.gluon.nn.Dense`, through any import alias), a Block subclass of the file (also `cls(...)` in its
classmethods and `type(self)(...)` in its methods), a model-zoo factory, or something handed to a
Block's `add()`; and the positional prefix of the Sequential family (`nn.HybridSequential('stage1_')`,
`HybridConcurrent(1, 'a_')`, `rnn.SequentialRNNCell('rnn_')`). The argument is removed.

## Why is this bad?
The new Block constructor takes no `prefix`: a block's parameters are named by the attribute path
(`features.0.weight`), so a prefix has nothing left to name and raises `TypeError`.

## Example
```python
layer = nn.HybridSequential(prefix='stage%d_' % i)
layer.add(nn.Dense(10, prefix='fc_'), nn.HybridSequential('body_'))
```

## Use instead
```python
layer = nn.HybridSequential()
layer.add(nn.Dense(10), nn.HybridSequential())
```

## Fix safety
Safe when the value cannot have a side effect (a literal, a name, an attribute, `'stage%d_' % i`, an
f-string without calls): only 1.x prefixed names depend on it, and the new API has none; structural
names, and so the keys `save_parameters` writes, do not change. A value that calls something
(`prefix=next_name()`) might have a side effect that removal drops: that fix needs `--unsafe-fixes`.
With `params=` the prefix does not decide what is shared (1.x looks shared parameters up under the
shared dict's own prefix); the prefix of a child created in the `name_scope` of such a block did, which
is why GLN004 reports sharing into blocks with children.
`output_prefix` of `rnn.BidirectionalCell` is removed as well (unsafe: the unrolled output symbols
are renamed). A `prefix=` given to a function parameter (`cell_type(hidden, prefix='rnn_')`) is removed
when every call of the function in the file passes a Block class for it, and reported otherwise.
Left alone: `prefix=` on calls that are not Gluon Blocks (`tempfile.mkdtemp(prefix=...)`, a class of
the file that is not a Block, `F.*`/`mx.sym` operators, `SymbolBlock`); base constructor calls
(`super().__init__(prefix=...)`) and factories of the file that take a `prefix` parameter, which are
GLN003's. The `prefix=` that `functools.partial(nn.Dense, prefix=...)` binds for a Gluon class is removed
too. Reported, not rewritten: a `prefix` unpacked from `**{'prefix': ...}`, or from a `**cfg` whose
mapping is given a `'prefix'` key in the call's scope (`cfg = dict(prefix=...)`, `cfg['prefix'] = ...`),
a `**mapping` whose keys cannot be read (a parameter, an attribute) given to a callable of the project
whose `prefix`/`params` the run removes, a class of the file
that uses its `prefix` argument for more than the Block prefix, and a positional `params` after a
positional prefix (share with `share_parameters`); in a Gluon project, a `prefix=`/`params=` given to a
value the tool cannot resolve (`REGISTRY[kind](4, prefix='head_')`, `cls(...)` after `cls = ...`,
`self.block_cls(...)`) or to a factory that hands its `**kwargs` on to one; with `--unsafe-fixes`, a call
through such a value (or a parameter) whose positional arguments reach the `prefix`/`params` of a class
used as a value that the run changes anyway (`cls(4, 'head_')`); and a `prefix` handed on by a
parameter that the project's plan keeps (it goes with the parameter). A function of the project that
hands `**kwargs` only to Gluon constructors (`get_norm('ln', prefix='ln_')`) is treated as a Block.
A removal is withdrawn, with the reason, where the call would no longer bind the signature it calls.
"""
from __future__ import annotations

import ast
from typing import Optional

from gluon_codemod.engine.libcst_on_demand import cst
from gluon_codemod.engine.rule import Edit, Invalid, Rule, Valid
from gluon_codemod.engine.cst_edits import drop_call_args
from gluon_codemod.analysis.callees import UNKNOWN_BLOCK, Factory, GluonClass, Status
from gluon_codemod.analysis.mappings import carried_keys, keys_known
from gluon_codemod.analysis.names import is_gluon_block_class
from gluon_codemod.analysis.call_resolver import (
    arguments_passing, callee_binding, declared_arg, leading_positional, pure, removed_names, span_of,
    unpacked_argument)
from gluon_codemod.analysis.prefix_flow import PrefixFlow, shown_names

# Gluon constructors whose leading positional arguments are cells (Blocks).
_BLOCK_ARGUMENTS = {"BidirectionalCell": 2, "ResidualCell": 1, "ZoneoutCell": 1, "VariationalDropoutCell": 1}
_ADDERS = ("add", "register_child")


def _drop(keywords, slots):
    inner = drop_call_args(keywords, slots)

    def apply(node: cst.Call, fix):
        if (isinstance(node.func, cst.Attribute) and node.func.attr.value == "share_parameters"
                and isinstance(node.func.value, cst.Call)):  # GLN004 already chained `.share_parameters(...)`
            return node.with_changes(func=node.func.with_changes(value=apply(node.func.value, fix)))
        return inner(node, fix)
    return apply


def _by_position(node: ast.Call, name: str, slot) -> bool:
    """Whether `node` passes `name` (at `slot` of a Gluon signature) by position."""
    found = arguments_passing(node, name, slot, keywords=False)
    return found is not None and found[1] == "position"


def _either(names) -> str:
    return " or ".join(f"`{n}`" for n in names)


class PrefixArgument(Rule):
    code = "GLN002"
    drops_arguments = True
    name = "prefix-argument"
    message = "`prefix` is removed from Block constructors in the new API; blocks are named by attribute"
    fix_title = "Remove the `prefix` argument"

    VALID = [
        Valid("""
            import tempfile
            from mxnet import gluon
            d = tempfile.mkdtemp(prefix='run_')
            """,
              why="not Gluon: `tempfile.mkdtemp` takes a prefix of its own"),
        Valid("""
            import functools, tempfile
            from mxnet import gluon
            scratch = functools.partial(tempfile.mkdtemp, prefix='run_')
            """,
              why="a partial of something that is not a Gluon Block"),
        Valid("""
            from mxnet import gluon
            class Config:
                def __init__(self, prefix=None):
                    self.prefix = prefix
            cfg = Config(prefix='a_')
            """,
              why="a class of the file that is not a Block"),
        Valid("""
            from mxnet import gluon, sym
            blk = gluon.SymbolBlock(out, sym.var('data'))
            def hybrid_forward(F, x):
                return F.FullyConnected(x, num_hidden=2, name='fc', prefix='p')
            """,
              why="SymbolBlock has no prefix; `F.*` operators are not Blocks"),
        Valid("""
            from mxnet.gluon import nn
            net = nn.HybridSequential()
            net.add(nn.Dense(10))
            """,
              why="already migrated"),
    ]
    INVALID = [
        Invalid(
            """
            from mxnet.gluon import rnn
            def build(cell_type, hidden_size):
                return cell_type(hidden_size, prefix='rnn_')
            a = build(rnn.LSTMCell, 8)
            b = build(cell_type=rnn.GRUCell, hidden_size=8)
            """,
            """
            from mxnet.gluon import rnn
            def build(cell_type, hidden_size):
                return cell_type(hidden_size)
            a = build(rnn.LSTMCell, 8)
            b = build(cell_type=rnn.GRUCell, hidden_size=8)
            """,
            why="a parameter that every call of the file gives a Block class builds Blocks",
            line=3,
        ),
        Invalid(
            """
            from mxnet.gluon import rnn
            def build(cell_type, hidden_size):
                return cell_type(hidden_size, prefix='rnn_')
            a = build(rnn.LSTMCell, 8)
            b = build(dict, 8)
            """,
            None,
            why="what a parameter holds is not always a Block class: reported, not rewritten",
            line=3,
        ),
        Invalid(
            """
            from mxnet.gluon import rnn
            bi = rnn.BidirectionalCell(rnn.LSTMCell(4), rnn.LSTMCell(4), output_prefix='bi_')
            old = rnn.BidirectionalCell(rnn.LSTMCell(4), rnn.LSTMCell(4), 'b_')
            """,
            """
            from mxnet.gluon import rnn
            bi = rnn.BidirectionalCell(rnn.LSTMCell(4), rnn.LSTMCell(4))
            old = rnn.BidirectionalCell(rnn.LSTMCell(4), rnn.LSTMCell(4))
            """,
            unsafe_fixes=True,
            why="`output_prefix` is gone too; removing it renames the unrolled output symbols: unsafe",
            line=2,
        ),
        Invalid(
            """
            from mxnet.gluon import nn as N
            import mxnet.gluon as G
            def stage(i):
                layer = N.HybridSequential(prefix='stage%d_' % i)
                layer.add(N.Dense(10,
                                  prefix='fc_'),  # head
                          G.nn.HybridSequential('body_'),
                          G.contrib.nn.HybridConcurrent(1, ''))
                return layer
            """,
            """
            from mxnet.gluon import nn as N
            import mxnet.gluon as G
            def stage(i):
                layer = N.HybridSequential()
                layer.add(N.Dense(10),  # head
                          G.nn.HybridSequential(),
                          G.contrib.nn.HybridConcurrent(1))
                return layer
            """,
            why="aliases resolve; positional prefixes of the Sequential family; a comment after the call stays",
            line=4,
        ),
        Invalid(
            "from mxnet import gluon\r\n"
            "class Net(gluon.HybridBlock):\r\n"
            "    def __init__(self, units, **kwargs):\r\n"
            "        super(Net, self).__init__(**kwargs)\r\n"
            "        self.out = gluon.nn.Dense(units, prefix=f'out{units}_')\r\n"
            "    def clone(self):\r\n"
            "        return type(self)(2, prefix=self.prefix)\r\n"
            "net = Net(3, prefix='net_')\r\n",
            "from mxnet import gluon\r\n"
            "class Net(gluon.HybridBlock):\r\n"
            "    def __init__(self, units, **kwargs):\r\n"
            "        super(Net, self).__init__(**kwargs)\r\n"
            "        self.out = gluon.nn.Dense(units)\r\n"
            "    def clone(self):\r\n"
            "        return type(self)(2)\r\n"
            "net = Net(3)\r\n",
            why="a Block class of the file, `type(self)(...)`, f-strings; CRLF kept",
            line=5,
        ),
        Invalid(
            """
            from mxnet.gluon import nn
            class Net(nn.HybridBlock):
                def __init__(self, units, **kwargs):
                    super().__init__(**kwargs)
            def tiny(**kwargs):
                return Net(3, **kwargs)
            net = tiny(prefix='tiny_')
            """,
            """
            from mxnet.gluon import nn
            class Net(nn.HybridBlock):
                def __init__(self, units, **kwargs):
                    super().__init__(**kwargs)
            def tiny(**kwargs):
                return Net(3, **kwargs)
            net = tiny()
            """,
            why="a factory of the file that hands `**kwargs` on to a Block",
            line=7,
        ),
        Invalid(
            """
            from mxnet.gluon import nn
            counter = iter(range(10))
            a = nn.Dense(2, prefix='d%d_' % next(counter))
            """,
            """
            from mxnet.gluon import nn
            counter = iter(range(10))
            a = nn.Dense(2)
            """,
            unsafe_fixes=True,
            why="the value calls something that may have a side effect: unsafe",
            line=3,
        ),
        Invalid(
            """
            from mxnet.gluon import nn
            a = nn.Dense(2, prefix=  # the name
                         'a_')
            b = nn.HybridSequential('b_', shared.params)
            """,
            None,
            why="a comment inside the argument would be lost; a positional `params` follows the prefix",
            line=2,
        ),
        Invalid(
            """
            from functools import partial
            from mxnet.gluon import nn
            dense = partial(nn.Dense, flatten=False, prefix='d_')
            """,
            """
            from functools import partial
            from mxnet.gluon import nn
            dense = partial(nn.Dense, flatten=False)
            """,
            why="the keywords `functools.partial` binds are the Block's: each call of `dense` would pass it",
            line=3,
        ),
        Invalid(
            """
            from mxnet.gluon import nn
            options = dict(units=4, prefix='out_')
            out = nn.Dense(**options)
            """,
            None,
            why="a mapping filled with a `prefix` before it is unpacked passes it as surely as `prefix=`: reported "
                "at the entry",
            line=2,
        ),
        Invalid(
            """
            from mxnet.gluon import nn
            def build(units, name):
                options = {'flatten': False}
                options['prefix'] = name
                return nn.Dense(units, **options)
            """,
            None,
            why="a key put into the mapping later in the function counts too",
            line=4,
        ),
    ]

    def __init__(self, sink, ctx):
        super().__init__(sink, ctx)
        self.flow: Optional[PrefixFlow] = None

    def visit_Module(self, node: ast.Module) -> None:
        self.flow = self.ctx.shared(PrefixFlow, lambda: PrefixFlow(self.ctx, node))

    def visit_Call(self, node: ast.Call) -> None:
        flow = self.flow
        if flow.base_init(node) is not None:
            return  # `super().__init__(prefix=...)`: GLN003
        self._unknown_mapping(node)
        if self._partial_of_gluon(node):
            return
        keyword = next((k for k in node.keywords if k.arg == "prefix"), None)
        kind = flow.callee(node)
        if kind is None and keyword is not None and self._handed_to_block(node):
            kind = UNKNOWN_BLOCK
        if kind == GluonClass("BidirectionalCell"):
            self._output_prefix(node)
        if kind is None and keyword is not None and self._project_forwarder(node):
            kind = UNKNOWN_BLOCK  # `get_norm('ln', prefix='ln_')`: hands `**kwargs` on to Gluon constructors only
        if kind is None and keyword is not None and self._called_parameter(node):
            self.report(keyword, "`{callee}` is a parameter, and a `prefix` given to what it holds is removed from "
                        "Block constructors in the new API; if it holds Block classes, remove the argument",
                        callee=ast.unparse(node.func))
            return
        passed = [k for k in node.keywords if k.arg in ("prefix", "params")] if kind is None else ()
        if passed and self.flow.calls_through_a_value(node):
            self.report(passed[0], "`{callee}` calls a value whose class cannot be followed, and {shown} no longer "
                        "accepted by Block constructors in the new API; if it holds Block classes, remove the "
                        "argument", callee=ast.unparse(node.func), shown=shown_names([k.arg for k in passed]))
            return
        if kind is None and not passed:
            reached = self._escaped_slot_filled(node)
            if reached is not None:
                argument, classes, names = reached
                self.report(argument, "`{callee}` calls a value whose class cannot be followed, and its argument "
                            "`{argument}` reaches the {names} of {classes}, which this run removes; if it holds "
                            "{which}, remove the argument", callee=ast.unparse(node.func),
                            argument=ast.unparse(argument), names=_either(names), classes=_either(classes),
                            which="one of them" if len(classes) > 1 else "that class")
                return
        unfollowed = self._unfollowed_forwarder(node, kind) if keyword is not None else None
        if unfollowed is not None:
            self.report(keyword, "`{callee}` hands its `**kwargs` on to a value whose class cannot be followed, and "
                        "`prefix` is no longer accepted by Block constructors in the new API; if it reaches one, "
                        "remove the argument", callee=unfollowed)
            return
        if isinstance(kind, Factory):
            if keyword is None or declared_arg(kind.func, "prefix") is not None:
                return  # a factory's own `prefix` parameter: GLN003 removes it and its arguments
            # `resnet_tiny(prefix='tiny_')` where the factory hands `**kwargs` on to a Block: ours
            kind = UNKNOWN_BLOCK if flow.status(kind) is Status.GLUON else kind
        if kind is None:
            return
        status = flow.status(kind)
        if status is None:
            return
        callee = ast.unparse(node.func)
        if status is Status.OWN:
            if keyword is not None:
                self.report(keyword, "`{callee}` uses its `prefix` argument for more than the Block prefix, which "
                            "the new API removes; pass that value under another name", callee=callee)
            return
        unpacked = unpacked_argument(node, "prefix")
        if unpacked is not None:
            # (`**{'prefix': ...}` in the call, or `cfg = dict(prefix=...)` before a `**cfg`: see analysis.mappings)
            mapping = next((f"**{k.value.id}" for k in node.keywords
                            if k.arg is None and carried_keys(k).get("prefix") is unpacked), "**{...}")
            self.report(unpacked, "`{callee}` is given a `prefix` inside `{mapping}`, which the new API removes; "
                        "delete the `'prefix'` entry", callee=callee, mapping=mapping)
        slots, values = [], []
        if keyword is not None:
            values.append(keyword.value)
        if flow.signature(kind)[0] is None and kind is not UNKNOWN_BLOCK and flow.gluon_of(kind) is not None:
            # a Gluon signature: positional slots (a project class's are GLN003's)
            slot = flow.slot(kind, "prefix")
            if _by_position(node, "prefix", slot):
                params_slot = flow.slot(kind, "params")
                if _by_position(node, "params", params_slot):
                    shared = node.args[params_slot]
                    if not (isinstance(shared, ast.Constant) and shared.value is None):
                        self.report(node.args[slot], "`{callee}` is given a prefix and `params` by position, which "
                                    "the new API removes; drop both and chain `.share_parameters({shared})`",
                                    callee=callee, shared=ast.unparse(shared))
                        return
                    slots.append(params_slot)
                slots.append(slot)
                values.insert(0, node.args[slot])
        if not values:
            return
        kept = self._kept_parameter(node, values)
        if kept is not None:  # the prefix handed on stays with the parameter the plan keeps
            self.report(kept[0], "`prefix` is removed from Block constructors in the new API; remove it here "
                        "together with the `prefix` parameter of `{func}`, which stays for now (see the finding on "
                        "the parameter)", func=kept[1])
            return
        self._report_dropped(keyword if keyword is not None else values[0], node,
                             ("prefix",) if keyword is not None else (), tuple(slots), all(pure(v) for v in values))

    def _report_dropped(self, where: ast.AST, node: ast.Call, keywords, slots, safe: bool) -> None:
        """The finding at `where`, fixed by removing `keywords` and the positional `slots` from call `node`."""
        self.report(where, edit=Edit("Call", _drop(keywords, slots), span=span_of(node), safe=safe,
                                     drops=(keywords, slots, 0)),
                    fix_title=self.fix_title if safe else self.fix_title + " (its value calls something)")

    def _partial_of_gluon(self, node: ast.Call) -> bool:
        """`functools.partial(nn.Dense, prefix='d_')`: its keywords are the Block's, given at each call of the
        partial; its `prefix` goes as a call's does."""
        func = node.func
        if not node.args or (func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)) != "partial" \
                or self.ctx.imports.qualify(func) != "functools.partial":
            return False
        qualified = self.ctx.imports.qualify(node.args[0])
        if not (qualified and is_gluon_block_class(qualified)):
            return False
        keyword = next((k for k in node.keywords if k.arg == "prefix"), None)
        if keyword is not None:
            self._report_dropped(keyword, node, ("prefix",), (), pure(keyword.value))
        return True

    def _unknown_mapping(self, node: ast.Call) -> None:
        """A `**mapping` whose keys cannot be read, given to a callable of the project whose `prefix`/`params`
        this run removes: if it carries one, the call fails once the parameter is gone. Reported; the
        removal stays. (A function's own `**kwargs` is followed to its callers, which GLN002 checks.)"""
        view = self.ctx.project
        if view is None or view.planning or all(k.arg is not None for k in node.keywords):
            return
        unknown = [k for k in node.keywords if k.arg is None and not keys_known(k) and not carried_keys(k)
                   and not self._own_kwargs(k)]
        if not unknown:
            return
        target = callee_binding(self.ctx, self.flow, node)
        if target is not None:
            removed, label = sorted(removed_names(view.plan, target[0])), f"`{target[3]}`"
        else:  # a call through a table of classes whose every use is followed: a call of each of them
            table = self.flow.table_called(node) if view.plan.followed else None
            members = sorted(view.plan.followed.get(table) or ())
            removing = [key for key in members if removed_names(view.plan, key)]
            removed = sorted({name for key in removing for name in removed_names(view.plan, key)})
            label = " and ".join(f"`{key.split(':', 1)[1]}`" for key in removing)
        if removed:
            shown = " and ".join(f"`{name}`" for name in removed)
            self.report(unknown[0], "{label} loses {shown} in this run, and the keys of `**{mapping}` cannot be "
                        "followed: if it can hold {shown}, take {them} out", label=label, shown=shown,
                        mapping=ast.unparse(unknown[0].value), them="it" if len(removed) == 1 else "them")

    def _own_kwargs(self, keyword: ast.keyword) -> bool:
        """Whether `keyword` unpacks the `**kwargs` parameter of the module-level function, Block constructor
        or lambda it is in: their calls are followed (what they pass is checked, or reported, where they are).
        Those of a nested function or another method are not."""
        if not isinstance(keyword.value, ast.Name):
            return False
        scope = self.flow.enclosing(keyword, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        if scope is None or scope.args.kwarg is None or scope.args.kwarg.arg != keyword.value.id:
            return False
        owner = self.ctx.parent_of(scope)
        return isinstance(scope, ast.Lambda) or isinstance(owner, ast.Module) or (
            isinstance(owner, ast.ClassDef) and scope.name == "__init__" and self.ctx.is_block_class(owner))

    def _output_prefix(self, node: ast.Call) -> None:
        """`BidirectionalCell(l, r, output_prefix='bi_')`: the new cell has no `output_prefix`."""
        keyword = next((k for k in node.keywords if k.arg == "output_prefix"), None)
        positional = node.args[2] if len(node.args) > 2 and leading_positional(node) > 2 else None
        value = keyword.value if keyword is not None else positional
        if value is None:
            return
        keywords, slots = (("output_prefix",), ()) if keyword is not None else ((), (2,))
        self.report(keyword or positional, "`output_prefix` is removed from `BidirectionalCell` in the new API; its "
                    "unrolled outputs are named `t0_output`, ... without it", fix_title="Remove the `output_prefix` "
                    "argument (changes the names of the unrolled output symbols)",
                    edit=Edit("Call", _drop(keywords, slots), span=span_of(node), safe=False,
                              drops=(keywords, slots, 0)))

    def _escaped_slot_filled(self, node: ast.Call):
        """(the argument, the classes, the parameters) when `node` calls a value the tool cannot resolve (or a
        parameter of its function) and its positional arguments reach the slot of a parameter this run removes
        from a class used as a value (`--unsafe-fixes`: `plan.escaped`), else None: without the parameter the
        class would take that argument as one too many, or as another parameter."""
        view = self.ctx.project
        if view is None or not view.plan.escaped:
            return None
        func = node.func
        scope = self.flow.enclosing(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        parameter = isinstance(func, ast.Name) and scope is not None and declared_arg(scope, func.id) is not None
        if not (parameter or self.flow.calls_through_a_value(node, gluon_project=True)):
            return None
        leading = leading_positional(node)
        reached = [(slot, cls, name) for cls, name, slot in view.escaped_slots()
                   if slot < leading or leading < len(node.args)]  # (what `*args` fills cannot be told)
        if not reached:
            return None
        first = min(slot for slot, _cls, _name in reached)
        argument = node.args[min(first, leading)]
        return (argument, sorted({cls for _slot, cls, _name in reached}),
                sorted({name for _slot, _cls, name in reached}))

    def _kept_parameter(self, node: ast.Call, values):
        """(the argument, the function) when `node` hands on the `prefix` parameter of its function, and the
        project's plan keeps that parameter (a call of it through a value, ...): dropping the argument would
        leave the parameter that callers still pass without effect."""
        view = self.ctx.project
        func = self.flow.enclosing(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        if view is None or func is None or declared_arg(func, "prefix") is None:
            return None
        for value in values:
            if isinstance(value, ast.Name) and value.id == "prefix":
                key = self.flow.function_key(func)
                if view.kept(key, "prefix") is not None:
                    return value, self.flow.label(func)
        return None

    def _unfollowed_forwarder(self, node: ast.Call, kind) -> Optional[str]:
        """The name of the factory `node` calls (of the file or the project) when it hands its `**kwargs` on
        to a value the tool cannot resolve (`Status.UNFOLLOWED`), else None."""
        if isinstance(kind, Factory):
            if declared_arg(kind.func, "prefix") is None and self.flow.status(kind) is Status.UNFOLLOWED:
                return ast.unparse(node.func)
            return None
        view = self.ctx.project
        if kind is not None or view is None:
            return None
        found = view.index.resolve_function(self.ctx.imports.qualify(node.func), view.module)
        if found is None or found[1].declares("prefix"):
            return None
        return ast.unparse(node.func) if view.status(found[0], "prefix") is Status.UNFOLLOWED else None

    def _project_forwarder(self, node: ast.Call) -> bool:
        """A function or classmethod of another module of the project that does not declare `prefix` and
        hands its `**kwargs` on to Gluon constructors only (the plan knows what it does with them)."""
        view = self.ctx.project
        if view is None:
            return False
        found = view.index.resolve_function(self.ctx.imports.qualify(node.func), view.module)
        if found is None or found[1].declares("prefix"):
            return False  # (a declared `prefix` is GLN003's: the plan removes it with its arguments)
        return view.status(found[0], "prefix") is Status.GLUON

    def _called_parameter(self, node: ast.Call) -> bool:
        """`cell_type(hidden, prefix='rnn_')` where `cell_type` is a parameter of the enclosing function:
        what it holds cannot be known here, and a Block class is likely in a file using Gluon."""
        func = self.flow.enclosing(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        return (isinstance(node.func, ast.Name) and func is not None and declared_arg(func, node.func.id) is not None
                and self.ctx.imports.imports_gluon)

    def _handed_to_block(self, node: ast.Call) -> bool:
        """Built to be a child: `seq.add(block(..., prefix=''))`, `BidirectionalCell(get_cell(prefix='l0_'), ...)`."""
        parent = self.flow.parent.get(id(node))
        if not isinstance(parent, ast.Call) or node not in parent.args:
            return False
        if isinstance(parent.func, ast.Attribute) and parent.func.attr in _ADDERS:
            return not self.ctx.is_foreign(parent.func.value) and self.ctx.is_block_expr(parent.func.value)
        qualified = self.ctx.imports.qualify(parent.func) or ""
        count = _BLOCK_ARGUMENTS.get(qualified.rsplit(".", 1)[-1], 0)
        return self.ctx.is_block_class_expr(parent.func) and node in parent.args[:count]
