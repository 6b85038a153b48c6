"""Helpers shared by the ParameterDict / old-name rules (GLN006-GLN009): what a `select` regex meant,
which expressions are `collect_params()` results, and which names hold Parameters."""
import ast
import enum
import re
from typing import Dict, List, Optional, Set, Tuple

from gluon_codemod.analysis.names import dotted

# `ParameterDict` methods that moved to the Block (spec S5.6), plus save/load (S7).
MOVED_METHODS = ("initialize", "zero_grad", "reset_ctx", "setattr", "load_dict", "save", "load")
# Layer aliases that appear in 1.x prefixes, and the parameter keys such layers own (spec S3.7).
_ALIAS_KEYS = {
    "batchnorm": ("gamma", "beta", "running_mean", "running_var"),
    "syncbatchnorm": ("gamma", "beta", "running_mean", "running_var"),
    "layernorm": ("gamma", "beta"), "instancenorm": ("gamma", "beta"), "groupnorm": ("gamma", "beta"),
    "dense": ("weight", "bias"), "conv": ("weight", "bias"), "embedding": ("weight",), "prelu": ("alpha",),
    "lstm": ("i2h_weight", "h2h_weight", "i2h_bias", "h2h_bias"),
    "gru": ("i2h_weight", "h2h_weight", "i2h_bias", "h2h_bias"),
    "rnn": ("i2h_weight", "h2h_weight", "i2h_bias", "h2h_bias"),
}
_KEYS = {key for keys in _ALIAS_KEYS.values() for key in keys}
# `dense0_`, `resnetv10_`, `hybridsequential0_`: an alias plus a counter, the shape of a 1.x prefix.
PREFIX_SEGMENT = re.compile(r"[A-Za-z]{2,}\d+_")


def is_collect_params(expr) -> bool:
    return (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute)
            and expr.func.attr == "collect_params" and len(expr.args) + len(expr.keywords) <= 1)


def select_arg(call: ast.Call) -> Optional[ast.AST]:
    if call.args:
        return call.args[0]
    return next((k.value for k in call.keywords if k.arg == "select"), None)


def literal(expr) -> Optional[str]:
    return expr.value if isinstance(expr, ast.Constant) and isinstance(expr.value, str) else None


def looks_prefixed(key: str) -> bool:
    """`'dense0_weight'` is a 1.x prefixed name; `'0.weight'`, `'weight'`, `'l0_i2h_weight'` are structural."""
    return "." not in key and bool(PREFIX_SEGMENT.match(key) or PREFIX_SEGMENT.search(key))


def parameter_key(key: str) -> str:
    """The parameter's own key in a prefixed name: `'resnetv10_batchnorm0_running_mean'` -> `'running_mean'`."""
    return PREFIX_SEGMENT.split(key)[-1] or key


def select_problem(pattern: str) -> Optional[str]:
    """Why a `collect_params(select)` regex written for 1.x prefixed names selects something else on
    structural keys (`re.match` anchored at `'features.0.weight'`, spec S3.3), or None if it is fine."""
    problems = []
    for alternative in alternatives(pattern):
        alt = alternative.strip()
        core = alt[1:] if alt.startswith("^") else alt
        core = core[:-1] if core.endswith("$") and not core.endswith("\\$") else core
        while core.endswith(".*"):
            core = core[:-2]
        if core in ("", ".*"):
            continue
        if core.startswith(".*"):
            rest = core[2:]
            aliases = [a for a in _ALIAS_KEYS if re.search(a, rest, re.IGNORECASE)]
            if (aliases and rest not in _KEYS) or PREFIX_SEGMENT.search(rest + "_"):
                keys = _ALIAS_KEYS[aliases[0]] if aliases else ()
                hint = f" (e.g. `'{'|'.join('.*' + k for k in keys)}'`)" if keys else ""
                problems.append(f"`'{alt}'` matches layer names, which structural keys do not contain: select by "
                                f"layer type or by parameter key instead{hint}")
            elif rest.startswith("_"):
                problems.append(f"`'{alt}'` expects an underscore before the key; use `'.*{rest.lstrip('_')}'`")
            continue
        if "." in core.replace(".*", "").replace("\\.", ".") and not PREFIX_SEGMENT.match(core):
            continue  # already a structural path such as `'0.bias'` or `'features\\.0'`
        if PREFIX_SEGMENT.search(core + "_") or (core not in _KEYS and any(a in core.lower() for a in _ALIAS_KEYS)):
            problems.append(f"`'{alt}'` matched the 1.x prefix of a layer, but keys are now attribute paths such "
                            f"as `'0.weight'`: select by the child's path (e.g. `'0\\.'`) or call "
                            f"`collect_params()` on that child")
        else:
            problems.append(f"`'{alt}'` now matches only a key that starts with it (attribute paths such as "
                            f"`'0.{core}'` do not); use `'.*{core}'`")
    return "; ".join(problems) or None


def alternatives(pattern: str) -> List[str]:
    """The top-level `|` alternatives of a regex, a group around the whole pattern unwrapped:
    `'(.*_embed|.*_inter_proj)'` -> `['.*_embed', '.*_inter_proj']`; `'a(b|c)'` -> `['a(b|c)']`."""
    whole = _top_level_group(pattern)
    if whole is not None:
        pattern = whole
    parts, depth, start, index, in_class = [], 0, 0, 0, False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(pattern[start:index])
            start = index + 1
        index += 1
    parts.append(pattern[start:])
    return parts


def _top_level_group(pattern: str) -> Optional[str]:
    """`'(a|b)'` / `'(?:a|b)'` -> `'a|b'` when that group spans the whole pattern, else None."""
    core = pattern[1:] if pattern.startswith("^") else pattern
    core = core[:-1] if core.endswith("$") and not core.endswith("\\$") else core
    if not (core.startswith("(") and core.endswith(")")) or core.startswith("(?") and not core.startswith("(?:"):
        return None
    depth, index = 0, 0
    while index < len(core):
        char = core[index]
        if char == "\\":
            index += 2
            continue
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and index < len(core) - 1:
            return None  # `(a)|(b)`: the first group closes before the end
        index += 1
    inner = core[3:-1] if core.startswith("(?:") else core[1:-1]
    return inner


def feeds_params_argument(ctx, call: ast.Call) -> bool:
    """`X(..., params=<call>)`, or `<name> = <call>` with `<name>` given as some call's `params=`."""
    parent = ctx.parent_of(call)
    if isinstance(parent, ast.keyword):
        return parent.arg == "params"
    if not (isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name)):
        return False
    name = parent.targets[0].id
    return any(k.arg == "params" and isinstance(k.value, ast.Name) and k.value.id == name
               for k in ctx.nodes_of(ast.keyword))


def regex_parameter_key(pattern: str) -> Optional[str]:
    """The parameter key every alternative of a selection regex ends with (`'.*_embed\\d+_weight'` ->
    `'weight'`), or None."""
    found = set()
    for alternative in alternatives(pattern):
        core = alternative.rstrip("$")
        ends = [k for k in _KEYS | {"weight", "bias"} if core.endswith(k)]
        found.add(max(ends, key=len) if ends else None)
    return found.pop() if len(found) == 1 else None


def written(ctx, node: ast.AST) -> str:
    """`node` as the file spells it (`r'conv\\d+_'` keeps its single backslash), for messages;
    `ast.unparse` for a node over several lines."""
    if node.lineno != node.end_lineno or not 1 <= node.lineno <= len(ctx.lines):
        return ast.unparse(node)
    line = ctx.lines[node.lineno - 1].encode("utf-8")
    return line[node.col_offset:node.end_col_offset].decode("utf-8", "replace")


def scope_of(ctx, fallback: ast.AST) -> ast.AST:
    return ctx.current_function or fallback


def stores(ctx, scope: ast.AST) -> Dict[str, list]:
    """{name: [nodes binding it]} in `scope` (Assign targets, loop targets, `with ... as`, imports...)."""
    found: Dict[str, list] = {}
    for node in ctx.walk(scope):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            found.setdefault(node.id, []).append(node)
        elif isinstance(node, ast.arg):
            found.setdefault(node.arg, []).append(node)
    return found


def all_names(ctx, scope: ast.AST) -> Set[str]:
    nodes = ctx.walk(scope)
    return {n.id for n in nodes if isinstance(n, ast.Name)} | {n.arg for n in nodes if isinstance(n, ast.arg)}


def _parameter_iter(ctx, expr) -> bool:
    """`net.collect_params().values()` / `.items()` / `block.params.values()`."""
    if not (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute)
            and expr.func.attr in ("values", "items") and not expr.args):
        return False
    owner = expr.func.value
    if is_collect_params(owner):
        return not ctx.is_foreign(owner.func.value)
    return isinstance(owner, ast.Attribute) and owner.attr == "params" and ctx.is_block_expr(owner.value)


def parameter_names(ctx, scope: ast.AST) -> Set[str]:
    """Names bound to Parameters in `scope`: loop/comprehension targets over collected parameters and
    variables assigned a `Parameter(...)`."""
    names: Set[str] = set()
    for node in ctx.walk(scope):
        if isinstance(node, (ast.For, ast.comprehension)) and _parameter_iter(ctx, node.iter):
            target = node.target
            if node.iter.func.attr == "items":
                if isinstance(target, ast.Tuple) and len(target.elts) == 2 and isinstance(target.elts[1], ast.Name):
                    names.add(target.elts[1].id)
            elif isinstance(target, ast.Name):
                names.add(target.id)
        elif (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
              and isinstance(node.value, ast.Call)
              and (ctx.imports.qualify(node.value.func) or "").rsplit(".", 1)[-1] in ("Parameter", "Constant")
              and (ctx.imports.qualify(node.value.func) or "").startswith("mxnet.gluon")):
            names.add(node.targets[0].id)
    return names


# -- who a receiver is (GLN007-GLN009) ------------------------------------------------------------
_BUILTIN_NON_BLOCKS = {"dict", "list", "tuple", "set", "str", "bytes", "int", "float", "object", "open",
                       "super", "type", "vars", "zip", "map", "range", "enumerate", "sorted", "frozenset"}
_LITERALS = (ast.Constant, ast.Dict, ast.List, ast.Tuple, ast.Set, ast.JoinedStr, ast.ListComp, ast.DictComp,
             ast.SetComp, ast.GeneratorExp, ast.BinOp, ast.Compare, ast.BoolOp, ast.Lambda)


def _is_non_block_value(ctx, value) -> bool:
    """A value that is certainly not a Block: a literal, a builtin's result, an MXNet non-Block object
    (`mx.mod.Module(...)`, `gluon.Trainer(...)`), an import of something else, a non-Block class of the file."""
    if isinstance(value, _LITERALS):
        return True
    if not isinstance(value, ast.Call):
        return False
    qualified = ctx.imports.qualify(value.func)
    if qualified is not None:
        if ctx.project is not None and ctx.project.index.find_module(qualified.split(".")[0], ctx.project.module):
            return False  # the project's own code (`get_model(...)` of a model zoo) may well build a Block
        return not ctx.is_block_class_expr(value.func)
    if isinstance(value.func, ast.Name):
        name = value.func.id
        if name in ctx.block_classes:
            return False
        return name in _index(ctx).classes or name in _BUILTIN_NON_BLOCKS
    return False


class Role(enum.Enum):
    """What the object an attribute is read from is: a Gluon Block, certainly not one (`OTHER`), or
    not known from the file (`UNKNOWN`: a helper's argument, an attribute assigned elsewhere)."""

    BLOCK = "block"
    OTHER = "other"
    UNKNOWN = "unknown"


def receiver_role(ctx, expr) -> Role:
    """What this file tells about the object an attribute is read from (see `Role`)."""
    if ctx.is_block_expr(expr):
        return Role.BLOCK
    if (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id == "super"):
        return Role.BLOCK if ctx.in_block_class else Role.OTHER
    if ctx.is_foreign(expr):
        return Role.OTHER
    name = dotted(expr)
    if name is None:
        return Role.UNKNOWN
    if name == "self":
        return Role.BLOCK if ctx.in_block_class else (Role.OTHER if ctx.class_stack else Role.UNKNOWN)
    if not name.startswith("self.") and ctx.imports.qualify_dotted(name) is not None:
        return Role.OTHER  # an imported module or class (`gluon.nn`, `tempfile.tempdir`), not an instance
    return _role_from_assignments(ctx, name, default=Role.UNKNOWN)


def _role_from_assignments(ctx, name: str, default: Role) -> Role:
    # `x = None` is a placeholder for a later value: it says nothing about what `x` holds.
    values = [v for v in assigned_values(ctx, name) if not (isinstance(v, ast.Constant) and v.value is None)]
    if values and all(_is_non_block_value(ctx, v) for v in values):
        return Role.OTHER
    if any(ctx.is_block_expr(v) for v in values):
        return Role.BLOCK
    return default


class _Index:
    """What a module assigns to each dotted name, and the classes it defines (built once per file)."""

    def __init__(self, ctx):
        self.assigned: Dict[str, list] = {}
        self.classes: Set[str] = {node.name for node in ctx.nodes_of(ast.ClassDef)}
        for node in ctx.nodes_of(ast.Assign, ast.AnnAssign):  # in `ast.walk` order, as the values are listed
            if node.value is not None:
                for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                    name = dotted(target)
                    if name is not None:
                        self.assigned.setdefault(name, []).append(node.value)


def assigned_values(ctx, name: str) -> list:
    """Every value the module assigns to dotted name `name` (`x = ...`, `self.x = ...`)."""
    return _index(ctx).assigned.get(name, [])


def _index(ctx) -> _Index:
    return ctx.shared(_Index, lambda: _Index(ctx))


def uses_module_api(ctx) -> bool:
    """The symbolic Module API (`mx.mod.Module`) also has `save_params`/`load_params`."""
    qualified = set(ctx.imports.names.values())
    return any(q.startswith(("mxnet.mod", "mxnet.module", "mxnet.model")) for q in qualified) or any(
        "mx.mod." in line or "mxnet.mod." in line or "mx.module." in line or "mx.model." in line
        for line in ctx.lines)


def prefixed_key_hint(key: str) -> str:
    """`'dense0_weight'` -> "`'weight'` (or `'<path>.weight'` from a parent)": its structural form, with no
    example path (the file does not tell which child owned it, and `'0.weight'` may be another's)."""
    own = parameter_key(key)
    return (f"`'{own}'` for the Block's own parameter, or `'<path>.{own}'` through a parent (`<path>`: the "
            f"attribute path of the child that owns it, which the file does not tell)")


# Block aliases that start 1.x prefixes (`Block._alias()`: the class name lower-cased, or the layer's own).
LAYER_ALIASES = tuple(sorted(set(_ALIAS_KEYS) | {
    "hybridsequential", "sequential", "hybridconcurrent", "concurrent", "hybridlambda", "lambda", "pool",
    "dropout", "flatten", "activation", "relu", "sigmoid", "tanh", "softrelu", "softsign", "leakyrelu", "elu",
    "selu", "swish", "gelu", "zoneout", "lstmp", "conv_rnn", "conv_lstm", "conv_gru", "deformable_conv",
    "resnetv1", "resnetv2", "vgg", "alexnet", "densenet", "squeezenet", "mobilenet", "mobilenetv2_", "inception3",
    "hybridsequentialrnncell", "sequentialrnncell", "bidirectionalcell"}, key=lambda a: (-len(a), a)))
# An alias plus its counter and the separator, as written in a string or a regex: `dense0_`, `conv\d+_`.
_PREFIX_IN_PATTERN = re.compile(r"(?<![A-Za-z])(?:%s)(?:\d+|\\d[+*]?|\[0-9\][+*]?)_" % "|".join(
    re.escape(a) for a in LAYER_ALIASES))


def keys_of_layer(alias: str) -> Tuple[str, ...]:
    """The parameter keys a layer of this 1.x alias owns: `'batchnorm'` -> `('gamma', 'beta', ...)`."""
    return _ALIAS_KEYS.get(alias, ())


def names_a_layer_prefix(text: str) -> bool:
    """`'dense0_'`, `'^conv\\d+_weight'`, `'resnetv10_stage1'`: text spelling a 1.x layer prefix."""
    return bool(_PREFIX_IN_PATTERN.search(text))


def layer_prefix_tail(pattern: str) -> str:
    """What a prefix regex matches after the last layer prefix: `'conv\\d+_weight$'` -> `'weight'`."""
    tail = _PREFIX_IN_PATTERN.split(pattern)[-1].rstrip("$")
    return "" if tail in ("", ".*", ".+") else tail
