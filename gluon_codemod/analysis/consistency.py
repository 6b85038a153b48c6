"""What a module tells the project's plan, and the findings the plan owes it.

After the rules ran on a module that belongs to a project, `note_facts` records:
- what each Block class and factory of the module does with the `prefix`/`params` it receives
  (statuses: other modules' calls of them are fixed or reported by these);
- every call that passes a parameter whose removal the plan has planned, but that no edit of this run
  drops (an unsafe fix in a safe run, `*args`, a rule that was not selected): the plan keeps that
  parameter, since its removal would leave this call broken;
and reports each call that passes a parameter the plan keeps, with the reason, so that nothing the
tool leaves behind goes without a finding.
"""
from __future__ import annotations

import ast
from typing import Dict, List, Optional, Tuple

from ..vocabulary import Finding
from .call_resolver import ARGS, arguments_passing, callee_binding, check_bindings
from .escapes import note_escapes
from .callees import FileClass
from .plan import StillUsed, Unfollowed
from .prefix_flow import PrefixFlow


def _flow(ctx) -> PrefixFlow:
    return ctx.shared(PrefixFlow, lambda: PrefixFlow(ctx, ctx.tree))


def note_facts(ctx, results: List[Tuple[Finding, object]], sink, unsafe_fixes: bool,
               kept_code: Optional[str]) -> None:
    """`kept_code`: the code of the selected rule that removes parameters (`Rule.removes_parameters`), under
    which the calls passing a parameter the plan keeps are reported (None: not reported)."""
    view = ctx.project
    flow = _flow(ctx)
    facts, plan = view.facts, view.plan
    # (what each callable does with `prefix`/`params` is read by the plan from its planning runs only)
    for cls in ctx.nodes_of(ast.ClassDef) if view.planning else ():
        if ctx.is_block_class(cls):
            key = flow.key_of(FileClass(cls))
            for name in ARGS:
                facts.statuses[(key, name)] = flow.status(FileClass(cls), name)
            for func in cls.body:
                if isinstance(func, ast.FunctionDef) and flow.classmethod_of(cls, func.name) is func:
                    _note_factory(flow, facts, func)
    for func in flow.functions.values() if view.planning else ():
        _note_factory(flow, facts, func)
    if view.planning or (not plan.removed and not plan.kept):
        return
    drops: Dict[Tuple[int, int, int, int], list] = {}
    for _finding, edit in results:
        if edit is not None and edit.drops is not None and (edit.safe or unsafe_fixes) and view.rewritten:
            drops.setdefault(tuple(edit.span), []).append(edit.drops)
    for call in ctx.nodes_of(ast.Call):
        target = callee_binding(ctx, flow, call)
        if target is None:
            continue
        key, signature, skip, label = target
        positional = signature.positional
        for name in ARGS:
            if (key, name) not in plan.removed and (key, name) not in plan.kept:
                continue
            found = arguments_passing(call, name, positional.index(name) if name in positional else None, skip)
            if found is None:
                continue
            value, how = found
            if (key, name) in plan.kept:
                if kept_code is not None:
                    message = (f"`{label}` keeps its `{name}` parameter for now because {view.kept(key, name)}; "
                               "remove this argument together with the parameter")
                    sink(Finding(kept_code, value.lineno, value.col_offset, message, end_line=value.end_lineno,
                                 end_col=value.end_col_offset), None)
                continue
            if view.applied:
                continue
            span = (call.lineno, call.col_offset, call.end_lineno, call.end_col_offset)
            why = None
            if not _dropped(drops.get(span, ()), name, how, positional):
                why = {"keyword": f"`{name}=` is not removed by this run",
                       "position": f"its positional `{name}` is not removed by this run",
                       "*args": f"`{name}` may be inside its `*args`",
                       "**{}": f"its `{name}` is inside `**{{...}}`, which this run does not edit"}[how]
            elif _commented(flow, call, value):
                why = "a comment in or after the argument would be lost with it"  # (the edit would refuse)
            if why is not None:
                facts.unfollowed.setdefault((key, name), Unfollowed(view.display, call.lineno, why))
    if view.settling and not view.applied:
        note_escapes(ctx, flow, view)
        check_bindings(ctx, flow, view, drops)
        if view.rewritten:
            _check_own_uses(ctx, flow, view, drops)


def _note_factory(flow: PrefixFlow, facts, func: ast.FunctionDef) -> None:
    key = flow.function_key(func)
    for name in ARGS:
        facts.statuses[(key, name)] = flow.param_status(func, name)


def _commented(flow: PrefixFlow, call: ast.Call, value: ast.AST) -> bool:
    following = [a for a in (*call.args, *(k.value for k in call.keywords))
                 if (a.lineno, a.col_offset) > (value.end_lineno, value.end_col_offset)]
    end = min(following, key=lambda a: (a.lineno, a.col_offset), default=None)
    return flow.comment_inside(value, value) or flow.comment_between(value, end or call)


def _dropped(drops, name: str, how: str, positional: Tuple[str, ...]) -> bool:
    for keywords, slots, _skip in drops:
        if how == "keyword" and name in keywords:
            return True
        if how == "position" and positional.index(name) in slots:
            return True
    return False


# -- the plan checked against the final edits ---------------------------------------------------------


def _check_own_uses(ctx, flow: PrefixFlow, view, drops) -> None:
    """A parameter the plan removes must leave its callable's body with the arguments that hand it on:
    a use no edit of this run drops would keep it there (the removal would refuse, and its calls would no
    longer bind)."""
    plan, facts = view.plan, view.facts
    functions = [f for f in ctx.nodes_of(ast.FunctionDef) if f.name == "__init__" or flow.functions.get(f.name) is f
                 or flow.method_class(f) is not None]
    for func in functions:
        key = None
        for name in ARGS:
            if not any(a.arg == name for a in func.args.posonlyargs + func.args.args + func.args.kwonlyargs):
                continue
            key = key or flow.function_key(func)
            if (key, name) not in plan.removed or (key, name) in plan.kept:
                continue
            for use in flow.uses(func, name):
                if isinstance(use.ctx, ast.Load) and not _dropped_use(flow, use, drops):
                    facts.unbound.setdefault((key, name), StillUsed(view.display, use.lineno, name))
                    break


def _dropped_use(flow: PrefixFlow, use: ast.AST, drops) -> bool:
    """Whether `use` sits in an argument that an edit of this run drops from its call."""
    top, parent = use, flow.parent.get(id(use))
    while parent is not None and not isinstance(parent, (ast.keyword, ast.Call, ast.stmt)):
        top, parent = parent, flow.parent.get(id(parent))
    if isinstance(parent, ast.keyword):
        call = flow.parent.get(id(parent))
        span = (call.lineno, call.col_offset, call.end_lineno, call.end_col_offset)
        return any(parent.arg in keywords for keywords, _slots, _skip in drops.get(span, ()))
    if isinstance(parent, ast.Call) and top in parent.args:
        span = (parent.lineno, parent.col_offset, parent.end_lineno, parent.end_col_offset)
        index = parent.args.index(top)
        return any(index - skip in slots for _keywords, slots, skip in drops.get(span, ()))
    return False
