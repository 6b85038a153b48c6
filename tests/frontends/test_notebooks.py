"""Jupyter notebooks through the CLI: code cells only, IPython lines kept, everything else byte for byte."""
from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from gluon_codemod.run.notebook import mask_magics, unmask_magics

from .conftest import NEW_NET, OLD_NET, run_process, snapshot, write

IMPORTS = "%matplotlib inline\n!pip install mxnet==1.9.1\nfrom mxnet.gluon import nn\nimport mxnet as mx"
# The `%time` line sits inside the `with` body: GLN001 dedents it together with the rest.
BUILD_OLD = ("net = nn.HybridSequential()\n"
             "files = !ls\n"
             "with net.name_scope():\n"
             "    %time x = 1\n"
             "    net.add(nn.Dense(2))\n"
             "net.initialize()")
BUILD_NEW = ("net = nn.HybridSequential()\n"
             "files = !ls\n"
             "%time x = 1\n"
             "net.add(nn.Dense(2))\n"
             "net.initialize()")


def _lines(text: str) -> list:
    return text.splitlines(keepends=True)


def notebook(cells) -> dict:
    return {
        "cells": cells,
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                     "language_info": {"name": "python", "version": "3.8.10"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def code(source, outputs=None, cell_id="c1") -> dict:
    # Key order as Jupyter writes it; the rewrite must keep it.
    return {"cell_type": "code", "execution_count": 3, "id": cell_id, "metadata": {"scrolled": True},
            "outputs": outputs or [], "source": source}


def markdown(text: str) -> dict:
    return {"cell_type": "markdown", "id": "md", "metadata": {}, "source": _lines(text)}


def as_jupyter_writes_it(nb: dict, indent: int = 1) -> bytes:
    return (json.dumps(nb, indent=indent, ensure_ascii=False) + "\n").encode("utf-8")


def sample(build_source=BUILD_OLD) -> dict:
    return notebook([
        markdown("# Démo: a Gluon 1.x notebook ✓\n"),
        code(_lines(IMPORTS), cell_id="imports"),
        code(_lines(build_source), outputs=[{"name": "stdout", "output_type": "stream", "text": ["ok\n"]}],
             cell_id="build"),
        code("%%bash\necho 'with net.name_scope():'\n", cell_id="shell"),
        code(_lines(OLD_NET), cell_id="net"),
    ])


@pytest.fixture
def nb_path(project):
    path = project / "nb" / "train.ipynb"
    path.parent.mkdir()
    path.write_bytes(as_jupyter_writes_it(sample()))
    return path


def test_check_reports_cell_locations(cli, nb_path):
    run = cli("check", "nb")  # found in a folder
    assert run.status == 1
    assert [line.split(": GLN")[0] for line in run.out.splitlines()] == [
        "nb/train.ipynb:cell 3:3:1", "nb/train.ipynb:cell 5:7:9"]
    assert "cell 4" not in run.out  # a %%bash cell is not Python


def test_fix_rewrites_code_cells_only_and_keeps_layout(cli, nb_path):
    run = cli("fix", str(nb_path))
    assert run.status == 1
    expected = sample(BUILD_NEW)
    expected["cells"][4]["source"] = _lines(NEW_NET)
    assert nb_path.read_bytes() == as_jupyter_writes_it(expected)
    assert cli("fix", str(nb_path)).status == 0  # idempotent


def test_layout_with_indent_2_and_no_trailing_newline_is_kept(cli, project):
    path = project / "wide.ipynb"
    path.write_bytes(json.dumps(sample(), indent=2, ensure_ascii=False).encode())
    cli("fix", "wide.ipynb")
    expected = sample(BUILD_NEW)
    expected["cells"][4]["source"] = _lines(NEW_NET)
    assert path.read_bytes() == json.dumps(expected, indent=2, ensure_ascii=False).encode()


def test_string_source_stays_a_string(cli, project):
    path = project / "s.ipynb"
    path.write_bytes(as_jupyter_writes_it(notebook([code(OLD_NET)])))
    cli("fix", "s.ipynb")
    assert json.loads(path.read_text())["cells"][0]["source"] == NEW_NET


def test_cell_that_cannot_parse_is_reported_and_left_alone(cli, project):
    nb = notebook([code(["from mxnet import gluon\n", "def f(:\n"]), code(_lines(OLD_NET))])
    path = project / "bad.ipynb"
    path.write_bytes(as_jupyter_writes_it(nb))
    run = cli("fix", "--report", "r.json", "bad.ipynb")
    assert run.status == 2
    assert "bad.ipynb:cell 1:2:7: error: cannot parse" in run.err
    cells = json.loads(path.read_text())["cells"]
    assert cells[0]["source"] == nb["cells"][0]["source"] and "".join(cells[1]["source"]) == NEW_NET
    entry = json.loads((project / "r.json").read_text())["files"][0]
    assert entry["errors"][0]["cell"] == 1 and entry["findings"][0]["cell"] == 2 and entry["written"]


def test_fix_stdin_gives_the_bytes_fix_writes_when_a_cell_cannot_parse(cli, project):
    """Editors and hooks that pipe a notebook through `fix -` get what `fix FILE` writes (issue 20): the other
    cells fixed, the bad one as it was, exit 2 either way."""
    nb = notebook([code(["from mxnet import gluon\n", "def f(:\n"]), code(_lines(OLD_NET), cell_id="net")])
    data = as_jupyter_writes_it(nb)
    path = project / "nb.ipynb"
    path.write_bytes(data)
    assert cli("fix", "nb.ipynb").status == 2
    fixed_in_place = path.read_bytes()
    assert fixed_in_place != data and "".join(json.loads(fixed_in_place)["cells"][1]["source"]) == NEW_NET
    piped = run_process(["fix", "-", "--stdin-filename", "nb.ipynb"], project, stdin=data)
    assert piped.returncode == 2, piped.stderr.decode()
    assert piped.stdout == fixed_in_place
    assert "nb.ipynb:cell 1:2:7: error: cannot parse" in piped.stderr.decode()


def test_invalid_json_is_a_file_error(cli, project):
    write(project / "broken.ipynb", '{"cells": [')
    run = cli("check", "broken.ipynb")
    assert run.status == 2 and "broken.ipynb:1:" in run.err and "invalid JSON" in run.err


def test_check_and_diff_write_nothing(cli, nb_path, project):
    before = snapshot(project)
    assert cli("check", "nb").status == 1
    assert cli("fix", "--diff", "nb").status == 1
    assert snapshot(project) == before


@pytest.mark.skipif(shutil.which("patch") is None, reason="needs the `patch` command")
def test_notebook_diff_applies_with_patch(cli, nb_path, project, tmp_path):
    diff = cli("fix", "--diff", "--quiet", "nb").out
    assert diff.startswith("--- a/nb/train.ipynb")
    done = subprocess.run(["patch", "-p1"], cwd=project, input=diff.encode(), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT)
    assert done.returncode == 0, done.stdout
    expected = sample(BUILD_NEW)
    expected["cells"][4]["source"] = _lines(NEW_NET)
    assert nb_path.read_bytes() == as_jupyter_writes_it(expected)


def test_noqa_in_a_cell(cli, project):
    source = OLD_NET.replace("with self.name_scope():", "with self.name_scope():  # noqa: GLN001")
    path = project / "q.ipynb"
    path.write_bytes(as_jupyter_writes_it(notebook([code(_lines(source))])))
    before = path.read_bytes()
    assert cli("fix", "q.ipynb").status == 0 and path.read_bytes() == before


# -- masking IPython lines --------------------------------------------------------------------------------
@pytest.mark.parametrize("source", [
    "total = (a\n         % b)\n",  # `%` continuing an expression is the modulo operator
    '"""doc\n!not a shell line\n"""\n',  # inside a string
    "x = 1 % 2\n",
])
def test_python_lines_are_not_masked(source):
    assert mask_magics(source) == (source, {})


@pytest.mark.parametrize("source", [
    "%time f()\n", "!ls -l\n", "files = !ls\n", "a, b = %sx ls\n", "obj?\n", "??obj\n",
    "for i in x:\n    !echo $i\n", "!pip install \\\n    mxnet\n",
])
def test_ipython_lines_round_trip_through_masking(source):
    masked, originals = mask_magics(source)
    assert originals and masked != source
    compile(masked, "<cell>", "exec")  # the placeholder is valid Python where the magic stood
    assert unmask_magics(masked, originals) == source


def test_lost_placeholder_refuses_to_unmask():
    masked, originals = mask_magics("%time f()\n")
    assert unmask_magics("", originals) is None
