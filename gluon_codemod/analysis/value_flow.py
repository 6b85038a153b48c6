"""Where a value goes: whether an expression provably ends up in an attribute of a Block (`self.x`).

The new Block API registers a Parameter only when it is assigned to a Block attribute, so a rewrite of
`self.params.get(...)` (which registered on creation) to `Parameter(...)` keeps behaviour only where the
created object reaches one. The flow followed: assignment to `self.<attr>` or `setattr(self, ...)`,
through local variables bound once, tuples (built and unpacked), conditional expressions, `return` to
the one call of that method on `self` in the same class (a method called twice would make two Parameters
where 1.x `get` returned the first again), and constructor arguments of a child Block whose `__init__`
stores the argument the same way, the child being kept the same way. Anything else (a container, another
object's attribute, a call we cannot see into) is not followed: the answer is then False.
"""
from __future__ import annotations

import ast
from typing import Callable, Dict, List, Optional, Tuple

from .module_source import parse_file

_MAX_STEPS = 12  # a bound on the chain of hops: recursion through methods must end


class FlowTree:
    """One module's tree as the flow needs it: parents, walks, and who a constructor call builds.

    `child_init(call)` answers the `(FlowTree, __init__ definition)` of the Block class `call` builds,
    when it is known to be a Block and its constructor is visible, else None.
    """

    def __init__(self, tree: ast.AST, parent_of: Optional[Callable] = None, walk: Optional[Callable] = None,
                 child_init: Optional[Callable] = None):
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

    def enclosing(self, node: ast.AST, kinds) -> Optional[ast.AST]:
        parent = self.parent_of(node)
        while parent is not None and not isinstance(parent, kinds):
            parent = self.parent_of(parent)
        return parent


_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


def _self_attr(target: ast.AST) -> bool:
    return isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self"


def reaches_block_attribute(flow: FlowTree, expr: ast.AST, path: Tuple[int, ...] = (), steps: int = 0) -> bool:
    """Whether the value of `expr` (or, with `path`, its element `expr[i][j]...`) is stored in an attribute
    of `self` of a Block class. The caller vouches that the class around `expr` is a Block."""
    if steps > _MAX_STEPS:
        return False
    parent = flow.parent_of(expr)
    if isinstance(parent, ast.Assign) and parent.value is expr:
        return any(_target_reaches(flow, target, path, steps) for target in parent.targets)
    if isinstance(parent, (ast.Tuple, ast.List)) and isinstance(parent.ctx, ast.Load) \
            and not any(isinstance(e, ast.Starred) for e in parent.elts):
        index = next(i for i, e in enumerate(parent.elts) if e is expr)
        return reaches_block_attribute(flow, parent, (index,) + path, steps + 1)
    if isinstance(parent, ast.IfExp) and parent.test is not expr:
        return reaches_block_attribute(flow, parent, path, steps + 1)
    if isinstance(parent, ast.Return):
        return _returned(flow, parent, path, steps)
    if path:
        return False
    if isinstance(parent, ast.keyword):
        call = flow.parent_of(parent)
        return parent.arg is not None and _passed(flow, call, keyword=parent.arg, steps=steps)
    if isinstance(parent, ast.Call) and expr in parent.args:
        if (isinstance(parent.func, ast.Name) and parent.func.id == "setattr" and len(parent.args) == 3
                and parent.args[2] is expr and isinstance(parent.args[0], ast.Name) and parent.args[0].id == "self"):
            return True
        index = next(i for i, a in enumerate(parent.args) if a is expr)
        if any(isinstance(a, ast.Starred) for a in parent.args[:index + 1]):
            return False
        return _passed(flow, parent, position=index, steps=steps)
    return False


def _target_reaches(flow: FlowTree, target: ast.AST, path: Tuple[int, ...], steps: int) -> bool:
    if not path:
        if _self_attr(target):
            return True
    elif isinstance(target, (ast.Tuple, ast.List)):
        if any(isinstance(e, ast.Starred) for e in target.elts) or path[0] >= len(target.elts):
            return False
        return _target_reaches(flow, target.elts[path[0]], path[1:], steps)
    if isinstance(target, ast.Name):
        scope = flow.enclosing(target, _FUNCTIONS) or flow.tree
        names = [n for n in flow.walk(scope) if isinstance(n, ast.Name) and n.id == target.id]
        if sum(isinstance(n.ctx, ast.Store) for n in names) != 1:
            return False  # rebound: a use may see another value
        uses = [n for n in names if isinstance(n.ctx, ast.Load)]
        return any(reaches_block_attribute(flow, use, path, steps + 1) for use in uses)
    return False


def _returned(flow: FlowTree, statement: ast.Return, path: Tuple[int, ...], steps: int) -> bool:
    """A method's return value reaches an attribute where a call of it on `self` in its class does."""
    function = flow.enclosing(statement, _FUNCTIONS)
    if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    cls = flow.parent_of(function)
    if not isinstance(cls, ast.ClassDef):
        return False
    uses = [n for n in flow.walk(cls) if isinstance(n, ast.Attribute) and n.attr == function.name
            and isinstance(n.value, ast.Name) and n.value.id == "self"]
    # One call only: 1.x `params.get` returned the existing Parameter on a second call, a `Parameter(...)`
    # is a new one each time, so a method run twice would make two where 1.x shared one.
    call = flow.parent_of(uses[0]) if len(uses) == 1 else None
    if not (isinstance(call, ast.Call) and call.func is uses[0]):
        return False
    return reaches_block_attribute(flow, call, path, steps + 1)


def _passed(flow: FlowTree, call: ast.AST, steps: int, position: Optional[int] = None,
            keyword: Optional[str] = None) -> bool:
    """An argument of a child Block's constructor reaches an attribute where its `__init__` stores it."""
    if not isinstance(call, ast.Call):
        return False
    found = flow.child_init(call)
    if found is None:
        return False
    child, init = found
    positional = [a.arg for a in init.args.posonlyargs + init.args.args][1:]
    if position is not None:
        name = positional[position] if position < len(positional) else None
    else:
        name = keyword if keyword in positional + [a.arg for a in init.args.kwonlyargs] else None
    if name is None:
        return False
    names = [n for n in child.walk(init) if isinstance(n, ast.Name) and n.id == name]
    if any(not isinstance(n.ctx, ast.Load) for n in names):
        return False  # rebound in `__init__`: a use may see another value
    uses = names
    # The child must itself be kept by the block: 1.x registered the parameter on the block creating it.
    return any(reaches_block_attribute(child, use, (), steps + 1) for use in uses) \
        and reaches_block_attribute(flow, call, (), steps + 1)


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


_FLOWS: Dict[int, Tuple[ast.Module, FlowTree]] = {}


def module_flow_tree(path: str) -> Optional[FlowTree]:
    """The flow view of another module of the project (see `module_source.parse_file`)."""
    tree = parse_file(path)
    if tree is None:
        return None
    kept = _FLOWS.get(id(tree))
    if kept is None or kept[0] is not tree:
        kept = _FLOWS[id(tree)] = (tree, FlowTree(tree))
    return kept[1]
