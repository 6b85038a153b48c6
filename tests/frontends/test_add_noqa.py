"""Gradual adoption: `check --add-noqa[=REASON]` and `per-file-ignores`."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from gluon_codemod.frontends.add_noqa import with_codes

from .conftest import EXAMPLES, OLD_NET, write


@pytest.mark.parametrize("line, codes, expected", [
    ("x = 1\n", ["GLN001"], "x = 1  # noqa: GLN001\n"),
    ("x = 1   \r\n", ["GLN001", "GLN002"], "x = 1  # noqa: GLN001, GLN002\r\n"),
    ("x = 1  # keep me\n", ["GLN001"], "x = 1  # keep me  # noqa: GLN001\n"),
    ("x = 1  # noqa: E501\n", ["GLN001"], "x = 1  # noqa: E501, GLN001\n"),
    ("x = 1  # noqa:E501,W291\n", ["GLN001"], "x = 1  # noqa:E501,W291,GLN001\n"),
    ("x = 1  # noqa: E501 W291 too long\n", ["GLN001"], "x = 1  # noqa: E501 W291 GLN001 too long\n"),
    ("x = 1  # noqa: GLN00\n", ["GLN001"], "x = 1  # noqa: GLN00\n"),  # a prefix covers it already
    ("x = 1  # noqa\n", ["GLN001"], "x = 1  # noqa\n"),  # blanket
    ("x = 1  #noqa\n", ["GLN001"], "x = 1  #noqa  # noqa: GLN001\n"),  # `#noqa` is no noqa to flake8
])
def test_codes_merge_into_the_line(line, codes, expected):
    assert with_codes(line, codes, None) == expected


def test_reason_goes_after_new_comments_only():
    assert with_codes("x = 1\n", ["GLN001"], "migrate in Q3") == "x = 1  # noqa: GLN001 migrate in Q3\n"
    assert with_codes("x = 1  # noqa: E501\n", ["GLN001"], "later") == "x = 1  # noqa: E501, GLN001\n"


def test_add_noqa_silences_everything_and_is_idempotent(cli, project):
    shutil.copytree(EXAMPLES, project / "src")
    before = cli("check", "src")
    assert before.status == 1
    assert _flake8(project).returncode == 1
    run = cli("check", "--add-noqa=migrate later", "src")
    assert run.status == 0 and run.out == ""
    assert "added noqa comments to" in run.err
    after = cli("check", "src")
    assert (after.status, after.out) == (0, "")
    snapshot = {p: p.read_bytes() for p in (project / "src").rglob("*.py")}
    again = cli("check", "--add-noqa", "src")
    assert again.status == 0 and "added noqa comments to 0 lines in 0 files" in again.err
    assert {p: p.read_bytes() for p in (project / "src").rglob("*.py")} == snapshot
    assert "  # noqa: GLN001 migrate later" in (project / "src" / "resnet.py").read_text()
    # flake8 (its own noqa rules, our plugin) agrees that nothing is left
    flake8 = _flake8(project)
    assert (flake8.returncode, flake8.stdout) == (0, b"")


def _flake8(project):
    return subprocess.run([sys.executable, "-m", "flake8", "--select", "GLN", "src"], cwd=str(project),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def test_add_noqa_keeps_encoding_bom_and_line_endings(cli, project):
    data = b"\xef\xbb\xbf" + OLD_NET.replace("\n", "\r\n").encode()
    (project / "net.py").write_bytes(data)
    assert cli("check", "--add-noqa", "net.py").status == 0
    new = (project / "net.py").read_bytes()
    assert new == data.replace(b"with self.name_scope():\r\n", b"with self.name_scope():  # noqa: GLN001\r\n")


def test_add_noqa_flag_is_not_a_reason_eater(cli, project):
    write(project / "net.py", OLD_NET)
    run = cli("check", "--add-noqa", "net.py")  # net.py is the path, not the reason
    assert run.status == 0
    assert "with self.name_scope():  # noqa: GLN001\n" in (project / "net.py").read_text()


# -- per-file-ignores ---------------------------------------------------------------------------------------
def test_per_file_ignores(cli, project):
    write(project / "pyproject.toml", '[tool.gluon-codemod]\nper-file-ignores = {"legacy/*" = ["GLN001"], '
                                      '"old_*.py" = ["GLN0"]}\n')
    for name in ("legacy/a.py", "src/old_b.py", "src/c.py"):
        write(project / name, OLD_NET)
    run = cli("check", ".")
    assert run.status == 1
    assert [line.split(":")[0] for line in run.out.splitlines()] == ["src/c.py"]
    stdin = subprocess.run([sys.executable, "-m", "gluon_codemod", "check", "-", "--stdin-filename",
                            "legacy/x.py"], cwd=str(project), input=OLD_NET.encode(), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
    assert (stdin.returncode, stdin.stdout) == (0, b"")


@pytest.mark.parametrize("value, message", [
    ('{"x/*" = "GLN001"}', "per-file-ignores must be a table"),
    ('{"x/*" = ["NOPE1"]}', "is not a rule code or prefix"),
    ('{"x/*" = [""]}', "an empty rule code"),
])
def test_per_file_ignores_errors(cli, project, value, message):
    write(project / "pyproject.toml", f"[tool.gluon-codemod]\nper-file-ignores = {value}\n")
    write(project / "a.py", OLD_NET)
    run = cli("check", "a.py")
    assert run.status == 2 and message in run.err and "pyproject.toml" in run.err


def test_add_noqa_on_stdin_is_a_usage_error(project):
    # with --stdin-filename the findings are of stdin's text: they must not be written into the file on disk
    write(project / "net.py", OLD_NET)
    run = subprocess.run([sys.executable, "-m", "gluon_codemod", "check", "--add-noqa", "-", "--stdin-filename",
                          "net.py"], cwd=str(project), input=OLD_NET.encode(), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    assert run.returncode == 2 and b"cannot read `-`" in run.stderr
    assert (project / "net.py").read_text() == OLD_NET


# -- notebooks ----------------------------------------------------------------------------------------------
def _notebook_bytes(cells, indent="\t", bom=True, crlf=True) -> bytes:
    from .test_notebooks import code, notebook

    text = json.dumps(notebook([code(source, cell_id=f"c{n}") for n, source in enumerate(cells)]),
                      indent=indent, ensure_ascii=False) + "\n"
    if crlf:
        text = text.replace("\n", "\r\n")
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


def test_add_noqa_comments_notebook_cells_in_their_layout_and_is_idempotent(cli, project):
    # a magic line before the finding (masked as Python for the engine, kept as it is), a call over two
    # lines, a cell without findings, and a BOM, CRLF and tabs kept
    imports = ["%matplotlib inline\n", "from mxnet import gluon\n", "net = gluon.nn.HybridSequential()\n"]
    save = ["net.save_params(\n", "    'model.params')\n", "print('é')"]
    clean = "x = 1\n"
    path = project / "nb.ipynb"
    path.write_bytes(_notebook_bytes([imports, save, clean]))
    assert cli("check", "nb.ipynb").status == 1
    run = cli("check", "--add-noqa=later", "nb.ipynb")
    assert run.status == 0 and "added noqa comments to 1 line in 1 file" in run.err
    expected = _notebook_bytes([imports, ["net.save_params(  # noqa: GLN007 later\n", "    'model.params')\n",
                                          "print('é')"], clean])
    assert path.read_bytes() == expected
    assert (cli("check", "nb.ipynb").status, cli("check", "nb.ipynb").out) == (0, "")
    again = cli("check", "--add-noqa", "nb.ipynb")
    assert again.status == 0 and "0 lines in 0 files" in again.err and path.read_bytes() == expected


def test_add_noqa_in_a_notebook_with_a_broken_cell_comments_the_others(cli, project):
    path = project / "nb.ipynb"
    path.write_bytes(_notebook_bytes([["def f(:\n"], ["from mxnet import gluon\n", "net = gluon.nn.Dense(2)\n",
                                                      "net.save_params('x')"]], indent=1, bom=False, crlf=False))
    run = cli("check", "--add-noqa", "nb.ipynb")
    assert run.status == 2  # the broken cell is still an error
    source = json.loads(path.read_text())["cells"][1]["source"]
    assert source[-1] == "net.save_params('x')  # noqa: GLN007"
    assert cli("check", "nb.ipynb").out == ""  # only the error is left
