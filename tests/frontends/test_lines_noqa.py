"""Points 1 and 14 of issue 13: lines split where Python splits them, and `noqa` read as flake8 reads it."""
from __future__ import annotations

import ast
import json

import pytest
from flake8.violation import Violation

from gluon_codemod.frontends import cli
from gluon_codemod.engine.lines import split_lines, split_patch_lines
from gluon_codemod.engine.noqa import noqa_codes, noqa_texts, suppresses

from .conftest import NEW_NET, OLD_NET


@pytest.mark.parametrize("text, lines", [
    ("a\x0cb\nc", ["a\x0cb", "c"]),  # a form feed is inside a line for Python
    ("a\x0bb\x1cc\x1dd\x1ee\x85f\u2028g\u2029h\n", ["a\x0bb\x1cc\x1dd\x1ee\x85f\u2028g\u2029h"]),
    ("a\r\nb\rc\n", ["a", "b", "c"]),
    ("a\n\n", ["a", ""]),
    ("", []),
    ("no end", ["no end"]),
])
def test_split_lines_breaks_only_at_python_line_ends(text, lines):
    assert split_lines(text) == lines
    assert "".join(split_lines(text, keepends=True)) == text


def test_split_lines_agrees_with_the_tokenizer_line_numbers():
    source = "x = 1  # \x0c\ny = 2\x0c\r\nz = (3\r+\n4)\nw = 5\n"
    tree = ast.parse(source)
    lines = split_lines(source)
    for node in tree.body:
        assert lines[node.lineno - 1].lstrip().startswith(node.targets[0].id)


def test_split_patch_lines_is_what_patch_sees():
    assert split_patch_lines("a\rb\rc") == ["a\rb\rc"]
    assert split_patch_lines("a\r\nb\x0c\n") == ["a\r\n", "b\x0c\n"]


SPELLINGS = ["x  # noqa", "x  #noqa", "x  # NOQA", "x  # NoQa:GLN001", "x # noqa: gln001", "x # noqa : GLN001",
             "x # noqa:  GLN001", "x # noqa: GLN00", "x # noqa: GLN002", "x # noqa: E1,GLN001",
             "x # noqa:E1 GLN001", "x #  noqa", "x # noqa:GLN002,,GLN001", "x # noqa - reason",
             "x # noqa: GLN001 because", "x  # type: ignore # noqa: GLN001", "x = '# noqa'"]


@pytest.mark.parametrize("line", SPELLINGS)
def test_noqa_decision_is_flake8s_own(line):
    oracle = Violation("GLN001", "f.py", 1, 1, "m", line + "\n").is_inline_ignored(disable_noqa=False)
    assert suppresses(line, "GLN001") == oracle


def test_noqa_codes_as_written():
    assert noqa_codes("x") is None
    assert noqa_codes("x  # noqa") == []
    assert noqa_codes("x  # noqa: GLN001, GLN002") == ["GLN001", "GLN002"]


def test_noqa_on_any_line_of_a_multiline_string_covers_the_whole_string():
    source = 'x = """\nabc\n"""  # noqa: GLN001\ny = 1\nz = (1,\n     2)  # noqa\n'
    texts = noqa_texts(source)
    assert all(suppresses(texts[line], "GLN001") for line in (1, 2, 3))
    assert not suppresses(texts[4], "GLN001")
    assert not suppresses(texts[5], "GLN001") and suppresses(texts[6], "GLN001")  # brackets: line by line


def test_notebook_cell_with_a_form_feed_keeps_its_lines(cli, project):
    source = "# page\x0c one\n" + OLD_NET
    notebook = {"cells": [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                           "source": split_lines(source, keepends=True)}],
                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = project / "nb.ipynb"
    path.write_text(json.dumps(notebook, indent=1) + "\n")
    assert cli("fix", "nb.ipynb").status == 1
    cell = json.loads(path.read_text())["cells"][0]["source"]
    assert cell == split_lines("# page\x0c one\n" + NEW_NET, keepends=True)


def test_cli_targets_are_the_engines():
    from gluon_codemod.engine.pipeline import TARGETS

    assert cli.TARGETS == TARGETS


# The command line's engine and flake8 decide `noqa` the same way on these (the engine reads comments with
# `_noqa.noqa_texts` on lines split by `_lines.split_lines`).
@pytest.mark.parametrize("name, text", [
    pytest.param("form_feed.py", "# page\x0c break\n" + OLD_NET.replace(
        "with self.name_scope():", "with self.name_scope():  # noqa: GLN001")),
    pytest.param("no_space.py", OLD_NET.replace("with self.name_scope():", "with self.name_scope():  #noqa")),
    pytest.param("lower_case.py", OLD_NET.replace("with self.name_scope():",
                                                  "with self.name_scope():  # noqa: gln001")),
    ("blanket.py", OLD_NET.replace("with self.name_scope():", "with self.name_scope():  # NOQA")),
    ("prefix.py", OLD_NET.replace("with self.name_scope():", "with self.name_scope():  # noqa:GLN00")),
    ("other.py", OLD_NET.replace("with self.name_scope():", "with self.name_scope():  # noqa: E501")),
])
def test_command_line_and_flake8_agree_on_noqa(project, name, text):
    import subprocess
    import sys

    (project / name).write_text(text)
    ours = subprocess.run([sys.executable, "-m", "gluon_codemod", "check", "-q", "--no-config", name],
                          cwd=str(project), capture_output=True, text=True)
    flake8 = subprocess.run([sys.executable, "-m", "flake8", "--isolated", "--select", "GLN", name],
                            cwd=str(project), capture_output=True, text=True)
    assert [line.split(" ")[:2] for line in ours.stdout.splitlines()] == \
        [line.split(" ")[:2] for line in flake8.stdout.splitlines()]
