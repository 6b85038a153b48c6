"""The project index: every module of a run, its imports, its classes per lexical scope and which are Blocks.

Built by a cheap first pass over all files (stdlib `ast` only) and made of plain data, so that it
pickles to worker processes and caches to disk. The rules ask it what a name imported from another
module is: `from .layers import PosEmbed` in `pkg/model.py` resolves, through re-exports in
`__init__.py` files, to the class `PosEmbed` of `pkg/layers.py`, a Block whose constructor takes
`(self, units, prefix=None, params=None)`.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Set, Tuple, Union

from .names import SIMPLE_STATEMENTS, ImportTable, is_gluon, is_gluon_block_class, scope_imports
from .modules import is_package_init


@dataclass(frozen=True)
class Signature:
    """How a call binds a function's parameters (after the implicit `self`/`cls`)."""

    positional: Tuple[str, ...]
    keyword_only: Tuple[str, ...] = ()
    varargs: bool = False
    varkw: bool = False
    line: int = 0
    #: How many of the last positional parameters have a default.
    defaults: int = 0
    #: The keyword-only parameters without a default.
    keyword_required: Tuple[str, ...] = ()

    @classmethod
    def of(cls, func: ast.AST, skip_first: bool) -> "Signature":
        args = func.args
        positional = tuple(a.arg for a in args.posonlyargs + args.args)
        positional = positional[1:] if skip_first else positional
        required = tuple(a.arg for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is None)
        return cls(positional, tuple(a.arg for a in args.kwonlyargs), args.vararg is not None,
                   args.kwarg is not None, func.lineno, min(len(args.defaults), len(positional)), required)

    def declares(self, name: str) -> bool:
        return name in self.positional or name in self.keyword_only


@dataclass(frozen=True)
class LocalBase:
    """A base that is a class of the same module, named by a plain name in scope."""

    qualname: str


@dataclass(frozen=True)
class NamedBase:
    """A base named through the module's imports (or its own module-level names): its qualified name."""

    qualified: str


@dataclass(frozen=True)
class UnresolvedBase:
    """A base expression that names nothing the index can follow (`make_base()`, `bases[0]`)."""

    text: str


Base = Union[LocalBase, NamedBase, UnresolvedBase]


@dataclass
class ClassInfo:
    """A class of the project: where it is, what it derives from, how it is constructed."""

    module: str
    qualname: str
    line: int
    bases: Tuple[Base, ...]
    init: Optional[Signature]
    defines_forward: bool
    classmethods: Dict[str, Signature] = field(default_factory=dict)
    is_block: bool = False

    @property
    def key(self) -> str:
        return f"{self.module}:{self.qualname}"

    @property
    def name(self) -> str:
        return self.qualname.rsplit(".", 1)[-1]


@dataclass
class ModuleInfo:
    name: str
    path: str
    package: Optional[str]
    #: What each name bound at module level by import stands for (`PosEmbed` -> `pkg.layers.PosEmbed`).
    imports: Dict[str, str]
    star_imports: List[str]
    classes: Dict[str, ClassInfo]  # by qualname
    functions: Dict[str, Signature]  # module-level functions
    #: What each module-level function returns, when its return annotation (also as a string) or every
    #: one of its `return` statements names a class (`get_decoder` -> ('pkg.decoder.Decoder',)).
    returns: Dict[str, Tuple[str, ...]] = field(default_factory=dict)


def _package_of(name: Optional[str], path: str) -> Optional[str]:
    if name is None:
        return None
    return name if is_package_init(path) else name.rpartition(".")[0] or None


def index_module(tree: ast.Module, name: str, path: str) -> ModuleInfo:
    """What the project needs to know of one module, from its `ast` tree (its statements only: the
    expressions inside them are never walked)."""
    package = _package_of(name, path)
    table = ImportTable(None)
    table.package = package
    for node in _module_level(tree.body):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            table.add(node)
    classes: Dict[str, ClassInfo] = {}
    _index_classes(tree.body, [], [{}], table, name, classes)
    functions = {s.name: Signature.of(s, False) for s in tree.body
                 if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))}
    returns = {}
    for statement in tree.body:
        if isinstance(statement, ast.FunctionDef):
            returned = _returned_classes(statement, name, table, classes)
            if returned:
                returns[statement.name] = returned
    return ModuleInfo(name, path, package, dict(table.names), list(table.star_from), classes, functions, returns)


def _returned_classes(func: ast.FunctionDef, module: str, table: ImportTable,
                      classes: Dict[str, ClassInfo]) -> Tuple[str, ...]:
    """The qualified classes a factory returns: its annotation's (`-> 'Decoder'`), or those every `return`
    builds (`return Decoder(...)`); () when they cannot be told."""
    def qualified(expr: Optional[ast.AST]) -> Optional[str]:
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            try:
                expr = ast.parse(expr.value, mode="eval").body
            except SyntaxError:
                return None
        if isinstance(expr, ast.Name) and expr.id in classes:
            return f"{module}.{expr.id}"
        return table.qualify(expr) if isinstance(expr, (ast.Name, ast.Attribute)) else None

    annotated = qualified(func.returns) if func.returns is not None else None
    if annotated is not None:
        return (annotated,)
    found, statements = [], list(func.body)
    for statement in statements:  # the function's own statements (not those of nested functions or classes)
        if isinstance(statement, ast.Return):
            value = statement.value
            name = qualified(value.func) if isinstance(value, ast.Call) else None
            if name is None:
                return ()
            found.append(name)
        elif not isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for block in ("body", "orelse", "finalbody"):
                statements.extend(getattr(statement, block, None) or ())
            for handler in getattr(statement, "handlers", ()):
                statements.extend(handler.body)
    return tuple(dict.fromkeys(found))


def _index_classes(body: list, path: List[str], visible: List[Dict[str, str]], table: ImportTable,
                   module: str, classes: Dict[str, ClassInfo]) -> None:
    """Classes of a statement list, by qualname; `visible` holds, innermost last, the classes each
    enclosing function scope (and the module) has defined so far, for bases named by a plain name."""
    for node in body:
        if isinstance(node, ast.ClassDef):
            qualname = ".".join(path + [node.name])
            bases = []
            for base in node.bases:
                local = next((scope[base.id] for scope in reversed(visible) if isinstance(base, ast.Name)
                              and base.id in scope), None)
                if local is not None:
                    bases.append(LocalBase(local))
                    continue
                qualified = table.qualify(base)
                bases.append(NamedBase(qualified) if qualified else UnresolvedBase(ast.unparse(base)))
            init = next((s for s in node.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))
                         and s.name == "__init__"), None)
            methods = {s.name: Signature.of(s, True) for s in node.body if isinstance(s, ast.FunctionDef)
                       and any(isinstance(d, ast.Name) and d.id == "classmethod" for d in s.decorator_list)}
            classes.setdefault(qualname, ClassInfo(
                module, qualname, node.lineno, tuple(bases), Signature.of(init, True) if init is not None else None,
                any(isinstance(s, ast.FunctionDef) and s.name == "hybrid_forward" for s in node.body), methods))
            visible[-1][node.name] = qualname
            # a class body sees the enclosing scopes; its methods do not see the class body's names
            _index_classes(node.body, path + [node.name], visible + [{}], table, module, classes)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            imports = scope_imports(node.body)  # `def test(): from mxnet.gluon import nn; class L(nn.Block)`
            inner = table.extended(imports) if imports else table
            _index_classes(node.body, path + [node.name, "<locals>"], visible + [{}], inner, module, classes)
        elif type(node) not in SIMPLE_STATEMENTS:  # (a simple statement holds no class: not walked)
            for block in ("body", "orelse", "finalbody"):
                statements = getattr(node, block, None)
                if statements:
                    _index_classes(statements, path, visible, table, module, classes)
            for handler in getattr(node, "handlers", ()):
                _index_classes(handler.body, path, visible, table, module, classes)
            for case in getattr(node, "cases", ()):
                _index_classes(case.body, path, visible, table, module, classes)


def _module_level(body: list):
    for node in body:
        yield node
        if isinstance(node, (ast.If, ast.Try)):
            yield from _module_level(node.body)
            yield from _module_level(node.orelse)
            for handler in getattr(node, "handlers", ()):
                yield from _module_level(handler.body)
            yield from _module_level(getattr(node, "finalbody", ()))


class ProjectIndex:
    """Every module of a run by name, with name resolution across them and Block classes marked."""

    def __init__(self, modules: Iterable[ModuleInfo]):
        self.modules: Dict[str, ModuleInfo] = {}
        self.by_path: Dict[str, ModuleInfo] = {}
        for module in modules:
            self.modules.setdefault(module.name, module)
            self.by_path[module.path] = module
        self._suffixes: Dict[str, List[str]] = {}
        self._resolved: Dict[Tuple[str, Optional[str]], Optional[ClassInfo]] = {}
        for module_name in self.modules:
            parts = module_name.split(".")
            for start in range(1, len(parts)):
                self._suffixes.setdefault(".".join(parts[start:]), []).append(module_name)
        self._mark_blocks()

    # -- modules -----------------------------------------------------------------------------------
    def find_module(self, name: str, importer: Optional[ModuleInfo] = None) -> Optional[ModuleInfo]:
        """The module `name` means, seen from `importer`: exact, then a sibling of a script folder
        (`import layers` beside it), then the one module of the project whose name ends so."""
        module = self.modules.get(name)
        if module is not None:
            return module
        if importer is not None and importer.package:
            module = self.modules.get(f"{importer.package}.{name}")
            if module is not None:
                return module
        candidates = self._suffixes.get(name, ())
        return self.modules[candidates[0]] if len(candidates) == 1 else None

    # -- names -------------------------------------------------------------------------------------
    def resolve(self, qualified: Optional[str], importer: Optional[ModuleInfo] = None,
                _seen: Optional[set] = None) -> Optional[ClassInfo]:
        """The project class a qualified dotted name (`pkg.layers.PosEmbed`) stands for, if any."""
        if not qualified:
            return None
        if _seen is None:  # the index does not change: each name is looked up once per importing package
            key = (qualified, importer.package if importer is not None else None)
            found = self._resolved.get(key, self)
            if found is self:
                found = self._resolved[key] = self.resolve(qualified, importer, set())
            return found
        seen = _seen
        if qualified in seen or len(seen) > 32:
            return None
        seen.add(qualified)
        parts = qualified.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            module = self.find_module(".".join(parts[:cut]), importer)
            if module is None:
                continue
            rest = parts[cut:]
            info = module.classes.get(".".join(rest))
            if info is not None:
                return info
            target = module.imports.get(rest[0])  # a re-export: `from .layers import PosEmbed` in __init__
            if target is not None:
                return self.resolve(".".join([target] + rest[1:]), module, seen)
            for star in module.star_imports:
                found = self.resolve(".".join([star] + rest), module, seen)
                if found is not None:
                    return found
            return None
        return None

    def resolve_function(self, qualified: Optional[str],
                         importer: Optional[ModuleInfo] = None) -> Optional[Tuple[str, Signature]]:
        """(key, signature) of the module-level function or classmethod of the project a qualified name
        stands for (`pkg.factory.make_block`, `pkg.model.Net.small`), if any."""
        if not qualified or "." not in qualified:
            return None
        memo = self.__dict__.setdefault("_functions", {})  # (every call of a file is asked about, by rules)
        key = (qualified, importer.name if importer is not None else None)
        if key not in memo:
            memo[key] = self._resolve_function(qualified, importer)
        return memo[key]

    def _resolve_function(self, qualified: str, importer: Optional[ModuleInfo]) -> Optional[Tuple[str, Signature]]:
        owner, _, name = qualified.rpartition(".")
        info = self.resolve(owner, importer)
        if info is not None:
            method = info.classmethods.get(name)
            return (f"{info.key}.{name}", method) if method is not None else None
        for cut in range(len(owner.split(".")), 0, -1):
            parts = owner.split(".")
            module = self.find_module(".".join(parts[:cut]), importer)
            if module is None:
                continue
            if cut != len(parts):
                return None
            signature = module.functions.get(name)
            if signature is not None:
                return f"{module.name}:{name}", signature
            target = module.imports.get(name)  # re-exported
            return self.resolve_function(target, module) if target and target != qualified else None
        return None

    def returns_block(self, qualified: Optional[str], importer: Optional[ModuleInfo] = None) -> bool:
        """Whether the project function a qualified name stands for returns a Block (see `ModuleInfo.returns`)."""
        if not qualified or "." not in qualified:
            return False
        owner, _, name = qualified.rpartition(".")
        module = self.find_module(owner, importer)
        if module is None:
            return False
        returned = module.returns.get(name)
        if returned is None:
            target = module.imports.get(name)  # re-exported
            return self.returns_block(target, module) if target and target != qualified else False
        for cls in returned:
            info = self.resolve(cls, module)
            if not (is_gluon_block_class(cls) or (info is not None and info.is_block)):
                return False
        return bool(returned)

    def base_class(self, info: ClassInfo, base: Base) -> Optional[ClassInfo]:
        module = self.modules.get(info.module)
        if isinstance(base, LocalBase):
            return module.classes.get(base.qualname) if module else None
        if isinstance(base, NamedBase):
            return self.resolve(base.qualified, module)
        return None

    def leads_to_blocks(self, qualified: str, importer: Optional[ModuleInfo] = None) -> bool:
        """Whether an imported name stands for a Block class of the project, or for a module of the project
        (or a name in one) that defines Blocks or functions that may hand `prefix`/`params` on."""
        info = self.resolve(qualified, importer)
        if info is not None:
            return info.is_block
        parts = qualified.split(".")
        for cut in range(len(parts), 0, -1):
            module = self.find_module(".".join(parts[:cut]), importer)
            if module is not None:
                return self._defines_blocks(module)
        return False

    def imported_modules(self, importer: ModuleInfo) -> Set[str]:
        """The names of the project's modules that `importer` imports, or imports something from."""
        found = set()
        for target in (*importer.imports.values(), *importer.star_imports):
            info = self.resolve(target, importer)
            if info is not None:
                found.add(info.module)
                continue
            parts = target.split(".")
            for cut in range(len(parts), 0, -1):
                module = self.find_module(".".join(parts[:cut]), importer)
                if module is not None:
                    found.add(module.name)
                    break
        return found

    def _defines_blocks(self, module: ModuleInfo) -> bool:
        found = self.__dict__.setdefault("_block_modules", {}).get(module.name)
        if found is None:
            found = self._block_modules[module.name] = any(info.is_block for info in module.classes.values()) or any(
                signature.varkw or signature.declares("prefix") or signature.declares("params")
                for signature in module.functions.values())
        return found

    @property
    def has_blocks(self) -> bool:
        """Whether some module of the project defines a Block class or imports Gluon (a Gluon project)."""
        found = self.__dict__.get("_has_blocks")
        if found is None:
            found = self._has_blocks = any(info.is_block for module in self.modules.values()
                                           for info in module.classes.values()) or any(
                is_gluon(target) for module in self.modules.values() for target in module.imports.values())
        return found

    def _mark_blocks(self) -> None:
        classes = [info for module in self.modules.values() for info in module.classes.values()]
        changed = True
        while changed:  # a class deriving from a Block of any module is a Block, through any chain
            changed = False
            for info in classes:
                if not info.is_block and self._looks_like_block(info):
                    info.is_block = changed = True

    def _looks_like_block(self, info: ClassInfo) -> bool:
        for base in info.bases:
            if isinstance(base, NamedBase) and is_gluon_block_class(base.qualified):
                return True
            parent = self.base_class(info, base)
            if parent is not None and parent.is_block:
                return True
        return info.defines_forward

    def signature_of(self, key: str) -> Tuple[Optional[Signature], Optional[str]]:
        """(the signature a call of the class or function `key` binds, the key of its owner), if known."""
        module_name, _, qualname = key.partition(":")
        module = self.modules.get(module_name)
        if module is None:
            return None, None
        info = module.classes.get(qualname)
        if info is not None:
            signature, owner, _ = self.init_of(info)
            return (signature, owner.key) if signature is not None else (None, None)
        signature = module.functions.get(qualname)
        if signature is None and "." in qualname:  # a classmethod
            owner, _, name = qualname.rpartition(".")
            info = module.classes.get(owner)
            signature = info.classmethods.get(name) if info is not None else None
        return (signature, key) if signature is not None else (None, None)

    def inheriting_names(self, owners: frozenset) -> Dict[str, set]:
        """The names of the classes of the project whose `__init__` is inherited from one of the classes
        `owners` (keys), each with the keys of the owners it binds: a call of one binds its base's signature."""
        cache = self.__dict__.setdefault("_inheriting", {})
        found = cache.get(owners)
        if found is None:
            found = cache[owners] = {}
            for module in self.modules.values():
                for info in module.classes.values():
                    if info.init is None and info.is_block:
                        _signature, owner, _gluon = self.init_of(info)
                        if owner is not None and owner.key in owners:
                            found.setdefault(info.name, set()).add(owner.key)
        return found

    def init_of(self, info: ClassInfo) -> Tuple[Optional[Signature], Optional[ClassInfo], Optional[str]]:
        """(the `__init__` signature a call of `info` binds, the class defining it, or the Gluon class
        whose constructor it reaches when no project class on the way defines one)."""
        seen = set()
        current: Optional[ClassInfo] = info
        while current is not None and current.key not in seen:
            seen.add(current.key)
            if current.init is not None:
                return current.init, current, None
            following = None
            for base in current.bases:
                parent = self.base_class(current, base)
                if parent is not None and parent.is_block:
                    following = parent
                    break
                if isinstance(base, NamedBase) and is_gluon_block_class(base.qualified):
                    return None, None, base.qualified
            current = following
        return None, None, None
