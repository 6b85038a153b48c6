"""Code that depends on 1.x prefixed names (`dense0_weight`), which the new Block API no longer has.

## What it does
Reports, with the structural replacement where one is known:
- `.prefix` / `._prefix` of a Block, including `k[len(net.prefix):]` (a read inside a `prefix=` argument
  that GLN002/GLN003 remove goes with it: no finding of its own; one handed on to a callee that keeps it
  is reported as such);
- a Block's `.name` used to build a parameter or op name (`net.name + '_weight'`, `f'{net.name}_w'`);
- prefixed string keys into `collect_params()`, a `collect_params()` variable or `block.params`
  (`params['dense0_weight']`, `'conv0_bias' in params`);
- regexes, `startswith` and substring tests over parameter keys written for prefixes
  (`re.match('dense0_', k)`, `'batchnorm' in k`), and
  `collect_params(select)` whose regex means something else on structural keys (outside the
  ParameterDict method calls GLN006 handles);
- Block internals built on prefixes: `_collect_params_with_prefix`, `_reg_params`, `_params`, `_unfuse()`;
- writes into a Block's child registry (`self._children[block.name] = block` in a custom `add`), which
  the new API fills itself through `register_child` (holding weak references);
- literal 1.x names where code compares them with names the new API builds differently: a list, set or
  tuple of prefixed names compared with (or `assertEqual`ed to) parameter keys
  (`sorted(cell.collect_params().keys()) == ['rnn_h2h_bias', ...]`), with a symbol's
  `list_arguments()` or `list_outputs()`; symbol argument names given to `eval`/`bind`/`simple_bind`/
  `infer_shape`/`infer_type` (`rnn_i2h_weight=...`, `args={'dense0_weight': ...}`); and 1.x output names
  (`'dense_dense0_fwd_output'`) handed to a helper together with a Block (`check_name(net, [...])`).

## Why is this bad?
The new API names parameters by attribute path (`'features.0.weight'`, spec S3.1): there is no
prefix (S2.1), `block.name` no longer nests and never starts a parameter's name (S2.2), and
`collect_params(select)` matches its regex against structural keys (S3.3). Code that builds, strips
or matches prefixed names silently finds nothing.

## Example
```python
w = net.collect_params()['dense0_weight']
name = net.prefix + 'weight'
keys = [k[len(net.prefix):] for k in net.collect_params()]
cell = gluon.rnn.RNNCell(100, prefix='rnn_')
assert sorted(cell.collect_params().keys()) == ['rnn_h2h_bias', 'rnn_h2h_weight', 'rnn_i2h_bias', 'rnn_i2h_weight']
out = sym.eval(data=x, rnn_i2h_weight=w)
```

## Use instead
```python
w = net.collect_params()['0.weight']  # or net[0].weight
name = 'weight'
keys = list(net.collect_params())
cell = gluon.rnn.RNNCell(100)
assert sorted(cell.collect_params().keys()) == ['h2h_bias', 'h2h_weight', 'i2h_bias', 'i2h_weight']
out = sym.eval(data=x, **{cell.i2h_weight.name: w})  # a Parameter's symbol variable is its unique name
```

## Fix safety
Unsafe, where the file tells the very Parameter a prefixed key meant: the key is replaced by its
structural key when the name is traced through the Blocks the same scope builds (below), or, for a
name of 1.x's process-wide counter (`'dense1_bias'`), when a script builds every such layer once, in
order, at module level (then `dense1_` is the second `Dense` it built, if nothing it imported built one
first: hence unsafe). Everything else is reported only: the structural key depends on the attribute
path of the child, which the file does not always tell, and no example path is suggested for it.
Receivers are resolved through the file: `.prefix`, `.name` and `._params` only on Blocks the file
knows (a Block class's `self`, Block variables), so `args.prefix`, `tempfile` and your own classes
are left alone; the Gluon-only internals (`._prefix`, `_reg_params`,
`_collect_params_with_prefix`, `_unfuse`) also on unresolved receivers in a file that uses MXNet.
Regexes are reported only when they spell a layer prefix (`dense0_`, `conv\\d+_`) and run over
parameter keys.
Literal names are traced to the Block that owns them through the Blocks the same scope builds
(`cell = RNNCell(..., prefix='rnn_')`, `net.add(...)` in order, `with net.name_scope():`, the cell a
`ResidualCell` wraps): `'rnn_i2h_weight'` of `cell.collect_params()` is `'i2h_weight'` (`cell.i2h_weight`),
`'hybridsequential0_dense1_bias'` of `net.collect_params()` is `'1.bias'`; a name that cannot be traced
is shown with a `<path>` placeholder and the parameter's own key (after the file's literal prefix, such
as `lhuc_` in `'lhuc_weight'`), never with the reported name itself: where the name does not show where
its prefix ends, no key is suggested. A string counts as a 1.x name only
after a literal `prefix=` of the file or an alias-and-counter prefix (`dense0_`), and only when a
parameter key (of Gluon's layers or the file's own `params.get` names) or an op output follows; the
symbol variables the file names itself (`mx.sym.Variable('rnn_t%d_data' % i)`) are not 1.x names.
"""
from __future__ import annotations

import ast
import re
from typing import Optional, Set

from gluon_codemod.engine.libcst_on_demand import cst
from gluon_codemod.analysis.names import dotted
from gluon_codemod.engine.rule import Edit, Invalid, Rule, Valid
from gluon_codemod.analysis.legacy_names import ASSERT_EQUAL, SYMBOL_CALLS, SYMBOL_DICTS, bracketed, counted_key, \
    listed_strings, output_expression, parameter_expression, scope_blocks, structural_key, unwrapped
from gluon_codemod.analysis.old_api import LAYER_ALIASES, MOVED_METHODS, Role, assigned_values, feeds_params_argument, \
    is_collect_params, keys_of_layer, layer_prefix_tail, literal, looks_prefixed, names_a_layer_prefix, \
    parameter_key, receiver_role, scope_of, select_arg, select_problem, written

# A layer's 1.x alias as a substring test writes it: `'batchnorm'`, `'dense0'`, `'conv1_'`.
_LAYER_NAME = re.compile(r"(?:%s)\d*_?$" % "|".join(re.escape(a) for a in LAYER_ALIASES if a != "mobilenetv2_"))
_PATH_NOTE = (" (`<path>`: the attribute path, from that Block, of the child that owned the parameter, "
              "e.g. `'0.weight'`; nothing for its own parameters)")
_REGEX_FUNCTIONS = {"match", "search", "fullmatch", "findall", "finditer", "sub", "subn", "split", "compile"}
_INTERNALS = {
    "_reg_params": "is private Block state; use `{receiver}.params` (in the new API a dict of the block's own "
                   "Parameters keyed by attribute, as `_reg_params` was) or `{receiver}.collect_params()`",
    "_params": "is the Block's 1.x ParameterDict (prefixed keys), removed in the new API; use "
               "`{receiver}.collect_params()` (all parameters, structural keys) or `{receiver}.params` (its own)",
}


def _replace_key(new: str):
    """The string literal becomes `new` (a repr), in the literal's own quotes."""
    def apply(node: cst.SimpleString, fix):
        quote = node.quote
        return node.with_changes(value=node.prefix + quote + ast.literal_eval(new) + quote)
    return apply


def _span(node: ast.AST):
    return (node.lineno, node.col_offset, node.end_lineno, node.end_col_offset)


class OldNames(Rule):
    code = "GLN009"
    name = "old-names"
    message = "`{shown}` depends on 1.x prefixed names, which the new Block API no longer has"
    gone_with_dropped_arguments = True  # a `self.prefix` in a `prefix=` argument that GLN002/GLN003 remove

    VALID = [
        Valid("""
            import tempfile
            from mxnet import gluon
            d = tempfile.mkdtemp(prefix='run_')
            t = tempfile.template
            def main(args):
                print(args.prefix + '_log', args.name + '_x')
            """,
              why="not Blocks: a module, an argparse namespace"),
        Valid("""
            from mxnet import gluon
            class Cfg:
                def __init__(self, prefix):
                    self.prefix = prefix
                def path(self):
                    return self.prefix + '_model'
            """,
              why="`self.prefix` in a class that is not a Block"),
        Valid("""
            from mxnet import gluon
            class Tree:
                def __init__(self):
                    self._children = {}
                def add(self, key, node):
                    self._children[key] = node
            """,
              why="`_children` of a class that is not a Block, which sets it itself"),
        Valid("""
            import re
            from mxnet import gluon
            net = gluon.nn.Dense(2)
            w = net.collect_params()['weight']
            files = [f for f in names if re.match('dense0_', f)]
            """,
              why="a structural key; a regex over something that is not parameter keys"),
        Valid("""
            import logging
            import mxnet as mx
            from mxnet import gluon
            cell = gluon.rnn.RNNCell(100, prefix='rnn_')
            data = [mx.sym.Variable('rnn_t%d_data' % i) for i in range(2)]
            out, _ = cell.unroll(2, data)
            args, outs, auxs = mx.sym.Group(out).infer_shape(rnn_t0_data=(10, 50), rnn_t1_data=(10, 50))
            lr = {'dense0_weight': 0.1, 'rnn_i2h_bias': 0.0}
            assert sorted(lr.keys()) == ['dense0_weight', 'rnn_i2h_bias']
            logging.info('dense0_weight grew: %s', ['dense0_weight'])
            assert sorted(cell.collect_params().keys()) == ['h2h_bias', 'h2h_weight', 'i2h_bias', 'i2h_weight']
            """,
              why="symbol variables the file names itself, a dict of config values, logging text, structural keys"),
        Valid("""
            def test_keys(params):
                assert sorted(params.keys()) == ['rnn_h2h_bias', 'rnn_i2h_bias']
                return sym.eval(dense0_weight=1)
            """,
              why="a file without MXNet: nothing says these are parameter keys or symbols"),
    ]
    INVALID = [
        Invalid(
            """
            from mxnet import gluon
            net = gluon.nn.HybridSequential()
            params = net.collect_params()
            w = params['hybridsequential0_dense0_weight']
            names = [k[len(net.prefix):] for k in params]
            tag = net.name + '_fc'
            """,
            None,
            why="a prefixed key, a prefix strip and a name built from `.name`: reported with the structural form",
            line=4,
        ),
        Invalid(
            """
            import re
            from mxnet import gluon
            class Net(gluon.HybridBlock):
                def describe(self):
                    own = {k: v for k, v in self._reg_params.items()}
                    dense = [k for k in self.collect_params() if re.match('dense0_', k)]
                    return self._prefix, f'{self.name}_out', own, dense
            def unfused(layer):
                return layer._unfuse()._collect_params_with_prefix()
            class Chain(gluon.Block):
                def add(self, block):
                    self._children[block.name] = block
            """,
            None,
            why="internals on `self` in a Block and on an unresolved argument; a regex over collected keys; a "
                "child registered by writing `_children`",
            line=5,
        ),
        Invalid(
            """
            import mxnet as mx
            from mxnet import gluon
            def test_residual():
                cell = gluon.rnn.ResidualCell(gluon.rnn.GRUCell(50, prefix='rnn_'))
                inputs = [mx.sym.Variable('rnn_t%d_data' % i) for i in range(2)]
                outputs, _ = cell.unroll(2, inputs)
                outputs = mx.sym.Group(outputs)
                assert sorted(cell.collect_params().keys()) == \\
                    ['rnn_h2h_bias', 'rnn_h2h_weight', 'rnn_i2h_bias', 'rnn_i2h_weight']
                outputs = outputs.eval(rnn_t0_data=mx.nd.ones((10, 50)), rnn_t1_data=mx.nd.ones((10, 50)),
                                       rnn_i2h_weight=mx.nd.zeros((150, 50)), rnn_i2h_bias=mx.nd.zeros((150,)))
            def check_name(net, names):
                assert net(mx.sym.var('data')).list_outputs() == names
            def test_names():
                net = gluon.nn.HybridSequential(prefix='dense_')
                with net.name_scope():
                    net.add(gluon.nn.Dense(3))
                check_name(net, ['dense_dense0_fwd_output'])
            """,
            None,
            why="literal 1.x names compared with parameter keys, given as symbol arguments and as output names: "
                "reported with the structural names traced through the cells and the Sequential",
            line=8,
        ),
        Invalid(
            """
            from mxnet import gluon
            class LHUC(gluon.HybridBlock):
                def __init__(self, units, prefix='lhuc_'):
                    super().__init__(prefix=prefix)
                    self.weight = self.params.get('weight', shape=(units,))
            def scale(net):
                return net.collect_params()['lhuc_weight']
            """,
            None,
            why="a literal prefix without a counter: reported with the key after it (`'weight'`, "
                "`'<path>.weight'`), not the 1.x name back",
            line=7,
        ),
        Invalid(
            """
            from mxnet.gluon import nn
            net = nn.Sequential()
            net.add(nn.Dense(8, activation='relu'), nn.Dense(1))
            net.initialize()
            bias = net.collect_params()['dense1_bias'].data()
            """,
            """
            from mxnet.gluon import nn
            net = nn.Sequential()
            net.add(nn.Dense(8, activation='relu'), nn.Dense(1))
            net.initialize()
            bias = net.collect_params()['1.bias'].data()
            """,
            unsafe_fixes=True,
            why="a script's counted name: the second Dense it builds, `net[1]`; unsafe (an import may have "
                "built a Dense first)",
            line=5,
        ),
    ]

    def visit_Module(self, node: ast.Module) -> None:
        self._module = node
        self._self_attrs: Set[str] = {n.attr for n in self.ctx.nodes_of(ast.Attribute)
                                      if isinstance(n.ctx, ast.Store) and dotted(n.value) == "self"}
        self._key_vars = {}

    # -- attributes: prefix, name, internals ----------------------------------------------------
    def visit_Attribute(self, node: ast.Attribute) -> None:
        if not isinstance(node.ctx, ast.Load) and node.attr not in ("_reg_params",):
            return
        attr, receiver = node.attr, node.value
        if attr in ("prefix", "_prefix"):
            self._prefix(node)
        elif attr == "name" and self._builds_name(node) and self._role(receiver) is Role.BLOCK:
            self.report(node, "`{shown}` is used to build a name, but in the new Block API a Block's name no longer "
                        "starts its parameters' names (1.x `dense0_weight`); refer to the parameter by its attribute "
                        "or by its structural key (`'weight'`, `'0.weight'`)", shown=ast.unparse(node))
        elif attr == "_children":
            self._children_written(node)
        elif attr in _INTERNALS:
            role = self._role(receiver)
            wanted = (Role.BLOCK, Role.UNKNOWN) if attr == "_reg_params" else (Role.BLOCK,)
            if role in wanted and not (attr == "_params" and self._assigns_own(receiver, attr)):
                self.report(node, "`{shown}` " + _INTERNALS[attr], shown=ast.unparse(node),
                            receiver=ast.unparse(receiver))

    def _children_written(self, node: ast.Attribute) -> None:
        """`self._children[key] = block` (a 1.x custom `Sequential.add`), `self._children.update(...)`."""
        parents = self.ctx.parents
        parent = parents[-1] if parents else None
        stored = isinstance(parent, ast.Subscript) and parent.value is node and isinstance(parent.ctx, ast.Store)
        updated = (isinstance(parent, ast.Attribute) and parent.attr in ("update", "setdefault") and len(parents) > 1
                   and isinstance(parents[-2], ast.Call) and parents[-2].func is parent)
        if not (stored or updated) or self._role(node.value) is not Role.BLOCK or self._inside_mxnet():
            return
        cls = self.ctx.class_stack[-1] if self.ctx.class_stack and dotted(node.value) == "self" else None
        if cls is not None and any(isinstance(n, ast.Attribute) and n.attr == "_children" and dotted(n.value) == "self"
                                   and isinstance(n.ctx, ast.Store) for n in self.ctx.walk(cls)):
            return  # the class's own `_children`, set in its own code
        receiver = ast.unparse(node.value)
        assign = parents[-2] if stored and len(parents) > 1 else None
        child = ast.unparse(assign.value) if isinstance(assign, ast.Assign) else "block"
        key = ast.unparse(parent.slice) if stored else None
        shown = ast.unparse(assign) if isinstance(assign, ast.Assign) else ast.unparse(parents[-2])
        self.report(node, "`{shown}` writes the Block's child registry directly, which the new Block API keeps "
                    "to itself (as weak references); register {each} with `{receiver}.register_child({child}, {key})` "
                    "and keep a reference to it (an attribute, or a list as `Sequential` keeps)", shown=shown,
                    each="the child" if stored else "each child", receiver=receiver, child=child, key=key or "key")

    def _prefix(self, node: ast.Attribute) -> None:
        role = self._role(node.value)
        parents = self.ctx.parents
        strips = (len(parents) >= 3 and isinstance(parents[-1], ast.Call) and dotted(parents[-1].func) == "len"
                  and isinstance(parents[-2], ast.Slice) and parents[-2].lower is parents[-1]
                  and isinstance(parents[-3], ast.Subscript))
        # An unresolved `x.prefix` (often argparse's) counts only when it is cut off a parameter key.
        if not (role is Role.BLOCK or (role is Role.UNKNOWN and (node.attr == "_prefix" or (
                strips and self._is_key(parents[-3].value))))):
            return
        if node.attr == "_prefix" and self._assigns_own(node.value, "_prefix"):
            return
        shown = ast.unparse(node)
        if strips:
            self.report(node, "`{sliced}` strips the 1.x prefix, but the new Block API has none: structural keys "
                        "(`'0.weight'`) are already relative to the Block; use the key as it is",
                        sliced=ast.unparse(parents[-3]))
            return
        if self._handed_on_as_prefix():
            self.report(node, "`{shown}` is handed on as a `prefix=`, which the new Block API no longer takes: "
                        "drop the argument (a child is named by the attribute that holds it), and the `prefix` "
                        "parameter of a callee of your own that only hands it on", shown=shown)
            return
        self.report(node, "`{shown}` is removed in the new Block API (no prefixes): use `{receiver}.name` for a "
                    "label (`'model0'`, without the trailing `_`) and structural keys for parameter names "
                    "(`collect_params()` keys such as `'0.weight'`)", shown=shown, receiver=ast.unparse(node.value))

    def _handed_on_as_prefix(self) -> bool:
        """The `.prefix` read is (part of) the value of a `prefix=` argument: `Child(prefix=self.prefix + 'x_')`."""
        for parent in reversed(self.ctx.parents):
            if isinstance(parent, ast.keyword):
                return parent.arg == "prefix"
            if not isinstance(parent, (ast.BinOp, ast.JoinedStr, ast.FormattedValue, ast.Tuple)) and not (
                    isinstance(parent, ast.Call) and isinstance(parent.func, ast.Attribute)
                    and parent.func.attr == "format"):
                return False
        return False

    def _builds_name(self, node: ast.Attribute) -> bool:
        """`x.name + '_w'`, `f'{x.name}_w'`, `'%s_w' % x.name`, `'{}_w'.format(x.name)`: a 1.x prefixed name."""
        parents = self.ctx.parents
        parent = parents[-1] if parents else None
        if isinstance(parent, ast.BinOp) and isinstance(parent.op, ast.Add) and parent.left is node:
            text = literal(parent.right)
            return text is not None and text.startswith("_")
        if isinstance(parent, ast.FormattedValue) and len(parents) >= 2 and isinstance(parents[-2], ast.JoinedStr):
            values = parents[-2].values
            index = values.index(parent)
            following = literal(values[index + 1]) if index + 1 < len(values) else None
            return following is not None and following.startswith("_")
        formatting = parents[-2] if isinstance(parent, ast.Tuple) and len(parents) >= 2 else parent
        if isinstance(formatting, ast.BinOp) and isinstance(formatting.op, ast.Mod):
            return "%s_" in (literal(formatting.left) or "")
        if (isinstance(parent, ast.Call) and isinstance(parent.func, ast.Attribute) and parent.func.attr == "format"
                and node in parent.args):
            return bool(re.search(r"\{[^}]*\}_", literal(parent.func.value) or ""))
        return False

    # -- prefixed keys ---------------------------------------------------------------------------
    def visit_Subscript(self, node: ast.Subscript) -> None:
        key = literal(node.slice)
        if key is not None and self._keyed_by_parameter(node.value) and self._is_legacy_key(key):
            self._report_key(node, key, node.value, node.slice)

    def visit_Compare(self, node: ast.Compare) -> None:
        if len(node.ops) == 1 and isinstance(node.ops[0], (ast.Eq, ast.NotEq)):
            self._compared_names(node, node.left, node.comparators[0])
        key = literal(node.left)
        if key is None or len(node.ops) != 1 or not isinstance(node.ops[0], (ast.In, ast.NotIn)):
            return
        container = node.comparators[0]
        if self._keyed_by_parameter(container) and self._is_legacy_key(key):
            self._report_key(node, key, container, node.left)
        elif _LAYER_NAME.match(key) and self._is_key(container) \
                and not any(key.rstrip("_") in attr for attr in self._self_attrs):
            # `'batchnorm' in k`: 1.x keys held the layer's alias; structural keys hold attribute names only
            # (unless the file names its children so: `self.dense` gives `'dense.weight'`).
            keys = keys_of_layer(re.sub(r"\d*_?$", "", key))
            ends = ", ".join(f"'.{k}'" for k in keys)
            by_key = f" (`k.endswith(({ends}{',' if len(keys) == 1 else ''}))`)" if keys else ""
            self.report(node, "`{shown}` looks for a 1.x layer name in a parameter key, but keys are now attribute "
                        "paths such as `'features.1.gamma'`, without layer names: test the parameter's own key"
                        "{by_key} or the type of the child that holds it", shown=ast.unparse(node), by_key=by_key)

    def _report_key(self, node, key: str, container, written: ast.AST) -> None:
        if key in self._self_attrs:
            return  # an attribute of the file's own Blocks: already a structural key
        own = isinstance(container, ast.Attribute) and container.attr == "params"
        receiver = self._receiver_of(container)
        blocks = self._blocks()
        within = blocks.by_name.get(dotted(receiver) or "") if receiver is not None else None
        traced, known = structural_key(key, blocks, within) if within is not None else (None, False)
        attribute = parameter_expression(key, blocks, within)[0] if known else None
        counted = None if known or own else counted_key(key, blocks, within)
        if known or counted:
            # The key of the very Parameter the name meant, traced through the Blocks this scope builds.
            new, attribute = (traced, attribute) if known else counted
            note = "" if known else (f", the Block 1.x numbered `{key[:key.index('_')]}` as the script built its "
                                     f"layers outside a name scope, counting from 0")
            self.report(node, "`'{key}'` is a 1.x prefixed name; the new Block API keys parameters by attribute "
                        "path: use `{new}` (`{attribute}`{note})", key=key, new=new, attribute=attribute, note=note,
                        fix_title=f"Use `{new}`",
                        edit=Edit("SimpleString", _replace_key(new), span=_span(written), safe=False))
            return
        part = _own_part(key, blocks)
        if part is None:
            # never the reported name back: it is the key that no longer exists
            hint = ("the Parameter's structural key (the attribute path of the Block that owns it, then the "
                    "Parameter's attribute), which the file does not tell")
        elif own:
            hint = f"`'{part}'`"
        else:
            hint = (f"`'{part}'` for the Block's own parameter, or `'<path>.{part}'` through a parent (`<path>`: "
                    f"the attribute path of the child that owns it, which the file does not tell)")
        self.report(node, "`'{key}'` is a 1.x prefixed name; the new Block API keys parameters by attribute "
                    "path: use {hint}", key=key, hint=hint)

    def _keyed_by_parameter(self, expr) -> bool:
        """`net.collect_params()`, a variable assigned only from it, or a Block's `.params`."""
        if is_collect_params(expr):
            return not self.ctx.is_foreign(expr.func.value)
        if isinstance(expr, ast.Attribute) and expr.attr == "params":
            return self._role(expr.value) is Role.BLOCK
        name = dotted(expr)
        values = assigned_values(self.ctx, name) if name else []
        return bool(values) and all(is_collect_params(v) or (isinstance(v, ast.Attribute) and v.attr == "params"
                                                             and self._role(v.value) is Role.BLOCK) for v in values)

    # -- calls: regexes, selections, internals ---------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        called = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
        if called in ASSERT_EQUAL and len(node.args) >= 2:
            self._compared_names(node, node.args[0], node.args[1])
        elif called in SYMBOL_CALLS and isinstance(func, ast.Attribute) and self.ctx.imports.imports_gluon \
                and not self.ctx.is_foreign(func.value):
            self._symbol_arguments(node)
        elif called not in ASSERT_EQUAL:
            self._output_names(node)
        if not isinstance(func, ast.Attribute):
            return
        receiver = func.value
        if func.attr in ("_collect_params_with_prefix", "_unfuse"):
            if self._role(receiver) in (Role.BLOCK, Role.UNKNOWN) and self.ctx.imports.imports_gluon:
                self._internal_call(node, func.attr)
        elif func.attr == "collect_params" and is_collect_params(node):
            self._selection(node)
        elif func.attr in ("get",) and node.args and self._keyed_by_parameter(receiver) \
                and not (isinstance(receiver, ast.Attribute) and receiver.attr == "params"):
            key = literal(node.args[0])
            if key is not None and self._is_legacy_key(key):
                self._report_key(node, key, receiver, node.args[0])
        elif func.attr in _REGEX_FUNCTIONS and self.ctx.imports.qualify(func) == f"re.{func.attr}":
            self._regex(node)
        elif func.attr == "startswith" and node.args and self._is_key(receiver):
            text = literal(node.args[0])
            if text is not None and names_a_layer_prefix(text):
                self.report(node, "`{shown}` tests for a 1.x prefix, but parameter keys are now attribute paths "
                            "such as `'0.weight'`: test the child's path (`k.startswith('0.')`)",
                            shown=ast.unparse(node))

    def _internal_call(self, node: ast.Call, method: str) -> None:
        receiver = ast.unparse(node.func.value)
        if method == "_unfuse":
            self.report(node, "`{receiver}._unfuse()` is not part of the new Block API (it rebuilt the fused layer "
                        "from 1.x prefixes and `params=`); build the cells (`rnn.SequentialRNNCell` of "
                        "`rnn.LSTMCell`s) yourself and copy the weights", receiver=receiver)
            return
        self.report(node, "`{receiver}._collect_params_with_prefix(...)` is private; use "
                    "`{receiver}.collect_params()`, keyed by the same structural names in the new API (with a "
                    "prefix argument: `{{prefix + '.' + k: v for k, v in {receiver}.collect_params().items()}}`)",
                    receiver=receiver)

    def _selection(self, node: ast.Call) -> None:
        pattern = literal(select_arg(node))
        if pattern is None or self.ctx.is_foreign(node.func.value):
            return
        parents = self.ctx.parents
        if (len(parents) >= 2 and isinstance(parents[-1], ast.Attribute) and parents[-1].attr in MOVED_METHODS
                and isinstance(parents[-2], ast.Call) and parents[-2].func is parents[-1]):
            return  # `collect_params(select).initialize(...)`: GLN006 reports it with its rewrite
        if feeds_params_argument(self.ctx, node):
            return  # `Block(..., params=net.collect_params(select))`: GLN004 reports the tie itself
        problem = select_problem(pattern)
        if problem:
            self.report(node, "`collect_params({written})` selects by 1.x prefixed names, but the regex is now "
                        "matched against structural keys (`re.match` from the start of `'0.weight'`): {problem}",
                        written=written(self.ctx, select_arg(node)), problem=problem)

    def _regex(self, node: ast.Call) -> None:
        pattern = literal(node.args[0]) if node.args else None
        if pattern is None or not names_a_layer_prefix(pattern):
            return
        subject = node.args[1] if len(node.args) > 1 else None
        if node.func.attr == "compile":
            subject = None
            applied = self.ctx.parents[-2] if len(self.ctx.parents) >= 2 else None
            if isinstance(applied, ast.Call) and applied.args:  # `re.compile(p).match(k)`
                subject = applied.args[0]
        if subject is None or not self._is_key(subject):
            return
        tail = layer_prefix_tail(pattern)
        by_key = f" or the parameter key (`'.*{tail}'`)" if tail else ""
        self.report(node, "the regex `{written}` matches 1.x prefixed names, but parameter keys are now attribute "
                    "paths such as `'0.weight'`: match the child's path (e.g. `'0\\.'`){by_key}",
                    written=written(self.ctx, node.args[0]), by_key=by_key)

    # -- literal 1.x names compared with keys or given as symbol arguments ------------------------
    def _compared_names(self, node, first, second) -> None:
        for source, names in ((first, second), (second, first)):
            listed = listed_strings(self.ctx, names)
            if listed is None:
                continue
            kind, receiver = self._name_source(source)
            if kind is None:
                continue
            strings, ordered = listed
            ordered = ordered or (isinstance(source, ast.Call) and isinstance(source.func, ast.Name)
                                  and source.func.id == "sorted")
            blocks = self._blocks()
            outputs = kind == "outputs"
            if not any(blocks.looks_legacy(s, outputs, loose=not outputs) for s in strings):
                continue
            within = blocks.by_name.get(dotted(receiver) or "") if receiver is not None else None
            shown = ast.unparse(names)
            if kind == "keys":
                mapped = [structural_key(s, blocks, within) if blocks.looks_legacy(s, loose=True) else (repr(s), True)
                          for s in strings]
                keys = [m for m, _ in mapped]
                if ordered and all(ok for _, ok in mapped):
                    keys = sorted(keys, key=ast.literal_eval)
                self.report(node, "`{shown}` lists 1.x prefixed parameter names, compared with the keys of "
                            "`{receiver}.collect_params()`, which are now attribute paths: compare with "
                            "`{keys}`{note}", shown=shown, receiver=ast.unparse(receiver) if receiver else "<Block>",
                            keys=bracketed(names, keys), note=_PATH_NOTE if not all(ok for _, ok in mapped) else "")
            else:
                mapped = [(output_expression(s, blocks)[0] if outputs else parameter_expression(s, blocks)[0] + ".name")
                          if blocks.looks_legacy(s, outputs, loose=not outputs) else repr(s) for s in strings]
                self._report_symbol_names(node, names, mapped, outputs)
            return

    def _report_symbol_names(self, node, names, mapped: list, outputs: bool) -> None:
        fmt = dict(shown=ast.unparse(names), mapped=bracketed(names, mapped))
        if outputs:
            self.report(node, "`{shown}` lists 1.x output names, built from nested Block prefixes; in the new API "
                        "an op is named after its own Block's `name` alone, with a process-wide counter "
                        "(`dense3_fwd_output`): build the names from the Blocks (`{mapped}`)", **fmt)
        else:
            self.report(node, "`{shown}` lists 1.x parameter names as symbol arguments, but in the new API a "
                        "Parameter's symbol variable is its unique `name` (`param_<uuid>_weight`): compare with "
                        "`{mapped}`", **fmt)

    def _name_source(self, expr):
        """('keys', receiver) for parameter keys, ('arguments'|'outputs', None) for a symbol's names."""
        expr = unwrapped(expr)
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and not expr.args:
            if expr.func.attr in ("list_arguments", "list_auxiliary_states", "list_inputs"):
                return "arguments", None
            if expr.func.attr == "list_outputs":
                return "outputs", None
        if not self._keyed_by_parameter(expr):
            return None, None
        return "keys", self._receiver_of(expr)

    def _receiver_of(self, keyed):
        """The Block whose parameter keys `keyed` holds: `net` for `net.collect_params()`, `net.params` or a
        variable assigned one of them."""
        if is_collect_params(keyed):
            return keyed.func.value
        if isinstance(keyed, ast.Attribute) and keyed.attr == "params":
            return keyed.value
        values = assigned_values(self.ctx, dotted(keyed) or "")
        if not values:
            return None
        return values[0].func.value if is_collect_params(values[0]) else getattr(values[0], "value", None)

    def _is_legacy_key(self, key: str) -> bool:
        return looks_prefixed(key) or self._blocks().looks_legacy(key, loose=True)

    def _symbol_arguments(self, node: ast.Call) -> None:
        """`outputs.eval(rnn_i2h_weight=...)`, `sym.bind(ctx, args={'dense0_weight': ...})`."""
        blocks = self._blocks()
        names = [k.arg for k in node.keywords if k.arg and blocks.looks_legacy(k.arg, loose=True)]
        dicts = [k.value for k in node.keywords if k.arg in SYMBOL_DICTS] + node.args[1:3]
        keyed = [literal(key) for d in dicts if isinstance(d, ast.Dict) for key in d.keys
                 if literal(key) and blocks.looks_legacy(literal(key), loose=True)]
        if not names and not keyed:
            return
        pairs = [f"`{n}` -> `**{{{parameter_expression(n, blocks)[0]}.name: ...}}`" for n in names]
        pairs += [f"`'{n}'` -> `{parameter_expression(n, blocks)[0]}.name`" for n in keyed]
        self.report(node, "`{method}(...)` names symbol arguments after 1.x parameter names, but in the new API a "
                    "Parameter's symbol variable is its unique `name` (`param_<uuid>_weight`): use {pairs}",
                    method=ast.unparse(node.func), pairs=", ".join(pairs))

    def _output_names(self, node: ast.Call) -> None:
        """`check_name(net, ['dense_dense0_fwd_output'])`: 1.x output names handed over with a Block."""
        lists = [(arg, listed_strings(self.ctx, arg)) for arg in node.args
                 if isinstance(arg, (ast.List, ast.Tuple, ast.Set))]
        lists = [(arg, listed) for arg, listed in lists if listed is not None]
        blocks_given = [a for a in node.args if self._role(a) is Role.BLOCK] if lists else []
        if not blocks_given:
            return
        blocks = self._blocks()
        within = blocks.by_name.get(dotted(blocks_given[0]) or "")
        for arg, listed in lists:
            if not any(blocks.looks_legacy(s, outputs=True) for s in listed[0]):
                continue
            mapped = [output_expression(s, blocks, within)[0] if blocks.looks_legacy(s, outputs=True) else repr(s)
                      for s in listed[0]]
            self._report_symbol_names(arg, arg, mapped, outputs=True)

    def _blocks(self):
        return scope_blocks(self.ctx, scope_of(self.ctx, self._module))

    # -- helpers ---------------------------------------------------------------------------------
    def _role(self, expr) -> Role:
        return receiver_role(self.ctx, expr)

    def _assigns_own(self, receiver, attr: str) -> bool:
        """`self._params = ...` in the file: the user's own attribute, not 1.x Block state."""
        return dotted(receiver) == "self" and attr in self._self_attrs and not self._inside_mxnet()

    def _inside_mxnet(self) -> bool:
        return bool(self.ctx.imports.package and self.ctx.imports.package.startswith("mxnet"))

    def _is_key(self, expr) -> bool:
        """A name bound to parameter keys: a loop target over `collect_params()` or a Block's `.params`."""
        if not isinstance(expr, ast.Name):
            return False
        scope = scope_of(self.ctx, self._module)
        if id(scope) not in self._key_vars:
            self._key_vars[id(scope)] = self._key_names(scope)
        return expr.id in self._key_vars[id(scope)]

    def _key_names(self, scope) -> Set[str]:
        names: Set[str] = set()
        for node in self.ctx.walk(scope):
            if not isinstance(node, (ast.For, ast.comprehension)):
                continue
            source, items = _iterated(node.iter)
            if source is None or not self._keyed_by_parameter(source):
                continue
            target = node.target
            if items and isinstance(target, ast.Tuple) and target.elts and isinstance(target.elts[0], ast.Name):
                names.add(target.elts[0].id)
            elif not items and isinstance(target, ast.Name):
                names.add(target.id)
        return names


def _own_part(key: str, blocks) -> Optional[str]:
    """The parameter's own key inside a 1.x name (`'lhuc_weight'` -> `'weight'` after the file's
    `prefix='lhuc_'`, `'dense0_weight'` -> `'weight'`), or None when the name does not show where its
    prefix ends: always a proper suffix, never the name itself."""
    known = [k for k in blocks.keys if key.endswith("_" + k)]
    if known:
        return max(known, key=len)
    after_prefix = [key[len(p):] for p in blocks.prefixes if key.startswith(p) and len(key) > len(p)]
    if after_prefix:
        return min(after_prefix, key=len)
    segment = parameter_key(key)
    return segment if segment and segment != key and key.endswith(segment) else None


def _iterated(expr) -> "tuple[Optional[ast.AST], bool]":
    """(the dict iterated, whether as `.items()`) for `d`, `d.keys()`, `d.items()`."""
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and not expr.args \
            and expr.func.attr in ("keys", "items"):
        return expr.func.value, expr.func.attr == "items"
    if isinstance(expr, ast.Call) and not is_collect_params(expr):
        return None, False
    return expr, False
