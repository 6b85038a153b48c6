"""Which parameter files a call reads or writes, as far as the file tells (GLN006, GLN007).

`load_parameters` reads only files keyed by structural names. Two other 1.x formats must not be
handed to it by a fix: files written by `export()` / `mx.model.save_checkpoint` (`prefix-0000.params`,
keys `arg:`/`aux:` plus 1.x prefixed names), and files that a `SymbolBlock` reads (its Parameters are
named after the symbol's arguments, so the file must keep 1.x names).
"""
import ast
import re
from typing import List, Optional

from gluon_codemod.analysis.names import dotted
from gluon_codemod.analysis.old_api import assigned_values, literal

# `model-0000.params`, `'%s-%04d.params' % (...)`, `'{}-{:04d}.params'.format(...)`, f'{p}-{e:04d}.params'.
_EXPORT_NAME = re.compile(r"-(?:\d{4}|%04d|\{[^{}]*:04d\})\.params$")
_SYMBOL_LOADS = ("load_parameters", "load_params")
# Calls that hand back the path they are given, as another type or spelling.
_SAME_PATH = {"str", "os.fspath", "pathlib.Path", "Path", "os.path.abspath", "os.path.expanduser",
              "os.path.realpath", "os.path.normpath"}
CONVERT = "gluon-codemod convert-params OLD.params NEW.params --model FILE --build EXPR"
EXPORT_FORMAT = "the `export()` checkpoint format (keys `arg:`/`aux:` plus 1.x prefixed names)"


def _text(ctx, expr, seen=()) -> List[str]:
    """The literal spellings `expr` can have, with formatted parts kept as written (`%04d`, `{:04d}`)."""
    if literal(expr) is not None:
        return [literal(expr)]
    if isinstance(expr, ast.JoinedStr):
        parts = []
        for value in expr.values:
            spec = literal(value.format_spec.values[0]) if isinstance(value, ast.FormattedValue) and \
                value.format_spec is not None and value.format_spec.values else None
            parts.append(literal(value) if literal(value) is not None else "{:%s}" % spec if spec else "{}")
        return ["".join(parts)]
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Add, ast.Mod)):
        if isinstance(expr.op, ast.Mod):
            return _text(ctx, expr.left, seen)
        rights = _text(ctx, expr.right, seen) or ["{}"]
        lefts = _text(ctx, expr.left, seen) or ["{}"]
        return [left + right for left in lefts for right in rights]
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Div):  # `tmp_path / 'model-0000.params'`
        return _text(ctx, expr.right, seen)  # (the last part only, as for `os.path.join`)
    if isinstance(expr, ast.Call) and len(expr.args) == 1 and not expr.keywords and (
            ctx.imports.qualify(expr.func) or dotted(expr.func)) in _SAME_PATH:
        return _text(ctx, expr.args[0], seen)  # `str(tmpdir.join('model-0000.params'))`
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
        if expr.func.attr == "format":
            return _text(ctx, expr.func.value, seen)
        if expr.func.attr in ("join", "joinpath") and expr.args:  # `os.path.join(root, 'model-0000.params')`
            return _text(ctx, expr.args[-1], seen)
    if isinstance(expr, ast.Name) and expr.id not in seen:
        return [t for v in assigned_values(ctx, expr.id) for t in _text(ctx, v, seen + (expr.id,))]
    return []


def _exported_names(ctx) -> set:
    """Names bound to what `export()` returned (`sym_file, params_file = net.export(path)`, new API)."""
    names = set()
    for node in ctx.nodes_of(ast.Assign):
        value = node.value
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "export":
            names.update(n for t in node.targets for n in _target_names(t))
    return names


def _target_names(target) -> List[str]:
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for e in target.elts for n in _target_names(e)]
    name = dotted(target)
    return [name] if name else []


def is_export_file(ctx, expr) -> bool:
    """`expr` names a file in the `export()` format: by its name (`prefix-0000.params`, also built from
    the path given to `export()`), or as a name bound to what `export()` returned."""
    if expr is None:
        return False
    if any(_EXPORT_NAME.search(text) for text in _text(ctx, expr)):
        return True
    exported = ctx.shared(_exported_names, lambda: _exported_names(ctx))
    return isinstance(expr, ast.Name) and expr.id in exported


def is_checkpoint_dict(ctx, expr) -> bool:
    """A dict read from an export-format file: `arg_params` of `mx.model.load_checkpoint(...)`, or
    `mx.nd.load(<export file>)`."""
    if isinstance(expr, ast.Call) and (ctx.imports.qualify(expr.func) or "") in ("mxnet.nd.load", "mxnet.ndarray.load"):
        return bool(expr.args) and is_export_file(ctx, expr.args[0])
    if not isinstance(expr, ast.Name):
        return False
    for node in ctx.nodes_of(ast.Assign):
        if any(expr.id in _target_names(t) for t in node.targets):
            value = node.value
            if isinstance(value, ast.Call) and (ctx.imports.qualify(value.func) or "").endswith("load_checkpoint"):
                return True
            if is_checkpoint_dict(ctx, value):
                return True
    return False


def symbol_block_read(ctx, expr) -> Optional[ast.AST]:
    """The call that reads file `expr` into a `SymbolBlock` in this file (`SymbolBlock.imports(sym, inputs,
    expr)` or `<SymbolBlock>.load_parameters(expr)`), matched by its text or by its literal value."""
    if expr is None:
        return None
    texts = set(_text(ctx, expr))
    function = _function_of(ctx, expr)
    found = []
    for call in ctx.nodes_of(ast.Call):
        read = _symbol_block_file(ctx, call)
        if read is None or read is expr:
            continue
        # the same file name, or the same expression (`path`) in the same function
        same_function = _function_of(ctx, read) is function
        if set(_text(ctx, read)) & texts or (ast.dump(read) == ast.dump(expr) and same_function):
            found.append((not same_function, call.lineno, call))
    # a name written in one test and read in another is another file: name the read of this function first
    return min(found, key=lambda f: f[:2])[2] if found else None


def reads_into_symbol_block(ctx, call: ast.Call) -> bool:
    """`call` reads a parameter file into a `SymbolBlock` (`sb.collect_params().load(f)`, `sb.load_params(f)`,
    `SymbolBlock.imports(sym, inputs, f)`)."""
    return _symbol_block_file(ctx, call) is not None


def legacy_write(ctx, expr) -> Optional[ast.Call]:
    """The call of this file that writes file `expr` in a 1.x format that no fix converts: `save_params` or
    `collect_params().save` of a file a `SymbolBlock` reads (GLN006/GLN007 leave those as they are), matched
    by the file's text or by the same expression in the same function."""
    if expr is None:
        return None
    texts = set(_text(ctx, expr))
    function = _function_of(ctx, expr)
    found = []
    for call in ctx.nodes_of(ast.Call):
        func = call.func
        if not isinstance(func, ast.Attribute) or not call.args:
            continue
        saves_params = func.attr == "save_params"
        saves_dict = func.attr == "save" and isinstance(func.value, ast.Call) \
            and isinstance(func.value.func, ast.Attribute) and func.value.func.attr == "collect_params" \
            and not func.value.args and not func.value.keywords
        if not (saves_params or saves_dict):
            continue
        written = call.args[0]
        same_function = _function_of(ctx, written) is function
        if not (set(_text(ctx, written)) & texts or (ast.dump(written) == ast.dump(expr) and same_function)):
            continue
        if symbol_block_read(ctx, written) is None:
            continue  # converted by its fix: then the file is the new format
        found.append((not same_function, call.lineno, call))
    return min(found, key=lambda f: f[:2])[2] if found else None


def _function_of(ctx, node) -> Optional[ast.AST]:
    while node is not None and not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        node = ctx.parent_of(node)
    return node


def _symbol_block_file(ctx, call: ast.Call) -> Optional[ast.AST]:
    func = call.func
    if not isinstance(func, ast.Attribute):
        return None
    if func.attr == "imports" and (ctx.imports.qualify(func.value) or dotted(func.value) or "").endswith("SymbolBlock"):
        if len(call.args) >= 3:
            return call.args[2]
        return next((k.value for k in call.keywords if k.arg == "param_file"), None)
    receiver = func.value
    if func.attr == "load" and isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Attribute) \
            and receiver.func.attr == "collect_params":
        receiver = receiver.func.value
    elif func.attr not in _SYMBOL_LOADS:
        return None
    name = dotted(receiver)
    built = assigned_values(ctx, name) if name else []
    if call.args and built and all(isinstance(v, ast.Call) and (
            ctx.imports.qualify(v.func) or dotted(v.func) or "").endswith(("SymbolBlock", "SymbolBlock.imports"))
            for v in built):
        return call.args[0]
    return None
