"""`ParameterDict` is removed: parameters live in plain dicts (`{name: param}`, `block.collect_params()`).

## What it does
Finds the `ParameterDict` class (imports, `gluon.ParameterDict`, `mxnet.gluon.parameter.ParameterDict`,
`isinstance` checks, annotations), its construction (`ParameterDict('net_')`), and ParameterDict use:
methods and `.prefix` of a variable assigned a `ParameterDict(...)`, `x.params.get(...)` /
`x.params.get_constant(...)` / `x.params.update(...)` on Blocks other than `self` (`self.params.get` in
a Block class is GLN005), and `.prefix` of `collect_params()`.

## Why is this bad?
The new Block API has no ParameterDict (spec S0.1): `gluon.ParameterDict` raises AttributeError,
`collect_params()` returns a plain dict keyed by structural names (`'0.weight'`), and `block.params` is
a plain dict of the block's own Parameters keyed by attribute name (S2.9). A dict has no prefix, no
`get(name, shape=...)` that creates, and `get('dense0_weight')` silently returns None.

## Example
```python
params = ParameterDict('net_')
w = params.get('weight', shape=(2, 3))
bias = net.params.get('dense0_bias')
```

## Use instead
```python
params = {'weight': Parameter('weight', shape=(2, 3))}
w = params['weight']
bias = net.bias  # or net.collect_params()['bias']
```

## Fix safety
Report only: a ParameterDict prefixed the names it created and merged without overwriting, so no
mechanical rewrite to a dict keeps every behaviour. An unresolved receiver (a helper's argument) is
reported only for calls that are Gluon's beyond doubt (`get_constant`, `get` with Parameter keyword
arguments or a 1.x prefixed key, `initialize`, ...), never for `.update`/`.prefix` on it, so that
`config.params.update(...)` and `args.prefix` are left alone.
"""
import ast
from typing import Tuple

from gluon_codemod.analysis.names import dotted
from gluon_codemod.engine.rule import Invalid, Rule, Valid
from gluon_codemod.analysis.old_api import Role, assigned_values, is_collect_params, literal, looks_prefixed, \
    parameter_key, receiver_role

_QUALIFIED = ("mxnet.gluon.ParameterDict", "mxnet.gluon.parameter.ParameterDict")
_PARAMETER_KWARGS = {"shape", "init", "allow_deferred_init", "dtype", "grad_req", "lr_mult", "wd_mult",
                     "differentiable", "stype", "grad_stype"}
_METHODS = {"get", "get_constant", "update", "initialize", "zero_grad", "reset_ctx", "list_ctx", "setattr",
            "save", "load", "load_dict"}
# ParameterDict methods that no other common object has, so an unresolved `x.params.<m>(...)` is Gluon's.
_KEPT = ", which the new Block API keeps only as a plain dict of the Block's own Parameters (not its children's)"
_GLUON_ONLY = {"get_constant", "initialize", "zero_grad", "reset_ctx", "list_ctx", "load_dict"}


class ParameterDictUse(Rule):
    code = "GLN008"
    name = "parameterdict"
    message = ("`{shown}` is removed in the new Block API; hold Parameters in a plain dict (`{{name: param}}`) "
               "or use `block.collect_params()`")

    VALID = [
        Valid("""
            from mxnet import gluon
            class Cfg:
                def __init__(self):
                    self.params = {}
            cfg = Cfg()
            lr = cfg.params.get('lr', 0.1)
            cfg.params.update(x=1)
            """,
              why="a user's non-Block class whose `params` is a dict"),
        Valid("""
            from mxnet import gluon
            def run(args):
                args.params.update(vars(args))
                return args.prefix
            """,
              why="an unresolved receiver: `update`/`prefix` are not Gluon's beyond doubt"),
        Valid("""
            from mxnet import gluon
            params = {'w': gluon.Parameter('w', shape=(2,))}
            w = params.get('w')
            """,
              why="already migrated: a plain dict of Parameters"),
    ]
    INVALID = [
        Invalid(
            """
            from mxnet.gluon import ParameterDict, Parameter
            params = ParameterDict('net_')
            w = params.get('weight', shape=(2, 3))
            print(params.prefix)
            """,
            None,
            why="import, construction, a creating `get` and `.prefix` of the variable",
            line=1,
        ),
        Invalid(
            """
            import mxnet as mx
            net = mx.gluon.nn.Dense(2)
            bias = net.params.get('dense0_bias')
            ok = isinstance(net.collect_params(), mx.gluon.ParameterDict)
            def build(block):
                c = block.params.get_constant('c', [1, 2])
            """,
            None,
            why="a Block's `params` is a plain dict keyed by attribute; the class spelled through `mx.gluon`",
            line=3,
        ),
    ]

    def visit_Module(self, node: ast.Module) -> None:
        self._constructed = set()
        for child in self.ctx.nodes_of(ast.Assign):
            if self._is_construction(child.value):
                self._constructed.update(filter(None, (dotted(t) for t in child.targets)))

    # -- the class itself ------------------------------------------------------------------------
    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = self.ctx.imports._absolute(node)
        for alias in node.names:
            if alias.name == "ParameterDict" and f"{module}.ParameterDict" in _QUALIFIED:
                self.report(node, "`ParameterDict` is removed in the new Block API (importing it fails); hold "
                            "Parameters in a plain dict (`{{name: param}}`) or use `block.collect_params()`")

    def visit_Name(self, node: ast.Name) -> None:
        imports = self.ctx.imports
        if node.id in imports.names or imports.star_from:  # (only an imported name can stand for it)
            self._reference(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr == "ParameterDict":
            self._reference(node)
        elif node.attr == "prefix" and isinstance(node.ctx, ast.Load):
            kind, owner = self._parameterdict(node.value, "prefix")
            if kind:
                self.report(node, "`{shown}.prefix`: {owner} has no prefix in the new Block API; keys are "
                            "structural names relative to the Block, so nothing needs adding or stripping",
                            shown=ast.unparse(node.value), owner=owner)

    def _reference(self, node) -> None:
        if self.ctx.imports.qualify(node) not in _QUALIFIED or not isinstance(node.ctx, ast.Load):
            return
        parent = self.ctx.parents[-1] if self.ctx.parents else None
        if isinstance(parent, ast.Call) and parent.func is node:
            self.report(parent, "`{shown}` builds a ParameterDict, which the new Block API removes; use a plain "
                        "dict `{{name: Parameter(name, ...)}}` (its keys are the names you give: a prefix has no "
                        "equivalent)", shown=_short(parent))
        elif isinstance(parent, ast.Call) and isinstance(parent.func, ast.Name) and parent.func.id == "isinstance":
            self.report(node, "`{shown}` is removed in the new Block API; `collect_params()` returns a plain "
                        "`dict`, so check `isinstance(..., dict)`", shown=ast.unparse(node))
        else:
            self.report(node, shown=ast.unparse(node))

    def _is_construction(self, value) -> bool:
        return isinstance(value, ast.Call) and self.ctx.imports.qualify(value.func) in _QUALIFIED

    # -- use -------------------------------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if not (isinstance(func, ast.Attribute) and func.attr in _METHODS):
            return
        method, receiver = func.attr, func.value
        kind, owner = self._parameterdict(receiver, method, node)
        if not kind:
            return
        shown = ast.unparse(receiver)
        key = literal(node.args[0]) if node.args else None
        # A Block's `params` stays (RFC: the Block's own Parameters, not its children's); a ParameterDict goes.
        now = owner + (_KEPT if kind == "params" else ", which the new Block API removes")
        creates = any(k.arg in _PARAMETER_KWARGS for k in node.keywords)
        if method == "get" and creates:
            self.report(node, "`{shown}.get({name}, ...)` creates a Parameter through {now}; assign "
                        "`Parameter({name}, ...)` to a Block attribute (or a plain dict)",
                        shown=shown, now=now, name=ast.unparse(node.args[0]) if node.args else "name")
        elif method == "get_constant":
            self.report(node, "`{shown}.get_constant(...)` creates a Constant through {now}; assign `Constant(value)` "
                        "to a Block attribute", shown=shown, now=now)
        elif method == "get" and kind == "params":
            hint = f"; the 1.x name `'{key}'` is now `'{parameter_key(key)}'`" if key and looks_prefixed(key) else ""
            self.report(node, "`{shown}.get(...)`: {owner} is now a plain dict of the block's own Parameters keyed "
                        "by attribute name, so a missing key returns None{hint}; use the attribute (`{block}.<name>`) "
                        "or `{block}.collect_params()`", shown=shown, owner=owner, hint=hint,
                        block=ast.unparse(receiver.value))
        elif method == "get":
            self.report(node, "`{shown}.get(...)` looks up {owner}; in a plain dict use `{shown}[name]` (keys no "
                        "longer carry the dict's prefix)", shown=shown, owner=owner)
        elif method == "update":
            self.report(node, "`{shown}.update(...)` merges into {now}; share parameters with "
                        "`block.share_parameters(other.collect_params())`, or merge plain dicts (`dict.update` "
                        "overwrites where a ParameterDict refused a different Parameter)", shown=shown, now=now)
        else:
            self.report(node, "`{shown}.{method}(...)` is a method of {now}; call it on the Block or on each "
                        "Parameter (`for p in params.values(): p.{method}(...)`)", shown=shown, now=now, method=method)

    def _parameterdict(self, expr, method: str, call=None) -> Tuple[str, str]:
        """(kind, phrase for the message) when `expr` is a 1.x ParameterDict, else ('', '').

        Kinds: 'constructed' (a variable assigned `ParameterDict(...)`), 'collected' (a `collect_params()`
        result, a dict now: only what a dict lacks is reported) and 'params' (a Block's `.params`).
        """
        name = dotted(expr)
        if name is not None and name in self._constructed:
            return "constructed", "a ParameterDict"
        if is_collect_params(expr) or (name is not None and self._assigned_only_collect(name)):
            if method in ("prefix", "get_constant", "list_ctx") or (
                    method == "get" and call is not None and any(k.arg in _PARAMETER_KWARGS for k in call.keywords)):
                return "collected", "the ParameterDict `collect_params()` returned in 1.x"
            return "", ""
        if not (isinstance(expr, ast.Attribute) and expr.attr == "params"):
            return "", ""
        block = expr.value
        if isinstance(block, ast.Name) and block.id == "self" and self.ctx.class_stack and (
                method in ("get", "get_constant") or (method == "update" and _updates_with_a_dict(call))):
            return "", ""  # in a class: GLN005's / GLN011's (a Block's), or a plain dict's (any other class)
        role = receiver_role(self.ctx, block)
        if role is Role.OTHER or (role is Role.UNKNOWN and not self._gluon_only(method, call)):
            return "", ""
        return "params", f"`{ast.unparse(expr)}`"

    def _gluon_only(self, method: str, call) -> bool:
        if method in _GLUON_ONLY:
            return True
        if method != "get" or call is None:
            return False
        key = literal(call.args[0]) if call.args else None
        return any(k.arg in _PARAMETER_KWARGS for k in call.keywords) or bool(key and looks_prefixed(key))

    def _assigned_only_collect(self, name: str) -> bool:
        values = assigned_values(self.ctx, name)
        return bool(values) and all(is_collect_params(v) for v in values)


def _updates_with_a_dict(call) -> bool:
    """`update({w.name: w})`: the 1.x registration of a Parameter made elsewhere, which GLN011 handles."""
    return call is not None and len(call.args) == 1 and not call.keywords and isinstance(call.args[0], ast.Dict)


def _short(call: ast.Call) -> str:
    text = ast.unparse(call)
    return text if len(text) <= 60 else ast.unparse(call.func) + "(...)"
