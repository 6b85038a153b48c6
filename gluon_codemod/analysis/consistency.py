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
from .callees import Factory, FileClass, ProjectClass
from .plan import Unfollowed
from .prefix_flow import ARGS, PrefixFlow, _leading_positional, _positional, unpacked_argument


def _flow(ctx) -> PrefixFlow:
    return ctx.shared(PrefixFlow, lambda: PrefixFlow(ctx, ctx.tree))


def callee_signature(ctx, flow: PrefixFlow, call: ast.Call) -> Optional[Tuple[str, Tuple[str, ...], int, str]]:
    """(key, positional parameter names, leading arguments that are `self`, label) of the project
    callable whose signature `call` binds, or None when it is not one the project knows."""
    base = flow.base_init(call)
    kind, skip = base if base else (flow.callee(call), 0)
    if kind is None:
        view = ctx.project
        found = view.index.resolve_function(ctx.imports.qualify(call.func), view.module) if view else None
        if found is None:
            return None
        key, signature = found
        return key, signature.positional, 0, key.split(":", 1)[1]
    if isinstance(kind, (FileClass, Factory)):
        func, implicit = flow.signature(kind)
        if func is not None:
            return flow.function_key(func), tuple(_positional(func)[implicit:]), skip, flow.label(func)
        if isinstance(kind, FileClass):
            kind = flow.beyond_file(kind)
    if isinstance(kind, ProjectClass):
        signature, owner = flow.project_init(kind)
        if signature is not None:
            return owner.key, signature.positional, skip, f"{owner.qualname}.__init__"
    return None


def passed(call: ast.Call, name: str, positional: Tuple[str, ...], skip: int) -> Optional[Tuple[ast.AST, str]]:
    """(the argument, how: "keyword", "position", "*args" or "**{}") by which `call` passes parameter `name`."""
    keyword = next((k for k in call.keywords if k.arg == name), None)
    if keyword is not None:
        return keyword.value, "keyword"
    unpacked = unpacked_argument(call, name)
    if unpacked is not None:
        return unpacked, "**{}"
    if name not in positional:
        return None
    slot = positional.index(name) + skip
    leading = _leading_positional(call)
    if slot < leading:
        return call.args[slot], "position"
    if leading < len(call.args):
        return call.args[leading], "*args"
    return None


def note_facts(ctx, results: List[Tuple[Finding, object]], sink, unsafe_fixes: bool, report_kept: bool) -> None:
    view = ctx.project
    flow = _flow(ctx)
    facts, plan = view.facts, view.plan
    for cls in ctx.nodes_of(ast.ClassDef):
        if ctx.is_block_class(cls):
            key = flow.key_of(FileClass(cls))
            for name in ARGS:
                facts.statuses[(key, name)] = flow.status(FileClass(cls), name)
            for func in cls.body:
                if isinstance(func, ast.FunctionDef) and flow.classmethod_of(cls, func.name) is func:
                    _note_factory(flow, facts, func)
    for func in flow.functions.values():
        _note_factory(flow, facts, func)
    if view.planning or (not plan.removed and not plan.kept):
        return
    drops: Dict[Tuple[int, int, int, int], list] = {}
    for _finding, edit in results:
        if edit is not None and edit.drops is not None and (edit.safe or unsafe_fixes) and view.rewritten:
            drops.setdefault(tuple(edit.span), []).append(edit.drops)
    for call in ctx.nodes_of(ast.Call):
        target = callee_signature(ctx, flow, call)
        if target is None:
            continue
        key, positional, skip, label = target
        for name in ARGS:
            if (key, name) not in plan.removed and (key, name) not in plan.kept:
                continue
            found = passed(call, name, positional, skip)
            if found is None:
                continue
            value, how = found
            if (key, name) in plan.kept:
                if report_kept:
                    message = (f"`{label}` keeps its `{name}` parameter for now because {view.kept(key, name)}; "
                               "remove this argument together with the parameter")
                    sink(Finding("GLN003", value.lineno, value.col_offset, message, end_line=value.end_lineno,
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
