"""Escapes: where a class (or factory) whose signature the plan changes is used as a value rather than
called or named as a base (handed to a decorator, stored in a table, passed, returned, looked up with
`getattr`), and which of those uses can still be followed: a module-level table of classes whose every use
is a call (`table_uses`), a registering decorator's table, a parameter that is only ever called. What cannot
be followed keeps the class's parameters in a safe run (`facts.escapes`, settled in `run/project.py`).
"""
from __future__ import annotations

import ast
from typing import List, Optional, Tuple

from .binding import final_signature, unbound
from .call_resolver import ARGS, CallResolver, leading_positional, positional_names, removed_names
from .callees import UNKNOWN_BLOCK, Factory, FileClass, ProjectClass
from .module_source import parse_file
from .plan import Escaped
from .project import Signature


# -- classes used as values -------------------------------------------------------------------------------
#: Builtins that look at a class without calling it.
_INSPECTING = {"isinstance", "issubclass", "super", "type", "id", "repr", "str", "hash", "vars", "print"}


def note_escapes(ctx, flow: CallResolver, view) -> None:
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


def _literal_members(ctx, flow: CallResolver, literal: ast.AST) -> Optional[set]:
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


def _registry_of(flow: CallResolver, view, decorator: ast.AST) -> Optional[str]:
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


def _escape_of(ctx, flow: CallResolver, view, node: ast.AST, target) -> Optional[str]:
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


def _followed_argument(ctx, flow: CallResolver, view, call: ast.Call, node: ast.AST, target) -> bool:
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


def _followed_elsewhere(ctx, flow: CallResolver, view, call: ast.Call, node: ast.AST, callee, target) -> bool:
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


def _function_signature(ctx, flow: CallResolver, node: ast.AST):
    """(key, signature) of the module-level function of the file, or the project function, `node` names."""
    func = flow.function_named(node) if isinstance(node, ast.Name) else None
    if func is not None:
        return flow.function_key(func), Signature.of(func, False)
    view = ctx.project
    return view.index.resolve_function(ctx.imports.qualify(node), view.module) if view is not None else None


def _class_signature(ctx, flow: CallResolver, kind):
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


def _reads_keys_only(flow: CallResolver, node: ast.AST, parent: ast.AST) -> bool:
    """`sorted(T)`, `len(T)`, `T.keys()`, `for kind in T`: uses of a dict that see its keys, not its values."""
    if isinstance(parent, ast.Call) and isinstance(parent.func, ast.Name) and parent.func.id in _READING_KEYS:
        return parent.args == [node] and not parent.keywords
    if isinstance(parent, ast.Attribute) and parent.value is node and parent.attr == "keys":
        call = flow.parent.get(id(parent))
        return isinstance(call, ast.Call) and call.func is parent
    return isinstance(parent, (ast.For, ast.comprehension)) and parent.iter is node


def _calls_of_result(flow: CallResolver, lookup: ast.Call) -> Optional[List[ast.Call]]:
    """The calls of what `lookup` returns, when it is only called: `lookup(...)`, or a variable it is
    assigned to whose every use is a call."""
    holder = flow.parent.get(id(lookup))
    if isinstance(holder, ast.Call) and holder.func is lookup:
        return [holder]
    if isinstance(holder, ast.Assign) and len(holder.targets) == 1 and isinstance(holder.targets[0], ast.Name):
        return flow.calls_of_name(holder.targets[0])
    return None


def table_uses(ctx, flow: CallResolver, table: str, is_dict: bool = False
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
