"""Per-file knowledge the rules share: imports, which classes and variables are Blocks, where we are."""
from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING, Dict, Iterable, List, Optional, Set, Tuple

from ..analysis.mappings import note_carried_keys
from ..analysis.names import ImportTable, dotted, is_gluon, is_gluon_block_class, scope_imports
from .noqa import noqa_texts, suppresses
from ..analysis.scopes import Scopes

if TYPE_CHECKING:
    from ..analysis.plan import ProjectView

# Field types of the `ast` grammar that never hold a node; `expr_context` holds the shared `Load()`/`Store()`/
# `Del()` singletons, which carry nothing their parent's `ctx` attribute does not.
_LEAF_FIELD_TYPES = {"identifier", "string", "constant", "int", "expr_context"}
_CHILD_FIELDS: Dict[type, Tuple[Tuple[str, Optional[bool]], ...]] = {}


def _child_fields(kind: type) -> Tuple[Tuple[str, Optional[bool]], ...]:
    """(field, holds a list) for the fields of node class `kind` that can hold child nodes.

    Read from the class's docstring, which spells its grammar rule (`FunctionDef(identifier name, arguments
    args, stmt* body, ...)`): skipping the fields that hold names and constants is what makes `FileIndex`
    cheaper than `ast.walk`, which tries every field of every node. A field the grammar declares holds a
    node or None, or a list of nodes and None.
    """
    fields = _CHILD_FIELDS.get(kind)
    if fields is None:
        declared: Dict[str, str] = {}
        match = re.match(r"\w+\((.*)\)$", kind.__doc__ or "")
        for part in (match.group(1).split(", ") if match else ()):
            field_type, _, name = part.partition(" ")
            declared[name] = field_type
        # A field the docstring does not describe is kept, and what it holds is checked ("holds a list": None).
        fields = tuple((name, declared[name].endswith("*") if name in declared else None) for name in kind._fields
                       if declared.get(name, "*").rstrip("?*") not in _LEAF_FIELD_TYPES)
        _CHILD_FIELDS[kind] = fields
    return fields


_STATEMENT_NODES = (ast.stmt, ast.excepthandler, ast.match_case)


class FileIndex:
    """Every node of a tree, in `ast.walk` order, with its children and parent, built in one pass.

    Rules that need the whole module (its classes, its calls, a node's parent) ask this index instead of
    walking the tree again: one `ast.walk` per rule per file used to be most of `check`'s time. The
    `expr_context` singletons (`Load()`, `Store()`, `Del()`) are left out; read a node's `ctx` attribute.
    """

    def __init__(self, tree: ast.AST):
        self.tree = tree
        self.children: Dict[int, List[ast.AST]] = {}
        self.parent: Dict[int, ast.AST] = {}
        nodes = [tree]
        children, parent, plans = self.children, self.parent, _CHILD_FIELDS
        for node in nodes:  # breadth first, as `ast.walk`; the list grows while it is read
            kind = type(node)
            plan = plans.get(kind)
            if plan is None:
                plan = _child_fields(kind)
            if not plan:
                continue  # (a name, a constant: half the nodes)
            kids = []
            for name, many in plan:
                value = getattr(node, name, None)
                if value is None:
                    continue
                if many:
                    kids += value
                elif many is None:  # (a field of unknown grammar: whatever nodes it holds)
                    kids += [item for item in (value if isinstance(value, list) else [value])
                             if isinstance(item, ast.AST)]
                else:
                    kids.append(value)
            if kids:
                if None in kids:  # (`Dict.keys` for a `**mapping`, `arguments.kw_defaults` for no default)
                    kids = [kid for kid in kids if kid is not None]
                children[id(node)] = kids
                for kid in kids:
                    parent[id(kid)] = node
                nodes += kids
        self.nodes = nodes
        self._by_type: Dict[type, List[ast.AST]] = {}
        self._scopes: Optional[Scopes] = None
        self._statement_children: Optional[Dict[int, List[ast.AST]]] = None
        self._walks: Dict[int, List[ast.AST]] = {}

    @property
    def statement_children(self) -> Dict[int, List[ast.AST]]:
        """`children` restricted to statements (and the `except`/`case` clauses that hold them); a node
        with children keeps its entry, an empty list when none of them is a statement."""
        if self._statement_children is None:
            kinds, children = _STATEMENT_NODES, self.children
            found: Dict[int, List[ast.AST]] = {}
            nodes = [self.tree]
            for node in nodes:  # statements only: their expressions are never entered
                kids = children.get(id(node))
                if kids is not None:
                    statements = found[id(node)] = [kid for kid in kids if isinstance(kid, kinds)]
                    nodes.extend(statements)
            self._statement_children = found
        return self._statement_children

    @property
    def scopes(self) -> Scopes:
        """Which class definition a name stands for at a place (see `analysis.scopes`)."""
        if self._scopes is None:
            self._scopes = Scopes(self.tree, self.parent, self.of_type)
        return self._scopes

    def of_type(self, kind: type) -> List[ast.AST]:
        found = self._by_type.get(kind)
        if found is None:
            if not self._by_type:
                for node in self.nodes:
                    self._by_type.setdefault(type(node), []).append(node)
            found = self._by_type.setdefault(kind, [])
        return found

    def walk(self, node: ast.AST) -> List[ast.AST]:
        """`list(ast.walk(node))` for a node of the tree, without the `expr_context` singletons (a list
        kept for the next caller, as the rules walk the same functions again: do not modify it)."""
        found = self._walks.get(id(node))
        if found is None:
            children = self.children
            found = self._walks[id(node)] = [node]
            for item in found:
                kids = children.get(id(item))
                if kids:
                    found.extend(kids)
        return found


class FileContext:
    """State of the single `ast` traversal, handed to every rule's `visit_*` method."""

    def __init__(self, tree: ast.Module, lines: List[str], module_name: Optional[str] = None,
                 project: "Optional[ProjectView]" = None, is_package: bool = False, source: Optional[str] = None):
        self.lines = lines
        self.source = source if source is not None else "\n".join(lines)
        self.imports = ImportTable(module_name, is_package=is_package)
        self.module_name = module_name
        #: The project this file belongs to (other modules' classes, the plan of signature changes), or
        #: None for a file analysed on its own.
        self.project = project
        #: Names of the file's Block classes (in any scope); `block_class_ids` tells which definitions.
        self.block_classes: Set[str] = set()
        self.block_class_ids: Set[int] = set()
        self.block_vars: Set[str] = set()
        # Innermost last; the traversal pushes and pops these.
        self.class_stack: List[ast.ClassDef] = []
        self.function_stack: List[ast.AST] = []
        self.parents: List[ast.AST] = []
        self.tree = tree
        self._index: Optional[FileIndex] = None
        self._shared: Dict[object, object] = {}
        self._noqa_texts: Optional[Dict[int, str]] = None
        self._class_names = {cls.name for cls in self.nodes_of(ast.ClassDef)}
        self._prescan(tree.body, top=True)
        note_carried_keys(self.source, tree, self.nodes_of, self.parent_of)

    # -- the whole tree, indexed once (see FileIndex) ------------------------------------------
    @property
    def index(self) -> FileIndex:
        if self._index is None:
            # A project's file is analysed several times while its plan settles: its index is kept.
            # (Only the trees the project holds have entries: they stay alive, so their ids name them.)
            kept = self.project.indexes if self.project is not None else None
            found = kept.get(id(self.tree)) if kept is not None else None
            if found is None:
                found = FileIndex(self.tree)
                if kept is not None and id(self.tree) in kept:
                    kept[id(self.tree)] = found
            self._index = found
        return self._index

    @property
    def scopes(self) -> Scopes:
        """Which class definition a name stands for at a place (see `analysis.scopes`)."""
        return self.index.scopes

    def local_classes(self, name: str, at: ast.AST) -> Optional[List[ast.ClassDef]]:
        """The file's class definitions `name` stands for at node `at` (None: not a class of the file)."""
        if name not in self._class_names:
            return None
        return self.scopes.lookup(name, at)

    def may_name_a_class(self, expr: ast.AST) -> bool:
        """False when neither `local_classes`, `project_class` nor `imports.qualify` can find anything for
        `expr`: its root name is not imported (nor star-imported) and no class of the file has it
        (`self.conv(x)`, `x.reshape(...)`: most calls of a model file, asked about by every rule)."""
        while type(expr) is ast.Attribute:
            expr = expr.value
        if type(expr) is not ast.Name:
            return False
        return expr.id in self.imports.names or bool(self.imports.star_from) or expr.id in self._class_names

    def project_class(self, expr: ast.AST):
        """The class of another module of the project that `expr` names (through imports), or None."""
        if self.project is None:
            return None
        return self.project.resolve(self.imports.qualify(expr))

    @property
    def nodes(self) -> List[ast.AST]:
        """Every node of the module in `ast.walk` order (without `Load()`/`Store()`/`Del()`). Do not modify."""
        return self.index.nodes

    def nodes_of(self, *kinds: type) -> List[ast.AST]:
        """The module's nodes of exactly these classes, in `ast.walk` order. Do not modify the list."""
        if len(kinds) == 1:
            return self.index.of_type(kinds[0])
        return [node for node in self.index.nodes if type(node) in kinds]

    def parent_of(self, node: ast.AST) -> Optional[ast.AST]:
        """The node whose field holds `node` (None for the module and for nodes not of this tree)."""
        return self.index.parent.get(id(node))

    def walk(self, node: ast.AST) -> List[ast.AST]:
        """`list(ast.walk(node))` for a node of this module, from the index (without `Load()`...). Do not
        modify the list."""
        return self.index.walk(node)

    def walk_all(self, nodes: Iterable[ast.AST]) -> List[ast.AST]:
        """`[n for node in nodes for n in ast.walk(node)]` for nodes of this module."""
        walk = self.index.walk
        return [n for node in nodes for n in walk(node)]

    def shared(self, key: object, build):
        """`build()` computed once per file and handed to every rule asking under the same `key`."""
        if key not in self._shared:
            self._shared[key] = build()
        return self._shared[key]

    # -- what is a Block --------------------------------------------------------------------
    def _prescan(self, body: list, top: bool = False) -> None:
        """Collect module-level imports and classes first: a class may be used above its definition."""
        for node in body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                self.imports.add(node)
            elif isinstance(node, (ast.If, ast.Try)):
                self._prescan(node.body)
                self._prescan(getattr(node, "orelse", []))
                for handler in getattr(node, "handlers", []):
                    self._prescan(handler.body)
        # The order classes are tried in does not matter: the loop below runs to a fixed point.
        if top:
            classes = self.nodes_of(ast.ClassDef)
        else:
            classes = [n for n in self.walk_all(body) if isinstance(n, ast.ClassDef)]
        changed = True
        while changed:  # a class deriving from a Block of the same file is a Block, at any depth
            changed = False
            for cls in classes:
                if id(cls) not in self.block_class_ids and self._looks_like_block(cls):
                    self.block_class_ids.add(id(cls))
                    self.block_classes.add(cls.name)
                    changed = True

    def _looks_like_block(self, cls: ast.ClassDef) -> bool:
        imports = self._imports_around(cls)
        if any(self.is_block_class_expr(base, imports) for base in cls.bases):
            return True
        # A class deriving from an unresolvable base (imported from a sibling module) that defines
        # `hybrid_forward` is a Gluon block all the same.
        return any(isinstance(n, ast.FunctionDef) and n.name == "hybrid_forward" for n in cls.body)

    def _imports_around(self, node: ast.AST) -> Optional[ImportTable]:
        """The imports visible where `node` stands when functions around it import names of their own
        (the module's are `self.imports`), else None. Asked before the traversal has seen those imports."""
        functions = []
        parent = self.parent_of(node)
        while parent is not None:
            if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef)):
                functions.append(parent)
            parent = self.parent_of(parent)
        imports = [i for function in reversed(functions) for i in scope_imports(function.body)]
        return self.imports.extended(imports) if imports else None

    def is_block_class(self, cls: ast.ClassDef) -> bool:
        return id(cls) in self.block_class_ids

    def is_block_class_expr(self, expr: ast.AST, imports: Optional[ImportTable] = None) -> bool:
        """Whether `expr`, where it stands, names a Block class: one of the file's (in scope), one of
        another module of the project, or Gluon's. `imports`: those visible there, if not the module's."""
        if isinstance(expr, ast.Name):
            local = self.local_classes(expr.id, expr)
            if local is not None:
                return any(self.is_block_class(cls) for cls in local)
        qualified = (imports or self.imports).qualify(expr)
        if is_gluon_block_class(qualified):
            return True
        if self.project is not None:
            info = self.project.resolve(qualified)
            return info is not None and info.is_block
        return False

    def is_block_constructor(self, call: ast.AST) -> bool:
        return isinstance(call, ast.Call) and self.is_block_class_expr(call.func)

    def is_block_expr(self, expr: ast.AST) -> bool:
        """Whether `expr` evaluates to a Block, as far as this file tells."""
        if self.is_block_constructor(expr):
            return True
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "share_parameters":
            return self.is_block_expr(expr.func.value)
        if isinstance(expr, ast.Subscript):  # `net[0]` of a Sequential
            return self.is_block_expr(expr.value)
        if isinstance(expr, ast.Call) and self.project is not None and self.project.module is not None:
            # a factory of the project, of this module or another, that returns a Block (`get_decoder(cfg)`)
            qualified = self.imports.qualify(expr.func)
            if qualified is None and isinstance(expr.func, ast.Name) and expr.func.id not in self._class_names:
                qualified = f"{self.project.module.name}.{expr.func.id}"
            return self.project.index.returns_block(qualified, self.project.module)
        name = dotted(expr)
        if name is None:
            return False
        if name == "self" or name.startswith("self."):
            if name == "self":
                return self.in_block_class
            return name in self.block_vars
        return name in self.block_vars

    def is_foreign(self, expr: ast.AST) -> bool:
        """Rooted at an import that is not MXNet (`tf.name_scope()`, `tempfile.mkdtemp`)."""
        name = dotted(expr)
        if name is None:
            return False
        qualified = self.imports.qualify_dotted(name)
        return qualified is not None and not (is_gluon(qualified) or qualified.split(".")[0] == "mxnet")

    @property
    def in_block_class(self) -> bool:
        return bool(self.class_stack) and id(self.class_stack[-1]) in self.block_class_ids

    @property
    def current_function(self) -> Optional[ast.AST]:
        return self.function_stack[-1] if self.function_stack else None

    def note_assignment(self, node: ast.AST) -> None:
        """`net = nn.HybridSequential()` / `self.features = Foo(...)`: remember Block variables."""
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        value = node.value
        if value is None:
            return
        is_block = self.is_block_expr(value)
        for target in targets:
            name = dotted(target)
            if name is None:
                continue
            if is_block:
                self.block_vars.add(name)
            else:
                self.block_vars.discard(name)

    # -- noqa ---------------------------------------------------------------------------------
    @staticmethod
    def codes_declaring(attribute: str) -> Tuple[str, ...]:
        """The codes of the rules that declare `attribute` (`drops_arguments`, ...): for the shared analysis,
        which knows the rules only through the context it is given (it sits below the engine)."""
        from .rule import codes_declaring  # (rule.py imports this module)

        return codes_declaring(attribute)

    def suppressed(self, line: int, code: str) -> bool:
        """Whether a `# noqa` comment silences `code` on `line`, as flake8 decides (see `noqa`), or the
        user declined that fix (`fix --interactive`)."""
        if self.project is not None and (line, code) in self.project.declined:
            return True
        if self._noqa_texts is None:
            self._noqa_texts = noqa_texts(self.source) if "noqa" in self.source.lower() else {}
        text = self._noqa_texts.get(line)
        return text is not None and suppresses(text, code)
