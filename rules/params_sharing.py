"""`params=` at Block construction is removed: share with `.share_parameters(dict)` instead.

## What it does
Finds `params=` in calls that construct a Gluon Block or a Block subclass of the file, and rewrites
`nn.Dense(8, params=shared.params)` to `nn.Dense(8).share_parameters(shared.collect_params())`.
`params=None` is removed.

## Why is this bad?
The new Block constructor takes no `params`: `share_parameters(dict)` ties, after construction, each
parameter whose structural name (`weight`, `0.bias`) is a key of the dict, and returns the block.

## Example
```python
shared = nn.Dense(8, activation='relu')
tied = nn.Dense(8, activation='relu', params=shared.params)
twin = Net(3, params=net.collect_params())    # net = Net(3)
```

## Use instead
```python
shared = nn.Dense(8, activation='relu')
tied = nn.Dense(8, activation='relu').share_parameters(shared.collect_params())
twin = Net(3).share_parameters(net.collect_params())
```

## Fix safety
1.x ties by prefixed name (`dense0_weight`), the new API by structural name; the fix is applied only
where both tie the same Parameter objects:
- For a new block without children (a layer such as `Dense`, or a class of the file that creates
  none), 1.x and the new API both pair its own parameters by name with those of the source.
  `params=X.params` becomes `X.collect_params()` when X is also such a layer (the two dicts are then
  the same), else `X.params`: the new API's dict of X's own parameters, keyed by attribute, which
  keeps the 1.x meaning without warnings for X's children's keys.
- `params=X.collect_params()` is also rewritten when X was built in the same scope from the same
  class of this file with the same arguments, and that class creates its children in `__init__`
  inside `with self.name_scope()`: 1.x's prefixed names and the new structural names then pair the
  same parameters. Children created outside the scope were not shared by 1.x (their names do not
  start with the prefix) but would be by `share_parameters`: reported.
Reported, not rewritten: a new block with children and a `.params` source (1.x also tied children
whose prefixed names match the source's own names, as `rnn` layers' `_unfuse` does with
`prefix='l0_'`), other `collect_params()` sources (structure not known to match: a tie by structural
key can silently tie nothing or something else), `collect_params(regex)` (selects on the old prefixed
names), conditional and unknown sources. A regex selection given to a block of another class (directly
or through a variable, and also for a class imported from a module the file cannot see) is reported
as a tie that no regex can restore: the two classes name the shared Parameters by different
structural keys, so the remedy is to assign the Parameters by attribute after construction
(`self.crit.proj[0].weight = self.embed.embed_0.weight`). A `params` inside a mapping unpacked
into a Gluon constructor (`**{'params': ...}`, `cfg = dict(params=...)` before `**cfg`) is reported too.
`SymbolBlock(outputs, inputs, params=...)` keeps `params` in the new API and is left alone, as are
classes of the file that use a `params` argument for something else.
"""
from __future__ import annotations

import ast
from typing import Dict, List, Optional

from gluon_codemod.engine.libcst_on_demand import cst
from gluon_codemod.engine.cst_edits import remove_args
from gluon_codemod.analysis.names import dotted, is_gluon
from gluon_codemod.analysis.call_resolver import unpacked_argument
from gluon_codemod.engine.rule import Edit, Invalid, Rule, Valid
from gluon_codemod.analysis.old_api import assigned_values, literal, regex_parameter_key, select_arg, select_problem, \
    written

# Gluon layers that own parameters but no children: their `params` and `collect_params()` coincide.
_LEAVES = {"Dense", "Embedding", "BatchNorm", "SyncBatchNorm", "InstanceNorm", "LayerNorm", "GroupNorm",
           "Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose", "PReLU",
           "DeformableConvolution", "ModulatedDeformableConvolution", "SparseEmbedding", "RNNCell",
           "LSTMCell", "GRUCell", "LSTMPCell", "Conv1DRNNCell", "Conv2DRNNCell", "Conv3DRNNCell",
           "Conv1DLSTMCell", "Conv2DLSTMCell", "Conv3DLSTMCell", "Conv1DGRUCell", "Conv2DGRUCell",
           "Conv3DGRUCell", "RNN", "LSTM", "GRU"}
_BASES = {"Block", "HybridBlock"}


def _drop_params(index: int, arg: cst.Arg) -> bool:
    return arg.keyword is not None and arg.keyword.value == "params"


def _remove_none(node: cst.Call, fix):
    return remove_args(node, _drop_params)


def _share(as_collect: bool):
    def apply(node: cst.Call, fix):
        source = next(a.value for a in node.args if _drop_params(0, a))
        if as_collect:  # `X.params` -> `X.collect_params()`
            source = cst.Call(func=source.with_changes(attr=cst.Name("collect_params")))
        call = remove_args(node, _drop_params)
        return cst.Call(func=cst.Attribute(value=call, attr=cst.Name("share_parameters")),
                        args=[cst.Arg(value=source)])
    return apply


def _strip(call: ast.Call) -> str:
    """The constructor call without `params`/`prefix`, for comparing two constructions."""
    return ast.dump(ast.Call(func=call.func, args=call.args,
                             keywords=[k for k in call.keywords if k.arg not in ("params", "prefix")]))


def _in_name_scope(node: ast.AST, init: ast.FunctionDef) -> bool:
    for with_node in ast.walk(init):
        if isinstance(with_node, ast.With) and any(
                isinstance(i.context_expr, ast.Call) and isinstance(i.context_expr.func, ast.Attribute)
                and i.context_expr.func.attr == "name_scope" for i in with_node.items):
            if any(child is node for stmt in with_node.body for child in ast.walk(stmt)):
                return True
    return False


class ParamsSharing(Rule):
    code = "GLN004"
    name = "params-sharing"
    message = ("`params=` is removed from Block constructors in the new API; chain "
               "`.share_parameters({source})`, which ties parameters by structural name")
    fix_title = "Chain `.share_parameters({source})` instead of `params=`"

    VALID = [
        Valid("""
            from mxnet import gluon
            blk = gluon.SymbolBlock(out, data, params=net.collect_params())
            """,
              why="SymbolBlock keeps `params` in the new API"),
        Valid("""
            import requests
            from mxnet import gluon
            r = requests.get(url, params={'q': 1})
            """,
              why="not a Gluon call"),
        Valid("""
            from mxnet.gluon import nn
            b = nn.Dense(8).share_parameters(a.collect_params())
            """,
              why="already migrated"),
        Valid("""
            from mxnet import gluon
            from .optim import Lookahead
            def make(net):
                return Lookahead(params=net.collect_params('.*weight'))
            """,
              why="an unresolved class that is not built as a Block's attribute: nothing says it is a Block"),
    ]
    INVALID = [
        Invalid(
            """
            from mxnet.gluon import nn as N
            net = N.Sequential()
            shared = N.Dense(8, activation='relu')
            net.add(shared,
                    N.Dense(8, activation='relu', params=shared.params),  # tied
                    N.Dense(10, params=None))
            """,
            """
            from mxnet.gluon import nn as N
            net = N.Sequential()
            shared = N.Dense(8, activation='relu')
            net.add(shared,
                    N.Dense(8, activation='relu').share_parameters(shared.collect_params()),  # tied
                    N.Dense(10))
            """,
            why="a layer's `.params` is its `collect_params()`; `params=None` is just removed",
            line=5,
        ),
        Invalid(
            "from mxnet import gluon\r\n"
            "class Net(gluon.HybridBlock):\r\n"
            "    def __init__(self, units, **kwargs):\r\n"
            "        super().__init__(**kwargs)\r\n"
            "        with self.name_scope():\r\n"
            "            self.body = gluon.nn.Dense(units)\r\n"
            "def twins(encoder):\r\n"
            "    a = Net(4)\r\n"
            "    b = Net(4, params=a.collect_params())\r\n"
            "    c = gluon.nn.Dense(4, params=encoder.params)\r\n"
            "    return a, b, c\r\n",
            "from mxnet import gluon\r\n"
            "class Net(gluon.HybridBlock):\r\n"
            "    def __init__(self, units, **kwargs):\r\n"
            "        super().__init__(**kwargs)\r\n"
            "        with self.name_scope():\r\n"
            "            self.body = gluon.nn.Dense(units)\r\n"
            "def twins(encoder):\r\n"
            "    a = Net(4)\r\n"
            "    b = Net(4).share_parameters(a.collect_params())\r\n"
            "    c = gluon.nn.Dense(4).share_parameters(encoder.params)\r\n"
            "    return a, b, c\r\n",
            why="same class, same arguments, children in name_scope; an unknown block's `.params` stays `.params`",
            line=9,
        ),
        Invalid(
            """
            from mxnet.gluon import nn
            class Net(nn.Block):
                def __init__(self, **kwargs):
                    super().__init__(**kwargs)
                    self.body = nn.Dense(3)
            a, seq = Net(), nn.Sequential()
            b = Net(params=a.collect_params())
            c = nn.Dense(3, params=seq.collect_params())
            d = nn.Dense(3, params=a.collect_params('.*weight'))
            e = nn.Dense(3, params=a.params if tie else None)
            f = Net(params=a.body.params)
            """,
            None,
            why="children outside name_scope, a composite source, a regex, a condition, a `.params` source for "
                "a block with children: reported, not rewritten",
            line=7,
        ),
        Invalid(
            """
            from mxnet import gluon
            from .adaptive import AdaptiveEmbedding, ProjectedAdaptiveLogSoftmaxWithLoss
            class TransformerXL(gluon.Block):
                def __init__(self, vocab_size, units, **kwargs):
                    super().__init__(**kwargs)
                    self.embed = AdaptiveEmbedding(vocab_size, units)
                    self.crit = ProjectedAdaptiveLogSoftmaxWithLoss(
                        vocab_size, units, params=self.embed.collect_params('(.*_embed|.*_inter_proj)'))
            """,
            None,
            why="a regex tie between two classes (imported from a module the file cannot see): no regex can "
                "restore it under structural keys; reported with the attribute-assignment remedy",
            line=8,
        ),
        Invalid(
            """
            from mxnet.gluon import nn
            shared = nn.Dense(4)
            options = dict(params=shared.params)
            tied = nn.Dense(4, **options)
            """,
            None,
            why="`params` inside a mapping unpacked into a Block constructor: reported where it is put",
            line=3,
        ),
    ]

    def __init__(self, sink, ctx):
        super().__init__(sink, ctx)
        self._classes: Dict[str, ast.ClassDef] = {}
        self._module: Optional[ast.Module] = None

    def visit_Module(self, node: ast.Module) -> None:
        self._module = node
        for child in self.ctx.nodes_of(ast.ClassDef):
            self._classes.setdefault(child.name, child)

    def visit_Call(self, node: ast.Call) -> None:
        keyword = next((k for k in node.keywords if k.arg == "params"), None)
        if keyword is None:
            unpacked = unpacked_argument(node, "params")
            if unpacked is not None and self.ctx.is_block_constructor(node) and self._takes_gluon_params(node.func):
                # (`**{'params': ...}`, or `cfg = dict(params=...)` before a `**cfg`: see analysis.mappings)
                self.report(unpacked, "`{cls}` is given `params` inside an unpacked mapping, which the new API "
                            "removes; delete the `'params'` entry and chain `.share_parameters(...)` instead",
                            cls=ast.unparse(node.func))
            return
        if not (self.ctx.is_block_constructor(node) and self._takes_gluon_params(node.func)):
            selections = self._selections(keyword.value)
            if selections and self._builds_unresolved_block(node):
                self._regex_tie(keyword, node, selections)
            return
        value = keyword.value
        if isinstance(value, ast.Constant) and value.value is None:
            self.report(keyword, "`params=None` is removed from Block constructors in the new API",
                        edit=Edit("Call", _remove_none, span=_span(node)), fix_title="Remove `params=None`")
            return
        receiver_leaf = self._is_leaf(node)
        if isinstance(value, ast.Attribute) and value.attr == "params":
            leaf = self._is_leaf(self._construction(value.value))
            source = f"{ast.unparse(value.value)}.{'collect_params()' if leaf else 'params'}"
            if receiver_leaf:
                self._fix(keyword, node, source, as_collect=leaf)
            else:
                self.report(keyword, "`params={old}` also tied, in 1.x, the children of `{cls}` whose prefixed "
                            "names match a parameter of `{owner}`; `share_parameters` ties by structural name: "
                            "chain `.share_parameters({source})` for the block's own parameters, or tie the "
                            "children by attribute", old=ast.unparse(value), cls=ast.unparse(node.func),
                            owner=ast.unparse(value.value), source=source)
        elif (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)
              and value.func.attr == "collect_params"):
            source = ast.unparse(value)
            if value.args or value.keywords:
                self._regex_tie(keyword, node, [value])
                return
            built = self._construction(value.func.value)
            if (receiver_leaf and self._is_leaf(built)) or self._same_structure(node, built):
                self._fix(keyword, node, source, as_collect=False)
            elif self._same_structure(node, built, scoped=False):
                self.report(keyword, "`params={source}` did not tie the children that `{cls}` creates outside "
                            "`name_scope()` in 1.x, `share_parameters` would; if that is intended chain "
                            "`.share_parameters({source})`", source=source, cls=ast.unparse(node.func))
            else:
                self.report(keyword, "`params={source}` cannot be shown to tie the same parameters once keyed by "
                            "structural name; if both blocks have the same structure chain "
                            "`.share_parameters({source})`", source=source)
        elif self._selections(value):
            self._regex_tie(keyword, node, self._selections(value))
        else:
            self.report(keyword, "`params={source}` is removed from Block constructors in the new API and this "
                        "source cannot be rewritten; chain `.share_parameters(<block>.collect_params())` where "
                        "sharing is wanted", source=ast.unparse(value))

    def _fix(self, keyword, call, source, as_collect):
        self.report(keyword, source=source, edit=Edit("Call", _share(as_collect), span=_span(call)),
                    fix_title=self.fix_title.format(source=source))

    # -- sharing through a regex selection --------------------------------------------------------
    def _selections(self, value: ast.AST) -> List[ast.Call]:
        """The `collect_params(regex)` calls that `value` is, or that a variable holding it was assigned
        (`crit_params = self.embed.collect_params('.*_embed')`); empty unless one of them has a regex."""
        calls = [value]
        if isinstance(value, ast.Name):
            calls = [v for v in assigned_values(self.ctx, value.id)
                     if not (isinstance(v, ast.Constant) and v.value is None)]
        if not calls or not all(isinstance(c, ast.Call) and isinstance(c.func, ast.Attribute)
                                and c.func.attr == "collect_params" for c in calls):
            return []
        return calls if any(select_arg(c) is not None for c in calls) else []

    def _builds_unresolved_block(self, call: ast.Call) -> bool:
        """`self.crit = ProjectedSoftmax(..., params=...)` in a Block, of a class the file imports from a
        module it cannot see (a sibling module, a package of the project): a class (CamelCase) from outside
        MXNet, assigned to a Block's attribute."""
        name = dotted(call.func)
        parent = self.ctx.parent_of(call)
        return (name is not None and name.rsplit(".", 1)[-1][:1].isupper()
                and not (self.ctx.imports.qualify(call.func) or "").startswith("mxnet") and self.ctx.in_block_class
                and isinstance(parent, ast.Assign) and (dotted(parent.targets[0]) or "").startswith("self."))

    def _regex_tie(self, keyword: ast.keyword, call: ast.Call, selections: List[ast.Call]) -> None:
        cls = ast.unparse(call.func)
        regexes = [literal(select_arg(s)) or ast.unparse(select_arg(s)) for s in selections if select_arg(s)]
        owners = sorted({ast.unparse(s.func.value) for s in selections})
        built = [self._construction(s.func.value, any_class=True) for s in selections]
        fmt = dict(shown=written(self.ctx, keyword.value), cls=cls, regex="`, `".join(regexes), owner=owners[0])
        if built and all(b is not None and ast.dump(b.func) == ast.dump(call.func) for b in built):
            problems = [select_problem(r) for r in regexes if select_problem(r)]
            self.report(keyword, "`params={shown}` selects by the regex `{regex}`, written for 1.x prefixed names; "
                        "both blocks are `{cls}`, so the same Parameters have the same structural keys: chain "
                        "`.share_parameters({owner}.collect_params(...))` with a regex over those keys{hint}",
                        hint=f" ({'; '.join(problems)})" if problems else "", **fmt)
            return
        sources = sorted({ast.unparse(b.func) for b in built if b is not None})
        parent = self.ctx.parent_of(call)
        target = ast.unparse(parent.targets[0]) if isinstance(parent, ast.Assign) and len(parent.targets) == 1 \
            else f"<the {cls}>"
        self.report(keyword, "`params={shown}` ties the Parameters that the regex `{regex}` picked by 1.x prefixed "
                    "name to a `{cls}`, {other}: the two name those Parameters by different structural keys, so "
                    "no regex can restore this tie; drop `params=` and assign each shared Parameter by attribute "
                    "after construction (`{target}.<child>.{param} = {owner}.<child>.{param}`)",
                    param=(len(regexes) == 1 and regex_parameter_key(regexes[0])) or "<param>",
                    other=(f"a class other than `{owners[0]}`'s (`{'`/`'.join(sources)}`)" if sources
                           else f"not known to have the structure of `{owners[0]}`"),
                    target=target, **fmt)

    # -- what the blocks are --------------------------------------------------------------------
    def _takes_gluon_params(self, func: ast.AST) -> bool:
        """A Gluon `params` argument: not SymbolBlock's, not a file class's own `params` argument."""
        if isinstance(func, ast.Name) and func.id in self._classes:
            return self._class_forwards(self._classes[func.id], set())
        return not (self.ctx.imports.qualify(func) or "").endswith("SymbolBlock")

    def _class_forwards(self, cls: ast.ClassDef, seen: set) -> bool:
        if cls.name in seen:
            return False
        seen.add(cls.name)
        init = next((s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None)
        if init is not None:
            declared = [a.arg for a in init.args.args + init.args.kwonlyargs]
            if "params" not in declared:
                return init.args.kwarg is not None and self._bases_forward(cls, seen)
            for use in self.ctx.walk(init):  # `params` must only be handed on to a base's __init__
                if isinstance(use, ast.Name) and use.id == "params" and not self._passed_to_init(use, init):
                    return False
        return self._bases_forward(cls, seen)

    def _bases_forward(self, cls, seen) -> bool:
        for base in cls.bases:
            if isinstance(base, ast.Name) and base.id in self._classes:
                return self._class_forwards(self._classes[base.id], seen)
            if (self.ctx.imports.qualify(base) or "").endswith("SymbolBlock"):
                return False
        return True

    @staticmethod
    def _passed_to_init(name: ast.Name, init: ast.FunctionDef) -> bool:
        for call in ast.walk(init):
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "__init__":
                if any(a is name for a in call.args) or any(k.value is name for k in call.keywords):
                    return True
        return False

    def _construction(self, expr: ast.AST, any_class: bool = False) -> Optional[ast.Call]:
        """The Block constructor call that the only assignment to `expr` in this scope stores, if any
        (`any_class`: any call of a CamelCase name, such as a Block class imported from a sibling module)."""
        name = dotted(expr)
        if name is None:
            return None
        scope = self.ctx.current_function or self._module
        if name.startswith("self.") and self.ctx.class_stack:
            scope = self.ctx.class_stack[-1]
        assignments = [n for n in self.ctx.walk(scope) if isinstance(n, ast.Assign)]
        values = [n.value for n in assignments for t in n.targets if dotted(t) == name]
        values += [e for n in assignments for t in n.targets
                   if isinstance(t, ast.Tuple) and isinstance(n.value, ast.Tuple) and len(t.elts) == len(n.value.elts)
                   for d, e in zip(t.elts, n.value.elts) if dotted(d) == name]
        if len(values) == 1 and (self.ctx.is_block_constructor(values[0]) or (
                any_class and isinstance(values[0], ast.Call)
                and (dotted(values[0].func) or "").rsplit(".", 1)[-1][:1].isupper())):
            return values[0]
        return None

    def _is_leaf(self, call: Optional[ast.Call]) -> bool:
        if call is None:
            return False
        if isinstance(call.func, ast.Name) and call.func.id in self._classes:
            return self._childless(self._classes[call.func.id], set())
        qualified = self.ctx.imports.qualify(call.func)
        return is_gluon(qualified) and qualified.rsplit(".", 1)[-1] in _LEAVES

    def _childless(self, cls: ast.ClassDef, seen: set) -> bool:
        if cls.name in seen:
            return False
        seen.add(cls.name)
        if any(self.ctx.is_block_constructor(n) for n in self.ctx.walk(cls)):
            return False
        return all(self._childless(self._classes[b.id], seen) if isinstance(b, ast.Name) and b.id in self._classes
                   else (self.ctx.imports.qualify(b) or "").rsplit(".", 1)[-1] in _BASES for b in cls.bases)

    def _same_structure(self, call: ast.Call, built: Optional[ast.Call], scoped: bool = True) -> bool:
        """Same class of this file, same arguments, (`scoped`) every child created inside `name_scope()`."""
        if built is None or _strip(call) != _strip(built):
            return False
        if not (isinstance(call.func, ast.Name) and call.func.id in self._classes):
            return False
        return not scoped or self._scoped(self._classes[call.func.id], set())

    def _scoped(self, cls: ast.ClassDef, seen: set) -> bool:
        if cls.name in seen:
            return False
        seen.add(cls.name)
        init = next((s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None)
        if init is not None and any(self.ctx.is_block_constructor(n) and not _in_name_scope(n, init)
                                    for n in self.ctx.walk(init)):
            return False
        return all(self._scoped(self._classes[b.id], seen) if isinstance(b, ast.Name) and b.id in self._classes
                   else (self.ctx.imports.qualify(b) or "").rsplit(".", 1)[-1] in _BASES for b in cls.bases)


def _span(node):
    return (node.lineno, node.col_offset, node.end_lineno, node.end_col_offset)
