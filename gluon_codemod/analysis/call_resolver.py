"""Call resolution: what a call calls, which parameters it binds at which slot, and where a class of the
project is used as a value rather than called (an escape).

`CallResolver` answers, for one file, what each call constructs or calls (a `Callee`: a class of the file,
of the project, of Gluon; a factory), through scopes, imports, classmethods, `cls(...)`, and the
module-level tables of classes whose every use the project's plan follows. `arguments_passing` is the one
answer to "which argument of this call passes parameter `name`". The rest of this module works on the
project: which callable a call binds (`callee_binding`) and whether every call still binds the final
signatures once this run's edits are made (`check_bindings`, with `analysis.binding`). Where the classes
whose signatures the plan changes are used as values is `analysis.escapes`.
"""
from __future__ import annotations

import ast
from typing import Dict, List, Optional, Tuple

from .binding import final_signature, unbound
from .callees import UNKNOWN_BLOCK, Callee, Factory, FileClass, GluonClass, ProjectClass
from .mappings import carried_keys
from .names import dotted, is_gluon_block_class
from .plan import Unbound
from .project import Signature

# Where 1.9.1 Gluon constructors take `prefix` by position (`params` follows it, except for the Lambdas).
GLUON_PREFIX_SLOT = {
    "Block": 0, "HybridBlock": 0, "Sequential": 0, "HybridSequential": 0, "SequentialRNNCell": 0,
    "HybridSequentialRNNCell": 0, "RecurrentCell": 0, "HybridRecurrentCell": 0, "Identity": 0,
    "Concurrent": 1, "HybridConcurrent": 1, "Lambda": 1, "HybridLambda": 1, "DropoutCell": 2,
    "GroupNorm": 6, "GRUCell": 6, "LSTMCell": 6, "LayerNorm": 7, "RNNCell": 7, "LSTMPCell": 8,
    **{f"Conv{d}D{kind}Cell": 13 for d in (1, 2, 3) for kind in ("RNN", "LSTM", "GRU")},
}
_NO_PARAMS = {"Lambda", "HybridLambda"}
_NOT_PREFIXED = {"SymbolBlock"}  # SymbolBlock(outputs, inputs, params) has no prefix; it keeps `params`
ARGS = ("prefix", "params")


def pure(expr: ast.AST) -> bool:
    """No call inside: evaluating it cannot have a side effect that removing it would lose."""
    return not any(isinstance(n, (ast.Call, ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr))
                   for n in ast.walk(expr))


def span_of(node: ast.AST) -> Tuple[int, int, int, int]:
    """(line, column, end line, end column) of a node: the span an `Edit` of it names."""
    return (node.lineno, node.col_offset, node.end_lineno, node.end_col_offset)


def positional_names(func: ast.AST) -> List[str]:
    """The names of a function's positional parameters, `self` included."""
    return [a.arg for a in func.args.posonlyargs + func.args.args]


def declared_arg(func: ast.AST, name: str) -> Optional[ast.arg]:
    """The parameter `name` of a function (positional or keyword-only), or None."""
    return next((a for a in func.args.posonlyargs + func.args.args + func.args.kwonlyargs if a.arg == name), None)


def leading_positional(call: ast.Call) -> int:
    """How many positional arguments come before the first `*args` (their slots are known)."""
    for index, arg in enumerate(call.args):
        if isinstance(arg, ast.Starred):
            return index
    return len(call.args)


def unpacked_argument(call: ast.Call, name: str) -> Optional[ast.AST]:
    """The `'prefix'` key of `**{'prefix': ...}`, or the keyword of `**dict(prefix=...)`, in `call`
    (for `name` "prefix"), or where the mapping of a `**cfg` is given that key in the call's scope, or None."""
    for keyword in call.keywords:
        if keyword.arg is not None:
            continue
        value = keyword.value
        if isinstance(value, ast.Dict):
            for key in value.keys:
                if isinstance(key, ast.Constant) and key.value == name:
                    return key
        elif isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "dict":
            for inner in value.keywords:
                if inner.arg == name:
                    return inner
        elif name in carried_keys(keyword):  # `cfg = dict(prefix=...)` ... `**cfg` (see `analysis.mappings`)
            return carried_keys(keyword)[name]
    return None


def default_of(func: ast.AST, arg: ast.arg) -> Optional[ast.AST]:
    positional = func.args.posonlyargs + func.args.args
    if arg in positional:
        offset = len(positional) - len(func.args.defaults)
        index = positional.index(arg)
        return func.args.defaults[index - offset] if index >= offset else None
    return func.args.kw_defaults[func.args.kwonlyargs.index(arg)]


def _is_get(expr: ast.AST) -> bool:
    """`T.get(k)`, `T.get(k, default)`: a lookup in a table."""
    return (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "get"
            and 1 <= len(expr.args) <= 2 and not expr.keywords)


def arguments_passing(call: ast.Call, name: str, slot: Optional[int], skip: int = 0, *,
                      keywords: bool = True) -> Optional[Tuple[ast.AST, str]]:
    """(the argument, how: "keyword", "**{}", "position" or "*args") by which `call` passes parameter `name`,
    whose positional index among the parameters a call fills is `slot` (None: keyword-only or absent), after
    `skip` explicit `self` arguments; None when it does not pass it. `keywords=False`: by position only."""
    if keywords:
        keyword = next((k for k in call.keywords if k.arg == name), None)
        if keyword is not None:
            return keyword.value, "keyword"
        unpacked = unpacked_argument(call, name)
        if unpacked is not None:
            return unpacked, "**{}"
    if slot is None:
        return None
    leading = leading_positional(call)
    if slot + skip < leading:
        return call.args[slot + skip], "position"
    if leading < len(call.args):
        return call.args[leading], "*args"
    return None


class CallResolver:
    """What each call of a file calls (a `Callee`, see `analysis.callees`), which function's parameters it
    binds and at which slot; built once per file, shared by the rules (through `PrefixFlow`)."""

    def __init__(self, ctx, module: ast.Module):
        self.ctx = ctx
        self.functions: Dict[str, ast.FunctionDef] = {}
        self.owner: Dict[int, ast.ClassDef] = {}
        # The file's index (built once, shared by every rule): all nodes in `ast.walk` order, parents.
        self.parent: Dict[int, ast.AST] = ctx.index.parent
        self.nodes = ctx.nodes
        for node in ctx.nodes_of(ast.ClassDef):
            for stmt in node.body:
                if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    self.owner[id(stmt)] = node
        for stmt in module.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.functions.setdefault(stmt.name, stmt)
        self._callees: Dict[int, Optional[Callee]] = {}  # every rule asks about the same calls
        self._classmethods: Dict[int, Dict[str, ast.FunctionDef]] = {}
        self._uses: Dict[Tuple[int, str], List[ast.Name]] = {}
        self._scanning_calls = False  # the file's calls are being collected (`calls_of`)
        self._guessed = False  # an answer given while collecting them had to do without them
        self._calls: Optional[Dict[int, List[Tuple[ast.Call, int]]]] = None
        self._module_names: Optional[set] = None

    def is_block_class(self, cls: ast.ClassDef) -> bool:
        return self.ctx.is_block_class(cls)

    def class_at(self, expr: ast.AST) -> Optional[Callee]:
        """The class `expr` names where it stands: a `FileClass` (in scope), a `ProjectClass` (another
        module's Block), `UNKNOWN_BLOCK` for a name that stands for several of the file's classes, None
        otherwise (not a class of the project)."""
        if isinstance(expr, ast.Name):
            local = self.ctx.local_classes(expr.id, expr)
            if local is not None:
                return FileClass(local[0]) if len(local) == 1 else UNKNOWN_BLOCK
        info = self.ctx.project_class(expr)
        return ProjectClass(info) if info is not None else None

    def key_of(self, callee: Callee) -> Optional[str]:
        """The project-wide key of a class or factory (`module:qualname`)."""
        if isinstance(callee, ProjectClass):
            return callee.info.key
        view = self.ctx.project
        if isinstance(callee, FileClass):
            qualname = self.ctx.scopes.qualname(callee.node)
        elif isinstance(callee, Factory):
            cls = self.method_class(callee.func)
            name = callee.func.name
            qualname = f"{self.ctx.scopes.qualname(cls)}.{name}" if cls is not None else name
        else:
            return None
        return view.key(qualname) if view is not None else f"<file>:{qualname}"

    def function_named(self, func: ast.Name) -> Optional[ast.FunctionDef]:
        """A module-level function of the file that `func` names, unless a nearer scope rebinds it."""
        target = self.functions.get(func.id)
        if target is None:
            return None
        scopes = self.ctx.scopes
        return target if scopes.binding_scope(func.id, func) is self.ctx.tree else None

    def enclosing(self, node: ast.AST, kinds) -> Optional[ast.AST]:
        node = self.parent.get(id(node))
        while node is not None and not isinstance(node, kinds):
            node = self.parent.get(id(node))
        return node

    def method_class(self, func: Optional[ast.AST]) -> Optional[ast.ClassDef]:
        return self.owner.get(id(func)) if func is not None else None

    def base_of(self, cls: ast.ClassDef) -> Optional[Callee]:
        """The class `super().__init__` reaches: the first Block base."""
        for base in cls.bases:
            kind = self.class_at(base)
            if isinstance(kind, FileClass) and self.is_block_class(kind.node):
                return kind
            if isinstance(kind, ProjectClass) and kind.info.is_block:
                return kind
            qualified = self.ctx.imports.qualify(base)
            if self.ctx.is_block_class_expr(base) and qualified:
                return GluonClass(qualified.rsplit(".", 1)[-1])
        return UNKNOWN_BLOCK if self.is_block_class(cls) else None

    def base_init(self, call: ast.Call) -> Optional[Tuple[Callee, int]]:
        """(the base class, how many leading arguments are `self`) for a base constructor call, else None."""
        func = call.func
        if not (isinstance(func, ast.Attribute) and func.attr == "__init__"):
            return None
        method = self.enclosing(call, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        cls = self.method_class(method)
        if cls is None or not self.is_block_class(cls):
            return None
        receiver = func.value
        if isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Name) and receiver.func.id == "super":
            return self.base_of(cls), 0
        if any(ast.dump(receiver) == ast.dump(base) for base in cls.bases):
            kind = self.class_at(receiver)
            if kind is not None:
                return kind, 1
            qualified = self.ctx.imports.qualify(receiver) or ""
            return GluonClass(qualified.rsplit(".", 1)[-1]) if qualified else UNKNOWN_BLOCK, 1
        return None

    def callee(self, call: ast.Call) -> Optional[Callee]:
        """What `call` constructs or calls (not base constructor calls), or None."""
        found = self._callees.get(id(call), self)
        if found is self:
            if not self._scanning_calls:
                found = self._callees[id(call)] = self._callee(call)
                return found
            # While the file's calls are collected, an answer that needed them was a guess: not kept.
            outer, self._guessed = self._guessed, False
            found = self._callee(call)
            guessed, self._guessed = self._guessed, outer or self._guessed
            if not guessed:
                self._callees[id(call)] = found
        return found

    def _callee(self, call: ast.Call) -> Optional[Callee]:
        func = call.func
        named = self.ctx.may_name_a_class(func)  # (else no class or import is found for `func`, nor its owner)
        kind = self.class_at(func) if named else None
        if kind is not None:
            if isinstance(kind, FileClass):
                return kind if self.is_block_class(kind.node) else None
            if isinstance(kind, ProjectClass):
                return kind if kind.info.is_block else None
            return kind
        if isinstance(func, ast.Name):
            factory = self.function_named(func)
            if factory is not None:
                return Factory(factory)
        if named and isinstance(func, ast.Attribute):  # `Net.small(...)`: a classmethod factory
            owner = self.class_at(func.value)
            if isinstance(owner, FileClass) and self.is_block_class(owner.node):
                target = self.classmethod_of(owner.node, func.attr)
                if target is not None:
                    return Factory(target)
        method = self.enclosing(call, (ast.FunctionDef, ast.AsyncFunctionDef))
        cls = self.method_class(method)
        if cls is not None and self.is_block_class(cls):
            if isinstance(func, ast.Name) and func.id == "cls" and positional_names(method)[:1] == ["cls"]:
                return FileClass(cls)  # `cls(...)` in a classmethod builds this class (or a subclass)
            if (isinstance(func, ast.Call) and isinstance(func.func, ast.Name) and func.func.id == "type"
                    and len(func.args) == 1 and dotted(func.args[0]) == "self") or dotted(func) == "self.__class__":
                return FileClass(cls)
            if isinstance(func, ast.Attribute) and dotted(func.value) in ("cls", "self"):
                target = self.classmethod_of(cls, func.attr)
                if target is not None:
                    return Factory(target)
        view = self.ctx.project
        if view is not None and view.plan.followed and isinstance(func, (ast.Subscript, ast.Name, ast.Call)):
            table = self.table_called(call)
            if table is not None and table in view.plan.followed:
                return UNKNOWN_BLOCK  # a call of each class of a table whose every use is followed
        # (`class_at` found no class of the project in `func`: only a Gluon class is left)
        qualified = self.ctx.imports.qualify(func) if named else None
        if qualified and is_gluon_block_class(qualified):
            last = qualified.rsplit(".", 1)[-1]
            return None if last in _NOT_PREFIXED else GluonClass(last)
        if isinstance(func, ast.Name) and self._block_class_parameter(func.id, method):
            return UNKNOWN_BLOCK
        return None

    def calls_through_a_value(self, node: ast.Call, gluon_project: bool = False) -> bool:
        """`REGISTRY[kind](...)`, `getattr(m, name)(...)`, `cls(...)` after `cls = ...`, `self.block_cls(...)`:
        a call of a value the tool cannot resolve, in a module of a Gluon project (a class of the project
        may be behind it, whose signature the run changes)."""
        view = self.ctx.project
        if not (gluon_project or self.ctx.imports.imports_gluon or (view is not None and view.index.has_blocks)):
            return False
        func = node.func
        if isinstance(func, (ast.Subscript, ast.Call)):
            return True
        scope = self.enclosing(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        if isinstance(func, ast.Attribute):
            cls = self.method_class(scope)
            return (isinstance(func.value, ast.Name) and func.value.id == "self" and cls is not None
                    and not any(isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == func.attr
                                for s in cls.body))
        if not isinstance(func, ast.Name) or func.id in self.ctx.imports.names or func.id in self.functions:
            return False
        if self.ctx.local_classes(func.id, func) is not None or (scope is not None and declared_arg(scope, func.id)):
            return False
        where = scope if scope is not None else self.ctx.tree
        return any(isinstance(n, ast.Name) and n.id == func.id and isinstance(n.ctx, ast.Store)
                   for n in self.ctx.walk(where))

    def table_named(self, expr: ast.AST) -> Optional[str]:
        """The qualified module-level name (`pkg.decoder.REGISTRY`) that `expr` reads, if it names one of
        this module (bound at its top level, not rebound around `expr`) or an imported one."""
        if isinstance(expr, ast.Name):
            if self._module_names is None:
                self._module_names = {t.id for s in self.ctx.tree.body if isinstance(s, (ast.Assign, ast.AnnAssign))
                                      for t in (s.targets if isinstance(s, ast.Assign) else [s.target])
                                      if isinstance(t, ast.Name)}
            if expr.id in self._module_names:
                scope = self.enclosing(expr, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
                if scope is not None and (declared_arg(scope, expr.id) or any(
                        isinstance(n, ast.Name) and n.id == expr.id and not isinstance(n.ctx, ast.Load)
                        for n in self.ctx.walk(scope))):
                    return None
                view = self.ctx.project
                return f"{view.module.name}.{expr.id}" if view is not None and view.module is not None else None
        if isinstance(expr, (ast.Name, ast.Attribute)):
            qualified = self.ctx.imports.qualify(expr)
            return qualified if qualified and "." in qualified else None
        return None

    def _scope_of(self, target: ast.Name) -> Optional[ast.AST]:
        parent = self.parent.get(id(target))
        if isinstance(parent, ast.comprehension):
            return self.parent.get(id(parent))  # the comprehension's own scope
        return self.enclosing(target, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) or self.ctx.tree

    def calls_of_name(self, target: ast.Name) -> Optional[List[ast.Call]]:
        """The calls of the variable bound at `target` (`cls = T[k]`, `for cls in T`), when every other
        use of it in its scope is such a call (and nothing else binds it), else None."""
        calls = []
        for node in self.ctx.walk(self._scope_of(target)):
            if not isinstance(node, ast.Name) or node.id != target.id or node is target:
                continue
            parent = self.parent.get(id(node))
            if not (isinstance(node.ctx, ast.Load) and isinstance(parent, ast.Call) and parent.func is node):
                return None
            calls.append(parent)
        return calls

    def table_called(self, call: ast.Call) -> Optional[str]:
        """The module-level table whose content `call` calls: `T[k](...)`, or a variable bound once by
        `cls = T[k]` or `for cls in T`."""
        func = call.func
        if isinstance(func, ast.Subscript):
            return self.table_named(func.value)
        if _is_get(func):
            return self.table_named(func.func.value)  # `T.get(k)(...)`
        if not isinstance(func, ast.Name):
            return None
        scope = self.enclosing(call, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        bindings = [n for n in self.ctx.walk(scope if scope is not None else self.ctx.tree)
                    if isinstance(n, ast.Name) and n.id == func.id and not isinstance(n.ctx, ast.Load)]
        if len(bindings) != 1:
            return None
        parent = self.parent.get(id(bindings[0]))
        if isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.value, ast.Subscript):
            return self.table_named(parent.value.value)
        if isinstance(parent, ast.Assign) and len(parent.targets) == 1 and _is_get(parent.value):
            return self.table_named(parent.value.func.value)  # `cls = T.get(k)`
        if isinstance(parent, (ast.For, ast.comprehension)) and parent.target is bindings[0]:
            return self.table_named(parent.iter)
        return None

    def _block_class_parameter(self, name: str, func: Optional[ast.AST]) -> bool:
        """`norm_layer(...)` in `def __init__(self, norm_layer=BatchNorm)`: a parameter whose default is a
        Block class (and that the body never rebinds) is called to build a Block."""
        arg = declared_arg(func, name) if func is not None else None
        if arg is None or not all(isinstance(use.ctx, ast.Load) for use in self.uses(func, name)):
            return False
        default = default_of(func, arg)
        if default is not None:
            return self.ctx.is_block_class_expr(default)  # a Gluon class or one of the project's
        return self._given_block_classes(func, arg)

    def _given_block_classes(self, func: ast.AST, arg: ast.arg) -> bool:
        """`def build(cell_type, ...)` called in the file, always with a Block class for `cell_type`
        (`build(rnn.LSTMCell, 8)`)."""
        if self._calls is None and self._scanning_calls:
            self._guessed = True
            return False  # asked while the file's calls are being collected: decide without them
        calls = self.calls_of(func)
        given = []
        slot = self.slot_in(func, arg.arg, 0) if arg.arg in positional_names(func) else None
        for call, skip in calls:
            found = arguments_passing(call, arg.arg, slot, skip)
            if found is not None and found[1] in ("keyword", "position"):
                given.append(found[0])
            elif slot is not None:
                return False  # (a default, `*args`, `**{...}`: what it is given cannot be told)
        return bool(given) and all(self.ctx.is_block_class_expr(value) for value in given)

    def classmethod_of(self, cls: ast.ClassDef, name: str) -> Optional[ast.FunctionDef]:
        methods = self._classmethods.get(id(cls))
        if methods is None:  # (asked for every `self.method(...)` call of the class)
            methods = self._classmethods[id(cls)] = {}
            for s in cls.body:
                if isinstance(s, ast.FunctionDef) and any(dotted(d) == "classmethod" for d in s.decorator_list):
                    methods.setdefault(s.name, s)
        return methods.get(name)

    def signature(self, callee: Callee) -> Tuple[Optional[ast.FunctionDef], int]:
        """The function of the file whose parameters a call of `callee` binds, and how many leading
        parameters it fills itself."""
        if isinstance(callee, Factory):
            return callee.func, 1 if self.method_class(callee.func) is not None else 0
        if isinstance(callee, FileClass):
            seen = set()
            cls = callee.node
            while cls is not None and cls.name not in seen:
                seen.add(cls.name)
                init = next((s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None)
                if init is not None:
                    return init, 1
                base = self.base_of(cls)
                cls = base.node if isinstance(base, FileClass) else None
        return None, 0

    def gluon_of(self, callee: Optional[Callee]) -> Optional[str]:
        """The Gluon class name a class ends at when no class of the project defines `__init__`."""
        while isinstance(callee, FileClass):
            func, _ = self.signature(callee)
            if func is not None:
                return None
            callee = self.base_of(callee.node)
        if isinstance(callee, ProjectClass):
            _, _, gluon = self.ctx.project.index.init_of(callee.info)
            return gluon.rsplit(".", 1)[-1] if gluon else None
        return callee.name if isinstance(callee, GluonClass) else None

    def project_init(self, callee: Optional[Callee]):
        """(the `__init__` Signature, the ClassInfo defining it) a call of a project class binds."""
        if not isinstance(callee, ProjectClass):
            return None, None
        signature, owner, _ = self.ctx.project.index.init_of(callee.info)
        return signature, owner

    def slot(self, callee: Callee, name: str) -> Optional[int]:
        """The positional index at which a call of `callee` passes `name`, if it can."""
        func, skip = self.signature(callee)
        if func is not None:
            names = positional_names(func)[skip:]
            return names.index(name) if name in names else None
        if isinstance(callee, FileClass):
            beyond = self.beyond_file(callee)
            if isinstance(beyond, ProjectClass):
                return self.slot(beyond, name)
        signature, _ = self.project_init(callee)
        if signature is not None:
            return signature.positional.index(name) if name in signature.positional else None
        gluon = self.gluon_of(callee) if isinstance(callee, (FileClass, GluonClass)) else None
        if gluon not in GLUON_PREFIX_SLOT:
            return None
        if name == "params":
            return None if gluon in _NO_PARAMS else GLUON_PREFIX_SLOT[gluon] + 1
        return GLUON_PREFIX_SLOT[gluon]

    def beyond_file(self, callee: Optional[Callee]) -> Optional[Callee]:
        """For a class of the file that defines no `__init__` on the way to its bases: the first base
        that is not a class of the file (a project class, a Gluon class), or None."""
        seen = set()
        while isinstance(callee, FileClass) and id(callee.node) not in seen:
            seen.add(id(callee.node))
            if self.signature(callee)[0] is not None:
                return None
            callee = self.base_of(callee.node)
        return callee if callee is not None and not isinstance(callee, FileClass) else None

    def uses(self, func: ast.AST, name: str) -> List[ast.Name]:
        """The names `name` in `func`'s body (a list shared by every caller: do not modify)."""
        key = (id(func), name)
        found = self._uses.get(key)
        if found is None:
            found = self._uses[key] = [n for n in self.ctx.walk_all(func.body)
                                       if isinstance(n, ast.Name) and n.id == name]
        return found

    def calls_of(self, func: ast.AST) -> List[Tuple[ast.Call, int]]:
        """Every call in the file that binds the parameters of `func`, with the number of leading
        positional arguments that are `self`."""
        if self._calls is None:
            # (kept only once complete: a question asked while they are collected must not see a part)
            calls: Dict[int, List[Tuple[ast.Call, int]]] = {}
            outer, self._scanning_calls = self._scanning_calls, True
            try:
                for node in self.ctx.nodes_of(ast.Call):
                    base = self.base_init(node)
                    kind, skip = base if base else (self.callee(node), 0)
                    if not isinstance(kind, (FileClass, Factory)):
                        continue
                    target, _ = self.signature(kind)
                    if target is not None:
                        calls.setdefault(id(target), []).append((node, skip))
            finally:
                self._scanning_calls = outer
            self._calls = calls
        return self._calls.get(id(func), [])

    def slot_in(self, func, name: str, skip: int) -> int:
        """Index of `name` among the positional arguments of a call that binds `func` (`skip`: explicit self)."""
        implicit = 1 if self.method_class(func) is not None else 0
        return positional_names(func).index(name) - implicit + skip

    def function_key(self, func) -> str:
        """The project-wide key of a function's signature: its class's for `__init__`."""
        cls = self.method_class(func)
        if cls is not None and func.name == "__init__":
            return self.key_of(FileClass(cls))
        return self.key_of(Factory(func))

    def label(self, func) -> str:
        cls = self.method_class(func)
        return f"{cls.name}.{func.name}" if cls is not None else func.name


# -- what a call binds, across the project ---------------------------------------------------------------
def callee_binding(ctx, flow: CallResolver, call: ast.Call) -> Optional[Tuple[str, Signature, int, str]]:
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


# -- the plan checked against the final edits ---------------------------------------------------------
def removed_names(plan, key: str) -> set:
    """The parameters this run removes from callable `key`'s signature."""
    return {name for name in ARGS if (key, name) in plan.removed and (key, name) not in plan.kept}


def check_bindings(ctx, flow: CallResolver, view, drops) -> None:
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
