"""Parameter keys filtered by 1.x flat names (`n.endswith('lhuc_weight')`) match nothing in the new Block API.

## What it does
Reports `endswith`/`startswith`/`in`/`==`/`!=` tests (and `in` a dict of collected parameters) and
regexes (`re.match`, `re.search`, `re.fullmatch`, `re.compile(...).match`) of a string that is a 1.x
flat parameter name or suffix (`'lhuc_weight'`, `'_bias'`, `'encoder_gamma'`, `'_running_var'`,
`'_i2h_weight'`) against collected parameter names: the keys of `collect_params()` (or of a variable
assigned it, or a Block's `.params`, or a function's parameter that every caller in the project fills
with one of them), the names a loop over them binds, and `param.name` of the Parameters a loop over
`.values()` binds. A function's parameter whose callers are not all seen, but which is annotated as a
`ParameterDict` or named for one (`params`, `model_params`), is taken for collected names too: reported,
never fixed. The string is folded through `+`, `%`, `str.format`, f-strings
and constants, those of the file and, through the project index, those of other modules
(`C.LHUC_PREFIX + 'weight'` with `LHUC_PREFIX = 'lhuc_'` in `constants.py`).

## Why is this bad?
1.x keys were flat (`model_encoder_lhuc_weight`); the new API's are structural
(`encoder.lhuc.weight`, spec S3.1). A filter written for the flat name never matches a structural
key: a parameter-freezing option then freezes everything (backward fails with "Cannot differentiate
node") or, combined with other filters, trains the wrong parameters, silently.

## Example
```python
LHUC_PREFIX = 'lhuc_'
params = model.collect_params()
frozen = [n for n in params if not n.endswith(LHUC_PREFIX + 'weight')]
```

## Use instead
```python
frozen = [n for n in params if not n.endswith('lhuc.weight')]
```

## Fix safety
Unsafe, and only for `endswith` and `in` with a name that has a part before the parameter's own key
(`'lhuc_weight'` -> `'lhuc.weight'`): the structural key is the attribute path, which the filter's
author meant but which the file does not prove (an attribute `lhuc` holding the `weight` is assumed; the
folded expression is replaced by its literal value, which may leave an import it used unused). Reported
without a fix: a bare suffix (`'_weight'`: test `n.split('.')[-1] == 'weight'`), `startswith`, `==` and
regexes, whose structural form depends on the full attribute path, and names with a 1.x layer prefix
(`'dense0_weight'`, whose path the name does not tell; GLN009 reports them as literals in `startswith`,
`in` a dict and regexes).
"""
from __future__ import annotations

import ast
import re
from typing import Dict, Optional, Set, Tuple

from gluon_codemod.engine.libcst_on_demand import cst
from gluon_codemod.analysis.call_sites import arguments_of, bound_only_to
from gluon_codemod.analysis.constants import Folder
from gluon_codemod.analysis.names import dotted
from gluon_codemod.analysis.old_api import Role, assigned_values, is_collect_params, names_a_layer_prefix, \
    parameter_names, receiver_role
from gluon_codemod.engine.rule import Edit, Invalid, Rule, Valid

# The keys 1.x layers give their parameters, longest first (`i2h_weight` before `weight`).
_KEYS = sorted(("weight", "bias", "gamma", "beta", "running_mean", "running_var", "moving_mean", "moving_var",
                "alpha", "i2h_weight", "h2h_weight", "i2h_bias", "h2h_bias", "h2r_weight"), key=len, reverse=True)
_FLAT = re.compile(r"^(?P<owner>.*?)_(?P<key>%s)$" % "|".join(_KEYS))  # shortest owner: `lhuc` + `i2h_weight`
_REGEX_FLAT = re.compile(r"_(%s)(\$|\\b|\)|$)" % "|".join(_KEYS))
_FUSED_RNN_KEY = re.compile(r"^_?l\d+_(i2h|h2h)_(weight|bias)$")  # a fused RNN layer's own structural key
_REGEX_FUNCTIONS = ("match", "search", "fullmatch")
# Builtins whose result holds the keys of the collection they are given (`list(net.collect_params())`).
_KEEPING_KEYS = ("list", "sorted", "set", "frozenset", "tuple")
# A function parameter named for collected parameters (`params`, `model_params`, `parameters`).
_COLLECTED_NAME = re.compile(r"^(?:\w+_)?params$|^parameters$|^param_dict$")
_CST_OF = {ast.Constant: "SimpleString", ast.BinOp: "BinaryOperation", ast.JoinedStr: "FormattedString",
           ast.Call: "Call", ast.Name: "Name", ast.Attribute: "Attribute"}


def flat_parameter_name(text: str) -> Optional[Tuple[str, str]]:
    """(owner, key) when `text` is a 1.x flat parameter name or suffix (`'lhuc_weight'` -> ('lhuc',
    'weight'); `'_bias'` -> ('', 'bias')), else None. A structural key (`'i2h_weight'`) is not one."""
    if text in _KEYS or _FUSED_RNN_KEY.match(text) or "." in text:
        return None
    found = _FLAT.match(text)
    return (found.group("owner"), found.group("key")) if found else None


def _iterated(expr) -> Tuple[Optional[ast.AST], bool]:
    """(the dict iterated, whether as `.items()`) for `d`, `d.keys()`, `d.items()`."""
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and not expr.args \
            and expr.func.attr in ("keys", "items"):
        return expr.func.value, expr.func.attr == "items"
    if isinstance(expr, ast.Call) and not is_collect_params(expr):
        return None, False
    return expr, False


def _replace_with(text: str):
    def apply(node, fix_context):
        return cst.SimpleString(repr(text))  # (a string needs no parentheses the expression had)
    return apply


class FlatNameFilters(Rule):
    code = "GLN012"
    name = "flat-name-filters"
    message = ("`{shown}` tests {what} against the 1.x flat name `{flat!r}`{folded}, which no {new} "
               "(`'{example}'`) matches; {remedy}")
    fix_title = "Test `{structural!r}` instead"

    VALID = [
        Valid("""
            from mxnet import gluon
            net = gluon.nn.Dense(2)
            frozen = [n for n in net.collect_params() if not n.endswith('lhuc.weight')]
            """,
              why="already structural"),
        Valid("""
            from mxnet import gluon
            net = gluon.nn.Dense(2)
            decay = [n for n in net.collect_params() if n.endswith('bias')]
            """,
              why="the parameter's own key: structural keys end with it too"),
        Valid("""
            from mxnet import gluon
            files = ['a_weight', 'b']
            kept = [f for f in files if f.endswith('_weight')]
            """,
              why="not parameter names"),
    ]
    INVALID = [
        Invalid(
            """
            from mxnet import gluon
            LHUC_PREFIX = 'lhuc_'
            def frozen(model):
                params = model.collect_params()
                return [n for n in params if not n.endswith(LHUC_PREFIX + 'weight')]
            """,
            """
            from mxnet import gluon
            LHUC_PREFIX = 'lhuc_'
            def frozen(model):
                params = model.collect_params()
                return [n for n in params if not n.endswith('lhuc.weight')]
            """,
            unsafe_fixes=True,
            why="folds through a constant to `'lhuc_weight'`: the structural `'lhuc.weight'` is an unsafe fix",
            line=5,
        ),
        Invalid(
            """
            from mxnet import gluon
            net = gluon.nn.Dense(2)
            for p in net.collect_params().values():
                if p.name.endswith('_bias') or '%s_gamma' % 'norm' == p.name:
                    p.wd_mult = 0.0
            """,
            None,
            unsafe_fixes=True,
            why="a bare suffix and `==`: their structural form depends on the attribute path, so reported only",
            line=4,
        ),
        Invalid(
            """
            from mxnet import gluon
            def freeze(params):
                for name in params:
                    if not name.endswith('lhuc_weight'):
                        params[name].grad_req = 'null'
            """,
            None,
            unsafe_fixes=True,
            why="a function's argument named `params`, whose callers are not seen: reported, not fixed",
            line=4,
        ),
    ]

    def __init__(self, sink, ctx):
        super().__init__(sink, ctx)
        self._keys_by_scope = {}
        self._parameters_by_scope = {}
        self._assumed: Dict[Tuple[int, Optional[str]], str] = {}  # (scope, parameter) taken on its name only
        self._annotated_names: Set[str] = set()

    # -- the tests ---------------------------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if not isinstance(func, ast.Attribute):
            return
        if func.attr in ("endswith", "startswith") and len(node.args) == 1 and self._is_parameter_name(func.value):
            tested = node.args[0]
            for item in tested.elts if isinstance(tested, ast.Tuple) else [tested]:
                self._test(node, item, func.value, fixable=func.attr == "endswith",
                           gln009_covers=func.attr == "startswith")
        elif func.attr in _REGEX_FUNCTIONS and self.ctx.imports.qualify(func) == f"re.{func.attr}" \
                and len(node.args) >= 2 and self._is_parameter_name(node.args[1]):
            self._regex(node, node.args[0])
        elif func.attr in _REGEX_FUNCTIONS and node.args and self._is_parameter_name(node.args[0]) \
                and isinstance(func.value, ast.Call) and func.value.args \
                and self.ctx.imports.qualify(func.value.func) == "re.compile":
            self._regex(node, func.value.args[0])

    def visit_Compare(self, node: ast.Compare) -> None:
        operands = [node.left] + node.comparators
        for index, op in enumerate(node.ops):
            left, right = operands[index], operands[index + 1]
            if isinstance(op, (ast.In, ast.NotIn)) and self._is_parameter_name(right):
                self._test(node, left, right, fixable=True)
            elif isinstance(op, (ast.In, ast.NotIn)) and self._keyed_by_parameter(right, self._scope()):
                self._test(node, left, right, fixable=False, gln009_covers=True)  # a key lookup
            elif isinstance(op, (ast.Eq, ast.NotEq)):
                if self._is_parameter_name(right):
                    self._test(node, left, right, fixable=False)
                elif self._is_parameter_name(left):
                    self._test(node, right, left, fixable=False)

    def _test(self, node: ast.AST, tested: ast.AST, subject: ast.AST, fixable: bool,
              gln009_covers: bool = False) -> None:
        """`gln009_covers`: GLN009 reports this kind of test of a literal name with a 1.x layer prefix."""
        text = self._folder().fold(tested)
        found = flat_parameter_name(text) if text is not None else None
        layered = found is not None and names_a_layer_prefix(text)
        if found is None or (layered and gln009_covers and isinstance(tested, ast.Constant)):
            return
        owner, key = found
        folded = "" if isinstance(tested, ast.Constant) else f" (`{ast.unparse(tested)}`)"
        structural = f"{owner}.{key}" if owner and not layered else None
        example = f"encoder.{structural}" if structural else f"encoder.{key}"
        shown = ast.unparse(node)
        if isinstance(subject, ast.Attribute):  # `param.name`: `param_<uuid>_<own name>` now (spec S1.2)
            if structural is None:
                return  # `param_<uuid>_weight` still ends with `_weight`
            fixable = False
            example = f"param_<uuid>_{key}"
            remedy = (f"`{ast.unparse(subject)}` is now `param_<uuid>_<own name>`: filter the keys of "
                      f"`collect_params()` by the attribute path `'{structural}'` instead")
        elif layered:
            remedy = f"compare with the structural key, the attribute path of that layer (`'<path>.{key}'`)"
        elif structural is None:
            remedy = f"test the last part of the key (`k.split('.')[-1] == {key!r}`)"
        elif fixable:
            remedy = f"test `{structural!r}`"
        else:
            remedy = f"compare with the structural key, the attribute path ending in `{structural!r}`"
        assumed = self._assumed_source(subject)
        if assumed is not None:
            # the names come from an argument no caller was seen filling with `collect_params()`
            fixable = False
            remedy += (f" (not fixed: `{assumed}` is taken for collected parameters from its "
                       f"{'annotation' if self._annotated(assumed) else 'name'}, not from its callers)")
        edit = None
        target = _CST_OF.get(type(tested))
        if fixable and structural is not None and target is not None:
            edit = Edit(target, _replace_with(structural), safe=False)
            edit.span = (tested.lineno, tested.col_offset, tested.end_lineno, tested.end_col_offset)
        is_name = isinstance(subject, ast.Attribute)
        self.report(node, shown=shown if len(shown) <= 80 else ast.unparse(tested), flat=text, folded=folded,
                    what="parameter names" if is_name else "parameter keys",
                    new="new-API name" if is_name else "structural key", example=example, remedy=remedy, edit=edit,
                    fix_title=self.fix_title.format(structural=structural) if edit else None)

    def _regex(self, node: ast.Call, pattern: ast.AST) -> None:
        text = self._folder().fold(pattern)
        if text is None or names_a_layer_prefix(text) or not _REGEX_FLAT.search(text):
            return
        key = _REGEX_FLAT.search(text).group(1)
        self.report(node, "the regex `{pattern}` over parameter keys matches a 1.x flat name (`_{key}`), which no "
                    "structural key (`'encoder.{key}'`) matches; match the attribute path (`'\\.{key}$'`)",
                    pattern=text, key=key)

    # -- what holds parameter names ------------------------------------------------------------
    def _folder(self) -> Folder:
        ctx = self.ctx
        project = ctx.project
        return ctx.shared(Folder, lambda: Folder(ctx.tree, ctx.imports, project.index if project else None,
                                                 project.module if project else None))

    def _scope(self):
        return self.ctx.current_function or self.ctx.tree

    def _is_parameter_name(self, expr: ast.AST) -> bool:
        """A name bound to parameter keys, or `p.name` of a name bound to Parameters."""
        scope = self._scope()
        if isinstance(expr, ast.Name):
            if id(scope) not in self._keys_by_scope:
                self._keys_by_scope[id(scope)] = self._loop_names(scope, 0)
            return expr.id in self._keys_by_scope[id(scope)]
        if isinstance(expr, ast.Attribute) and expr.attr == "name" and isinstance(expr.value, ast.Name):
            if id(scope) not in self._parameters_by_scope:
                self._parameters_by_scope[id(scope)] = dict.fromkeys(parameter_names(self.ctx, scope)) | \
                    self._loop_names(scope, 1)
            return expr.value.id in self._parameters_by_scope[id(scope)]
        return False

    def _assumed_source(self, subject: ast.AST) -> Optional[str]:
        """The function parameter the tested names come from, when it is taken for collected parameters
        from its name or annotation only (then the test is reported, never fixed)."""
        scope = self._scope()
        if isinstance(subject, ast.Attribute):
            subject, found = subject.value, self._parameters_by_scope.get(id(scope), {})
        else:
            found = self._keys_by_scope.get(id(scope), {})
        if isinstance(subject, ast.Name) and subject.id in found:
            return found[subject.id]
        return self._assumed.get((id(scope), subject.id)) if isinstance(subject, ast.Name) else None

    def _loop_names(self, scope, position: int) -> Dict[str, Optional[str]]:
        """Names a loop over collected parameters binds: to keys (`position` 0: `for k in d`, `for k, p
        in d.items()`) or to Parameters (1: `for p in d.values()`, `for k, p in d.items()`); each with the
        function parameter the collection was only assumed from, if it was."""
        names: Dict[str, Optional[str]] = {}
        for node in self.ctx.walk(scope):
            if not isinstance(node, (ast.For, ast.comprehension)):
                continue
            iterated, target = node.iter, node.target
            if position == 1 and isinstance(iterated, ast.Call) and isinstance(iterated.func, ast.Attribute) \
                    and iterated.func.attr == "values" and not iterated.args:
                if self._keyed_by_parameter(iterated.func.value, scope) and isinstance(target, ast.Name):
                    names[target.id] = self._assumed.get((id(scope), dotted(iterated.func.value)))
                continue
            source, items = _iterated(iterated)
            if source is None or not self._keyed_by_parameter(source, scope):
                continue
            assumed = self._assumed.get((id(scope), dotted(source)))
            if items and isinstance(target, ast.Tuple) and len(target.elts) == 2 \
                    and isinstance(target.elts[position], ast.Name):
                names[target.elts[position].id] = assumed
            elif not items and position == 0 and isinstance(target, ast.Name):
                names[target.id] = assumed
        return names

    def _keyed_by_parameter(self, expr, scope, depth: int = 0) -> bool:
        """`net.collect_params()`, its `.keys()` or `list(...)`/`sorted(...)` of them, a variable assigned
        only from one of these, a Block's `.params`, or a parameter of the function `scope` that every caller
        fills with one of them (or, assumed, named or annotated so)."""
        if is_collect_params(expr):
            return not self.ctx.is_foreign(expr.func.value)
        if isinstance(expr, ast.Attribute) and expr.attr == "params":
            return receiver_role(self.ctx, expr.value) is Role.BLOCK
        if depth > 3:
            return False  # (`a = b`, `b = a`: no collection proven)
        if isinstance(expr, ast.Call) and not expr.args and not expr.keywords \
                and isinstance(expr.func, ast.Attribute) and expr.func.attr == "keys":
            return self._keyed_by_parameter(expr.func.value, scope, depth + 1)
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id in _KEEPING_KEYS \
                and len(expr.args) == 1 and not expr.keywords:
            return self._keyed_by_parameter(expr.args[0], scope, depth + 1)
        name = dotted(expr)
        values = assigned_values(self.ctx, name) if name else []
        if values:
            return all(self._keyed_by_parameter(v, scope, depth + 1) for v in values)
        return isinstance(expr, ast.Name) and self._collected_argument(scope, expr.id)

    def _collected_argument(self, scope, name: str) -> bool:
        """Whether `name`, a parameter of the function `scope`, holds collected parameters: every caller in
        the project passes `collect_params()` (or a variable bound only to it); or, only assumed, the
        parameter is annotated as a ParameterDict or named for one (`params`)."""
        if not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return False
        args = scope.args
        parameter = next((a for a in args.posonlyargs + args.args + args.kwonlyargs if a.arg == name), None)
        if parameter is None or any(isinstance(n, ast.Name) and n.id == name and not isinstance(n.ctx, ast.Load)
                                    for n in self.ctx.walk(scope)):
            return False
        project = self.ctx.project
        arguments = arguments_of(scope, name, self.ctx.tree, project.index if project else None,
                                 project.module if project else None) if self._tests_a_flat_name(scope) else None
        if arguments and all(bound_only_to(tree, argument, is_collect_params) for tree, argument in arguments):
            return True
        annotation = ast.unparse(parameter.annotation) if parameter.annotation is not None else ""
        if "ParameterDict" in annotation or _COLLECTED_NAME.match(name):
            self._assumed[(id(scope), name)] = name
            if "ParameterDict" in annotation:
                self._annotated_names.add(name)
            return True
        return False

    def _tests_a_flat_name(self, scope) -> bool:
        """Whether `scope` tests any string that folds to a 1.x flat name: only then are its callers looked
        up across the project (a walk of every module that imports it)."""
        folder = self._folder()
        for node in self.ctx.walk(scope):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
                candidates = node.args[0].elts if isinstance(node.args[0], ast.Tuple) else node.args[:1]
            elif isinstance(node, ast.Compare):
                candidates = [node.left] + node.comparators
            else:
                continue
            for candidate in candidates:
                text = folder.fold(candidate)
                if text is not None and (flat_parameter_name(text) or _REGEX_FLAT.search(text)):
                    return True
        return False

    def _annotated(self, name: str) -> bool:
        return name in self._annotated_names
