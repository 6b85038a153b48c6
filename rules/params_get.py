"""`self.params.get(...)` no longer exists: a Parameter is created directly and held by an attribute.

## What it does
Finds `self.params.get('name', **kw)` and `self.params.get_constant('name', value)` in Block classes.
Creations become `Parameter('name', **kw)` / `Constant(value)`; a lookup of a parameter the class
created elsewhere (`self.params.get('w')` without keyword arguments) becomes the attribute that holds
it (`self.w`).

## Why is this bad?
The simplified Block API has no ParameterDict: a block's parameters are its `Parameter` attributes,
registered by assignment and named structurally by the attribute (`self.weight` -> `weight`).

## Example
```python
self.weight = self.params.get('weight', shape=(units, in_units), init=weight_initializer)
self.const = self.params.get_constant('const', [[1, 2], [3, 4]])
w = self.params.get('weight').data()
```

## Use instead
```python
self.weight = Parameter('weight', shape=(units, in_units), init=weight_initializer)
self.const = Constant([[1, 2], [3, 4]])
w = self.weight.data()
```

## Fix safety
Safe. 1.x already saves and passes (`hybrid_forward` keyword arguments) a block's parameters under
the attribute name (`_reg_params`), which is what the new API's structural names use, so checkpoint
keys do not change even when the attribute and the `get` name differ. The `get` name is kept as the
Parameter's name because initializers dispatch on its suffix (`..._bias` -> zeros); the Constant's name
is dropped (new signature `Constant(value)`; a Constant has its own initializer).
The creation is safe to rewrite where its value provably reaches a Block attribute (only then is the
`Parameter` registered): `self.x = ...`, `self.a, self.b = ..., ...`, `setattr(self, name, ...)`,
through local variables bound once, tuples, conditional expressions, a method's `return` to its one call
`self.a, self.b = self._m()` in the class (called twice, it would make two Parameters where 1.x `get`
returned the first again), and a child Block's constructor argument that the `__init__` it runs assigns
to an attribute, the child being kept the same way: its own `__init__` or the one it inherits (a class
without one), of this file or, through the project index, of another module, following the argument on
through `super().__init__(...)` / `Base.__init__(self, ...)` and an unchanged `**kwargs` into a base's.
A chain the index cannot follow (several bases, a base outside the project) leaves the fix unsafe.
A store counts only where it happens whenever the parameter is made: one under an `if`, in a loop
body, in a `try` body with handlers, after a `return` that may skip it, in a nested function, on an
attribute the class intercepts (`__setattr__`, a property), or of an attribute deleted or assigned
again later does not, and the finding says which; nor does a method's return whose method is called
again anywhere in the module. Elsewhere (a list, a helper function, a value the file does not follow)
the rewrite is unsafe: 1.x registered the parameter
on creation, the new API only on assignment to a Block attribute.
Reported, not rewritten: a lookup whose name is not a literal or
is held by no single attribute of the class, and `self.params.get` with Parameter keyword arguments in
a class not known to be a Block. `x.params.get(...)` on another object is a ParameterDict use
(GLN008); a `self.params.get` in a class that is not a Block is left alone (it is a plain dict there).
The import follows the file: `gluon.Parameter` where `gluon` is bound, the already imported name, else
`from mxnet.gluon import Parameter` (not `mx.gluon.Parameter`: with `--target runtime` an import is
retargeted in the same pass, a new `mx.gluon` attribute would not be).
"""
from __future__ import annotations

import ast
from typing import Dict, Optional, Set

from gluon_codemod.engine.libcst_on_demand import cst, extends
from gluon_codemod.analysis.value_flow import FlowTree, Reach, attribute_kept, block_attribute_reach
from gluon_codemod.engine.cst_edits import remove_args
from gluon_codemod.engine.rule import Edit, Invalid, Rule, Valid

_PARAMETER_KWARGS = {"shape", "init", "allow_deferred_init", "dtype", "grad_req", "lr_mult", "wd_mult",
                     "differentiable", "stype", "grad_stype"}
_GLUON_MODULES = ("mxnet.gluon", "gluon_runtime")


def _params_method(call: ast.AST) -> Optional[str]:
    """'get' / 'get_constant' for `self.params.get(...)` / `self.params.get_constant(...)`."""
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
            and call.func.attr in ("get", "get_constant")):
        return None
    owner = call.func.value
    if (isinstance(owner, ast.Attribute) and owner.attr == "params"
            and isinstance(owner.value, ast.Name) and owner.value.id == "self"):
        return call.func.attr
    return None


def _is_lookup(call: ast.Call, method: str) -> bool:
    """`get('w')` / `get_constant('c')`: no creation arguments, so the parameter is expected to exist."""
    if method == "get":
        return not call.keywords and len(call.args) <= 1
    return len(call.args) + len(call.keywords) <= 1


def _name_arg(call: ast.Call) -> Optional[ast.AST]:
    if call.args:
        return call.args[0]
    return next((k.value for k in call.keywords if k.arg == "name"), None)


def _literal(expr: Optional[ast.AST]) -> Optional[str]:
    return expr.value if isinstance(expr, ast.Constant) and isinstance(expr.value, str) else None


def _self_attr(target: ast.AST) -> Optional[str]:
    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self":
        return target.attr
    return None


@extends("CSTTransformer")
class _Dedent:
    """Moves continuation lines left by `delta` columns, keeping them aligned with the shorter call."""

    def __init__(self, delta: int):
        super().__init__()
        self.delta = delta

    def leave_ParenthesizedWhitespace(self, original, updated):
        indent = updated.last_line.value
        if len(indent) >= self.delta and not indent[-self.delta:].strip():
            return updated.with_changes(last_line=cst.SimpleWhitespace(indent[:-self.delta]))
        return updated


def _realign(node: cst.Call, delta: int) -> cst.Call:
    if delta <= 0:
        return node
    return node.with_changes(args=[arg.visit(_Dedent(delta)) for arg in node.args])


def _replace_func(text: str, delta: int):
    def apply(node: cst.Call, fix):
        return _realign(node.with_changes(func=cst.parse_expression(text)), delta)
    return apply


def _to_constant(text: str, delta: int):
    def apply(node: cst.Call, fix):
        positional = [a for a in node.args if a.keyword is None]
        value_is_keyword = any(a.keyword is not None and a.keyword.value == "value" for a in node.args)

        def drop(index, arg):  # the name, positional or `name=`
            return (arg.keyword is not None and arg.keyword.value == "name") or (
                arg.keyword is None and positional and arg is positional[0]
                and (len(positional) > 1 or value_is_keyword))
        return _realign(remove_args(node, drop).with_changes(func=cst.parse_expression(text)), delta)
    return apply


def _attribute(attr: str):
    def apply(node: cst.Call, fix):
        return cst.Attribute(value=cst.Name("self"), attr=cst.Name(attr), lpar=node.lpar, rpar=node.rpar)
    return apply


class ParamsGet(Rule):
    code = "GLN005"
    name = "params-get"
    message = ("`self.params.{method}(...)` is removed in the new Block API; "
               "assign `{new}` to an attribute instead")
    fix_title = "Replace with `{new}`"

    VALID = [
        Valid("""
            from mxnet import gluon
            class Cfg:
                def __init__(self):
                    self.params = {}
                    self.lr = self.params.get('lr', 0.1)
            """,
              why="not a Block: `self.params` is a plain dict there"),
        Valid("""
            from mxnet import gluon
            class Net(gluon.Block):
                def __init__(self):
                    super().__init__()
                    self.w = gluon.Parameter('w', shape=(2,))
            """,
              why="already migrated"),
    ]
    INVALID = [
        Invalid(
            """
            from mxnet import gluon
            class Net(gluon.HybridBlock):
                def __init__(self, units, **kwargs):
                    super(Net, self).__init__(**kwargs)
                    self.weight = self.params.get('weight', shape=(units, 0),  # deferred
                                                  allow_deferred_init=True)
                    self.scale = self.params.get_constant('scale', [[1, 2]])
            """,
            """
            from mxnet import gluon
            class Net(gluon.HybridBlock):
                def __init__(self, units, **kwargs):
                    super(Net, self).__init__(**kwargs)
                    self.weight = gluon.Parameter('weight', shape=(units, 0),  # deferred
                                                  allow_deferred_init=True)
                    self.scale = gluon.Constant([[1, 2]])
            """,
            why="`gluon` is bound: use `gluon.Parameter`; comments and layout kept",
            line=5,
        ),
        Invalid(
            "import mxnet as mx\r\n"
            "from mxnet.gluon import nn as N\r\n"
            "class Net(N.Block):\r\n"
            "    def __init__(self):\r\n"
            "        super().__init__()\r\n"
            "        self.alpha = self.params.get('alpha', shape=(1,),\r\n"
            "                                     init=mx.init.Constant(0.25))\r\n"
            "    def forward(self, x):\r\n"
            "        return x * self.params.get('alpha').data()\r\n",
            "import mxnet as mx\r\n"
            "from mxnet.gluon import Parameter, nn as N\r\n"
            "class Net(N.Block):\r\n"
            "    def __init__(self):\r\n"
            "        super().__init__()\r\n"
            "        self.alpha = Parameter('alpha', shape=(1,),\r\n"
            "                               init=mx.init.Constant(0.25))\r\n"
            "    def forward(self, x):\r\n"
            "        return x * self.alpha.data()\r\n",
            why="only `mx` bound: import `Parameter`; aligned arguments follow; a lookup becomes the attribute; "
                "CRLF kept",
            line=6,
        ),
        Invalid(
            """
            from mxnet.gluon import HybridBlock, Parameter
            class Cell(HybridBlock):
                def __init__(self):
                    super().__init__()
                    self.i2h_weight = Parameter('i2h_weight', shape=(4, 4))
                    self.kernel = self.params.get('h2h_weight', shape=(4, 4))
                def _register(self, name):
                    p = self.params.get(name, shape=(4,), allow_deferred_init=True)
                    setattr(self, name, p)
                    return p
            """,
            """
            from mxnet.gluon import HybridBlock, Parameter
            class Cell(HybridBlock):
                def __init__(self):
                    super().__init__()
                    self.i2h_weight = Parameter('i2h_weight', shape=(4, 4))
                    self.kernel = Parameter('h2h_weight', shape=(4, 4))
                def _register(self, name):
                    p = Parameter(name, shape=(4,), allow_deferred_init=True)
                    setattr(self, name, p)
                    return p
            """,
            why="partially migrated file; attribute name differs from the get name; local stored by setattr",
            line=6,
        ),
        Invalid(
            """
            from mxnet import gluon
            class Embed(gluon.HybridBlock):
                def __init__(self, vocab, embed_weight=None):
                    super().__init__()
                    self.embed_weight = embed_weight
            class Model(gluon.HybridBlock):
                def __init__(self, share, stype='default'):
                    super().__init__()
                    self.share = share
                    self.src_w, self.tgt_w = self._embedding_weights(stype)
                    out = self.params.get('out_weight', shape=(4, 2), init='zeros', dtype='float16')
                    self.out = Embed(4, embed_weight=out)
                def _embedding_weights(self, stype):
                    src = self.params.get('source_embed_weight', shape=(4, 2), grad_stype=stype)
                    tgt = src if self.share else self.params.get('target_embed_weight', shape=(4, 2))
                    return src, tgt
            """,
            """
            from mxnet import gluon
            class Embed(gluon.HybridBlock):
                def __init__(self, vocab, embed_weight=None):
                    super().__init__()
                    self.embed_weight = embed_weight
            class Model(gluon.HybridBlock):
                def __init__(self, share, stype='default'):
                    super().__init__()
                    self.share = share
                    self.src_w, self.tgt_w = self._embedding_weights(stype)
                    out = gluon.Parameter('out_weight', shape=(4, 2), init='zeros', dtype='float16')
                    self.out = Embed(4, embed_weight=out)
                def _embedding_weights(self, stype):
                    src = gluon.Parameter('source_embed_weight', shape=(4, 2), grad_stype=stype)
                    tgt = src if self.share else gluon.Parameter('target_embed_weight', shape=(4, 2))
                    return src, tgt
            """,
            why="locals, a conditional, a returned tuple unpacked into attributes, and a child's constructor "
                "argument it stores: each reaches a Block attribute, so the rewrite is safe",
            line=11,
        ),
        Invalid(
            """
            from mxnet import gluon
            class BaseEmbed(gluon.HybridBlock):
                def __init__(self, vocab, embed_weight=None, **kwargs):
                    super().__init__(**kwargs)
                    self.embed_weight = embed_weight
            class Embed(BaseEmbed):
                def __init__(self, vocab, **kwargs):
                    super().__init__(vocab, **kwargs)
            class Tied(Embed):
                pass
            class Model(gluon.HybridBlock):
                def __init__(self):
                    super().__init__()
                    shared = self.params.get('shared_weight', shape=(4, 2))
                    self.embed = Tied(4, embed_weight=shared)
            """,
            """
            from mxnet import gluon
            class BaseEmbed(gluon.HybridBlock):
                def __init__(self, vocab, embed_weight=None, **kwargs):
                    super().__init__(**kwargs)
                    self.embed_weight = embed_weight
            class Embed(BaseEmbed):
                def __init__(self, vocab, **kwargs):
                    super().__init__(vocab, **kwargs)
            class Tied(Embed):
                pass
            class Model(gluon.HybridBlock):
                def __init__(self):
                    super().__init__()
                    shared = gluon.Parameter('shared_weight', shape=(4, 2))
                    self.embed = Tied(4, embed_weight=shared)
            """,
            why="a child without `__init__` runs its base's, which hands `**kwargs` on to the base that stores "
                "the argument: safe",
            line=14,
        ),
        Invalid(
            """
            from mxnet import gluon
            class Net(gluon.Block):
                def __init__(self):
                    super().__init__()
                    self.taps = [self.params.get('tap_weight', shape=(3,))]
            """,
            """
            from mxnet import gluon
            class Net(gluon.Block):
                def __init__(self):
                    super().__init__()
                    self.taps = [gluon.Parameter('tap_weight', shape=(3,))]
            """,
            unsafe_fixes=True,
            why="held in a list: 1.x registered it on creation, a `Parameter` in a list is not registered; "
                "rewritten only as an unsafe fix",
            line=5,
        ),
        Invalid(
            """
            from mxnet import gluon
            class Net(gluon.Block):
                def __init__(self, use_bias):
                    super().__init__()
                    bias = self.params.get('bias', shape=(3,))
                    if use_bias:
                        self.bias = bias
            """,
            """
            from mxnet import gluon
            class Net(gluon.Block):
                def __init__(self, use_bias):
                    super().__init__()
                    bias = gluon.Parameter('bias', shape=(3,))
                    if use_bias:
                        self.bias = bias
            """,
            unsafe_fixes=True,
            why="stored only when `use_bias`: 1.x registered the parameter either way, so the rewrite is unsafe",
            line=5,
        ),
        Invalid(
            """
            from mxnet import gluon
            class Net(gluon.Block):
                def __init__(self):
                    super().__init__()
                    self.params.get('extra', shape=(3,))
                    w = self.params.get('tmp', shape=(2,))
                def forward(self, x):
                    return x + self.params.get('unknown').data()
            """,
            None,
            why="not shown to reach a Block attribute (an unsafe fix), or a lookup no attribute holds: reported",
            line=5,
        ),
    ]

    def __init__(self, sink, ctx):
        super().__init__(sink, ctx)
        self._classes: Dict[str, ast.ClassDef] = {}
        self._module_names: Set[str] = set()
        self._holders: Dict[int, Dict[str, Set[str]]] = {}

    def visit_Module(self, node: ast.Module) -> None:
        for child in self.ctx.nodes_of(ast.ClassDef):
            self._classes.setdefault(child.name, child)
        for stmt in node.body:
            if isinstance(stmt, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                self._module_names.add(stmt.name)
            elif isinstance(stmt, ast.Assign):
                self._module_names.update(t.id for t in stmt.targets if isinstance(t, ast.Name))

    def visit_Call(self, node: ast.Call) -> None:
        method = _params_method(node)
        if method is None:
            return
        if not self.ctx.in_block_class:
            if any(k.arg in _PARAMETER_KWARGS for k in node.keywords):
                self.report(node, "`self.params.{method}(...)` looks like Gluon's ParameterDict but this class is "
                            "not known to be a Block; if it is one, create a `Parameter` and assign it to an "
                            "attribute", method=method)
            return
        kind = "Constant" if method == "get_constant" else "Parameter"
        reach = self._stored(node)
        stored = reach.stored or None
        name = _literal(_name_arg(node))
        is_lookup = _is_lookup(node, method)
        holders = self._holders_of(self.ctx.class_stack[-1]).get(name, set()) if name is not None else set()
        others = holders - {stored}
        creates = stored and not (is_lookup and (others or kind == "Constant"))
        if creates or not (stored or is_lookup):
            text, module_name = self._spelling(kind)
            delta = self._visual_shift(node, text)
            fix = _to_constant(text, delta) if kind == "Constant" else _replace_func(text, delta)
            shown = ast.unparse(_name_arg(node)) if _name_arg(node) is not None else "'weight'"
            new = f"{text}(value)" if kind == "Constant" else f"{text}({shown}, ...)"

            def apply(cst_node, fix_context, _fix=fix, _import=module_name, _kind=kind):
                result = _fix(cst_node, fix_context)
                if _import is not None:
                    fix_context.require_import("mxnet.gluon", _kind, None if _import == _kind else _import)
                return result
            edit = Edit("Call", apply, safe=bool(creates))
            if creates:
                self.report(node, method=method, new=new, edit=edit, fix_title=self.fix_title.format(new=new))
            else:
                # 1.x registered the parameter on creation; a `Parameter` is registered only by the
                # assignment to a Block attribute, which we cannot see here: the rewrite may lose it.
                if reach.why is not None:
                    # a store was found, but not one that happens whenever the parameter is made
                    self.report(node, "`self.params.{method}(...)` creates a parameter that is not shown to reach "
                                "a Block attribute on every path ({why}); in the new Block API `{new}` must be "
                                "assigned to a Block attribute (`self.<name> = ...`) to be registered",
                                method=method, new=new, why=reach.why, edit=edit,
                                fix_title=self.fix_title.format(new=new))
                else:
                    self.report(node, "`self.params.{method}(...)` creates a parameter that this file does not "
                                "show reaching a Block attribute; in the new Block API `{new}` must be assigned "
                                "to a Block attribute (`self.<name> = ...`) to be registered", method=method,
                                new=new, edit=edit, fix_title=self.fix_title.format(new=new))
        elif is_lookup and len(others) == 1:
            attr = next(iter(others))
            self.report(node, "`self.params.{method}('{name}')` is removed in the new Block API; use the "
                        "attribute `self.{attr}` that holds the parameter", method=method, name=name, attr=attr,
                        edit=Edit("Call", _attribute(attr)), fix_title=f"Replace with `self.{attr}`")
        else:
            self.report(node, "`self.params.{method}({name})` looks up a parameter that no single attribute of "
                        "this class holds; use the attribute the parameter is assigned to",
                        method=method, name=ast.unparse(_name_arg(node)) if _name_arg(node) else "")

    def _visual_shift(self, call: ast.Call, text: str) -> int:
        """How far aligned continuation lines move when `self.params.get` becomes the shorter `text`.

        Only arguments aligned with the opening parenthesis (PEP 8 visual indent) move; a hanging
        indent does not depend on the call's length.
        """
        first = call.args + call.keywords
        if not first or call.end_lineno == call.lineno:
            return 0
        start = min(first, key=lambda a: (a.lineno, a.col_offset))
        if start.lineno != call.lineno:
            return 0
        following = self.ctx.lines[call.lineno] if call.lineno < len(self.ctx.lines) else ""
        indent = len(following) - len(following.lstrip())
        if indent != start.col_offset:
            return 0
        return len(ast.unparse(call.func)) - len(text)

    def _stored(self, call: ast.Call) -> Reach:
        """Whether the created parameter ends up on a Block attribute whenever it is made (with the
        attribute's name, when it is assigned directly), and if not, why a store found does not count."""
        parent = self.ctx.parents[-1] if self.ctx.parents else None
        if isinstance(parent, ast.Assign) and parent.value is call:
            attrs = [_self_attr(t) for t in parent.targets if _self_attr(t)]
            if attrs:
                kept = attribute_kept(self._flow(), parent, attrs[0])
                return Reach(attrs[0], None) if kept.stored else kept
        return block_attribute_reach(self._flow(), call)

    def _flow(self) -> FlowTree:
        ctx = self.ctx
        project = ctx.project
        return ctx.shared(FlowTree, lambda: FlowTree(
            ctx.tree, ctx.parent_of, ctx.walk, self._child_init,
            index=project.index if project is not None else None,
            module=project.module if project is not None else None))

    def _child_init(self, call: ast.Call):
        """(flow, `__init__`) of the Block class `call` constructs: one of this file (its own `__init__` or
        the one it inherits), or of the project."""
        ctx = self.ctx
        if isinstance(call.func, ast.Name):
            local = ctx.local_classes(call.func.id, call)
            if local is not None:
                if len(local) != 1 or not ctx.is_block_class(local[0]):
                    return None
                return self._flow().inherited_init(local[0])
        info = ctx.project_class(call.func)
        if info is None or not info.is_block:
            return None
        return self._flow().init_of_info(info)

    def _holders_of(self, cls: ast.ClassDef) -> Dict[str, Set[str]]:
        """{get name: attributes it is assigned to} over the class and its in-file bases."""
        if id(cls) in self._holders:
            return self._holders[id(cls)]
        found: Dict[str, Set[str]] = {}
        self._holders[id(cls)] = found  # guards against cyclic bases
        for base in cls.bases:
            if isinstance(base, ast.Name) and base.id in self._classes and self._classes[base.id] is not cls:
                for key, attrs in self._holders_of(self._classes[base.id]).items():
                    found.setdefault(key, set()).update(attrs)
        # An attribute assigned a lookup (`self.alias = self.params.get('w')`) only aliases the parameter
        # another attribute created; it holds it only when no creation of that name exists, and then
        # only the first such assignment in the class created it (1.x `get` creates on first use).
        first_lookups: Dict[str, str] = {}
        assignments = sorted((n for n in self.ctx.walk(cls) if isinstance(n, ast.Assign) and _params_method(n.value)),
                             key=lambda n: (n.lineno, n.col_offset))
        for node in assignments:
            name = _literal(_name_arg(node.value))
            attrs = [_self_attr(t) for t in node.targets if _self_attr(t)]
            if name is None or not attrs:
                continue
            if _is_lookup(node.value, _params_method(node.value)):
                first_lookups.setdefault(name, attrs[0])
            else:
                found.setdefault(name, set()).update(attrs)
        for name, attr in first_lookups.items():
            found.setdefault(name, {attr})
        return found

    def _spelling(self, kind: str):
        """(text to call, name to import or None) following the file's imports."""
        imports = self.ctx.imports
        for bound, qualified in imports.names.items():
            if qualified in (f"{m}.{kind}" for m in _GLUON_MODULES) or qualified == f"mxnet.gluon.parameter.{kind}":
                return bound, None
        if imports.qualify_dotted(kind) in (f"{m}.{kind}" for m in _GLUON_MODULES):
            return kind, None  # star import
        for bound, qualified in imports.names.items():
            if qualified in _GLUON_MODULES:
                return f"{bound}.{kind}", None
        if kind in imports.names or kind in self._module_names:
            return f"Gluon{kind}", f"Gluon{kind}"  # the plain name means something else in this file
        return kind, kind
