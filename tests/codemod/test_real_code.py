"""Real code no one here wrote: MXNet 1.9.1's own Gluon sources (model zoo, nn, rnn, contrib).

Every result compiles, the rewrite is idempotent, and every old-API construct still present after the
fix is reported. The construct finder below is deliberately independent of the rules (plain `ast`
patterns), so a rule that silently skips something is caught here.
"""
import ast
import glob
import importlib.util
import os

import pytest

from gluon_codemod import check_code, fix_code
from gluon_codemod.run.files import module_name_for

_spec = importlib.util.find_spec("mxnet")
MXNET = _spec.submodule_search_locations[0] if _spec else None
FOLDERS = ["gluon/model_zoo/vision", "gluon/nn", "gluon/rnn", "gluon/contrib/nn", "gluon/contrib/rnn"]
FILES = sorted(p for folder in FOLDERS for p in glob.glob(os.path.join(MXNET or "", folder, "*.py"))) if MXNET else []

OLD_METHODS = {"name_scope", "_collect_params_with_prefix", "save_params", "load_params", "get_constant", "_unfuse"}
OLD_ATTRIBUTES = {"_reg_params", "_prefix", "ParameterDict"}


def old_api_lines(source):
    """Lines holding a construct of the old API, found without the engine."""
    lines = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg in ("prefix", "params") and not _is_foreign_call(node):
                    lines.add(keyword.lineno)
            if isinstance(node.func, ast.Attribute) and node.func.attr in OLD_METHODS:
                lines.add(node.lineno)
            if (isinstance(node.func, ast.Attribute) and node.func.attr == "get"
                    and isinstance(node.func.value, ast.Attribute) and node.func.value.attr == "params"):
                lines.add(node.lineno)
        elif isinstance(node, ast.Attribute) and node.attr in OLD_ATTRIBUTES:
            lines.add(node.lineno)
        elif isinstance(node, ast.Name) and node.id == "ParameterDict":
            lines.add(node.lineno)
        elif isinstance(node, ast.arg) and node.arg in ("prefix", "params"):
            lines.add(node.lineno)
    return lines


def _is_foreign_call(call):
    # SymbolBlock(outputs, inputs, params=...) keeps `params` in the new API; symbol ops take no prefix
    name = ast.unparse(call.func)
    return name.endswith("SymbolBlock") or name.startswith(("F.", "symbol.", "sym.", "ndarray.", "nd."))


@pytest.mark.skipif(not FILES, reason="needs the installed mxnet package (runtime extra)")
@pytest.mark.parametrize("path", FILES, ids=lambda p: os.path.relpath(p, MXNET))
def test_mxnet_sources_compile_are_idempotent_and_fully_reported(path):
    with open(path, "rb") as handle:
        data = handle.read()
    module = module_name_for(path)
    fixed = fix_code(data, module_name=module, unsafe_fixes=True).code
    ast.parse(fixed)
    assert fix_code(fixed, module_name=module, unsafe_fixes=True).code == fixed, "not idempotent"
    text = fixed.decode("utf-8")
    reported = {f.line for f in check_code(text, module_name=module)}
    # a finding may sit on the first line of a multi-line statement: map each line to its statement
    statements = {}
    for node in ast.walk(ast.parse(text)):
        compound = (ast.FunctionDef, ast.ClassDef, ast.With, ast.For, ast.If, ast.While, ast.Try)
        if isinstance(node, ast.stmt) and not isinstance(node, compound):
            for line in range(node.lineno, node.end_lineno + 1):
                statements.setdefault(line, set()).update(range(node.lineno, node.end_lineno + 1))
    missed = [line for line in sorted(old_api_lines(text))
              if not (statements.get(line, {line}) & reported)]
    assert not missed, "old API left unreported at lines " + ", ".join(
        f"{line}: {text.splitlines()[line - 1].strip()}" for line in missed)


@pytest.mark.skipif(not FILES, reason="mxnet is not installed")
def test_narrowed_rewrite_equals_whole_tree_rewrite(monkeypatch):
    # The fast path gives positions only to the statements that hold edits (down to a method's statements);
    # it must give exactly what transforming the whole tree gives, findings included (with the unsafe fixes:
    # every edit).
    from gluon_codemod.engine import pipeline

    original, lined_up = pipeline._transform_statements, []

    def recording(*args):
        lined_up.append(original(*args))
        return lined_up[-1]
    for path in FILES:
        with open(path, "rb") as handle:
            source = handle.read()
        monkeypatch.setattr(pipeline, "_transform_statements", recording)
        fast = fix_code(source, unsafe_fixes=True, module_name=module_name_for(path))
        monkeypatch.setattr(pipeline, "_transform_statements", lambda *args: None)
        whole = fix_code(source, unsafe_fixes=True, module_name=module_name_for(path))
        assert fast.code == whole.code, path
        assert [vars(f) for f in fast.findings] == [vars(f) for f in whole.findings], path
    assert len(lined_up) >= 10 and all(result is not None for result in lined_up)
