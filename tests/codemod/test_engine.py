"""The engine's promises independent of any one rule: encodings, line endings, scope of rewriting."""
import os

import libcst as cst
import pytest

from gluon_codemod import SourceError, check_code, fix_code
from gluon_codemod.frontends.readme import update

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

OLD = ("from mxnet.gluon import nn\n"
       "net = nn.HybridSequential()\n"
       "with net.name_scope():\n"
       "    net.add(nn.Dense(3))  # caf\u00e9\n")
NEW = ("from mxnet.gluon import nn\n"
       "net = nn.HybridSequential()\n"
       "net.add(nn.Dense(3))  # caf\u00e9\n")


def test_str_in_str_out():
    result = fix_code(OLD)
    assert result.code == NEW and result.changed
    assert [f.code for f in result.findings] == ["GLN001"] and result.findings[0].fixed


def test_latin1_file_with_coding_cookie_keeps_its_encoding():
    cookie = "# -*- coding: latin-1 -*-\n"
    result = fix_code((cookie + OLD).encode("latin-1"))
    assert result.code == (cookie + NEW).encode("latin-1")


def test_utf8_bom_is_kept():
    result = fix_code(b"\xef\xbb\xbf" + OLD.encode("utf-8"))
    assert result.code == b"\xef\xbb\xbf" + NEW.encode("utf-8")


def test_crlf_line_endings_are_kept():
    result = fix_code(OLD.replace("\n", "\r\n").encode())
    assert result.code == NEW.replace("\n", "\r\n").encode()


def test_non_ascii_columns_are_characters():
    source = "from mxnet.gluon import nn\nnet = nn.Sequential(); x = '\u00e9\u00e9'; scope = net.name_scope()\n"
    (finding,) = check_code(source)
    assert finding.col == source.splitlines()[1].index("net.name_scope")


def test_undecodable_bytes_name_the_line():
    with pytest.raises(SourceError) as info:
        check_code(b"from mxnet import gluon\nx = '\xff'\n")
    assert info.value.line == 2 and "utf-8" in info.value.message


def test_syntax_error_names_the_line():
    with pytest.raises(SourceError) as info:
        fix_code("from mxnet import gluon\n\ndef broken(:\n")
    assert info.value.line == 3


def test_files_without_gluon_are_not_parsed():
    # the text pre-filter skips them: even invalid syntax costs nothing and reports nothing
    assert check_code("import tempfile\ndef (\n") == []


def test_non_gluon_prefix_is_never_touched():
    source = ("import tempfile\nfrom mxnet import gluon\n"
              "class Config:\n    def __init__(self, prefix=None, params=None):\n        self.prefix = prefix\n"
              "d = tempfile.mkdtemp(prefix='run_')\ncfg = Config(prefix='a', params={})\n")
    assert fix_code(source, unsafe_fixes=True).code == source
    assert check_code(source) == []


def test_select_and_ignore_take_code_prefixes():
    assert check_code(OLD, select=["GLN00"]) and not check_code(OLD, ignore=["GLN"])


def test_noqa_suppresses_finding_and_fix():
    source = OLD.replace("with net.name_scope():", "with net.name_scope():  # noqa: GLN001")
    assert fix_code(source).code == source and check_code(source) == []
    bare = OLD.replace("with net.name_scope():", "with net.name_scope():  # noqa")
    assert check_code(bare) == []
    other = OLD.replace("with net.name_scope():", "with net.name_scope():  # noqa: E501")
    assert [f.code for f in check_code(other)] == ["GLN001"]


RETRAINED = (
    "from mxnet.gluon import nn\n"
    "class Head(nn.HybridBlock):\n"
    "    def __init__(self):\n"
    "        super().__init__()\n"
    "        with self.name_scope():\n"
    "            self.fc = nn.Dense(2)\n"
    "    def reset(self, classes):\n"
    "        self.fc = nn.Dense(classes, prefix=self.fc.prefix)\n"
    "        scope = self.name_scope()\n"
)


def test_findings_left_are_those_of_the_fixed_code():
    # gluoncv rcnn.py's reset_class: the `.prefix` read (GLN009) goes with the removed `prefix=`, so it is
    # no finding of its own (issue 18.3) unless nothing removes the argument
    detected = sorted((f.line, f.code) for f in check_code(RETRAINED))
    assert detected == [(5, "GLN001"), (8, "GLN002"), (9, "GLN001")]
    assert (8, "GLN009") in [(f.line, f.code) for f in check_code(RETRAINED, ignore=["GLN002"])]
    result = fix_code(RETRAINED)
    left = [(f.line, f.code) for f in result.findings if not f.fixed]
    assert left == [(8, "GLN001")] == [(f.line, f.code) for f in check_code(result.code)]
    original = fix_code(RETRAINED, positions="original")
    assert original.code == result.code
    assert [(f.line, f.code) for f in original.findings if not f.fixed] == [(9, "GLN001")]
    with pytest.raises(ValueError, match="positions"):
        fix_code(RETRAINED, positions="new")


def test_unknown_target_is_an_error():
    with pytest.raises(ValueError, match="unknown target"):
        check_code(OLD, target="tensorflow")


def test_readme_rule_section_is_generated_from_the_rules():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as handle:
        text = handle.read()
    assert update(text) == text, "README is stale: run `python -m gluon_codemod.frontends.readme README.md`"


# -- the file index rules share, and the statement-by-statement rewrite --------------------------------
def test_file_index_lists_every_node_in_walk_order_with_parents():
    import ast

    from gluon_codemod.engine.context import FileContext

    source = ("from mxnet.gluon import nn\n@dec(x=1)\nclass Net(nn.Block):\n"
              "    def forward(self, x, *a, k=2, **kw):\n        return [y async for y in f(x)] + {**kw}\n"
              "net = Net(); print(f'{net!r:>10}')\n")
    tree = ast.parse(source)
    ctx = FileContext(tree, source.splitlines())
    expected = [n for n in ast.walk(tree) if not isinstance(n, ast.expr_context)]
    assert len(ctx.nodes) == len(expected) and all(a is b for a, b in zip(ctx.nodes, expected))
    for parent in expected:
        for child in ast.iter_child_nodes(parent):
            if not isinstance(child, ast.expr_context):
                assert ctx.parent_of(child) is parent
    assert ctx.parent_of(tree) is None
    assert ctx.nodes_of(ast.Call) == [n for n in expected if isinstance(n, ast.Call)]
    assert ctx.nodes_of(ast.Name, ast.arg) == [n for n in expected if isinstance(n, (ast.Name, ast.arg))]
    method = tree.body[1].body[0]
    assert ctx.walk(method) == [n for n in ast.walk(method) if not isinstance(n, ast.expr_context)]
    assert ctx.shared("key", lambda: object()) is ctx.shared("key", lambda: object())


def test_only_names_rooted_in_an_import_or_a_class_of_the_file_may_name_a_class():
    import ast

    from gluon_codemod.engine.context import FileContext

    source = "from mxnet.gluon import nn\nimport pkg.blocks\nclass Net:\n    pass\nself.conv(x); x[0](1)\n"
    tree = ast.parse(source)
    ctx = FileContext(tree, source.splitlines())
    for node in tree.body[:2]:
        ctx.imports.add(node)

    def expr(text):
        return ast.parse(text, mode="eval").body

    assert [ctx.may_name_a_class(expr(text)) for text in ("nn.Dense", "pkg.blocks.Head", "Net", "Net.small")] == [
        True, True, True, True]
    assert [ctx.may_name_a_class(expr(text)) for text in ("self.conv", "x.reshape", "x[0]", "f()", "Dense")] == [
        False, False, False, False, False]
    ctx.imports.add(ast.parse("from mxnet.gluon.nn import *").body[0])
    assert ctx.may_name_a_class(expr("Dense"))  # (a star import may bind any name)


MANY_EDITS = ("import mxnet as mx\nfrom mxnet.gluon import nn\n\n"
              "net = nn.HybridSequential(prefix='net_')\n"
              "with net.name_scope():\n    net.add(nn.Dense(3))\n    # kept after the body\n"
              "value = 1; other = nn.Dense(2, prefix='d_')\n\n"
              "@decorated\nclass Block(nn.HybridBlock):\n"
              "    def __init__(self, prefix=None, **kwargs):\n"
              "        super(Block, self).__init__(prefix=prefix, **kwargs)\n"
              "        with self.name_scope():\n            self.w = self.params.get('w', shape=(1,))\n\n"
              "def untouched():\n    return 1\n"
              "for i in range(2):\n    if i:\n        net.add(nn.Dense(i, prefix='l_'))  # a loop's\n"
              "    elif net:\n        net.add(nn.Dense(i, prefix='e_'))\n"
              "with net.name_scope():\n    a = 1\n    # before\n    b = nn.Dense(2, prefix='b_')\n    c = 3\n"
              "net.collect_params().initialize()\nnet.save_params('f')")


@pytest.mark.parametrize("unsafe_fixes", [False, True])
def test_statement_by_statement_rewrite_equals_whole_tree_rewrite(monkeypatch, unsafe_fixes):
    from gluon_codemod.engine import pipeline

    lined_up = []
    original = pipeline._transform_statements

    def recording(*args):
        lined_up.append(original(*args))
        return lined_up[-1]
    monkeypatch.setattr(pipeline, "_transform_statements", recording)
    fast = fix_code(MANY_EDITS, unsafe_fixes=unsafe_fixes)
    assert lined_up and lined_up[0] is not None  # the statements did line up: this is the fast path
    monkeypatch.setattr(pipeline, "_transform_statements", lambda *args: None)
    whole = fix_code(MANY_EDITS, unsafe_fixes=unsafe_fixes)
    assert fast.code != MANY_EDITS and fast.code == whole.code
    assert [(f.code, f.line, f.col, f.message, f.fixed) for f in fast.findings] == [
        (f.code, f.line, f.col, f.message, f.fixed) for f in whole.findings]


@pytest.mark.parametrize("head", [
    "", '"""Docstring."""\n', "from __future__ import annotations\n", "import os  # why\n\n# about x\n",
    "from mxnet.gluon import nn\n", "from mxnet.gluon import *\n", "x = 1\nimport os\n",
    '"""Doc."""\nimport os\nfrom mxnet import gluon\nfrom mxnet.gluon import Parameter\n'])
def test_imports_are_added_as_the_whole_module_visitor_adds_them(head):
    # `add_imports` gives libcst's visitor the module's head only: the result must be the same
    from libcst.codemod import CodemodContext
    from libcst.codemod.visitors import AddImportsVisitor, ImportItem
    from gluon_codemod.engine.apply import add_imports

    module = cst.parse_module(head + "def f():\n    import sys\n    return 1\n\nclass C:\n    pass\n")
    imports = [("mxnet.gluon", "Parameter", None), ("mxnet.gluon", "nn", None), ("numpy", "array", "arr")]
    whole = AddImportsVisitor(CodemodContext(), [ImportItem(m, obj_name=n, alias=a) for m, n, a in imports])
    assert add_imports(module, imports).code == whole.transform_module(module).code


def test_a_rewritten_line_is_traced_to_the_line_of_the_original_it_comes_from():
    # (findings left with the same message are told apart by these lines: see `_restate_left`)
    from gluon_codemod.engine.pipeline import _old_lines

    after_deletion = _old_lines("a\nb\nc\nd\n", "a\nd\n")
    assert [after_deletion(line) for line in (1, 2)] == [1, 4]
    after_insertion = _old_lines("a\nb\nc\n", "a\nX\nY\nb\nc\n")
    assert [after_insertion(line) for line in range(1, 6)] == [1, 2, 2, 2, 3]
