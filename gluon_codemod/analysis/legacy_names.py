"""Literal 1.x auto-generated names (`rnn_i2h_weight`, `hybridsequential0_dense0_weight`,
`dense_dense0_fwd_output`) and the structural names they stand for, as far as one scope tells (GLN009).

In 1.x a Parameter's name is its Block's prefix plus its own key, and a Block's prefix is the literal
`prefix=` it was given, or its alias and a counter (`dense0_`), after the prefix of the parent whose
`name_scope()` was active. This module rebuilds that naming for the Blocks a scope builds
(`X = Ctor(..., prefix='p_')`, `X.add(...)`, `with X.name_scope():`, modifier cells) so that a name
can be traced back to the Block that owns it and the path from a receiver to that Block.
"""
import ast
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from gluon_codemod.analysis.names import dotted
from gluon_codemod.analysis.old_api import LAYER_ALIASES, assigned_values, keys_of_layer, literal

# Parameter keys of Gluon layers (1.9.1 `params.get` names), extended by the file's own.
_GLUON_KEYS = {key for alias in LAYER_ALIASES for key in keys_of_layer(alias)} | {
    "weight", "bias", "gamma", "beta", "running_mean", "running_var", "alpha", "h2r_weight",
    "i2h_weight", "h2h_weight", "i2h_bias", "h2h_bias", "moving_mean", "moving_var"}
_OUTPUT = re.compile(r"^(?:[A-Za-z0-9_]*_)?output\d*$")
# 1.9.1 aliases that are not the class name lower-cased (`Block._alias()` overrides).
_ALIASES = {"RNNCell": "rnn", "LSTMCell": "lstm", "GRUCell": "gru", "DropoutCell": "dropout",
            "ZoneoutCell": "zoneout", "LSTMPCell": "lstmp", "VariationalDropoutCell": "vardrop"}
# Modifier cells hold the cells they are built from as attributes; 1.x left those cells' names alone.
_CELL_ARGUMENTS = {"ResidualCell": ("base_cell",), "ZoneoutCell": ("base_cell",), "DropoutCell": (),
                   "VariationalDropoutCell": ("base_cell",), "BidirectionalCell": ("l_cell", "r_cell")}
# Gluon layers that own parameters but no children.
_LEAVES = {"Dense", "Embedding", "BatchNorm", "SyncBatchNorm", "InstanceNorm", "LayerNorm", "GroupNorm", "PReLU",
           "Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose", "RNNCell",
           "LSTMCell", "GRUCell", "LSTMPCell", "RNN", "LSTM", "GRU"}
# A 1.x alias and its counter inside a name: `dense0_` in `dense_dense0_fwd_output`.
_COUNTED = re.compile(r"(?<![A-Za-z])(?:%s)\d+_" % "|".join(re.escape(a) for a in LAYER_ALIASES))
# Assertions that compare their first two arguments.
ASSERT_EQUAL = {"assertEqual", "assertListEqual", "assertSetEqual", "assertCountEqual", "assertItemsEqual",
                "assertSequenceEqual", "assert_equal", "assert_array_equal"}
# Symbol methods that take arguments by name (keywords, or dicts of name -> array).
SYMBOL_CALLS = {"eval", "bind", "simple_bind", "infer_shape", "infer_type", "infer_shape_partial",
                "infer_type_partial"}
SYMBOL_DICTS = {"args", "args_grad", "aux_states", "shared_arg_names", "type_dict", "grad_req"}
# Calls that change only the order or the type of a collection.
_WRAPPERS = {"sorted", "list", "set", "tuple", "frozenset"}
_SYMBOL_VARIABLES = ("mxnet.sym.Variable", "mxnet.sym.var", "mxnet.symbol.Variable", "mxnet.symbol.var")


@dataclass(eq=False)
class BlockNode:
    """A Block the scope builds: how code reaches it, and what its 1.x prefix was made of."""

    alias: str
    prefix: Optional[str]                  # the literal `prefix=`, if given
    name: Optional[str] = None             # the variable holding it (`cell`, `self.fc`)
    parent: Optional["BlockNode"] = None
    step: str = ""                         # from the parent: `0` (a Sequential's child) or `base_cell`
    leaf: bool = False                     # a Gluon layer that owns parameters and no children
    scoped: bool = False                   # its children were created in its `name_scope()`
    children: List["BlockNode"] = field(default_factory=list)
    call: Optional[ast.Call] = None        # the constructor call of the scope that built it

    def prefix_pattern(self, loose: Optional["BlockNode"] = None, scoped: bool = False) -> str:
        """A regex for this Block's full 1.x prefix (`rnn_`, `hybridsequential\\d+_dense0_`); `loose`: a
        Block whose prefix is not known (it was removed by a fix), matching any prefix; `scoped`: take
        every parent as having built its children in its `name_scope()` (a fix removed the `with`)."""
        if self is loose:
            return r"(?:\w*?_)??"
        in_scope = self.parent is not None and (self.parent.scoped or scoped)
        if self.prefix is not None:
            own = re.escape(self.prefix)
        elif in_scope and self.step.isdigit():
            same = [c for c in self.parent.children if c.alias == self.alias and c.prefix is None]
            own = f"{re.escape(self.alias)}{same.index(self)}_"  # counters restart in each name scope
        else:
            own = rf"{re.escape(self.alias)}\d+_"
        if in_scope:
            return self.parent.prefix_pattern(loose, scoped) + own
        return own

    def path_from(self, root: "BlockNode") -> Optional[List[str]]:
        steps, node = [], self
        while node is not root:
            if node is None or not node.step:
                return None
            steps.append(node.step)
            node = node.parent
        return steps[::-1]

    def root(self) -> "BlockNode":
        return self if self.parent is None else self.parent.root()


def expression(root_name: str, steps: List[str]) -> str:
    """`net`, ['0', 'base_cell'] -> `net[0].base_cell`."""
    return root_name + "".join(f"[{s}]" if s.isdigit() else f".{s}" for s in steps)


@dataclass
class Traced:
    """A 1.x name traced to its Block: `node` owns it and `rest` is what follows the prefix."""

    node: BlockNode
    rest: str


class ScopeBlocks:
    """The Blocks one scope (function or module) builds, and the literal names that scope's file uses."""

    def __init__(self, ctx, scope: ast.AST, file_keys: set, prefixes: set, variables: List[re.Pattern],
                 owner: Optional[BlockNode] = None, depth: int = 0):
        self.ctx = ctx
        self.by_name: Dict[str, BlockNode] = {}
        self.nodes: List[BlockNode] = []
        self.keys = file_keys
        self.prefixes = prefixes
        self.variables = variables
        self._depth = depth
        self._keys_pattern = "|".join(re.escape(k) for k in sorted(file_keys, key=len, reverse=True))
        if owner is not None:  # a Block class's `__init__`: `self` is the Block being built
            self.by_name["self"] = owner
        walked = ctx.walk(scope)
        for node in sorted((n for n in walked if isinstance(n, ast.Assign) and len(n.targets) == 1),
                           key=_position):
            name = dotted(node.targets[0])
            if name and self._is_block_call(node.value):
                self.by_name[name] = self._build(node.value, name)
                if owner is not None and re.fullmatch(r"self\.\w+", name):
                    self._attach(owner, self.by_name[name], name[len("self."):])
        calls = sorted((n for n in walked if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                        and n.func.attr == "add" and dotted(n.func.value) in self.by_name), key=_position)
        for call in calls:
            parent = self.by_name[dotted(call.func.value)]
            for arg in call.args:
                child = self._child(arg) or BlockNode(alias="?", prefix=None)  # unknown, but it takes an index
                self._attach(parent, child, str(len(parent.children)))
        for node in walked:
            if isinstance(node, ast.With):
                for item in node.items:
                    call = item.context_expr
                    if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) \
                            and call.func.attr == "name_scope" and dotted(call.func.value) in self.by_name:
                        self.by_name[dotted(call.func.value)].scoped = True

    def _child(self, arg) -> Optional[BlockNode]:
        """The Block an argument is: a variable of the scope, or one built in place."""
        known = self.by_name.get(dotted(arg) or "")
        if known is not None:
            return known
        return self._build(arg, None) if self._is_block_call(arg) else None

    def _is_block_call(self, expr) -> bool:
        return isinstance(expr, ast.Call) and self.ctx.is_block_constructor(expr)

    def _build(self, call: ast.Call, name: Optional[str]) -> BlockNode:
        cls = _class_name(self.ctx, call)
        prefix = next((literal(k.value) for k in call.keywords if k.arg == "prefix"), None)
        node = BlockNode(alias=_alias(cls, call), prefix=prefix, name=name,
                         leaf=cls in _LEAVES and self.ctx.imports.qualify(call.func) is not None, call=call)
        self.nodes.append(node)
        for attr, arg in zip(_CELL_ARGUMENTS.get(cls, ()), call.args):
            child = self._child(arg)
            if child is not None:
                self._attach(node, child, attr)
        template = self._class_template(call.func)
        if template is not None:  # a Block class of the file: its `__init__`'s children, for this instance
            node.scoped = template.scoped
            for child in template.children:
                self._attach(node, self._copy(child), child.step)
        return node

    def _class_template(self, func) -> Optional[BlockNode]:
        """The children a Block class of the file builds in `__init__` (`self.fc = nn.Dense(2)`), if one
        class of that name has an `__init__`; not followed deeper than three classes."""
        classes = [c for c in self.ctx.nodes_of(ast.ClassDef) if isinstance(func, ast.Name) and c.name == func.id]
        init = next((f for f in classes[0].body if isinstance(f, ast.FunctionDef) and f.name == "__init__"),
                    None) if len(classes) == 1 else None
        if init is None or self._depth >= 3:
            return None

        def build():
            root = BlockNode(alias=func.id.lower(), prefix=None)
            ScopeBlocks(self.ctx, init, self.keys, self.prefixes, self.variables, owner=root, depth=self._depth + 1)
            return root
        return self.ctx.shared(("legacy-class", id(init), self._depth), build)

    def _copy(self, template: BlockNode) -> BlockNode:
        node = BlockNode(alias=template.alias, prefix=template.prefix, scoped=template.scoped)
        self.nodes.append(node)
        for child in template.children:
            self._attach(node, self._copy(child), child.step)
        return node

    @staticmethod
    def _attach(parent: BlockNode, child: BlockNode, step: str) -> None:
        if child.parent is None and child is not parent:
            child.parent, child.step = parent, step
            parent.children.append(child)

    # -- tracing names -----------------------------------------------------------------------------
    def trace(self, name: str, within: Optional[BlockNode] = None, outputs: bool = False) -> Optional[Traced]:
        """The Block (under `within`, if given) whose 1.x prefix starts `name` and leaves a parameter key
        (`outputs`: an op output such as `fwd_output`); None when no single Block fits."""
        for scoped in (False, True):  # the names themselves show nesting a removed `name_scope()` made
            traced = self._trace(name, within, outputs, scoped)
            if traced is not None:
                return traced
        return None

    def _trace(self, name: str, within: Optional[BlockNode], outputs: bool, scoped: bool) -> Optional[Traced]:
        best: List[Tuple[int, BlockNode, str]] = []
        # A leaf receiver without a prefix (removed by a fix, or auto-named): its own names start with
        # whatever prefix it had; a receiver with children could own them through a child, so not it.
        loose = within if within is not None and within.prefix is None and within.leaf else None
        rest = _OUTPUT.pattern[1:-1] if outputs else self._keys_pattern
        for node in self.nodes:
            if within is not None and node is not within and node.path_from(within) is None:
                continue
            match = re.match(f"(?:{node.prefix_pattern(loose, scoped)})(?P<rest>{rest})$", name)
            if match is not None:
                best.append((match.start("rest"), node, match.group("rest")))
        if not best:
            return None
        longest = max(length for length, _, _ in best)
        found = [(node, rest) for length, node, rest in best if length == longest]
        return Traced(*found[0]) if len(found) == 1 else None

    def counted(self, name: str, within: BlockNode) -> Optional[Traced]:
        """A name of the 1.x process-wide counter (`dense1_bias`: the second `Dense` built outside any
        `name_scope()`), traced under `within` by the order in which a script builds its Blocks.

        Only where that order is the program's: every unprefixed Block of that alias in the file is built
        by module-level statements that run once, in order (no function, class, loop or branch builds
        one), and none of them in a parent's `name_scope()`. The counter then starts at 0 if nothing
        imported built one first, which the caller says."""
        match = re.fullmatch(r"([a-z]+)(\d+)_(.+)", name)
        if match is None or match.group(3) not in self.keys:
            return None
        alias, index, rest = match.group(1), int(match.group(2)), match.group(3)
        if keys_of_layer(alias) and rest not in keys_of_layer(alias):
            return None  # not a parameter such a layer owns (`dense1_gamma`)
        built = [n for n in self.nodes if n.alias == alias and n.prefix is None]
        if any(n.call is None or (n.parent is not None and n.parent.scoped) for n in built):
            return None  # copied from a class's `__init__`, or named in a parent's scope
        calls = {id(n.call) for n in built}
        for call in self.ctx.nodes_of(ast.Call):
            if id(call) not in calls and self.ctx.is_block_constructor(call) and not any(
                    k.arg == "prefix" for k in call.keywords) and _alias(_class_name(self.ctx, call), call) == alias:
                return None  # built where this scope does not see it (a function, a class)
        if not all(self._runs_once(n.call) for n in built) or index >= len(built):
            return None
        node = sorted(built, key=lambda n: _position(n.call))[index]
        return Traced(node, rest) if node is within or node.path_from(within) is not None else None

    def _runs_once(self, call: ast.Call) -> bool:
        node = self.ctx.parent_of(call)
        while node is not None and not isinstance(node, ast.Module):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.For,
                                 ast.AsyncFor, ast.While, ast.If, ast.IfExp, ast.Try, ast.comprehension,
                                 ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
                return False
            node = self.ctx.parent_of(node)
        return node is not None

    def looks_legacy(self, name: str, outputs: bool = False, loose: bool = False) -> bool:
        """A 1.x name: a literal prefix of the file or an alias-and-counter prefix, then a parameter key
        (or an op output); not a symbol variable the file names itself (`rnn_t0_data`). `loose`, where
        only parameter names can be (keys of `collect_params()`, symbol arguments): any prefix ending in
        `_` before a parameter key (`rnn_i2h_weight` once a fix removed `prefix='rnn_'`)."""
        if name in self.keys or any(v.fullmatch(name) for v in self.variables):
            return False  # the file's own parameter name (`params.get('layer1_weight')`), or its own variable
        if loose and not outputs and "." not in name and any(name.endswith("_" + k) for k in self.keys):
            return True
        rests = [name[len(p):] for p in self.prefixes if name.startswith(p)]
        rests += [m.group(1) for m in [re.match(r"(?:[A-Za-z_]*?[A-Za-z]\d+_)+(.+)$", name)] if m]
        return any((_OUTPUT.match(r) if outputs else r in self.keys) for r in rests) or \
            self.trace(name, outputs=outputs) is not None  # nested literal prefixes: `model_fc_weight`


def _class_name(ctx, call: ast.Call) -> str:
    return (ctx.imports.qualify(call.func) or dotted(call.func) or "").rsplit(".", 1)[-1]


def _alias(cls: str, call: ast.Call) -> str:
    if cls == "Activation" and call.args and literal(call.args[0]):
        return literal(call.args[0])
    if re.match(r"Conv\dD(Transpose)?$", cls):
        return "conv"
    if "Pool" in cls:
        return "pool"
    return _ALIASES.get(cls, cls.lower())


def _position(node) -> Tuple[int, int]:
    return node.lineno, node.col_offset


def file_names(ctx) -> Tuple[set, set, List[re.Pattern]]:
    """(parameter keys, literal Block prefixes, patterns of the symbol variables the file names itself)."""
    keys, prefixes, variables = set(_GLUON_KEYS), set(), []
    for call in ctx.nodes_of(ast.Call):
        func = call.func
        first = literal(call.args[0]) if call.args else None
        if isinstance(func, ast.Attribute) and func.attr == "get" and first and isinstance(func.value, ast.Attribute) \
                and func.value.attr == "params":
            keys.add(first)  # `self.params.get('proj_weight', ...)`
        qualified = ctx.imports.qualify(func) or ""
        if qualified in _SYMBOL_VARIABLES or qualified.endswith(".Parameter"):
            text = first if first is not None else _format_of(call.args[0]) if call.args else None
            if text is not None and qualified.endswith(".Parameter"):
                keys.add(text)
            elif text is not None:  # `'rnn_t%d_data' % i` -> `rnn_t.+_data`
                pieces = re.split(r"%[-+ 0#]*\d*[dis]|\{[^}]*\}", text)
                variables.append(re.compile(".+".join(re.escape(p) for p in pieces)))
        if ctx.is_block_constructor(call):
            prefix = next((literal(k.value) for k in call.keywords if k.arg == "prefix"), None)
            if prefix:
                prefixes.add(prefix)
    return keys, prefixes, variables


def _format_of(expr) -> Optional[str]:
    """`'rnn_t%d_data' % i` / `'t{}'.format(i)` -> the format string."""
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mod):
        return literal(expr.left)
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "format":
        return literal(expr.func.value)
    return None


def scope_blocks(ctx, scope: ast.AST) -> ScopeBlocks:
    names = ctx.shared(file_names, lambda: file_names(ctx))
    return ctx.shared(("legacy-names", id(scope)), lambda: ScopeBlocks(ctx, scope, *names))


# -- what to write instead -----------------------------------------------------------------------
def _own_key(name: str, blocks: ScopeBlocks) -> str:
    """`'resnetv10_dense0_weight'` -> `'weight'`: the longest known key that ends the name."""
    found = [k for k in blocks.keys if name.endswith("_" + k)]
    return max(found, key=len) if found else name.rsplit("_", 1)[-1]


def _reached(traced: Traced, within: Optional[BlockNode]) -> Optional[str]:
    """How code reaches the Block that owns a traced name: `cell`, `net[0]`, `cell.base_cell`."""
    node = traced.node
    if within is None and node.name:
        return node.name
    root = within or node.root()
    steps = node.path_from(root)
    if steps is None or not root.name:
        return None
    return expression(root.name, steps)


def structural_key(name: str, blocks: ScopeBlocks, within: Optional[BlockNode]) -> Tuple[str, bool]:
    """(`'0.weight'`, True) for a name traced under `within`; (`'<path>.weight'`, False) otherwise."""
    traced = blocks.trace(name, within) if within is not None else None
    steps = traced.node.path_from(within) if traced is not None else None
    if steps is not None:
        return repr(".".join(steps + [traced.rest])), True
    return repr("<path>." + _own_key(name, blocks)), False


def counted_key(name: str, blocks: ScopeBlocks, within: Optional[BlockNode]) -> Optional[Tuple[str, str]]:
    """(`'1.bias'`, `net[1].bias`) for a name of the 1.x process-wide counter in a script that builds
    `within` (see `ScopeBlocks.counted`), else None."""
    traced = blocks.counted(name, within) if within is not None else None
    steps = traced.node.path_from(within) if traced is not None else None
    if steps is None or not within.name:
        return None
    return repr(".".join(steps + [traced.rest])), f"{expression(within.name, steps)}.{traced.rest}"


def parameter_expression(name: str, blocks: ScopeBlocks, within: Optional[BlockNode] = None) -> Tuple[str, bool]:
    """(`cell.i2h_weight`, True), or (`<Block>.weight`, False) when the owner is not known."""
    traced = blocks.trace(name, within)
    reached = _reached(traced, within) if traced is not None else None
    if reached is not None:
        return f"{reached}.{traced.rest}", True
    return f"<Block>.{_own_key(name, blocks)}", False


def output_expression(name: str, blocks: ScopeBlocks, within: Optional[BlockNode] = None) -> Tuple[str, bool]:
    """(`net[0].name + '_fwd_output'`, True), or (`<Block>.name + '_fwd_output'`, False)."""
    traced = blocks.trace(name, within, outputs=True)
    reached = _reached(traced, within) if traced is not None else None
    if reached is not None:
        return f"{reached}.name + '_{traced.rest}'", True
    literal_prefixes = [p for p in blocks.prefixes if name.startswith(p)]
    after = [m.end() for m in _COUNTED.finditer(name)] or [len(max(literal_prefixes, key=len, default=""))]
    rest = name[after[-1]:] if after[-1] else "<op>_output"
    return f"<Block>.name + '_{rest}'", False


# -- where literal names are written ---------------------------------------------------------
def unwrapped(expr):
    """`sorted(list(x.keys()))` -> `x`: the collection under order- and type-only wrappers."""
    while True:
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id in _WRAPPERS \
                and len(expr.args) == 1 and not expr.keywords:
            expr = expr.args[0]
        elif isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "keys" \
                and not expr.args:
            expr = expr.func.value
        else:
            return expr


def bracketed(written, items: list) -> str:
    """`items` in the brackets of the collection as written: `[...]`, `{...}` or `(...)`."""
    written = unwrapped(written)
    if isinstance(written, ast.Set):
        return "{" + ", ".join(items) + "}"
    if isinstance(written, ast.Tuple):
        return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
    return "[" + ", ".join(items) + "]"


def listed_strings(ctx, expr) -> "Optional[tuple[list, bool]]":
    """(the strings, whether compared sorted) of a list/tuple/set literal of strings, possibly wrapped in
    `sorted`/`set`/... or held by a variable assigned only that literal."""
    ordered = isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id == "sorted"
    expr = unwrapped(expr)
    if isinstance(expr, ast.Name):
        values = assigned_values(ctx, expr.id)
        expr = values[0] if len(values) == 1 else expr
    if not isinstance(expr, (ast.List, ast.Tuple, ast.Set)) or not expr.elts:
        return None
    strings = [literal(e) for e in expr.elts]
    return (strings, ordered) if all(s is not None for s in strings) else None
