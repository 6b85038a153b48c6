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
the forwarded parameter or `None` in a base call (share after construction instead).
"""
import ast
import re
from typing import Dict, List, Optional, Tuple

import libcst as cst

from gluon_codemod._cst import has_comment, remove_args, remove_items
from gluon_codemod._names import dotted
from gluon_codemod._rule import CannotFix, Edit, Invalid, Rule, Valid

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


def _span(node: ast.AST) -> Tuple[int, int, int, int]:
    return (node.lineno, node.col_offset, node.end_lineno, node.end_col_offset)


def _positional(func: ast.AST) -> List[str]:
    return [a.arg for a in func.args.posonlyargs + func.args.args]


def _declares(func: ast.AST, name: str) -> Optional[ast.arg]:
    return next((a for a in func.args.posonlyargs + func.args.args + func.args.kwonlyargs if a.arg == name), None)


def _leading_positional(call: ast.Call) -> int:
    """How many positional arguments come before the first `*args` (their slots are known)."""
    for index, arg in enumerate(call.args):
        if isinstance(arg, ast.Starred):
            return index
    return len(call.args)


def _is_kwargs_pop(stmt: ast.AST, kwargs: Optional[str], name: str) -> bool:
    """`kwargs.pop('prefix')` / `kwargs.pop('prefix', None)` as a statement of its own."""
    if not (kwargs and isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)):
        return False
    call = stmt.value
    return (isinstance(call.func, ast.Attribute) and call.func.attr == "pop" and isinstance(call.func.value, ast.Name)
            and call.func.value.id == kwargs and call.args and isinstance(call.args[0], ast.Constant)
            and call.args[0].value == name and not call.keywords and len(call.args) <= 2
            and all(pure(a) for a in call.args))


def _shown(names) -> str:
    """"`prefix` is" / "`prefix` and `params` are"."""
    names = list(dict.fromkeys(names))
    return " and ".join(f"`{n}`" for n in names) + (" are" if len(names) > 1 else " is")


def _default_of(func: ast.AST, arg: ast.arg) -> Optional[ast.AST]:
    positional = func.args.posonlyargs + func.args.args
    if arg in positional:
        offset = len(positional) - len(func.args.defaults)
        index = positional.index(arg)
        return func.args.defaults[index - offset] if index >= offset else None
    return func.args.kw_defaults[func.args.kwonlyargs.index(arg)]


class PrefixFlow:
    """Where the file's classes and functions send their `prefix`/`params` arguments.

    A callee is described by a kind: `("gluon", name)` for a Gluon Block class, `("class", ClassDef)`
    for a Block class of the file (also `cls(...)` and `type(self)(...)` inside it), `("factory",
    FunctionDef)` for a module-level function or a classmethod of the file, `("unknown", None)` for a
    Block base that cannot be resolved (imported from a sibling module).
    """

    def __init__(self, ctx, module: ast.Module):
        self.ctx = ctx
        self.lines = ctx.lines
        self.classes: Dict[str, ast.ClassDef] = {}
        self.functions: Dict[str, ast.FunctionDef] = {}
        self.owner: Dict[int, ast.ClassDef] = {}
        # The file's index (built once, shared by every rule): all nodes in `ast.walk` order, parents.
        self.parent: Dict[int, ast.AST] = ctx.index.parent
        self.nodes = ctx.nodes
        for node in ctx.nodes_of(ast.ClassDef):
            self.classes.setdefault(node.name, node)
            for stmt in node.body:
                if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    self.owner[id(stmt)] = node
        for stmt in module.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.functions.setdefault(stmt.name, stmt)
        self._status: Dict[Tuple[int, str], Optional[str]] = {}
        self._calls: Optional[Dict[int, List[Tuple[ast.Call, int]]]] = None

    # -- what a call calls ----------------------------------------------------------------------
    def is_block_class(self, cls: ast.ClassDef) -> bool:
        return cls.name in self.ctx.block_classes

    def enclosing(self, node: ast.AST, kinds) -> Optional[ast.AST]:
        node = self.parent.get(id(node))
        while node is not None and not isinstance(node, kinds):
            node = self.parent.get(id(node))
        return node

    def method_class(self, func: Optional[ast.AST]) -> Optional[ast.ClassDef]:
        return self.owner.get(id(func)) if func is not None else None

    def base_of(self, cls: ast.ClassDef):
        """The kind of the class `super().__init__` reaches: the first Block base."""
        for base in cls.bases:
            if isinstance(base, ast.Name) and base.id in self.classes and self.is_block_class(self.classes[base.id]):
                return ("class", self.classes[base.id])
            qualified = self.ctx.imports.qualify(base)
            if self.ctx.is_block_class_expr(base) and qualified:
                return ("gluon", qualified.rsplit(".", 1)[-1])
        return ("unknown", None) if self.is_block_class(cls) else None

    def base_init(self, call: ast.Call):
        """(kind of the base, how many leading arguments are `self`) for a base constructor call, else None."""
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
            if isinstance(receiver, ast.Name) and receiver.id in self.classes:
                return ("class", self.classes[receiver.id]), 1
            qualified = self.ctx.imports.qualify(receiver) or ""
            return ("gluon", qualified.rsplit(".", 1)[-1]) if qualified else ("unknown", None), 1
        return None

    def callee(self, call: ast.Call):
        """The kind of what `call` constructs or calls (not base constructor calls), or None."""
        func = call.func
        if isinstance(func, ast.Name) and func.id in self.classes:
            cls = self.classes[func.id]
            return ("class", cls) if self.is_block_class(cls) else None
        if isinstance(func, ast.Name) and func.id in self.functions:
            return ("factory", self.functions[func.id])
        if (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in self.classes
                and self.is_block_class(self.classes[func.value.id])):  # `Net.small(...)`: a classmethod factory
            target = self.classmethod_of(self.classes[func.value.id], func.attr)
            if target is not None:
                return ("factory", target)
        method = self.enclosing(call, (ast.FunctionDef, ast.AsyncFunctionDef))
        cls = self.method_class(method)
        if cls is not None and self.is_block_class(cls):
            if isinstance(func, ast.Name) and func.id == "cls" and _positional(method)[:1] == ["cls"]:
                return ("class", cls)  # `cls(...)` in a classmethod builds this class (or a subclass)
            if (isinstance(func, ast.Call) and isinstance(func.func, ast.Name) and func.func.id == "type"
                    and len(func.args) == 1 and dotted(func.args[0]) == "self") or dotted(func) == "self.__class__":
                return ("class", cls)
            if isinstance(func, ast.Attribute) and dotted(func.value) in ("cls", "self"):
                target = self.classmethod_of(cls, func.attr)
                if target is not None:
                    return ("factory", target)
        qualified = self.ctx.imports.qualify(func)
        if self.ctx.is_block_class_expr(func) and qualified:
            last = qualified.rsplit(".", 1)[-1]
            return None if last in _NOT_PREFIXED else ("gluon", last)
        if isinstance(func, ast.Name) and self._block_class_parameter(func.id, method):
            return ("unknown", None)
        return None

    def _block_class_parameter(self, name: str, func: Optional[ast.AST]) -> bool:
        """`norm_layer(...)` in `def __init__(self, norm_layer=BatchNorm)`: a parameter whose default is a
        Block class (and that the body never rebinds) is called to build a Block."""
        arg = _declares(func, name) if func is not None else None
        default = _default_of(func, arg) if arg is not None else None
        if default is None or not self.ctx.is_block_class_expr(default):  # a Gluon class or one of the file's
            return False
        return all(isinstance(use.ctx, ast.Load) for use in self.uses(func, name))

    @staticmethod
    def classmethod_of(cls: ast.ClassDef, name: str) -> Optional[ast.FunctionDef]:
        return next((s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == name
                     and any(dotted(d) == "classmethod" for d in s.decorator_list)), None)

    # -- signatures -------------------------------------------------------------------------------
    def signature(self, kind):
        """The function whose parameters the call binds, and how many leading parameters it fills itself."""
        what, target = kind
        if what == "factory":
            return target, 1 if self.method_class(target) is not None else 0
        if what == "class":
            seen = set()
            cls = target
            while cls is not None and cls.name not in seen:
                seen.add(cls.name)
                init = next((s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None)
                if init is not None:
                    return init, 1
                base = self.base_of(cls)
                cls = base[1] if base and base[0] == "class" else None
        return None, 0

    def gluon_of(self, kind) -> Optional[str]:
        """The Gluon class name a (class) kind ends at when no class of the file defines `__init__`."""
        while kind is not None and kind[0] == "class":
            func, _ = self.signature(kind)
            if func is not None:
                return None
            kind = self.base_of(kind[1])
        return kind[1] if kind and kind[0] == "gluon" else None

    def slot(self, kind, name: str) -> Optional[int]:
        """The positional index at which a call of `kind` passes `name`, if it can."""
        func, skip = self.signature(kind)
        if func is not None:
            names = _positional(func)[skip:]
            return names.index(name) if name in names else None
        gluon = self.gluon_of(kind) if kind[0] == "class" else (kind[1] if kind[0] == "gluon" else None)
        if gluon not in GLUON_PREFIX_SLOT:
            return None
        if name == "params":
            return None if gluon in _NO_PARAMS else GLUON_PREFIX_SLOT[gluon] + 1
        return GLUON_PREFIX_SLOT[gluon]

    # -- what a function does with its arguments --------------------------------------------------------
    def status(self, kind, name: str = "prefix") -> Optional[str]:
        """'gluon' when `name` given to a call of `kind` only ever reaches Gluon, 'own' when user code
        reads it, None when it is not accepted (or, for a factory, does not reach a Block)."""
        if kind is None:
            return None
        if kind[0] in ("gluon", "unknown"):
            return "gluon"
        func, _ = self.signature(kind)
        if func is None:
            return "gluon" if kind[0] == "class" else None
        return self.param_status(func, name, is_init=kind[0] == "class")

    def param_status(self, func: ast.AST, name: str, is_init: bool = False) -> Optional[str]:
        key = (id(func), name)
        if key in self._status:
            return self._status[key]
        self._status[key] = "own"  # a cycle of forwards proves nothing
        self._status[key] = result = self._param_status(func, name, is_init)
        return result

    def _param_status(self, func, name, is_init) -> Optional[str]:
        if _declares(func, name) is not None:
            uses = self.uses(func, name)
            forwards = [u for u in uses if isinstance(u.ctx, ast.Load) and self.forward_of(u, name) is not None]
            if not forwards and not is_init:
                return None  # a function whose argument never reaches a Block is not a Block factory
            return "gluon" if len(forwards) == len(uses) else "own"
        kwargs = func.args.kwarg.arg if func.args.kwarg else None
        if kwargs is None:
            return None
        nodes = self.ctx.walk(func)
        for node in nodes:
            if isinstance(node, ast.Constant) and node.value == name and not self._in_kwargs_pop(node, kwargs, name):
                return "own"  # `kwargs['prefix']`, `kwargs.get('prefix')`: read by user code
        splats = [k for node in nodes if isinstance(node, ast.Call) for k in node.keywords
                  if k.arg is None and isinstance(k.value, ast.Name) and k.value.id == kwargs]
        for splat in splats:
            call = self.parent[id(splat)]
            target = self.base_init(call)
            target = target[0] if target else self.callee(call)
            if target is None or self.status(target, name) != "gluon":
                return None if not is_init else "own"
        return "gluon" if splats or is_init else None

    def _in_kwargs_pop(self, constant, kwargs, name) -> bool:
        call = self.parent.get(id(constant))
        return call is not None and _is_kwargs_pop(self.parent.get(id(call)), kwargs, name)

    def uses(self, func: ast.AST, name: str) -> List[ast.Name]:
        return [n for n in self.ctx.walk_all(func.body) if isinstance(n, ast.Name) and n.id == name]

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
        if kind is None or (name == "params" and base is None):
            return None  # `params=params` to another Block is sharing: GLN004 reports it
        if keyword is not None:
            if keyword.arg != name:
                return None
        else:
            index = parent.args.index(use)
            slot = self.slot(kind, name) if kind[0] != "unknown" else None
            if index >= _leading_positional(parent) or slot is None or index - skip != slot:
                return None
        return parent if self.status(kind, name) == "gluon" else None

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
        return [s for s in self.ctx.walk(func) if _is_kwargs_pop(s, kwargs, name)
                and self.enclosing(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) is func]

    def calls_of(self, func: ast.AST) -> List[Tuple[ast.Call, int]]:
        """Every call in the file that binds the parameters of `func`, with the number of leading
        positional arguments that are `self`."""
        if self._calls is None:
            self._calls = {}
            for node in self.nodes:
                if not isinstance(node, ast.Call):
                    continue
                base = self.base_init(node)
                kind, skip = base if base else (self.callee(node), 0)
                if kind is None or kind[0] in ("gluon", "unknown"):
                    continue
                target, _ = self.signature(kind)
                if target is not None:
                    self._calls.setdefault(id(target), []).append((node, skip))
        return self._calls.get(id(func), [])

    # -- whether removal can be done consistently -----------------------------------------------------
    def slot_in(self, func, name: str, skip: int) -> int:
        """Index of `name` among the positional arguments of a call that binds `func` (`skip`: explicit self)."""
        implicit = 1 if self.method_class(func) is not None else 0
        return _positional(func).index(name) - implicit + skip

    def label(self, func) -> str:
        cls = self.method_class(func)
        return f"{cls.name}.{func.name}" if cls is not None else func.name

    def problem(self, func, name: str) -> Optional[str]:
        """Why `name` cannot be removed from `func` together with every argument that passes it, or None."""
        key = (id(func), "problem:" + name)
        if key in self._status:
            return self._status[key]
        self._status[key] = None  # inside a cycle each member's other checks decide
        self._status[key] = result = self._problem(func, name)
        return result

    def _problem(self, func, name: str) -> Optional[str]:
        arg = _declares(func, name)
        default = _default_of(func, arg)
        if self.comment_inside(arg, default if default is not None else arg):
            return "a comment sits inside the parameter"
        if name in _positional(func):
            for call, skip in self.calls_of(func):
                index = self.slot_in(func, name, skip)
                if index >= _leading_positional(call) and len(call.args) > _leading_positional(call):
                    return f"the call at line {call.lineno} passes `*args`, whose `{name}` cannot be told apart"
                if index >= len(call.args):
                    continue
                value = call.args[index]
                caller = self.enclosing(call, (ast.FunctionDef, ast.AsyncFunctionDef))
                forwarded = (isinstance(value, ast.Name) and value.id == name and caller is not None
                             and _declares(caller, name) is not None)
                if name == "params" and not forwarded and not (isinstance(value, ast.Constant) and value.value is None):
                    return f"the call at line {call.lineno} shares parameters by position (use `share_parameters`)"
                following = [a for a in call.args[index + 1:]] + [k.value for k in call.keywords]
                following = [a for a in following if (a.lineno, a.col_offset) > (value.lineno, value.col_offset)]
                end = min(following, key=lambda a: (a.lineno, a.col_offset), default=None)
                if self.comment_inside(value, value) or self.comment_between(value, end or call):
                    return f"a comment sits inside or after the argument at line {call.lineno}"
        for use in self.uses(func, name):  # a function it hands the argument to must drop it as well
            call = self.forward_of(use, name)
            base = self.base_init(call) if call is not None else None
            kind = base[0] if base else (self.callee(call) if call is not None else None)
            target = self.signature(kind)[0] if kind is not None and kind[0] in ("class", "factory") else None
            if target is not None and target is not func and _declares(target, name) is not None:
                reason = self.problem(target, name)
                if reason is not None:
                    return f"it hands `{name}` to `{self.label(target)}`, which keeps it ({reason})"
        return None

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


# -- edits -----------------------------------------------------------------------------------------------
def _is_name(node: cst.CSTNode, name: str) -> bool:
    return isinstance(node, cst.Name) and node.value == name


def drop_call_args(names: Tuple[str, ...], slots: Tuple[int, ...], skip: int = 0):
    """Remove the keyword arguments `names` and the positional arguments at `slots` (counted after `skip`
    leading ones, the explicit `self` of `Base.__init__(self, ...)`) of a call."""
    def apply(node: cst.Call, fix):
        positional = [a for a in node.args if a.keyword is None and not a.star][skip:]

        def drop(index, arg):
            if arg.keyword is not None:
                return arg.keyword.value in names
            return not arg.star and arg in positional and positional.index(arg) in slots
        return remove_args(node, drop)
    return apply


class _DropParams(cst.CSTTransformer):
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
        updated = updated.with_changes(**groups)
        if not updated.kwonly_params and isinstance(updated.star_arg, cst.ParamStar):
            updated = updated.with_changes(star_arg=cst.MaybeSentinel.DEFAULT)  # a bare `*` needs a keyword after it
        return _fix_last_comma(updated)

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


class _Reads(cst.CSTVisitor):
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
    name = "prefix-params-signature"
    message = ("`{name}` is no longer a Block constructor argument; `{func}` only hands it on: "
               "remove the parameter")
    fix_title = "Remove the `{name}` parameter of `{func}` and the arguments that pass it"

    VALID = [
        Valid("from mxnet import gluon\n"
              "class Config:\n"
              "    def __init__(self, prefix=None, params=None):\n"
              "        self.prefix = prefix\n"
              "def make(prefix):\n"
              "    return Config(prefix=prefix)\n",
              why="not a Block: the class and the factory that builds it keep their arguments"),
        Valid("from mxnet.gluon import nn\n"
              "class Net(nn.HybridBlock):\n"
              "    def __init__(self, units, **kwargs):\n"
              "        super(Net, self).__init__(**kwargs)\n"
              "def build(prefix):\n"
              "    return prefix + 'x'\n",
              why="already migrated; a function whose `prefix` never reaches a Block is not a Block factory"),
    ]
    INVALID = [
        Invalid(
            "from mxnet.gluon import nn as N\n"
            "class Net(N.HybridBlock):\n"
            "    def __init__(self, units, prefix=None, params=None,  # naming\n"
            "                 activation='relu'):\n"
            "        super(Net, self).__init__(prefix=prefix, params=params)\n"
            "        self.act = activation\n"
            "net = Net(3, 'net_', None, 'tanh')\n",
            "from mxnet.gluon import nn as N\n"
            "class Net(N.HybridBlock):\n"
            "    def __init__(self, units,  # naming\n"
            "                 activation='relu'):\n"
            "        super(Net, self).__init__()\n"
            "        self.act = activation\n"
            "net = Net(3, 'tanh')\n",
            why="signature, base call and positional call site change together; a comment after a removed "
                "parameter moves to the one before",
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
        ),
        Invalid(
            "import mxnet as mx\n"
            "class Net(mx.gluon.nn.HybridBlock):\n"
            "    def __init__(self, prefix=None, **kwargs):\n"
            "        super().__init__(prefix=prefix, **kwargs)\n"
            "        self._my_prefix = prefix\n"
            "        self.fc = mx.gluon.nn.Dense(2, prefix='%sfc_' % prefix)\n",
            None,
            why="the prefix is also used for something else: reported, not rewritten",
        ),
    ]

    def __init__(self, sink, ctx):
        super().__init__(sink, ctx)
        self.flow: Optional[PrefixFlow] = None
        self.nodes: list = []

    def visit_Module(self, node: ast.Module) -> None:
        self.flow = PrefixFlow(self.ctx, node)
        self.nodes = self.ctx.nodes

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
            arg = _declares(func, name)
            if arg is None:
                if is_init and kwargs:
                    self._pops(func, name, label, kwargs)
                continue
            status = flow.param_status(func, name, is_init=is_init) if (
                is_init or (is_factory and name == "prefix")) else None
            if status is None:
                if name == "prefix" and cls is not None and flow.is_block_class(cls):
                    self.report(arg, "`{func}` takes a `prefix`, and the new Block API has no prefixed names; if it "
                                "builds 1.x parameter or symbol names, drop it (structural names need none)",
                                func=label)
                continue
            if status == "own":
                self.report(arg, "`{name}` is no longer a Block constructor argument, and `{func}` also uses it for "
                            "something else; remove the parameter and give that use its own argument or value",
                            name=name, func=label)
                continue
            problem = flow.problem(func, name)
            if problem is not None:
                self.report(arg, "`{name}` is no longer a Block constructor argument; `{func}` cannot drop it "
                            "automatically because {problem}: remove the parameter and its arguments by hand",
                            name=name, func=label, problem=problem)
                continue
            self.report(arg, name=name, func=label, fix_title=self.fix_title.format(name=name, func=label),
                        edit=Edit(cst.FunctionDef, drop_params((name,), kwargs, (name,)), span=_span(func)))
            removed.append(name)
        if removed:
            self._fix_call_sites(func, tuple(removed), label)

    def _pops(self, func, name, label, kwargs) -> None:
        for pop in self.flow.kwargs_pops(func, name):
            self.report(pop, "`kwargs.pop('{name}')` is not needed once no caller passes `{name}`, which the new "
                        "Block API rejects", name=name,
                        fix_title=f"Remove the `kwargs.pop('{name}')` statement",
                        edit=Edit(cst.FunctionDef, drop_params((), kwargs, (name,)), span=_span(func)))

    def _fix_call_sites(self, func, names: Tuple[str, ...], label: str) -> None:
        """Calls that bind `func` lose the positional arguments at the removed slots, in one edit per call
        (two edits would each count slots on an already shortened call), and the keywords too for
        factories and base calls (a class's `prefix=`/`params=` keywords are GLN002's and GLN004's)."""
        for call, skip in self.flow.calls_of(func):
            owns_keywords = self.flow.base_init(call) is not None or self.flow.callee(call) == ("factory", func)
            slots, values, keywords, passed = [], [], [], []
            for name in names:
                keyword = next((k for k in call.keywords if k.arg == name), None)
                if keyword is not None and owns_keywords:
                    keywords.append(name)
                    values.append(keyword.value)
                    passed.append(name)
                if name in _positional(func):
                    slot = self.flow.slot_in(func, name, skip)
                    if slot < _leading_positional(call):
                        slots.append(slot - skip)
                        values.append(call.args[slot])
                        passed.append(name)
            if not values:
                continue
            safe = all(pure(v) or (isinstance(v, ast.Name) and v.id in names) for v in values)
            self.report(values[0], "{shown} no longer accepted by `{func}`, which loses {those} with the "
                        "Block prefix; remove {it} from the call", shown=_shown(passed), func=label,
                        those="that parameter" if len(set(passed)) == 1 else "those parameters",
                        it="the argument" if len(set(passed)) == 1 else "the arguments",
                        fix_title="Remove the argument", edit=Edit(
                            cst.Call, drop_call_args(tuple(keywords), tuple(slots), skip), span=_span(call), safe=safe))

    # -- base constructor calls that reach Gluon ---------------------------------------------------------
    def visit_Call(self, call: ast.Call) -> None:
        base = self.flow.base_init(call)
        if base is None:
            return
        kind, skip = base
        if kind[0] == "class":
            return  # a base of this file: its signature's call sites are fixed with it (visit_FunctionDef)
        func = self.flow.enclosing(call, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        keywords, slots, values = [], [], []
        for name in ARGS:
            keyword = next((k for k in call.keywords if k.arg == name), None)
            slot = self.flow.slot(kind, name) if kind[0] == "gluon" else None
            value = keyword.value if keyword is not None else None
            if value is None and slot is not None and slot + skip < _leading_positional(call):
                value = call.args[slot + skip]
            if value is None:
                continue
            if isinstance(value, ast.Name) and value.id == name and _declares(func, name) is not None:
                if (self.flow.param_status(func, name, is_init=True) != "gluon"
                        or self.flow.problem(func, name) is not None):  # the parameter stays: so does this
                    self.report(value, "`{name}` is no longer accepted by the Block constructor; pass the base "
                                "constructor nothing and keep the other use of `{name}` separately", name=name)
                    continue
            elif name == "params" and not (isinstance(value, ast.Constant) and value.value is None):
                self.report(value, "`params={value}` is no longer accepted by the Block constructor; call "
                            "`self.share_parameters(...)` after construction instead", value=ast.unparse(value))
                continue
            if keyword is not None:
                keywords.append(name)
            else:
                slots.append(slot)
            values.append((name, value))
        if not values:
            return
        kept_after = [a for i, a in enumerate(call.args[:_leading_positional(call)])
                      if slots and i - skip > min(slots) and i - skip not in slots]
        if kept_after:  # `__init__(prefix, params)` with `params` reported: dropping `prefix` would shift it
            self.report(values[0][1], "{shown} no longer accepted by the Block constructor, but removing {it} "
                        "would move `{after}` into its place; remove the positional arguments by hand",
                        shown=_shown([n for n, _ in values]), it="it" if len(values) == 1 else "them",
                        after=ast.unparse(kept_after[0]))
            return
        safe = all(pure(v) for _, v in values)
        self.report(values[0][1], "{shown} no longer accepted by the Block constructor; remove {it} from the "
                    "base constructor call", shown=_shown([n for n, _ in values]), fix_title="Remove the argument",
                    it="it" if len(values) == 1 else "them",
                    edit=Edit(cst.Call, drop_call_args(tuple(keywords), tuple(slots), skip), span=_span(call),
                              safe=safe))
