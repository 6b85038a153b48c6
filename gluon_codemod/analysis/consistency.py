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
from .binding import final_signature, unbound
from .module_source import parse_file
from .callees import UNKNOWN_BLOCK, Factory, FileClass, ProjectClass
from .plan import Escaped, StillUsed, Unbound, Unfollowed
from .prefix_flow import ARGS, PrefixFlow, leading_positional, positional_names, unpacked_argument
from .project import Signature


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
            return flow.function_key(func), tuple(positional_names(func)[implicit:]), skip, flow.label(func)
        if isinstance(kind, FileClass):
            kind = flow.beyond_file(kind)
    if isinstance(kind, ProjectClass):
        signature, owner = flow.project_init(kind)
        if signature is not None:
            return owner.key, signature.positional, skip, f"{owner.qualname}.__init__"
    return None


def callee_binding(ctx, flow: PrefixFlow, call: ast.Call) -> Optional[Tuple[str, Signature, int, str]]:
    """(key, signature, leading arguments that are `self`, label) of the project callable `call` binds."""
    base = flow.base_init(call)
    kind, skip = base if base else (flow.callee(call), 0)
    if kind is None:
        view = ctx.project
        found = view.index.resolve_function(ctx.imports.qualify(call.func), view.module) if view else None
        if found is None:
            return None
        key, signature = found
        return key, signature, 0, key.split(":", 1)[1]
    if isinstance(kind, (FileClass, Factory)):
        func, implicit = flow.signature(kind)
        if func is not None:
            return flow.function_key(func), Signature.of(func, bool(implicit)), skip, flow.label(func)
        if isinstance(kind, FileClass):
            kind = flow.beyond_file(kind)
    if isinstance(kind, ProjectClass):
        signature, owner = flow.project_init(kind)
        if signature is not None:
            return owner.key, signature, skip, f"{owner.qualname}.__init__"
    return None


def arguments_passing(call: ast.Call, name: str, positional: Tuple[str, ...],
                      skip: int) -> Optional[Tuple[ast.AST, str]]:
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
    leading = leading_positional(call)
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
            found = arguments_passing(call, name, positional, skip)
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
    if view.settling and not view.applied:
        _note_escapes(ctx, flow, view)
        _check_bindings(ctx, flow, view, drops)
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
def removed_names(plan, key: str) -> set:
    """The parameters this run removes from callable `key`'s signature."""
    return {name for name in ARGS if (key, name) in plan.removed and (key, name) not in plan.kept}


def _check_bindings(ctx, flow: PrefixFlow, view, drops) -> None:
    """Every call of a project callable whose signature the plan changes, or whose arguments this run
    drops, must bind the final signature with its final arguments (see `analysis.binding`)."""
    plan, facts = view.plan, view.facts
    changed = {key for key, _ in plan.removed}
    for call in ctx.nodes_of(ast.Call):
        span = (call.lineno, call.col_offset, call.end_lineno, call.end_col_offset)
        dropped = drops.get(span, ())
        if not dropped and not changed:
            continue
        target = callee_binding(ctx, flow, call)
        if target is None:
            continue
        key, signature, skip, label = target
        # (a removal that some call does not follow is withdrawn already: bind to what is left)
        removed = {name for name in removed_names(plan, key) if (key, name) not in facts.unfollowed}
        if not removed and not dropped:
            continue
        if unbound(call, signature, skip) is not None:
            continue  # it did not bind before this run either: not this run's doing
        keywords = {k for keywords, _slots, _skip in dropped for k in keywords}
        slots = {slot + own_skip - skip for _keywords, own_slots, own_skip in dropped for slot in own_slots}
        why = unbound(call, final_signature(signature, removed), skip, keywords, slots)
        if why is None:
            continue
        if removed:
            for name in removed:
                facts.unbound.setdefault((key, name), Unbound(view.display, call.lineno, label, why))
        else:
            facts.unbound_calls.setdefault((view.site, call.lineno, call.col_offset),
                                           f"without the argument, `{label}` would not bind: {why}")


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


# -- classes used as values -------------------------------------------------------------------------------
#: Builtins that look at a class without calling it.
_INSPECTING = {"isinstance", "issubclass", "super", "type", "id", "repr", "str", "hash", "vars", "print"}


def _note_escapes(ctx, flow: PrefixFlow, view) -> None:
    """Where a class whose signature the plan changes is used as a value (handed to a decorator, stored,
    passed, returned) and the calls made through that value cannot be followed: `facts.escapes`."""
    plan = view.plan
    classes = {}
    for key, name in plan.removed:
        if (key, name) not in plan.kept:
            classes.setdefault(key.rsplit(":", 1)[1].rsplit(".", 1)[-1], set()).add(key)
    if not classes:
        return
    # (a class without `__init__` of its own binds its base's: used as a value, it is that signature's escape)
    for name, owners in view.index.inheriting_names(frozenset(k for keys in classes.values() for k in keys)).items():
        classes.setdefault(name, set()).update(owners)
    for cls in ctx.nodes_of(ast.ClassDef):
        if cls.name in classes and cls.decorator_list and ctx.is_block_class(cls):
            target = _class_signature(ctx, flow, FileClass(cls))
            key = target[0] if target is not None else flow.key_of(FileClass(cls))
            decorators = [d for d in cls.decorator_list if not _keeps_the_class(ctx, d)]
            if key in classes[cls.name] and decorators:
                decorator = decorators[0]
                shown = ast.unparse(decorator.func if isinstance(decorator, ast.Call) else decorator)
                container = _registry_of(flow, view, decorator) if len(decorators) == 1 else None
                if container is not None:  # what the table holds: every class this decorator registers
                    view.facts.table_members[container] = {
                        flow.key_of(FileClass(other)) for other in ctx.nodes_of(ast.ClassDef)
                        if any(_registering(d) == _registering(decorator) for d in other.decorator_list)}
                _escape(view, key, Escaped(cls.name, f"is handed to `{shown}`", view.display, decorator.lineno,
                                           container))
    for node in (*ctx.nodes_of(ast.Name), *ctx.nodes_of(ast.Attribute)):
        name = node.id if isinstance(node, ast.Name) else node.attr
        if name not in classes or not isinstance(node.ctx, ast.Load):
            continue
        kind = flow.class_at(node)
        target = _class_signature(ctx, flow, kind) if isinstance(kind, (FileClass, ProjectClass)) else None
        if kind is None:  # a factory handing `prefix`/`params` on, used as a value (`_models = {'a': net_a}`)
            target = _function_signature(ctx, flow, node)
        key = target[0] if target is not None else flow.key_of(kind) if isinstance(kind, (FileClass, ProjectClass)) \
            else None
        if key not in classes[name]:
            continue
        how = _escape_of(ctx, flow, view, node, target)
        if how is not None:
            how, container = how if isinstance(how, tuple) else (how, None)
            _escape(view, key, Escaped(name, how, view.display, node.lineno, container))
    for call in ctx.nodes_of(ast.Call):  # `getattr(module, 'Head')`
        if (isinstance(call.func, ast.Name) and call.func.id == "getattr" and len(call.args) >= 2
                and isinstance(call.args[1], ast.Constant) and call.args[1].value in classes):
            for key in classes[call.args[1].value]:
                _escape(view, key, Escaped(call.args[1].value, "is looked up with `getattr`", view.display,
                                           call.lineno))


def _literal_members(ctx, flow: PrefixFlow, literal: ast.AST) -> Optional[set]:
    """The keys of the classes and factories of the project a literal table holds (None: it holds
    something else too)."""
    values = literal.values if isinstance(literal, ast.Dict) else getattr(literal, "elts", None)
    if values is None:
        return None
    members = set()
    for value in values:
        kind = flow.class_at(value) if isinstance(value, (ast.Name, ast.Attribute)) else None
        if isinstance(kind, (FileClass, ProjectClass)):
            members.add(flow.key_of(kind))
            continue
        found = _function_signature(ctx, flow, value) if isinstance(value, (ast.Name, ast.Attribute)) else None
        if found is None:
            return None
        members.add(found[0])
    return members


def _registering(decorator: ast.AST) -> str:
    """What registers a class: `@register` and each `@register_decoder('kind')` of one factory alike."""
    return ast.dump(decorator.func) + "()" if isinstance(decorator, ast.Call) else ast.dump(decorator)


def _registry_of(flow: PrefixFlow, view, decorator: ast.AST) -> Optional[str]:
    """`@register` where `register` (a function of the file) only stores the class it is given into a
    module-level table and returns it (`REGISTRY[key] = cls; return cls`), or `@register('kind')` where
    `register` only returns such a function defined in it: that table, qualified."""
    if isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Name):
        factory = flow.function_named(decorator.func)
        body = [st for st in factory.body if not (isinstance(st, ast.Expr) and isinstance(st.value, ast.Constant))] \
            if factory is not None else []
        if not (len(body) == 2 and isinstance(body[0], ast.FunctionDef) and isinstance(body[1], ast.Return)
                and isinstance(body[1].value, ast.Name) and body[1].value.id == body[0].name):
            return None
        return _storing_table(body[0], view)
    func = flow.function_named(decorator) if isinstance(decorator, ast.Name) else None
    return _storing_table(func, view) if func is not None else None


def _storing_table(func: ast.FunctionDef, view) -> Optional[str]:
    """The module-level table `func` stores its one argument into before returning it, qualified."""
    if view.module is None or not func.args.args:
        return None
    param = func.args.args[0].arg
    table = None
    for statement in func.body:
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
            continue  # a docstring
        if (isinstance(statement, ast.Assign) and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Subscript) and isinstance(statement.targets[0].value, ast.Name)
                and isinstance(statement.value, ast.Name) and statement.value.id == param and table is None):
            table = statement.targets[0].value.id
        elif (isinstance(statement, ast.Return) and isinstance(statement.value, ast.Name)
              and statement.value.id == param):
            continue
        else:
            return None
    return f"{view.module.name}.{table}" if table is not None else None


#: Class decorators known to hand back the class they are given, called as it was (`@use_np`).
_KEEPING_DECORATORS = {"mxnet.util.use_np", "mxnet.util.use_np_shape", "mxnet.util.use_np_array",
                       "mxnet.numpy_extension.use_np", "functools.total_ordering", "typing.final", "six.add_metaclass"}


def _keeps_the_class(ctx, decorator: ast.AST) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return ctx.imports.qualify(target) in _KEEPING_DECORATORS


def _escape(view, key: str, escaped: Escaped) -> None:
    for name in ARGS:
        if (key, name) in view.plan.removed:
            view.facts.escapes.setdefault((key, name), []).append(escaped)


def _escape_of(ctx, flow: PrefixFlow, view, node: ast.AST, target) -> Optional[str]:
    """How the class or factory `node` names (`target`: its key and signature) escapes there (None: it is
    called, derived from, or only looked at)."""
    parent = flow.parent.get(id(node))
    if isinstance(parent, ast.Call) and parent.func is node:
        return None
    if isinstance(parent, ast.ClassDef) and node in parent.bases:
        return None
    if isinstance(parent, ast.Attribute) and parent.value is node:
        return None  # `Head.__init__(self, ...)`, `Head.small(...)`: resolved where they are called
    if isinstance(parent, ast.Compare):
        return None
    holder, top = parent, node
    while isinstance(holder, (ast.List, ast.Tuple, ast.Set, ast.Dict, ast.Starred)):
        top, holder = holder, flow.parent.get(id(holder))
    if isinstance(holder, ast.Call) and top is not holder.func:
        if isinstance(holder.func, ast.Name) and holder.func.id in _INSPECTING:
            return None
        if top is node and _followed_argument(ctx, flow, view, holder, node, target):
            return None
        return f"is passed to `{ast.unparse(holder.func)}`"
    if isinstance(holder, ast.keyword):
        call = flow.parent.get(id(holder))
        if top is node and isinstance(call, ast.Call) and _followed_argument(ctx, flow, view, call, node, target):
            return None
        return f"is passed to `{ast.unparse(call.func)}`" if isinstance(call, ast.Call) else "is passed on"
    if isinstance(holder, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        targets = holder.targets if isinstance(holder, ast.Assign) else [holder.target]
        shown = ", ".join(f"`{ast.unparse(t)}`" for t in targets)
        if top is node:
            return f"is assigned to {shown}"
        container = None
        if (isinstance(holder, ast.Assign) and len(targets) == 1 and isinstance(targets[0], ast.Name)
                and top is holder.value and view.module is not None
                and flow.enclosing(holder, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)) is None):
            container = f"{view.module.name}.{targets[0].id}"  # a module-level table: its calls may be followed
            view.facts.table_members[container] = _literal_members(ctx, flow, holder.value)
        return f"is stored in {shown}", container
    if isinstance(holder, (ast.Return, ast.Yield, ast.YieldFrom, ast.Lambda)):
        func = flow.enclosing(holder, (ast.FunctionDef, ast.AsyncFunctionDef))
        return f"is returned from `{func.name}`" if func is not None else "is returned"
    return "is used as a value"


def _followed_argument(ctx, flow: PrefixFlow, view, call: ast.Call, node: ast.AST, target) -> bool:
    """`make(block=Head)` where `make` is a callable of the file whose parameter is only ever called,
    and each of those calls binds the class's final signature with the arguments this run leaves it."""
    callee = flow.callee(call)
    base = flow.base_init(call)
    if base is not None:
        callee = base[0]
    func, implicit = flow.signature(callee) if isinstance(callee, (FileClass, Factory)) else (None, 0)
    if func is None:
        return base is None and _followed_elsewhere(ctx, flow, view, call, node, callee, target)
    names = positional_names(func)[implicit:]
    keyword = flow.parent.get(id(node))
    if isinstance(keyword, ast.keyword):
        parameter = keyword.arg
    else:
        index = call.args.index(node) - (base[1] if base else 0)
        if index >= leading_positional(call) or index >= len(names):
            return False
        parameter = names[index]
    if parameter is None or parameter not in positional_names(func) + [a.arg for a in func.args.kwonlyargs]:
        return False
    uses = flow.uses(func, parameter)
    if target is None:
        return False
    key, signature = target
    final = final_signature(signature, removed_names(view.plan, key))
    for use in uses:
        parent = flow.parent.get(id(use))
        if not (isinstance(use.ctx, ast.Load) and isinstance(parent, ast.Call) and parent.func is use):
            return False
        dropped = ("prefix",) if flow.callee(parent) is UNKNOWN_BLOCK else ()  # (GLN002 drops it there)
        if unbound(parent, final, 0, dropped) is not None:
            return False
    return bool(uses)


def _followed_elsewhere(ctx, flow: PrefixFlow, view, call: ast.Call, node: ast.AST, callee, target) -> bool:
    """`make(block_cls=Head)` where `make` is a function, a classmethod or a class's `__init__` of another
    module of the project whose parameter is only ever called, each call binding the class's final
    signature with the arguments it spells out (what the rules would drop there is not counted on)."""
    if target is None or view.module is None:
        return False
    if isinstance(callee, ProjectClass):
        signature, owner = flow.project_init(callee)
        found = (f"{owner.key}.__init__", signature) if signature is not None else None
    else:
        found = view.index.resolve_function(ctx.imports.qualify(call.func), view.module)
    if found is None:
        return False
    key, signature = found
    keyword = flow.parent.get(id(node))
    if isinstance(keyword, ast.keyword):
        parameter = keyword.arg
    else:
        index = call.args.index(node)
        if index >= leading_positional(call) or index >= len(signature.positional):
            return False
        parameter = signature.positional[index]
    if parameter is None or not signature.declares(parameter):
        return False
    func = _function_of(view.index, key)
    if func is None:
        return False
    final = final_signature(target[1], removed_names(view.plan, target[0]))
    calls = _calls_of_parameter(func, parameter)
    return bool(calls) and all(unbound(c, final) is None for c in calls)


def _function_of(index, key: str) -> Optional[ast.FunctionDef]:
    """The definition of the project function, classmethod or `__init__` `key` (`module:qualname`), read
    from its module (see `module_source`)."""
    module_name, _, qualname = key.partition(":")
    module = index.modules.get(module_name)
    tree = parse_file(module.path) if module is not None else None
    body = tree.body if tree is not None else []
    found = None
    for part in qualname.split("."):
        found = next((s for s in body if isinstance(s, (ast.ClassDef, ast.FunctionDef)) and s.name == part), None)
        if found is None:
            return None
        body = found.body
    return found if isinstance(found, ast.FunctionDef) else None


def _calls_of_parameter(func: ast.FunctionDef, parameter: str) -> Optional[List[ast.Call]]:
    """The calls of `parameter` in `func`'s body, when every use of it there is a call, else None."""
    used, calls = set(), []
    for node in ast.walk(func):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == parameter:
            used.add(id(node.func))
            calls.append(node)
    for body in func.body:
        for node in ast.walk(body):
            if isinstance(node, ast.Name) and node.id == parameter and id(node) not in used:
                return None
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) and any(
                    a.arg == parameter for a in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs)):
                return None  # (a nested parameter of the same name: whose calls are which cannot be told here)
    return calls


def _function_signature(ctx, flow: PrefixFlow, node: ast.AST):
    """(key, signature) of the module-level function of the file, or the project function, `node` names."""
    func = flow.function_named(node) if isinstance(node, ast.Name) else None
    if func is not None:
        return flow.function_key(func), Signature.of(func, False)
    view = ctx.project
    return view.index.resolve_function(ctx.imports.qualify(node), view.module) if view is not None else None


def _class_signature(ctx, flow: PrefixFlow, kind):
    """(key, `__init__` signature) a call of the class `kind` binds, if a class of the project defines it."""
    if isinstance(kind, FileClass):
        func, implicit = flow.signature(kind)
        if func is not None:
            return flow.function_key(func), Signature.of(func, True)
        kind = flow.beyond_file(kind)
    if isinstance(kind, ProjectClass):
        signature, owner = flow.project_init(kind)
        if signature is not None:
            return owner.key, signature
    return None


# -- calls through a module-level table of classes ----------------------------------------------------------
#: Calls that read only the keys of a dict they are given (`sorted(REGISTRY)`): its classes do not escape.
_READING_KEYS = {"sorted", "len", "list", "set", "frozenset", "tuple", "iter", "bool"}


def _reads_keys_only(flow: PrefixFlow, node: ast.AST, parent: ast.AST) -> bool:
    """`sorted(T)`, `len(T)`, `T.keys()`, `for kind in T`: uses of a dict that see its keys, not its values."""
    if isinstance(parent, ast.Call) and isinstance(parent.func, ast.Name) and parent.func.id in _READING_KEYS:
        return parent.args == [node] and not parent.keywords
    if isinstance(parent, ast.Attribute) and parent.value is node and parent.attr == "keys":
        call = flow.parent.get(id(parent))
        return isinstance(call, ast.Call) and call.func is parent
    return isinstance(parent, (ast.For, ast.comprehension)) and parent.iter is node


def _calls_of_result(flow: PrefixFlow, lookup: ast.Call) -> Optional[List[ast.Call]]:
    """The calls of what `lookup` returns, when it is only called: `lookup(...)`, or a variable it is
    assigned to whose every use is a call."""
    holder = flow.parent.get(id(lookup))
    if isinstance(holder, ast.Call) and holder.func is lookup:
        return [holder]
    if isinstance(holder, ast.Assign) and len(holder.targets) == 1 and isinstance(holder.targets[0], ast.Name):
        return flow.calls_of_name(holder.targets[0])
    return None


def table_uses(ctx, flow: PrefixFlow, table: str, is_dict: bool = False
               ) -> Tuple[List[ast.Call], Optional[Tuple[int, str]]]:
    """(the calls made through the module-level table `table` in this file, the first use that is not a
    call of what it holds: (line, how), or None). Followed: `T[k](...)`, `cls = T[k]` then `cls(...)`, `for
    cls in T` then `cls(...)`; also `T[k] = cls` (registration) and `k in T`; for a dict (`is_dict`), the uses
    that read only its keys (`sorted(T)`, `T.keys()`, `for kind in T`) and `T.get(k)` whose result is only
    called."""
    name = table.rsplit(".", 1)[1]
    calls: List[ast.Call] = []
    for node in (*ctx.nodes_of(ast.Name), *ctx.nodes_of(ast.Attribute)):
        if (node.id if isinstance(node, ast.Name) else node.attr) != name or flow.table_named(node) != table:
            continue
        if not isinstance(node.ctx, ast.Load):
            continue
        parent = flow.parent.get(id(node))
        if isinstance(parent, ast.Subscript) and parent.value is node:
            if not isinstance(parent.ctx, ast.Load):
                continue  # `T[key] = cls`: the registration
            holder = flow.parent.get(id(parent))
            if isinstance(holder, ast.Call) and holder.func is parent:
                calls.append(holder)
                continue
            if isinstance(holder, ast.Assign) and len(holder.targets) == 1 and isinstance(holder.targets[0], ast.Name):
                found = flow.calls_of_name(holder.targets[0])
                if found is not None:
                    calls.extend(found)
                    continue
            return calls, (node.lineno, f"`{ast.unparse(parent)}` is used as a value")
        if isinstance(parent, ast.Compare):
            continue  # `kind in T`
        looked_up = flow.parent.get(id(parent)) if isinstance(parent, ast.Attribute) and parent.attr == "get" \
            and parent.value is node and is_dict else None
        if isinstance(looked_up, ast.Call) and looked_up.func is parent and looked_up.args:
            found = _calls_of_result(flow, looked_up)  # `T.get(k)(...)`, `cls = T.get(k)` then `cls(...)`
            if found is not None:
                calls.extend(found)
                continue
            return calls, (node.lineno, f"`{ast.unparse(looked_up)}` is used as a value")
        if is_dict and _reads_keys_only(flow, node, parent):
            continue  # the registry's kinds, not its classes
        if isinstance(parent, (ast.For, ast.comprehension)) and parent.iter is node \
                and isinstance(parent.target, ast.Name):
            found = flow.calls_of_name(parent.target)
            if found is not None:
                calls.extend(found)
                continue
        return calls, (node.lineno, f"`{name}` is used as a value")
    return calls, None
