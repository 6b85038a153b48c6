"""Where a value goes: whether an expression provably ends up in an attribute of a Block (`self.x`).

The new Block API registers a Parameter only when it is assigned to a Block attribute, so a rewrite of
`self.params.get(...)` (which registered on creation) to `Parameter(...)` keeps behaviour only where the
created object reaches one, on every path the creation runs on. The flow followed: assignment to
`self.<attr>` or `setattr(self, ...)` in a method of the class, through local variables bound once,
tuples (built and unpacked), conditional expressions around the creation itself, `return` to the one
call of that method on `self` in the same class (a method called twice would make two Parameters where
1.x `get` returned the first again), and constructor arguments of a child Block whose `__init__` (its
own, or the one it inherits from a base of the file or of the project) stores the argument the same way,
also through `super().__init__(...)`/`Base.__init__(self, ...)` and an unchanged `**kwargs`, the child
being kept the same way.

Each hop must happen whenever the value is made: a store under an `if`, in a loop body, a `try` body
with handlers, an `except`/`else`, a comprehension or lambda, after a `return`/`raise`/`break`/`continue`
that may skip it, in a nested function, on a `self` that is not the method's, or of an attribute that
is deleted or assigned again later, does not count. Anything else (a container, another object's
attribute, a call we cannot see into) is not followed either: the answer is then False, with the reason
when a store was found but did not count.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple

from .module_source import parse_file

_MAX_STEPS = 12  # a bound on the chain of hops: recursion through methods must end


class FlowTree:
    """One module's tree as the flow needs it: parents, walks, and who a constructor call builds.

    `child_init(call)` answers the `(FlowTree, __init__ definition)` of the Block class `call` builds,
    when it is known to be a Block and its constructor is visible, else None. With the project's
    `index` and this tree's `module` (its `ModuleInfo`), classes and bases of other modules are followed
    too, from any module the flow enters.
    """

    def __init__(self, tree: ast.AST, parent_of: Optional[Callable] = None, walk: Optional[Callable] = None,
                 child_init: Optional[Callable] = None, index=None, module=None):
        self.tree = tree
        if parent_of is None:
            parents: Dict[int, ast.AST] = {}
            for node in ast.walk(tree):
                for kid in ast.iter_child_nodes(node):
                    parents[id(kid)] = node
            parent_of = lambda node: parents.get(id(node))  # noqa: E731
        self.parent_of = parent_of
        self.walk = walk if walk is not None else (lambda node: list(ast.walk(node)))
        self.child_init = child_init or (lambda call: None)
        self.index = index
        self.module = module

    def enclosing(self, node: ast.AST, kinds) -> Optional[ast.AST]:
        parent = self.parent_of(node)
        while parent is not None and not isinstance(parent, kinds):
            parent = self.parent_of(parent)
        return parent

    # -- constructors ---------------------------------------------------------------------------------
    def constructed(self, call: ast.Call) -> Optional[Tuple["FlowTree", ast.FunctionDef]]:
        """(flow, `__init__`) that `call` runs when it builds a Block class, else None."""
        found = self.child_init(call)
        if found is not None or self.index is None or self.module is None:
            return found
        info = self._class_named(call.func)
        return self.init_of_info(info) if info is not None and info.is_block else None

    def base_init(self, call: ast.Call) -> Optional[Tuple["FlowTree", ast.FunctionDef, int]]:
        """(flow, `__init__`, arguments before the first parameter) of the base constructor that
        `super().__init__(...)` / `super(C, self).__init__(...)` / `Base.__init__(self, ...)` runs, inside a
        method of a Block class; None when it cannot be followed."""
        func = call.func
        if not (isinstance(func, ast.Attribute) and func.attr == "__init__"):
            return None
        cls = self.enclosing(call, (ast.ClassDef,))
        if cls is None:
            return None
        owner = func.value
        if isinstance(owner, ast.Call) and isinstance(owner.func, ast.Name) and owner.func.id == "super":
            if owner.args and not (isinstance(owner.args[0], ast.Name) and owner.args[0].id == cls.name):
                return None  # `super(Other, self)` skips part of the chain
            found = self._first_base_init(cls)
            return (found[0], found[1], 0) if found is not None else None
        if call.args and isinstance(call.args[0], ast.Name) and call.args[0].id == "self":
            if not any(ast.dump(owner) == ast.dump(base) for base in cls.bases):
                return None
            found = self._init_named(owner, cls)
            return (found[0], found[1], 1) if found is not None else None
        return None

    def _first_base_init(self, cls: ast.ClassDef):
        if not cls.bases:
            return None
        # Only the first base is followed: with several, which `__init__` runs depends on the MRO.
        return self._init_named(cls.bases[0], cls) if len(cls.bases) == 1 else None

    def _init_named(self, expr: ast.AST, at: ast.AST):
        """The `__init__` a class named by `expr` (a base of a class of this tree) runs."""
        if isinstance(expr, ast.Name):
            local = next((s for s in getattr(self.tree, "body", ()) if isinstance(s, ast.ClassDef)
                          and s.name == expr.id), None)
            if local is not None:
                return self.inherited_init(local)
        info = self._class_named(expr)
        return self.init_of_info(info) if info is not None and info.is_block else None

    def inherited_init(self, cls: ast.ClassDef, _seen: Optional[set] = None):
        """(flow, `__init__`) a class of this tree runs: its own, else its (single) base's."""
        init = init_of_class(cls)
        if init is not None:
            return self, init
        info = self._info_of(cls)
        if info is not None:
            return self.init_of_info(info)
        seen = _seen if _seen is not None else set()
        if id(cls) in seen or len(cls.bases) != 1:
            return None
        seen.add(id(cls))
        base = cls.bases[0]
        local = next((s for s in getattr(self.tree, "body", ()) if isinstance(s, ast.ClassDef)
                      and isinstance(base, ast.Name) and s.name == base.id), None)
        return self.inherited_init(local, seen) if local is not None else None

    def init_of_info(self, info) -> Optional[Tuple["FlowTree", ast.FunctionDef]]:
        """(flow, `__init__`) of a project class (the one it defines or inherits), through the index."""
        if self.index is None:
            return None
        _, defining, _ = self.index.init_of(info)
        if defining is None:
            return None
        if self.module is not None and defining.module == self.module.name:
            flow = self
        else:
            module = self.index.modules.get(defining.module)
            flow = module_flow_tree(module.path, self.index, module) if module is not None else None
        cls = class_by_qualname(flow.tree, defining.qualname) if flow is not None else None
        init = init_of_class(cls) if cls is not None else None
        return (flow, init) if init is not None else None

    def _info_of(self, cls: ast.ClassDef):
        if self.module is None:
            return None
        names = [cls.name]
        parent = self.parent_of(cls)
        while isinstance(parent, ast.ClassDef):
            names.insert(0, parent.name)
            parent = self.parent_of(parent)
        return self.module.classes.get(".".join(names)) if isinstance(parent, ast.Module) else None

    def _class_named(self, expr: ast.AST):
        if self.index is None or self.module is None:
            return None
        if isinstance(expr, ast.Name) and expr.id in self.module.classes:
            return self.module.classes[expr.id]
        dotted = _dotted(expr)
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        target = self.module.imports.get(head)
        if target is None:
            return None
        return self.index.resolve(f"{target}.{rest}" if rest else target, self.module)


def _field(parent: ast.AST, child: ast.AST) -> Optional[str]:
    """The field of `parent` that holds `child` (`body`, `orelse`, `handlers`, ...)."""
    for name, value in ast.iter_fields(parent):
        if value is child or (isinstance(value, list) and any(item is child for item in value)):
            return name
    return None


def _dotted(expr: ast.AST) -> Optional[str]:
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute):
        owner = _dotted(expr.value)
        return f"{owner}.{expr.attr}" if owner else None
    return None


_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
_SCOPES = _FUNCTIONS + (ast.ClassDef,)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_LOOPS = (ast.For, ast.AsyncFor, ast.While)


def _self_attr(target: ast.AST) -> bool:
    return isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self"


@dataclass
class Reach:
    """Whether a value reaches a Block attribute on every path; `why` says why a store found does not count."""

    stored: bool
    why: Optional[str] = None


def reaches_block_attribute(flow: FlowTree, expr: ast.AST) -> bool:
    """Whether the value of `expr` is stored in an attribute of `self` of a Block class whenever it is made.
    The caller vouches that the class around `expr` is a Block."""
    return block_attribute_reach(flow, expr).stored


def block_attribute_reach(flow: FlowTree, expr: ast.AST) -> Reach:
    """`reaches_block_attribute`, with the reason a store that was found does not count."""
    follow = _Follow()
    stored = follow.reach(flow, expr, (), 0)
    return Reach(stored, None if stored else (follow.notes[0] if follow.notes else None))


def attribute_kept(flow: FlowTree, statement: ast.AST, attr: str) -> Reach:
    """Whether `self.<attr>`, assigned by `statement` in a method, keeps its value: it is not deleted in the
    class nor assigned again later in the same method."""
    follow = _Follow()
    kept = follow.kept(flow, statement, attr)
    return Reach(kept, None if kept else follow.notes[0])


def _where(flow: FlowTree, node: ast.AST) -> str:
    function = flow.enclosing(node, _FUNCTIONS)
    names = []
    scope = function
    while scope is not None and not isinstance(scope, ast.Module):
        if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.insert(0, scope.name)
        scope = flow.parent_of(scope)
    return f"line {node.lineno}" + (f" of `{'.'.join(names)}`" if names else "")


_KIND = {ast.If: "`if`", ast.For: "`for` loop", ast.AsyncFor: "`for` loop", ast.While: "`while` loop",
         ast.ExceptHandler: "`except` handler"}


class _Follow:
    """One question's walk; `notes` gathers why stores that were found do not count."""

    def __init__(self):
        self.notes: List[str] = []

    def _note(self, text: str) -> bool:
        self.notes.append(text)
        return False

    def reach(self, flow: FlowTree, expr: ast.AST, path: Tuple[int, ...], steps: int) -> bool:
        if steps > _MAX_STEPS:
            return False
        parent = flow.parent_of(expr)
        if isinstance(parent, ast.Assign) and parent.value is expr:
            results = [self._target(flow, target, path, steps) for target in parent.targets]
            return any(results)
        if isinstance(parent, (ast.Tuple, ast.List)) and isinstance(parent.ctx, ast.Load) \
                and not any(isinstance(e, ast.Starred) for e in parent.elts):
            index = next(i for i, e in enumerate(parent.elts) if e is expr)
            return self.reach(flow, parent, (index,) + path, steps + 1)
        if isinstance(parent, ast.IfExp) and parent.test is not expr:
            # around the creation itself, the choice decides whether it is made at all: the same in 1.x
            return self.reach(flow, parent, path, steps + 1)
        if isinstance(parent, ast.Return):
            return self._returned(flow, parent, path, steps)
        if path:
            return False
        if isinstance(parent, ast.keyword):
            call = flow.parent_of(parent)
            return parent.arg is not None and self._passed(flow, call, steps, keyword=parent.arg)
        if isinstance(parent, ast.Call) and expr in parent.args:
            if (isinstance(parent.func, ast.Name) and parent.func.id == "setattr" and len(parent.args) == 3
                    and parent.args[2] is expr and isinstance(parent.args[0], ast.Name)
                    and parent.args[0].id == "self"):
                name = parent.args[1].value if isinstance(parent.args[1], ast.Constant) else None
                return self._on_self(flow, parent) and self.kept(flow, parent, name)
            index = next(i for i, a in enumerate(parent.args) if a is expr)
            if any(isinstance(a, ast.Starred) for a in parent.args[:index + 1]):
                return False
            return self._passed(flow, parent, steps, position=index)
        return False

    def _target(self, flow: FlowTree, target: ast.AST, path: Tuple[int, ...], steps: int) -> bool:
        if not path:
            if _self_attr(target):
                return self._on_self(flow, target) and self.kept(flow, target, target.attr)
        elif isinstance(target, (ast.Tuple, ast.List)):
            if any(isinstance(e, ast.Starred) for e in target.elts) or path[0] >= len(target.elts):
                return False
            return self._target(flow, target.elts[path[0]], path[1:], steps)
        if isinstance(target, ast.Name):
            scope = flow.enclosing(target, _FUNCTIONS) or flow.tree
            names = [n for n in flow.walk(scope) if isinstance(n, ast.Name) and n.id == target.id]
            if sum(isinstance(n.ctx, ast.Store) for n in names) != 1 or any(
                    isinstance(n, (ast.Global, ast.Nonlocal)) and target.id in n.names for n in flow.walk(scope)):
                return False  # rebound (here, or through `global`/`nonlocal` elsewhere): a use may see another value
            binding = flow.enclosing(target, (ast.stmt,))
            uses = [n for n in names if isinstance(n.ctx, ast.Load)]
            # (a use that reaches no attribute says nothing about the paths: its place is not noted)
            results = [self.reach(flow, use, path, steps + 1) and self.always(flow, binding, use) for use in uses]
            return any(results)
        return False

    def _returned(self, flow: FlowTree, statement: ast.Return, path: Tuple[int, ...], steps: int) -> bool:
        """A method's return value reaches an attribute where a call of it on `self` in its class does."""
        function = flow.enclosing(statement, _FUNCTIONS)
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return False
        cls = flow.parent_of(function)
        if not isinstance(cls, ast.ClassDef):
            return False
        uses = [n for n in flow.walk(flow.tree) if isinstance(n, ast.Attribute) and n.attr == function.name]
        # One call only, anywhere in the module (a subclass's or another object's call counts): 1.x
        # `params.get` returned the existing Parameter on a second call, a `Parameter(...)` is a new one
        # each time, so a method run twice would make two where 1.x shared one.
        call = flow.parent_of(uses[0]) if len(uses) == 1 else None
        if not (isinstance(call, ast.Call) and call.func is uses[0] and isinstance(uses[0].value, ast.Name)
                and uses[0].value.id == "self" and flow.enclosing(call, (ast.ClassDef,)) is cls):
            return False
        return self.reach(flow, call, path, steps + 1)

    def _passed(self, flow: FlowTree, call: ast.AST, steps: int, position: Optional[int] = None,
                keyword: Optional[str] = None) -> bool:
        """An argument of a constructor reaches an attribute where the `__init__` it runs stores it: a child
        Block's (the child being kept too), or a base's through `super().__init__(...)` (the same object)."""
        if not isinstance(call, ast.Call):
            return False
        base = flow.base_init(call)
        if base is not None:
            child, init, skipped = base
            if position is not None:
                if position < skipped:
                    return False
                position -= skipped
        else:
            found = flow.constructed(call)
            if found is None:
                return False
            child, init = found
        if not self._binds_into(child, init, steps, position, keyword):
            return False
        # A child must itself be kept by the block: 1.x registered the parameter on the block creating it.
        return base is not None or self.reach(flow, call, (), steps + 1)

    def _binds_into(self, child: FlowTree, init: ast.FunctionDef, steps: int, position: Optional[int],
                    keyword: Optional[str]) -> bool:
        positional = [a.arg for a in init.args.posonlyargs + init.args.args][1:]
        if position is not None:
            name = positional[position] if position < len(positional) else None
        else:
            name = keyword if keyword in positional[len(init.args.posonlyargs) - 1:] + \
                [a.arg for a in init.args.kwonlyargs] else None
        if name is None:
            if keyword is not None and init.args.kwarg is not None:
                return self._forwarded(child, init, init.args.kwarg.arg, keyword, steps)
            return False
        names = [n for n in child.walk(init) if isinstance(n, ast.Name) and n.id == name]
        if any(not isinstance(n.ctx, ast.Load) for n in names):
            return False  # rebound in `__init__`: a use may see another value
        results = [self.reach(child, use, (), steps + 1) and self.always(child, init, use) for use in names]
        return any(results)

    def _forwarded(self, child: FlowTree, init: ast.FunctionDef, kwargs: str, keyword: str, steps: int) -> bool:
        """`keyword=` caught by `**kwargs` that is handed on unchanged, once, to the base constructor."""
        names = [n for n in child.walk(init) if isinstance(n, ast.Name) and n.id == kwargs]
        if len(names) != 1 or not isinstance(names[0].ctx, ast.Load):
            return False  # read, changed or handed on twice: which value arrives is not known
        starred = child.parent_of(names[0])
        call = child.parent_of(starred)
        if not (isinstance(starred, ast.keyword) and starred.arg is None and isinstance(call, ast.Call)):
            return False
        if any(k.arg == keyword for k in call.keywords):
            return False  # the call names it itself: `keyword=` would be passed twice
        base = child.base_init(call)
        if base is None or not self.always(child, init, call):
            return False
        return self._binds_into(base[0], base[1], steps + 1, None, keyword)

    # -- every path ------------------------------------------------------------------------------------
    def _on_self(self, flow: FlowTree, node: ast.AST) -> bool:
        """The `self` of `node` is the instance of the method it is in (not a nested function's, not rebound)."""
        function = flow.enclosing(node, _SCOPES)
        if not (isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef))
                and isinstance(flow.parent_of(function), ast.ClassDef)):
            return self._note(f"the store at {_where(flow, node)} is in a nested function, not in a method of the "
                              f"class")
        first = (function.args.posonlyargs + function.args.args)[:1]
        decorated = any(isinstance(d, ast.Name) and d.id in ("staticmethod", "classmethod")
                        for d in function.decorator_list)
        rebound = any(isinstance(n, ast.Name) and n.id == "self" and not isinstance(n.ctx, ast.Load)
                      for n in flow.walk(function))
        if decorated or not first or first[0].arg != "self" or rebound:
            return self._note(f"the store at {_where(flow, node)} is not on the method's own `self`")
        return True

    def kept(self, flow: FlowTree, node: ast.AST, attr: Optional[str]) -> bool:
        """`self.<attr>` set at `node` is not deleted in the class nor set again later in the method."""
        statement = node if isinstance(node, ast.stmt) else flow.enclosing(node, (ast.stmt,))
        function = flow.enclosing(statement, _FUNCTIONS)
        cls = flow.enclosing(statement, (ast.ClassDef,))
        for member in cls.body if cls is not None else ():
            # an assignment the class intercepts may store the value anywhere
            if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)) and (
                    member.name == "__setattr__" or (attr is not None and member.name == attr and any(
                        _dotted(d) in ("property", f"{attr}.setter") for d in member.decorator_list))):
                return self._note(f"`{cls.name}` intercepts the assignment (`{member.name}` at line {member.lineno})")
        for other in flow.walk(cls) if cls is not None else ():
            if isinstance(other, ast.Delete) and any(
                    _self_attr(t) and (attr is None or t.attr == attr) for t in other.targets):
                return self._note(f"`self.{attr or '...'}` is deleted at {_where(flow, other)}")
            if (isinstance(other, ast.Call) and isinstance(other.func, ast.Name) and other.func.id == "delattr"
                    and other.args and isinstance(other.args[0], ast.Name) and other.args[0].id == "self"
                    and (attr is None or len(other.args) < 2 or not isinstance(other.args[1], ast.Constant)
                         or other.args[1].value == attr)):
                return self._note(f"`self.{attr or '...'}` is deleted at {_where(flow, other)}")
        if attr is None or function is None:
            return True
        end = (statement.end_lineno, statement.end_col_offset)
        for other in flow.walk(function):
            if isinstance(other, ast.Attribute) and isinstance(other.ctx, ast.Store) and _self_attr(other) \
                    and other.attr == attr and (other.lineno, other.col_offset) > end \
                    and flow.enclosing(other, _FUNCTIONS) is function:
                return self._note(f"`self.{attr}` is assigned again at {_where(flow, other)}")
        return True

    def always(self, flow: FlowTree, origin: ast.AST, node: ast.AST) -> bool:
        """Whether `node` runs whenever `origin` (a statement, or a function: its entry) has run, in the
        same function, the value made at `origin` being the one `node` sees."""
        where = _where(flow, node)
        scope = flow.enclosing(node, _SCOPES)
        origin_scope = origin if isinstance(origin, _FUNCTIONS) else flow.enclosing(origin, _SCOPES)
        if scope is not origin_scope:
            return self._note(f"the use at {where} is in a nested function or class")
        child, parent = node, flow.parent_of(node)
        while parent is not None and not isinstance(parent, ast.stmt):
            if isinstance(parent, _COMPREHENSIONS):
                return self._note(f"the use at {where} is inside a comprehension")
            if isinstance(parent, ast.IfExp) and child is not parent.test:
                return self._note(f"the use at {where} is chosen by a conditional expression")
            if isinstance(parent, ast.BoolOp) and child is not parent.values[0]:
                return self._note(f"the use at {where} may be skipped by a short-circuiting `and`/`or`")
            child, parent = parent, flow.parent_of(parent)
        statement = parent if isinstance(node, ast.expr) else node
        origin_chain = self._chain(flow, origin)
        # walking up from the use: every block it sits in below the one shared with `origin` must always run
        child, parent = statement, flow.parent_of(statement)
        while parent is not None and not isinstance(child, _FUNCTIONS):
            guard = self._guard(parent, child)
            if id(parent) in origin_chain:
                if guard is None or _field(parent, child) == _field(parent, origin_chain[id(parent)]):
                    break  # the block both run in
            if guard is not None:
                return self._note(f"the use at {where} runs only inside the {guard} at line {parent.lineno}")
            child, parent = parent, flow.parent_of(parent)
        if not isinstance(origin, _FUNCTIONS):
            # a creation in a loop the use is after: every pass made one, only the last is kept
            above_use = self._chain(flow, statement)
            inner, outer = origin, flow.parent_of(origin)
            while outer is not None and outer is not origin_scope and id(outer) not in above_use:
                if isinstance(outer, _LOOPS) and inner in outer.body:
                    return self._note(f"the value is made in the loop at line {outer.lineno} and used after it, "
                                      f"at {where}")
                inner, outer = outer, flow.parent_of(outer)
        exit_ = self._exit_between(flow, origin, statement, origin_scope)
        if exit_ is not None:
            return self._note(f"the use at {where} may be skipped by the `{exit_[0]}` at line {exit_[1]}")
        return True

    @staticmethod
    def _chain(flow: FlowTree, node: ast.AST) -> Dict[int, Optional[ast.AST]]:
        """{id(ancestor): its child on the way down to `node`}, `node` itself included (mapped to None)."""
        found: Dict[int, Optional[ast.AST]] = {id(node): None}
        child, parent = node, flow.parent_of(node)
        while parent is not None:
            found[id(parent)] = child
            child, parent = parent, flow.parent_of(parent)
        return found

    @staticmethod
    def _guard(parent: ast.AST, child: ast.AST) -> Optional[str]:
        """What makes `child` (a statement, or a handler) of `parent` run only sometimes, if anything."""
        if isinstance(parent, (ast.If, ast.For, ast.AsyncFor, ast.While)):
            return _KIND[type(parent)]
        if isinstance(parent, ast.ExceptHandler):
            return _KIND[ast.ExceptHandler]
        if isinstance(parent, ast.Try) or type(parent).__name__ == "TryStar":
            if child in parent.finalbody:
                return None
            if child in parent.orelse:
                return "`else` of the `try`"
            return "`try` body" if parent.handlers and child in parent.body else None
        if type(parent).__name__ in ("Match", "match_case"):
            return "`match` case"
        return None

    def _exit_between(self, flow: FlowTree, origin: ast.AST, statement: ast.stmt, scope: ast.AST):
        """A `return`/`raise`/`break`/`continue` after `origin` and before `statement` that may skip it."""
        if isinstance(origin, _FUNCTIONS):
            start = (origin.body[0].lineno, origin.body[0].col_offset) if isinstance(origin.body, list) else \
                (origin.body.lineno, origin.body.col_offset)
        else:
            start = (origin.end_lineno, origin.end_col_offset)
        stop = (statement.lineno, statement.col_offset)
        in_init = isinstance(scope, ast.FunctionDef) and scope.name == "__init__"
        above = self._chain(flow, statement)
        for node in flow.walk(scope):
            if not isinstance(node, (ast.Return, ast.Raise, ast.Break, ast.Continue)):
                continue
            if not start <= (node.lineno, node.col_offset) < stop or flow.enclosing(node, _SCOPES) is not scope:
                continue
            if isinstance(node, (ast.Break, ast.Continue)):
                loop = flow.enclosing(node, _LOOPS)
                if loop is None or id(loop) not in above:
                    continue  # it ends a loop the use is not in
            if isinstance(node, ast.Raise) and in_init and flow.enclosing(node, (ast.Try,)) is None:
                continue  # the Block is never built: nothing to register
            return type(node).__name__.lower(), node.lineno
        return None


def init_of_class(cls: ast.ClassDef) -> Optional[ast.FunctionDef]:
    return next((s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None)


def class_by_qualname(tree: ast.Module, qualname: str) -> Optional[ast.ClassDef]:
    """The class definition `Outer.Inner` of a module (classes nested in functions are not followed)."""
    body: List[ast.AST] = tree.body
    found = None
    for part in qualname.split("."):
        found = next((s for s in body if isinstance(s, ast.ClassDef) and s.name == part), None)
        if found is None:
            return None
        body = found.body
    return found


_FLOWS: Dict[str, Tuple[ast.Module, object, FlowTree]] = {}


def module_flow_tree(path: str, index=None, module=None) -> Optional[FlowTree]:
    """The flow view of another module of the project (see `module_source.parse_file`); with the project's
    `index` and the module's `ModuleInfo`, the flow follows classes from there on too."""
    tree = parse_file(path)
    if tree is None:
        return None
    kept = _FLOWS.get(path)
    if kept is None or kept[0] is not tree or kept[1] is not index:
        kept = _FLOWS[path] = (tree, index, FlowTree(tree, index=index, module=module))
    return kept[2]
