"""Where a module's classes and functions send their `prefix`/`params` arguments (shared by GLN002, GLN003).

Built once per file (`FileContext.shared`) on the `ast` tree, on top of the file's call resolution
(`analysis.call_resolver`: what each call calls, and at which slot it passes what): what each callable
of the file does with the `prefix`/`params` it is given (a `Status`), and whether their removal can be
done together with every argument that passes them.
"""
from __future__ import annotations

import ast
import re
from typing import Dict, List, Optional, Tuple  # noqa: F401

from .callees import Callee, Factory, FileClass, GluonClass, ProjectClass, Status, UnknownBlock
from .call_resolver import (
    CallResolver, arguments_passing, declared_arg, default_of, leading_positional, positional_names, pure)


def _is_kwargs_pop(stmt: ast.AST, kwargs: Optional[str], name: str) -> bool:
    """`kwargs.pop('prefix')` / `kwargs.pop('prefix', None)` as a statement of its own."""
    if not (kwargs and isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)):
        return False
    call = stmt.value
    return (isinstance(call.func, ast.Attribute) and call.func.attr == "pop" and isinstance(call.func.value, ast.Name)
            and call.func.value.id == kwargs and call.args and isinstance(call.args[0], ast.Constant)
            and call.args[0].value == name and not call.keywords and len(call.args) <= 2
            and all(pure(a) for a in call.args))


def shown_names(names) -> str:
    """"`prefix` is" / "`prefix` and `params` are"."""
    names = list(dict.fromkeys(names))
    return " and ".join(f"`{n}`" for n in names) + (" are" if len(names) > 1 else " is")


class PrefixFlow(CallResolver):
    """Where the file's classes and functions send their `prefix`/`params` arguments: what each call
    builds (a `Callee`, see `analysis.callees`) and what each callable does with them (a `Status`)."""

    def __init__(self, ctx, module: ast.Module):
        super().__init__(ctx, module)
        self.lines = ctx.lines
        self._status: Dict[Tuple[int, str], Optional[Status]] = {}
        self._problems: Dict[Tuple[int, str], Optional[str]] = {}

    # -- what a function does with its arguments --------------------------------------------------------
    def status(self, callee: Optional[Callee], name: str = "prefix") -> Optional[Status]:
        """What a call of `callee` does with the `name` it is given (see `Status`; None: not accepted,
        or for a factory, it reaches no Block)."""
        if callee is None:
            return None
        if isinstance(callee, (GluonClass, UnknownBlock)):
            return Status.GLUON
        if isinstance(callee, ProjectClass):
            signature, owner = self.project_init(callee)
            if owner is None:
                return Status.GLUON  # no class of the project on the way defines `__init__`: Gluon's takes it
            return self.ctx.project.status(owner.key, name)
        func, _ = self.signature(callee)
        if func is None:
            if not isinstance(callee, FileClass):
                return None
            beyond = self.beyond_file(callee)
            return self.status(beyond, name) if isinstance(beyond, ProjectClass) else Status.GLUON
        return self.param_status(func, name, is_init=isinstance(callee, FileClass))

    def param_status(self, func: ast.AST, name: str, is_init: bool = False) -> Optional[Status]:
        key = (id(func), name)
        if key in self._status:
            return self._status[key]
        self._status[key] = Status.OWN  # a cycle of forwards proves nothing
        self._status[key] = result = self._param_status(func, name, is_init)
        return result

    def _param_status(self, func, name, is_init) -> Optional[Status]:
        if declared_arg(func, name) is not None:
            uses = self.uses(func, name)
            forwards = [u for u in uses if isinstance(u.ctx, ast.Load) and self.forward_of(u, name) is not None]
            if not forwards and not is_init:
                return None  # a function whose argument never reaches a Block is not a Block factory
            return Status.GLUON if len(forwards) == len(uses) else Status.OWN
        kwargs = func.args.kwarg.arg if func.args.kwarg else None
        if kwargs is None:
            return None
        nodes = self.ctx.walk(func)
        for node in nodes:
            if isinstance(node, ast.Constant) and node.value == name and not self._in_kwargs_pop(node, kwargs, name):
                return Status.OWN  # `kwargs['prefix']`, `kwargs.get('prefix')`: read by user code
        splats = [k for node in nodes if isinstance(node, ast.Call) for k in node.keywords
                  if k.arg is None and isinstance(k.value, ast.Name) and k.value.id == kwargs]
        for splat in splats:
            call = self.parent[id(splat)]
            target = self.base_init(call)
            target = target[0] if target else self.callee(call)
            if target is None and not is_init and self.calls_through_a_value(call, gluon_project=True):
                return Status.UNFOLLOWED
            if target is None or self.status(target, name) is not Status.GLUON:
                return None if not is_init else Status.OWN
        return Status.GLUON if splats or is_init else None

    def _in_kwargs_pop(self, constant, kwargs, name) -> bool:
        call = self.parent.get(id(constant))
        return call is not None and _is_kwargs_pop(self.parent.get(id(call)), kwargs, name)

    def forward_of(self, use: ast.Name, name: str):
        """The call that hands `use` on as a Block's `name`, or None. A prefix may be handed on inside
        a child's prefix (`prefix='%s_fc1_' % prefix`): that value names nothing in the new API either."""
        if name == "prefix":
            use = self._composed_prefix(use)
        parent = self.parent.get(id(use))
        keyword = None
        if isinstance(parent, ast.keyword):
            keyword, parent = parent, self.parent.get(id(parent))
        if not isinstance(parent, ast.Call) or (keyword is None and use not in parent.args):
            return None
        base = self.base_init(parent)
        kind, skip = base if base else (self.callee(parent), 0)
        if kind is None or (name == "params" and base is None and not self._factory_pass_through(use, keyword)):
            return None  # `params=params` to another Block is sharing: GLN004 reports it
        if keyword is not None:
            if keyword.arg != name:
                return None
        else:
            index = parent.args.index(use)
            slot = self.slot(kind, name) if not isinstance(kind, UnknownBlock) else None
            if index >= leading_positional(parent) or slot is None or index - skip != slot:
                return None
        return parent if self.status(kind, name) is Status.GLUON else None

    def _factory_pass_through(self, use: ast.Name, keyword: Optional[ast.keyword]) -> bool:
        """`cls(..., params=params)` in a factory (not an `__init__`): it hands its own `params` on, as
        it does its `prefix`; the two travel together."""
        func = self.enclosing(use, (ast.FunctionDef, ast.AsyncFunctionDef))
        return (keyword is not None and keyword.arg == "params" and func is not None and func.name != "__init__"
                and declared_arg(func, "params") is not None)

    def _composed_prefix(self, use: ast.Name) -> ast.AST:
        """The whole call-free expression `use` is part of (`'%s_fc1_' % prefix`, `f'{prefix}se_'`)."""
        top = use
        parent = self.parent.get(id(top))
        while isinstance(parent, (ast.BinOp, ast.JoinedStr, ast.FormattedValue, ast.Tuple)):
            top, parent = parent, self.parent.get(id(parent))
        return top if pure(top) else use

    def kwargs_pops(self, func: ast.AST, name: str) -> List[ast.Expr]:
        kwargs = func.args.kwarg.arg if func.args.kwarg else None
        if kwargs is None:
            return []  # nothing to pop from
        return [s for s in self.ctx.walk(func) if type(s) is ast.Expr and _is_kwargs_pop(s, kwargs, name)
                and self.enclosing(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) is func]

    # -- whether removal can be done consistently -----------------------------------------------------

    def problem(self, func, name: str) -> Optional[str]:
        """Why `name` cannot be removed from `func` together with every argument that passes it, or None."""
        key = (id(func), name)
        if key in self._problems:
            return self._problems[key]
        self._problems[key] = None  # inside a cycle each member's other checks decide
        self._problems[key] = result = self._problem(func, name)
        return result

    def _problem(self, func, name: str) -> Optional[str]:
        view = self.ctx.project
        if view is not None:
            reason = view.kept(self.function_key(func), name, by_calls_only=True)
            if reason is not None:
                return reason
        arg = declared_arg(func, name)
        default = default_of(func, arg)
        if self.comment_inside(arg, default if default is not None else arg):
            return "a comment sits inside the parameter"
        if self._comment_before_separator(default if default is not None else arg):
            return "a comment sits inside the parameter"  # (`prefix  # the name` before its comma or `)`)
        if name in positional_names(func):
            for call, skip in self.calls_of(func):
                index = self.slot_in(func, name, skip)
                found = arguments_passing(call, name, index - skip, skip, keywords=False)
                if found is not None and found[1] == "*args":
                    return f"the call at line {call.lineno} passes `*args`, whose `{name}` cannot be told apart"
                if found is None:
                    continue
                value = found[0]
                caller = self.enclosing(call, (ast.FunctionDef, ast.AsyncFunctionDef))
                forwarded = (isinstance(value, ast.Name) and value.id == name and caller is not None
                             and declared_arg(caller, name) is not None)
                if name == "params" and not forwarded and not (isinstance(value, ast.Constant) and value.value is None):
                    return f"the call at line {call.lineno} shares parameters by position (use `share_parameters`)"
                following = [a for a in call.args[index + 1:]] + [k.value for k in call.keywords]
                following = [a for a in following if (a.lineno, a.col_offset) > (value.lineno, value.col_offset)]
                end = min(following, key=lambda a: (a.lineno, a.col_offset), default=None)
                if self.comment_inside(value, value) or self.comment_between(value, end or call):
                    return f"a comment sits inside or after the argument at line {call.lineno}"
        for use in self.uses(func, name):  # a function it hands the argument to must drop it as well
            call = self.forward_of(use, name)
            if call is not None and self._kept_by_noqa(use, call):
                return f"a `# noqa` (or a declined fix) keeps `{name}` in the call it is handed on to at line {use.lineno}"
            base = self.base_init(call) if call is not None else None
            kind = base[0] if base else (self.callee(call) if call is not None else None)
            target = self.signature(kind)[0] if isinstance(kind, (FileClass, Factory)) else None
            if target is not None and target is not func and declared_arg(target, name) is not None:
                reason = self.problem(target, name)
                if reason is not None:
                    return f"it hands `{name}` to `{self.label(target)}`, which keeps it ({reason})"
            if isinstance(kind, FileClass) and target is None:
                kind = self.beyond_file(kind)
            if isinstance(kind, ProjectClass):
                signature, owner = self.project_init(kind)
                if signature is not None and signature.declares(name) and not view.removes(owner.key, name):
                    return f"it hands `{name}` to `{owner.qualname}` of `{owner.module}`, which keeps it"
        return None

    def _kept_by_noqa(self, use: ast.AST, call: ast.Call) -> bool:
        """The argument `use` that hands a parameter on stays: the fixes that would drop it (GLN002 for a
        Gluon child, GLN003 for a base constructor or a class of the project) are silenced where it is."""
        return any(self.ctx.suppressed(line, code) for line in {use.lineno, call.lineno}
                   for code in self.ctx.codes_declaring("drops_arguments"))

    def _comment_before_separator(self, node: ast.AST) -> bool:
        """A comment after `node` and before the `,` or `)` that ends it (libcst keeps it with the item)."""
        line, col = node.end_lineno, node.end_col_offset
        while 1 <= line <= len(self.lines):
            rest = self.lines[line - 1][col:].lstrip()
            if rest:
                return rest.startswith("#")
            line, col = line + 1, 0
        return False

    def comment_between(self, node: ast.AST, follower: ast.AST) -> bool:
        """A comment after `node` and before `follower` starts (before it ends, when it encloses `node`)."""
        encloses = (follower.lineno, follower.col_offset) <= (node.lineno, node.col_offset)
        end = (follower.end_lineno, follower.end_col_offset) if encloses else (follower.lineno, follower.col_offset)
        return self._has_comment((node.end_lineno, node.end_col_offset), end)

    def comment_inside(self, start: ast.AST, end: ast.AST) -> bool:
        return self._has_comment((start.lineno, start.col_offset), (end.end_lineno, end.end_col_offset))

    def _has_comment(self, start: Tuple[int, int], end: Tuple[int, int]) -> bool:
        lines = self.lines[start[0] - 1:end[0]]
        if not lines:
            return False
        if len(lines) == 1:
            text = lines[0][start[1]:end[1]]
        else:
            text = "\n".join([lines[0][start[1]:], *lines[1:-1], lines[-1][:end[1]]])
        return "#" in _code_of(text)


def _code_of(text: str) -> str:
    """`text` with string literals blanked, so that a `#` inside a string is not taken for a comment."""
    return re.sub(r"(?s)('''.*?'''|\"\"\".*?\"\"\"|'(?:\\.|[^'\\\n])*'|\"(?:\\.|[^\"\\\n])*\")", "''", text)
