"""The engine's promises independent of any one rule: encodings, line endings, scope of rewriting."""
import os

import pytest

from gluon_codemod import SourceError, check_code, fix_code
from gluon_codemod._docs import update

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


def test_unknown_target_is_an_error():
    with pytest.raises(ValueError, match="unknown target"):
        check_code(OLD, target="tensorflow")


def test_readme_rule_section_is_generated_from_the_rules():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as handle:
        text = handle.read()
    assert update(text) == text, "README is stale: run `python -m gluon_codemod._docs README.md`"
