"""Code that depends on 1.x prefixed names (`dense0_weight`), which the new Block API no longer has.

## What it does
Reports, with the structural replacement where one is known:
- `.prefix` / `._prefix` of a Block, including `k[len(net.prefix):]`;
- a Block's `.name` used to build a parameter or op name (`net.name + '_weight'`, `f'{net.name}_w'`);
- prefixed string keys into `collect_params()`, a `collect_params()` variable or `block.params`
  (`params['dense0_weight']`, `'conv0_bias' in params`);
- regexes, `startswith` and substring tests over parameter keys written for prefixes
  (`re.match('dense0_', k)`, `'batchnorm' in k`), and
  `collect_params(select)` whose regex means something else on structural keys (outside the
  ParameterDict method calls GLN006 handles);
- Block internals built on prefixes: `_collect_params_with_prefix`, `_reg_params`, `_params`, `_unfuse()`.

## Why is this bad?
The new API names parameters by attribute path (`'features.0.weight'`, spec S3.2): there is no
prefix (S2.1), `block.name` no longer nests and never starts a parameter's name (S2.2), and
`collect_params(select)` matches its regex against structural keys (S3.3). Code that builds, strips
or matches prefixed names silently finds nothing.

## Example
```python
w = net.collect_params()['dense0_weight']
name = net.prefix + 'weight'
keys = [k[len(net.prefix):] for k in net.collect_params()]
```

## Use instead
```python
w = net.collect_params()['0.weight']  # or net[0].weight
name = 'weight'
keys = list(net.collect_params())
```

## Fix safety
Report only: the structural key depends on the attribute path of the child, which the file does not
always tell. Receivers are resolved through the file: `.prefix`, `.name` and `._params` only on
Blocks the file knows (a Block class's `self`, Block variables), so `args.prefix`, `tempfile` and
your own classes are left alone; the Gluon-only internals (`._prefix`, `_reg_params`,
`_collect_params_with_prefix`, `_unfuse`) also on unresolved receivers in a file that uses MXNet.
Regexes are reported only when they spell a layer prefix (`dense0_`, `conv\\d+_`) and run over
parameter keys.
"""
import ast
import re
from typing import Optional, Set

from gluon_codemod._names import dotted
from gluon_codemod._rule import Invalid, Rule, Valid
from gluon_codemod.rules._old_api import LAYER_ALIASES, MOVED_METHODS, assigned_values, feeds_params_argument, \
    is_collect_params, keys_of_layer, layer_prefix_tail, literal, looks_prefixed, names_a_layer_prefix, \
    parameter_key, prefixed_key_hint, receiver_role, scope_of, select_arg, select_problem

# A layer's 1.x alias as a substring test writes it: `'batchnorm'`, `'dense0'`, `'conv1_'`.
_LAYER_NAME = re.compile(r"(?:%s)\d*_?$" % "|".join(re.escape(a) for a in LAYER_ALIASES if a != "mobilenetv2_"))
_REGEX_FUNCTIONS = {"match", "search", "fullmatch", "findall", "finditer", "sub", "subn", "split", "compile"}
_INTERNALS = {
    "_reg_params": "is private Block state; use `{receiver}.params` (in the new API a dict of the block's own "
                   "Parameters keyed by attribute, as `_reg_params` was) or `{receiver}.collect_params()`",
    "_params": "is the Block's 1.x ParameterDict (prefixed keys), removed in the new API; use "
               "`{receiver}.collect_params()` (all parameters, structural keys) or `{receiver}.params` (its own)",
}


class OldNames(Rule):
    code = "GLN009"
    name = "old-names"
    message = "`{shown}` depends on 1.x prefixed names, which the new Block API no longer has"

    VALID = [
        Valid("import tempfile\nfrom mxnet import gluon\nd = tempfile.mkdtemp(prefix='run_')\nt = tempfile.template\n"
              "def main(args):\n    print(args.prefix + '_log', args.name + '_x')\n",
              why="not Blocks: a module, an argparse namespace"),
        Valid("from mxnet import gluon\nclass Cfg:\n    def __init__(self, prefix):\n        self.prefix = prefix\n"
              "    def path(self):\n        return self.prefix + '_model'\n",
              why="`self.prefix` in a class that is not a Block"),
        Valid("import re\nfrom mxnet import gluon\nnet = gluon.nn.Dense(2)\n"
              "w = net.collect_params()['weight']\nfiles = [f for f in names if re.match('dense0_', f)]\n",
              why="a structural key; a regex over something that is not parameter keys"),
    ]
    INVALID = [
        Invalid(
            "from mxnet import gluon\n"
            "net = gluon.nn.HybridSequential()\n"
            "params = net.collect_params()\n"
            "w = params['hybridsequential0_dense0_weight']\n"
            "names = [k[len(net.prefix):] for k in params]\n"
            "tag = net.name + '_fc'\n",
            None,
            why="a prefixed key, a prefix strip and a name built from `.name`: reported with the structural form",
        ),
        Invalid(
            "import re\n"
            "from mxnet import gluon\n"
            "class Net(gluon.HybridBlock):\n"
            "    def describe(self):\n"
            "        own = {k: v for k, v in self._reg_params.items()}\n"
            "        dense = [k for k in self.collect_params() if re.match('dense0_', k)]\n"
            "        return self._prefix, f'{self.name}_out', own, dense\n"
            "def unfused(layer):\n"
            "    return layer._unfuse()._collect_params_with_prefix()\n",
            None,
            why="internals on `self` in a Block and on an unresolved argument; a regex over collected keys",
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
        elif attr == "name" and self._builds_name(node) and self._role(receiver) == "block":
            self.report(node, "`{shown}` is used to build a name, but in the new Block API a Block's name no longer "
                        "starts its parameters' names (1.x `dense0_weight`); refer to the parameter by its attribute "
                        "or by its structural key (`'weight'`, `'0.weight'`)", shown=ast.unparse(node))
        elif attr in _INTERNALS:
            role = self._role(receiver)
            wanted = ("block", "unknown") if attr == "_reg_params" else ("block",)
            if role in wanted and not (attr == "_params" and self._assigns_own(receiver, attr)):
                self.report(node, "`{shown}` " + _INTERNALS[attr], shown=ast.unparse(node),
                            receiver=ast.unparse(receiver))

    def _prefix(self, node: ast.Attribute) -> None:
        role = self._role(node.value)
        parents = self.ctx.parents
        strips = (len(parents) >= 3 and isinstance(parents[-1], ast.Call) and dotted(parents[-1].func) == "len"
                  and isinstance(parents[-2], ast.Slice) and parents[-2].lower is parents[-1]
                  and isinstance(parents[-3], ast.Subscript))
        # An unresolved `x.prefix` (often argparse's) counts only when it is cut off a parameter key.
        if not (role == "block" or (role == "unknown" and (node.attr == "_prefix" or (
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
        self.report(node, "`{shown}` is removed in the new Block API (no prefixes): parameters are named by "
                    "attribute path (`collect_params()` keys such as `'0.weight'`) and children by attribute",
                    shown=shown)

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
        if key is not None and looks_prefixed(key) and self._keyed_by_parameter(node.value):
            self._report_key(node, key, node.value)

    def visit_Compare(self, node: ast.Compare) -> None:
        key = literal(node.left)
        if key is None or len(node.ops) != 1 or not isinstance(node.ops[0], (ast.In, ast.NotIn)):
            return
        container = node.comparators[0]
        if looks_prefixed(key) and self._keyed_by_parameter(container):
            self._report_key(node, key, container)
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

    def _report_key(self, node, key: str, container) -> None:
        if key in self._self_attrs:
            return  # an attribute of the file's own Blocks: already a structural key
        own = isinstance(container, ast.Attribute) and container.attr == "params"
        hint = f"`'{parameter_key(key)}'`" if own else prefixed_key_hint(key)
        self.report(node, "`'{key}'` is a 1.x prefixed name; the new Block API keys parameters by attribute "
                    "path: use {hint}", key=key, hint=hint)

    def _keyed_by_parameter(self, expr) -> bool:
        """`net.collect_params()`, a variable assigned only from it, or a Block's `.params`."""
        if is_collect_params(expr):
            return not self.ctx.is_foreign(expr.func.value)
        if isinstance(expr, ast.Attribute) and expr.attr == "params":
            return self._role(expr.value) == "block"
        name = dotted(expr)
        values = assigned_values(self.ctx, name) if name else []
        return bool(values) and all(is_collect_params(v) or (isinstance(v, ast.Attribute) and v.attr == "params"
                                                             and self._role(v.value) == "block") for v in values)

    # -- calls: regexes, selections, internals ---------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if not isinstance(func, ast.Attribute):
            return
        receiver = func.value
        if func.attr in ("_collect_params_with_prefix", "_unfuse"):
            if self._role(receiver) in ("block", "unknown") and self.ctx.imports.imports_gluon:
                self._internal_call(node, func.attr)
        elif func.attr == "collect_params" and is_collect_params(node):
            self._selection(node)
        elif func.attr in ("get",) and node.args and self._keyed_by_parameter(receiver) \
                and not (isinstance(receiver, ast.Attribute) and receiver.attr == "params"):
            key = literal(node.args[0])
            if key is not None and looks_prefixed(key):
                self._report_key(node, key, receiver)
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
            self.report(node, "`collect_params({pattern!r})` selects by 1.x prefixed names, but the regex is now "
                        "matched against structural keys (`re.match` from the start of `'0.weight'`): {problem}",
                        pattern=pattern, problem=problem)

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
        self.report(node, "the regex `{pattern!r}` matches 1.x prefixed names, but parameter keys are now attribute "
                    "paths such as `'0.weight'`: match the child's path (e.g. `'0\\.'`){by_key}",
                    pattern=pattern, by_key=by_key)

    # -- helpers ---------------------------------------------------------------------------------
    def _role(self, expr) -> str:
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


def _iterated(expr) -> "tuple[Optional[ast.AST], bool]":
    """(the dict iterated, whether as `.items()`) for `d`, `d.keys()`, `d.items()`."""
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and not expr.args \
            and expr.func.attr in ("keys", "items"):
        return expr.func.value, expr.func.attr == "items"
    if isinstance(expr, ast.Call) and not is_collect_params(expr):
        return None, False
    return expr, False
