"""`prefix` and `params` parameters that only reach the Block constructor are removed with it.

## What it does
Finds the `prefix`/`params` parameters of a Block subclass's `__init__`
(`def __init__(self, units, prefix=None, params=None, **kwargs)`), of classmethods and module-level
factories that hand `prefix` on to a Block (`return cls(prefix=prefix)`, `HybridConcurrent(prefix=prefix)`),
the arguments of the base constructor call (`super().__init__(prefix=prefix, params=params)`,
`super(Net, self).__init__(prefix, params)`, `nn.HybridBlock.__init__(self, prefix=prefix)`), and
`kwargs.pop('prefix')` statements. The parameter is removed from the signature, the base call and,
where it is passed by position, from the calls in the file (`Net(3, 'net_')` becomes `Net(3)`).
A `prefix=` keyword at a call of the class is GLN002's; a `params=` keyword GLN004's.

## Why is this bad?
The new Block constructor takes neither `prefix` nor `params`: passing them on raises `TypeError`.
Blocks are named by the attribute that holds them, and sharing is `share_parameters()`.

## Example
```python
class Net(nn.HybridBlock):
    def __init__(self, units, prefix=None, params=None):
        super(Net, self).__init__(prefix=prefix, params=params)
```

## Use instead
```python
class Net(nn.HybridBlock):
    def __init__(self, units):
        super(Net, self).__init__()
```

## Fix safety
Safe: a parameter is removed only when every use of it hands it on as a Block's prefix (or, for
`params`, to the base constructor), so nothing else sees a different value; the new API has no
prefixes, and a prefix never enters the structural names that `save_parameters` writes. A literal
prefix given to the base call is removed too; a computed one that calls something (which may have
side effects) is removed only with `--unsafe-fixes`.
Reported, not rewritten: a parameter used for anything else (`self._my_prefix = prefix`,
`'%sconv' % prefix`, given to something that is not a Block), reassigned, or whose calls in the file
cannot be matched up (`Net(*args)`, `params` passed by position); `params=` with a value other than
the forwarded parameter or `None` in a base call (share after construction instead); a `prefix`/`params`
put into a mapping the base call unpacks (`**{'prefix': ...}`, `kwargs.setdefault('prefix', ...)`).
Unsafe: the 1.x pair handed on from `**kwargs` (`__init__(kwargs.get('prefix'), kwargs.get('params'))`,
or `kwargs.pop(...)` where `kwargs` is not read after the pops) is removed together with `--unsafe-fixes`
only, since `params` may carry Parameters a caller shares; pops followed by a read of `kwargs` are
reported (removing them would leave the keys in it).
"""
from __future__ import annotations

import ast
from typing import Optional, Tuple

from gluon_codemod.engine.libcst_on_demand import cst, extends
from gluon_codemod.engine.cst_edits import drop_call_args, has_comment, remove_items
from gluon_codemod.engine.rule import CannotFix, Edit, Invalid, Rule, Valid
from gluon_codemod.analysis.callees import Factory, FileClass, GluonClass, ProjectClass, Status
from gluon_codemod.analysis.plan import KeptByDefinition
from gluon_codemod.analysis.call_resolver import (
    ARGS, arguments_passing, declared_arg, leading_positional, positional_names, pure, span_of)
from gluon_codemod.analysis.prefix_flow import PrefixFlow, shown_names


def _from_kwargs(value: ast.AST, func: Optional[ast.AST], name: str) -> bool:
    """`kwargs.get('params', None)`, `kwargs.pop('params', None)` or `kwargs['params']` of `func`'s own
    `**kwargs`: what its caller passed."""
    kwargs = func.args.kwarg.arg if func is not None and func.args.kwarg else None
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in ("get", "pop") \
            and not value.keywords and 1 <= len(value.args) <= 2:
        owner, key = value.func.value, value.args[0]
    elif isinstance(value, ast.Subscript):
        owner, key = value.value, value.slice
    else:
        return False
    return (kwargs is not None and isinstance(owner, ast.Name) and owner.id == kwargs
            and isinstance(key, ast.Constant) and key.value == name)


def _read_after_pop(func: ast.AST, values) -> Optional[ast.Name]:
    """Where `func` reads its `**kwargs` after a call's arguments `values` pop keys of it: removing the pop
    would leave those keys in what it reads (None when it pops nothing or reads nothing after)."""
    kwargs = func.args.kwarg.arg if func is not None and func.args.kwarg else None
    pops = [v for v in values if isinstance(v, ast.Call) and isinstance(v.func, ast.Attribute)
            and v.func.attr == "pop"]
    if kwargs is None or not pops:
        return None
    end = min((p.end_lineno, p.end_col_offset) for p in pops)  # (also `**kwargs` later in the same call)
    popping = {id(p.func.value) for p in pops}
    later = [n for n in ast.walk(func) if isinstance(n, ast.Name) and n.id == kwargs
             and (n.lineno, n.col_offset) > end and id(n) not in popping]
    return min(later, key=lambda n: (n.lineno, n.col_offset)) if later else None


# -- edits -----------------------------------------------------------------------------------------------
def _is_name(node: cst.CSTNode, name: str) -> bool:
    return isinstance(node, cst.Name) and node.value == name


@extends("CSTTransformer")
class _DropParams:
    """Removes parameters `names` from the outermost function's signature and the `kwargs.pop(name)`
    statements of its own body (not of nested functions, which have their own edits)."""

    def __init__(self, names: Tuple[str, ...], kwargs: Optional[str], pops: Tuple[str, ...]):
        super().__init__()
        self.names = names
        self.kwargs = kwargs if pops else None
        self.pops = pops
        self.depth = 0

    def visit_FunctionDef(self, node):
        self.depth += 1
        return self.depth == 1

    def leave_FunctionDef(self, original, updated):
        self.depth -= 1
        return updated

    def visit_ClassDef(self, node):
        return False

    def visit_Lambda(self, node):
        return False

    def leave_Parameters(self, original, updated):
        if self.depth != 1:
            return updated
        groups = {}
        for field in ("posonly_params", "params", "kwonly_params"):
            groups[field] = remove_items(getattr(updated, field), lambda _, param: param.name.value in self.names,
                                         "parameter")
        if not groups["kwonly_params"] and isinstance(updated.star_arg, cst.ParamStar):
            groups["star_arg"] = cst.MaybeSentinel.DEFAULT  # a bare `*` needs a keyword after it
        return _fix_last_comma(updated.with_changes(**groups))

    def leave_SimpleStatementLine(self, original, updated):
        if self.depth != 1 or not self.kwargs or len(updated.body) < 2:
            return updated
        kept = [s for s in updated.body if not self._is_pop(s)]  # `x = 1; kwargs.pop('prefix')`
        if kept and len(kept) < len(updated.body):
            kept[-1] = kept[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
            return updated.with_changes(body=kept)
        return updated

    def leave_IndentedBlock(self, original, updated):
        if self.depth != 1 or not self.kwargs:
            return updated
        body, carried = [], []
        for statement in updated.body:
            if (isinstance(statement, cst.SimpleStatementLine) and statement.body
                    and all(self._is_pop(s) for s in statement.body)):
                if statement.trailing_whitespace.comment is not None or any(
                        has_comment(s) for s in statement.body):
                    raise CannotFix("a comment on the removed `kwargs.pop` line would be lost")
                carried.extend(statement.leading_lines)  # comments above it stay, above what follows
                continue
            if carried:
                statement = statement.with_changes(leading_lines=[*carried, *statement.leading_lines])
                carried = []
            body.append(statement)
        if len(body) == len(updated.body):
            return updated
        if not body:  # the block held nothing else: it still needs a statement
            body = [cst.SimpleStatementLine(body=[cst.Pass()], leading_lines=carried)]
            carried = []
        return updated.with_changes(body=body, footer=[*carried, *updated.footer])

    def _is_pop(self, statement) -> bool:
        if not isinstance(statement, cst.Expr) or not isinstance(statement.value, cst.Call):
            return False
        call = statement.value
        return (isinstance(call.func, cst.Attribute) and _is_name(call.func.value, self.kwargs)
                and call.func.attr.value == "pop" and call.args and isinstance(call.args[0].value, cst.SimpleString)
                and call.args[0].value.evaluated_value in self.pops)


def _fix_last_comma(params: cst.Parameters) -> cst.Parameters:
    """`def f(self, prefix=None)` -> `def f(self)`, not `def f(self, )`: drop a comma the removal left last."""
    order = [*params.posonly_params, *params.params]
    star = params.star_arg
    rest = [*params.kwonly_params]
    tail = params.star_kwarg
    if tail is not None or rest or isinstance(star, (cst.Param, cst.ParamStar)):
        return params
    if params.posonly_ind is not cst.MaybeSentinel.DEFAULT:
        return params
    if order:
        last = order[-1]
        if isinstance(last.comma, cst.Comma) and not has_comment(last.comma):
            fixed = last.with_changes(comma=cst.MaybeSentinel.DEFAULT)
            if params.params and params.params[-1] is last:
                return params.with_changes(params=[*params.params[:-1], fixed])
    return params


def drop_params(names: Tuple[str, ...], kwargs: Optional[str] = None, pops: Tuple[str, ...] = ()):
    """Remove parameters `names` from the signature, and `kwargs.pop(name)` statements for `pops`."""
    def apply(node: cst.FunctionDef, fix):
        updated = node.visit(_DropParams(names, kwargs, pops))
        for name in names:  # every use went with a removed argument, or the function would still read it
            if _reads(updated.body, name):
                raise CannotFix(f"`{name}` is still used in the body")
        return updated
    return apply


@extends("CSTVisitor")
class _Reads:
    def __init__(self, name):
        self.name = name
        self.found = False

    def visit_Name(self, node):
        if node.value == self.name:
            self.found = True

    def visit_Arg(self, node):
        if node.value is not None:
            node.value.visit(self)
        return False  # the keyword's name is not a read

    def visit_Attribute(self, node):
        node.value.visit(self)
        return False  # `self.params` is not a read of `params`

    def visit_FunctionDef(self, node):
        return False


def _reads(body: cst.CSTNode, name: str) -> bool:
    finder = _Reads(name)
    body.visit(finder)
    return finder.found


class PrefixSignature(Rule):
    code = "GLN003"
    drops_arguments = True
    removes_parameters = True
    name = "prefix-params-signature"
    message = ("`{name}` is no longer a Block constructor argument; `{func}` only hands it on: "
               "remove the parameter")
    fix_title = "Remove the `{name}` parameter of `{func}` and the arguments that pass it"

    VALID = [
        Valid("""
            from mxnet import gluon
            class Config:
                def __init__(self, prefix=None, params=None):
                    self.prefix = prefix
            def make(prefix):
                return Config(prefix=prefix)
            """,
              why="not a Block: the class and the factory that builds it keep their arguments"),
        Valid("""
            from mxnet.gluon import nn
            class Net(nn.HybridBlock):
                def __init__(self, units, **kwargs):
                    super(Net, self).__init__(**kwargs)
            def build(prefix):
                return prefix + 'x'
            """,
              why="already migrated; a function whose `prefix` never reaches a Block is not a Block factory"),
    ]
    INVALID = [
        Invalid(
            """
            from mxnet.gluon import nn as N
            class Net(N.HybridBlock):
                def __init__(self, units, prefix=None, params=None,  # naming
                             activation='relu'):
                    super(Net, self).__init__(prefix=prefix, params=params)
                    self.act = activation
            net = Net(3, 'net_', None, 'tanh')
            """,
            """
            from mxnet.gluon import nn as N
            class Net(N.HybridBlock):
                def __init__(self, units,  # naming
                             activation='relu'):
                    super(Net, self).__init__()
                    self.act = activation
            net = Net(3, 'tanh')
            """,
            why="signature, base call and positional call site change together; a comment after a removed "
                "parameter moves to the one before",
            line=3,
        ),
        Invalid(
            "from mxnet import gluon\r\n"
            "class Cell(gluon.Block):\r\n"
            "    def __init__(self, **kwargs):\r\n"
            "        # 1.x compatibility\r\n"
            "        kwargs.pop('prefix', None)\r\n"
            "        super().__init__(**kwargs)\r\n"
            "class Empty(gluon.Block):\r\n"
            "    def __init__(self, **kwargs):\r\n"
            "        kwargs.pop('prefix')\r\n",
            "from mxnet import gluon\r\n"
            "class Cell(gluon.Block):\r\n"
            "    def __init__(self, **kwargs):\r\n"
            "        # 1.x compatibility\r\n"
            "        super().__init__(**kwargs)\r\n"
            "class Empty(gluon.Block):\r\n"
            "    def __init__(self, **kwargs):\r\n"
            "        pass\r\n",
            why="a `kwargs.pop` statement goes; the comment above it stays; an emptied body gets `pass`; CRLF kept",
            line=5,
        ),
        Invalid(
            """
            from mxnet import gluon
            def test_a():
                class Layer(gluon.HybridBlock):
                    def __init__(self, step, prefix=None, params=None):
                        super(Layer, self).__init__(prefix=prefix, params=params)
                Layer(1)
            def test_b():
                class Layer(gluon.HybridBlock):
                    def __init__(self, step, use_list, nested=False, prefix=None, params=None):
                        super(Layer, self).__init__(prefix=prefix, params=params)
                Layer(1, False, True)
            """,
            """
            from mxnet import gluon
            def test_a():
                class Layer(gluon.HybridBlock):
                    def __init__(self, step):
                        super(Layer, self).__init__()
                Layer(1)
            def test_b():
                class Layer(gluon.HybridBlock):
                    def __init__(self, step, use_list, nested=False):
                        super(Layer, self).__init__()
                Layer(1, False, True)
            """,
            why="two local classes of one name are two callees: each call binds the class of its own scope "
                "(`Layer(1, False, True)` keeps its third argument, which is `nested`)",
            line=4,
        ),
        Invalid(
            """
            from mxnet import gluon
            class Net(gluon.HybridBlock):
                def __init__(self, *, prefix=None, params=None):
                    super().__init__(prefix=prefix, params=params)
            """,
            """
            from mxnet import gluon
            class Net(gluon.HybridBlock):
                def __init__(self):
                    super().__init__()
            """,
            why="keyword-only parameters: the bare `*` goes when no keyword-only parameter is left",
            line=3,
        ),
        Invalid(
            """
            import mxnet as mx
            class Net(mx.gluon.nn.HybridBlock):
                def __init__(self, prefix=None, **kwargs):
                    super().__init__(prefix=prefix, **kwargs)
                    self._my_prefix = prefix
                    self.fc = mx.gluon.nn.Dense(2, prefix='%sfc_' % prefix)
            """,
            None,
            why="the prefix is also used for something else: reported, not rewritten",
            line=3,
        ),
        Invalid(
            """
            from mxnet.gluon import HybridBlock
            class Net(HybridBlock):
                def __init__(self, **kwargs):
                    super(Net, self).__init__(kwargs.get('prefix', None), kwargs.get('params', None))
            """,
            """
            from mxnet.gluon import HybridBlock
            class Net(HybridBlock):
                def __init__(self, **kwargs):
                    super(Net, self).__init__()
            """,
            unsafe_fixes=True,
            why="the 1.x pair handed on by position from `**kwargs` goes together; unsafe: `params` may carry "
                "Parameters a caller shares",
            line=4,
        ),
        Invalid(
            """
            from mxnet import gluon
            class Enc(gluon.HybridBlock):
                def __init__(self, units, **kwargs):
                    kwargs.setdefault('prefix', 'enc_')
                    super().__init__(**kwargs)
            """,
            None,
            why="a `prefix` put into the `**kwargs` the base constructor is given: reported where it is put",
            line=4,
        ),
    ]

    def __init__(self, sink, ctx):
        super().__init__(sink, ctx)
        self.flow: Optional[PrefixFlow] = None

    def visit_Module(self, node: ast.Module) -> None:
        self.flow = self.ctx.shared(PrefixFlow, lambda: PrefixFlow(self.ctx, node))

    # -- signatures ----------------------------------------------------------------------------------
    def visit_FunctionDef(self, func: ast.FunctionDef) -> None:
        flow = self.flow
        cls = flow.method_class(func)
        is_init = cls is not None and flow.is_block_class(cls) and func.name == "__init__"
        is_factory = flow.functions.get(func.name) is func or (
            cls is not None and flow.is_block_class(cls) and flow.classmethod_of(cls, func.name) is func)
        label = f"{cls.name}.{func.name}" if cls is not None else func.name
        kwargs = func.args.kwarg.arg if func.args.kwarg else None
        removed = []
        for name in ARGS:
            arg = declared_arg(func, name)
            if arg is None:
                if is_init and kwargs:
                    self._pops(func, name, label, kwargs)
                continue
            status = flow.param_status(func, name, is_init=is_init) if (
                is_init or is_factory) else None
            if status is None:
                if name == "prefix" and cls is not None and flow.is_block_class(cls):
                    self.report(arg, "`{func}` takes a `prefix`, and the new Block API has no prefixed names; if it "
                                "builds 1.x parameter or symbol names, drop it (structural names need none)",
                                func=label)
                continue
            if status is Status.OWN:
                self.report(arg, "`{name}` is no longer a Block constructor argument, and `{func}` also uses it for "
                            "something else; remove the parameter and give that use its own argument or value",
                            name=name, func=label)
                continue
            problem = flow.problem(func, name)
            view = self.ctx.project
            if problem is None and view is not None and view.module is not None and not (
                    view.planning or view.applied or view.removes(flow.function_key(func), name)):
                # (every removal is settled with the project's calls beforehand; none is made without it)
                problem = "the project's plan did not settle its removal with the calls of the project"
            if problem is not None:
                if view is not None and view.planning and not self.ctx.suppressed(arg.lineno, self.code):
                    # (its calls elsewhere in the project are reported with this reason)
                    view.facts.kept_by_definition[(flow.function_key(func), name)] = KeptByDefinition(problem)
                self.report(arg, "`{name}` is no longer a Block constructor argument; `{func}` cannot drop it "
                            "automatically because {problem}: remove the parameter and its arguments by hand",
                            name=name, func=label, problem=problem)
                continue
            escaped = view.plan.escaped.get((flow.function_key(func), name)) if view is not None else None
            if escaped is not None:  # (`--unsafe-fixes`: calls through the value it escapes by are reported)
                self.report(arg, "`{name}` is no longer a Block constructor argument; `{func}` only hands it on, but "
                            "{escape}: remove the parameter and check those calls", name=name, func=label,
                            escape=escaped.describe(after_fix=view.applied),
                            fix_title=self.fix_title.format(name=name, func=label) + " (calls through values are not "
                            "followed)", edit=Edit("FunctionDef", drop_params((name,), kwargs, (name,)),
                                                   span=span_of(func), safe=False))
            else:
                self.report(arg, name=name, func=label, fix_title=self.fix_title.format(name=name, func=label),
                            edit=Edit("FunctionDef", drop_params((name,), kwargs, (name,)), span=span_of(func)))
            removed.append(name)
            if name == "params" and not is_init:
                self._drop_forwarded_params(func)
            if self.ctx.project is not None and not self.ctx.suppressed(arg.lineno, self.code):
                # (a `# noqa` keeps the parameter, and so every argument that passes it)
                self.ctx.project.facts.removed.add((flow.function_key(func), name))
        if removed:
            self._fix_call_sites(func, tuple(removed), label)

    def _drop_forwarded_params(self, func) -> None:
        """`return cls(units, params=params)` in a factory that loses `params`: the keyword goes too
        (a factory's `prefix=prefix` forwards are GLN002's)."""
        for use in self.flow.uses(func, "params"):
            call = self.flow.forward_of(use, "params")
            keyword = self.flow.parent.get(id(use))
            if call is None or self.flow.base_init(call) is not None or not isinstance(keyword, ast.keyword):
                continue
            self.report(use, "`params` is no longer accepted by Block constructors; the factory no longer takes "
                        "it: remove the argument", fix_title="Remove the argument",
                        edit=Edit("Call", drop_call_args(("params",), ()), span=span_of(call),
                                  drops=(("params",), (), 0)))

    def _pops(self, func, name, label, kwargs) -> None:
        for pop in self.flow.kwargs_pops(func, name):
            self.report(pop, "`kwargs.pop('{name}')` is not needed once no caller passes `{name}`, which the new "
                        "Block API rejects", name=name,
                        fix_title=f"Remove the `kwargs.pop('{name}')` statement",
                        edit=Edit("FunctionDef", drop_params((), kwargs, (name,)), span=span_of(func)))

    def _fix_call_sites(self, func, names: Tuple[str, ...], label: str) -> None:
        """Calls that bind `func` lose the positional arguments at the removed slots, in one edit per call
        (two edits would each count slots on an already shortened call), and the keywords too for
        factories and base calls (a class's `prefix=`/`params=` keywords are GLN002's and GLN004's)."""
        for call, skip in self.flow.calls_of(func):
            owns_keywords = self.flow.base_init(call) is not None or self.flow.callee(call) == Factory(func)
            slots, values, keywords, passed = [], [], [], []
            for name in names:
                slot = self.flow.slot_in(func, name, 0) if name in positional_names(func) else None
                found = arguments_passing(call, name, slot, skip)
                how = found[1] if found is not None else None
                if how == "keyword" and owns_keywords:
                    keywords.append(name)
                elif how == "position":
                    slots.append(slot)
                else:
                    continue
                values.append(found[0])
                passed.append(name)
            if not values:
                continue
            safe = all(pure(v) or (isinstance(v, ast.Name) and v.id in names) for v in values)
            self.report(values[0], "{shown} no longer accepted by `{func}`, which loses {those} with the "
                        "Block prefix; remove {it} from the call", shown=shown_names(passed), func=label,
                        those="that parameter" if len(set(passed)) == 1 else "those parameters",
                        it="the argument" if len(set(passed)) == 1 else "the arguments",
                        fix_title="Remove the argument", edit=Edit(
                            "Call", drop_call_args(tuple(keywords), tuple(slots), skip), span=span_of(call),
                            safe=safe, drops=(tuple(keywords), tuple(slots), skip)))

    def _other_module_callee(self, call: ast.Call) -> None:
        """A call of a class or factory of another module whose signature loses parameters in this run:
        drop the arguments that pass them (a class's `prefix=`/`params=` keywords are GLN002's and
        GLN004's; a call passing a parameter the plan keeps is reported by `analysis.consistency`)."""
        view = self.ctx.project
        if view is None or view.applied:
            return
        kind = self.flow.callee(call)
        if isinstance(kind, FileClass):
            kind = self.flow.beyond_file(kind)
        if isinstance(kind, ProjectClass):
            signature, owner = self.flow.project_init(kind)
            if signature is None:
                return
            key, label, keywords_too = owner.key, f"{owner.qualname}.__init__", False
        elif kind is None:
            found = view.index.resolve_function(self.ctx.imports.qualify(call.func), view.module)
            if found is None:
                return
            key, signature = found
            label, keywords_too = key.split(":", 1)[1], True
        else:
            return
        slots, keywords, values, names = [], [], [], []
        for name in ARGS:
            if not view.removes(key, name):
                continue
            slot = signature.positional.index(name) if name in signature.positional else None
            found = arguments_passing(call, name, slot)
            how = found[1] if found is not None else None
            if how == "keyword" and keywords_too:
                keywords.append(name)
            elif how == "position":
                slots.append(slot)
            else:
                continue
            values.append(found[0])
            names.append(name)
        if values:
            single = len(values) == 1
            self.report(values[0], "{shown} no longer accepted by `{func}`, which loses {those} with the Block "
                        "prefix; remove {it} from the call", shown=shown_names(names), func=label,
                        those="that parameter" if single else "those parameters",
                        it="the argument" if single else "the arguments", fix_title="Remove the argument",
                        edit=Edit("Call", drop_call_args(tuple(keywords), tuple(slots)), span=span_of(call),
                                  safe=all(pure(v) for v in values), drops=(tuple(keywords), tuple(slots), 0)))

    # -- base constructor calls that reach Gluon ---------------------------------------------------------
    def visit_Call(self, call: ast.Call) -> None:
        base = self.flow.base_init(call)
        if base is None:
            self._other_module_callee(call)
            return
        kind, skip = base
        own = self.flow.signature(kind)[0] if isinstance(kind, FileClass) else None
        func = self.flow.enclosing(call, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        keywords, slots, values, handed_on = [], [], [], set()
        for name in ARGS:
            if own is not None and declared_arg(own, name) is not None:
                continue  # a base of this file taking `name`: its call sites are fixed with it (visit_FunctionDef)
            if not isinstance(kind, GluonClass) and self.flow.status(kind, name) is not Status.GLUON:
                continue  # a base of the project that does not only hand `name` on to Gluon keeps it
            slot = self.flow.slot(kind, name) if isinstance(kind, GluonClass) else None
            found = arguments_passing(call, name, slot, skip)
            if found is not None and found[1] == "**{}":  # `**{'prefix': ...}`, `kwargs.setdefault('prefix', ...)`
                self.report(found[0], "`{name}` is no longer accepted by the Block constructor, and this reaches "
                            "the base constructor call at line {line} inside an unpacked mapping; delete the "
                            "`'{name}'` entry", name=name, line=call.lineno)
                continue
            value = found[0] if found is not None and found[1] in ("keyword", "position") else None
            if value is None:
                continue
            by_keyword = found[1] == "keyword"
            if _from_kwargs(value, func, name):
                handed_on.add(name)
            if isinstance(value, ast.Name) and value.id == name and declared_arg(func, name) is not None:
                # the parameter stays: so does this
                if self.flow.param_status(func, name, is_init=True) is not Status.GLUON:
                    self.report(value, "`{name}` is no longer accepted by the Block constructor; pass the base "
                                "constructor nothing and keep the other use of `{name}` separately", name=name)
                    continue
                if self.flow.problem(func, name) is not None:
                    self.report(value, "`{name}` is no longer accepted by the Block constructor; remove it here "
                                "together with the `{name}` parameter of `{func}`, which stays for now (see the "
                                "finding on the parameter)", name=name, func=self.flow.label(func))
                    continue
            elif name == "params" and name not in handed_on and not (
                    isinstance(value, ast.Constant) and value.value is None):
                self.report(value, "`params` ({how}) is no longer accepted by the Block constructor; call "
                            "`self.share_parameters(...)` after construction instead",
                            how=f"`{ast.unparse(value)}`" + ("" if by_keyword else ", passed by position"))
                continue
            if by_keyword:
                keywords.append(name)
            else:
                slots.append(slot)
            values.append((name, value))
        if not values:
            return
        kept_after = [a for i, a in enumerate(call.args[:leading_positional(call)])
                      if slots and i - skip > min(slots) and i - skip not in slots]
        if kept_after:  # `__init__(prefix, params)` with `params` reported: dropping `prefix` would shift it
            self.report(values[0][1], "{shown} no longer accepted by the Block constructor, but removing {it} "
                        "would move `{after}` into its place; remove the positional arguments by hand",
                        shown=shown_names([n for n, _ in values]), it="it" if len(values) == 1 else "them",
                        after=ast.unparse(kept_after[0]))
            return
        read = _read_after_pop(func, [v for n, v in values if n in handed_on])
        if read is not None:  # `__init__(kwargs.pop('prefix', None), ...)`, then `**kwargs` used again
            self.report(values[0][1], "{shown} no longer accepted by the Block constructor, to which this call hands "
                        "on the {handed} it pops from `**{kwargs}`; `{kwargs}` is read again at line {line}, where "
                        "removing the pops would leave {them} in it: pop {them} in a statement of {its} own and "
                        "remove the arguments by hand", shown=shown_names([n for n, _ in values]), kwargs=read.id,
                        handed=" and ".join(f"`{n}`" for n in ARGS if n in handed_on), line=read.lineno,
                        them="them" if len(handed_on) > 1 else "it", its="their" if len(handed_on) > 1 else "its")
            return
        if "params" in handed_on:  # the 1.x pair `__init__(kwargs.get('prefix'), kwargs.get('params'))`
            self.report(values[0][1], "{shown} no longer accepted by the Block constructor, to which this call "
                        "hands on the {handed} its caller passed in `**{kwargs}`; remove {it}, and share Parameters "
                        "with `share_parameters()` where a caller passed `params`",
                        shown=shown_names([n for n, _ in values]), kwargs=func.args.kwarg.arg,
                        handed=" and ".join(f"`{n}`" for n in ARGS if n in handed_on),
                        it="both arguments" if len(values) > 1 else "the argument",
                        fix_title="Remove the arguments" if len(values) > 1 else "Remove the argument",
                        edit=Edit("Call", drop_call_args(tuple(keywords), tuple(slots), skip), span=span_of(call),
                                  safe=False, drops=(tuple(keywords), tuple(slots), skip)))
            return
        safe = all(pure(v) for _, v in values)
        self.report(values[0][1], "{shown} no longer accepted by the Block constructor; remove {it} from the "
                    "base constructor call", shown=shown_names([n for n, _ in values]), fix_title="Remove the argument",
                    it="it" if len(values) == 1 else "them",
                    edit=Edit("Call", drop_call_args(tuple(keywords), tuple(slots), skip), span=span_of(call),
                              safe=safe, drops=(tuple(keywords), tuple(slots), skip)))
