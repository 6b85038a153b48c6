"""`fix --interactive`, driven through a pseudo-terminal as a person would use it."""
from __future__ import annotations

import ast
import io
import itertools
import json
import os
import re
import shutil
import sys

import pytest

from .conftest import BROKEN, EXAMPLES, NEW_NET, OLD_NET, REPO, run_process, write
from .test_notebooks import code, notebook

pexpect = pytest.importorskip("pexpect")

UNSAFE_OLD = "from mxnet import gluon\nnet = gluon.nn.HybridSequential()\nnet.save_params('model.params')\n"
UNSAFE_NEW = "from mxnet import gluon\nnet = gluon.nn.HybridSequential()\nnet.save_parameters('model.params')\n"
PROMPT = r"\[y\]es/\[n\]o/\[a\]ll/\[q\]uit: "
# The header of each question: `path:line: CODE name (kind ...`
QUESTION = re.compile(r"\n(\S+?):(?:cell (\d+):)?(\d+): (GLN\d+) \S+ \((safe|UNSAFE) fix")


def _spawn(project, *args):
    child = pexpect.spawn(sys.executable, ["-m", "gluon_codemod", "fix", *args], cwd=str(project),
                          encoding="utf-8", timeout=60, dimensions=(50, 200))
    child.logfile_read = child.transcript = io.StringIO()  # everything the terminal showed
    return child


def _answer(child, decide) -> list:
    """Answer every question with `decide(path, line, code)`; returns the questions asked, in order."""
    asked = []
    while child.expect([QUESTION, pexpect.EOF]) == 0:
        path, cell, line, rule, _ = child.match.groups()
        site = (path, int(cell) if cell else None, int(line), rule)
        asked.append(site)
        child.expect(PROMPT)
        child.sendline(decide(*site))
    child.close()
    return asked


@pytest.fixture
def two_files(project):
    write(project / "a_net.py", OLD_NET)  # a safe fix (GLN001)
    write(project / "b_save.py", UNSAFE_OLD)  # an unsafe fix (GLN007: checkpoint keys change)
    return project


def test_safe_fixes_applied_unasked_unsafe_one_declined(two_files):
    child = _spawn(two_files, "--interactive", ".")
    child.expect("b_save.py:3: GLN007 deprecated-save-load-params \\(UNSAFE fix")
    child.expect(r"\+net.save_parameters\('model.params'\)")
    child.expect(PROMPT)
    child.sendline("n")
    child.expect("Declined \\(left as they are, reported as findings\\):")
    child.expect("b_save.py:3: GLN007 `net.save_params` is removed")
    child.expect("1 file rewritten, 1 fix applied, 1 declined")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    assert (two_files / "a_net.py").read_text() == NEW_NET
    assert (two_files / "b_save.py").read_text() == UNSAFE_OLD


def test_yes_applies_the_unsafe_fix(two_files):
    child = _spawn(two_files, "--interactive", ".")
    child.expect(PROMPT)
    child.sendline("maybe")
    child.expect("Please answer y, n, a or q.")
    child.expect(PROMPT)
    child.sendline("y")
    child.expect("2 files rewritten, 2 fixes applied, 0 declined")
    child.expect(pexpect.EOF)
    assert (two_files / "b_save.py").read_text() == UNSAFE_NEW


def test_each_unsafe_fix_is_its_own_question(project):
    # two unsafe fixes of one rule in one file: two questions, each diff on top of what was accepted
    write(project / "save.py", UNSAFE_OLD + "net.save_params('b.params')\n")
    child = _spawn(project, "--interactive", "save.py")
    child.expect("save.py:3: GLN007")
    child.expect(r"-net.save_params\('model.params'\)\r?\n\+net.save_parameters\('model.params'\)")
    child.expect(PROMPT)
    child.sendline("y")
    child.expect("save.py:4: GLN007")
    # the context of the second diff already has the accepted first fix
    child.expect(r" net.save_parameters\('model.params'\)\r?\n-net.save_params\('b.params'\)")
    child.expect(PROMPT)
    child.sendline("n")
    child.expect("1 file rewritten, 1 fix applied, 1 declined")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    assert (project / "save.py").read_text() == UNSAFE_NEW + "net.save_params('b.params')\n"


def test_all_asks_for_safe_fixes_and_quit_stops(two_files):
    child = _spawn(two_files, "--interactive=all", ".")
    child.expect("a_net.py:7: GLN001 name-scope \\(safe fix")
    child.expect(r"-        with self.name_scope\(\):")
    child.expect(PROMPT)
    child.sendline("q")
    child.expect("quit at a_net.py; the files after it were left unchanged")
    child.expect("0 files rewritten, 0 fixes applied, 0 declined")
    child.expect(pexpect.EOF)
    assert (two_files / "a_net.py").read_text() == OLD_NET
    assert (two_files / "b_save.py").read_text() == UNSAFE_OLD


def test_quit_writes_what_was_accepted_before_it(project):
    write(project / "a_save.py", UNSAFE_OLD + "net.save_params('b.params')\n")
    write(project / "b_net.py", OLD_NET)
    child = _spawn(project, "--interactive", ".")
    child.expect("a_save.py:3: GLN007")
    child.expect(PROMPT)
    child.sendline("y")
    child.expect("a_save.py:4: GLN007")
    child.expect(PROMPT)
    child.sendline("q")
    child.expect("quit at a_save.py; the files after it were left unchanged")
    child.expect("Not asked, not applied")
    child.expect("a_save.py:4: GLN007")
    child.expect("1 file rewritten, 1 fix applied, 0 declined")
    child.expect(pexpect.EOF)
    assert (project / "a_save.py").read_text() == UNSAFE_NEW + "net.save_params('b.params')\n"
    assert (project / "b_net.py").read_text() == OLD_NET  # its safe fix too: nothing after the quit


def test_ctrl_c_during_the_review_writes_nothing(two_files):
    child = _spawn(two_files, "--interactive=all", ".")
    child.expect(PROMPT)
    child.sendline("y")  # a_net.py's safe fix accepted ...
    child.expect("b_save.py:3: GLN007")
    child.expect(PROMPT)
    child.sendintr()  # ... but nothing is written before the last answer
    child.expect("interrupted")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert (two_files / "a_net.py").read_text() == OLD_NET
    assert (two_files / "b_save.py").read_text() == UNSAFE_OLD


def test_all_answer_applies_everything_after_it(two_files):
    child = _spawn(two_files, "--interactive=all", ".")
    child.expect(PROMPT)
    child.sendline("a")
    child.expect("2 files rewritten, 2 fixes applied, 0 declined")
    child.expect(pexpect.EOF)
    assert (two_files / "a_net.py").read_text() == NEW_NET
    assert (two_files / "b_save.py").read_text() == UNSAFE_NEW


@pytest.mark.parametrize("flags", [["--report", "r.json"], ["--output-format", "sarif"], ["--statistics"],
                                   ["--output-file", "out.txt"], ["--diff"]])
def test_interactive_with_a_reporting_flag_is_a_usage_error(cli, two_files, capsys, flags):
    with pytest.raises(SystemExit) as stop:
        cli("fix", "--interactive", *flags, ".")
    assert stop.value.code == 2 and flags[0] in capsys.readouterr().err
    assert (two_files / "a_net.py").read_text() == OLD_NET and not (two_files / "r.json").exists()


def test_interactive_without_a_terminal_is_refused(cli, two_files):
    run = cli("fix", "--interactive", ".")
    assert run.status == 2 and "needs a terminal" in run.err
    assert (two_files / "a_net.py").read_text() == OLD_NET


LAYERS = """\
from mxnet.gluon import nn


class Embed(nn.Block):
    def __init__(self, units, prefix=None, params=None):
        super(Embed, self).__init__(prefix=prefix, params=params)
        self.dense = nn.Dense(units)

    def forward(self, x):
        return self.dense(x)
"""
MODEL = """\
from mxnet.gluon import nn

from . import layers


class Model(nn.Block):
    def __init__(self, **kwargs):
        super(Model, self).__init__(**kwargs)
        with self.name_scope():
            self.a = layers.Embed(8)
            self.b = layers.Embed(8, 'b_')

    def forward(self, x):
        return self.b(self.a(x))
"""


@pytest.fixture
def package(project):
    write(project / "pyproject.toml", "")
    write(project / "shop" / "__init__.py", "")
    write(project / "shop" / "layers.py", LAYERS)
    write(project / "shop" / "model.py", MODEL)
    return project


def test_a_call_declined_before_its_class_is_reviewed_shapes_what_is_offered(package):
    # app.py is reviewed before layers.py: once its call passing `prefix` is declined, layers.py is
    # offered the removal of `params` only, and nothing has to be withdrawn at the end
    (package / "shop" / "model.py").rename(package / "shop" / "app.py")
    child = _spawn(package, "--interactive=all", "shop")
    asked = _answer(child, lambda path, cell, line, rule: "n" if path.endswith("app.py") and rule == "GLN003"
                    else "y")
    assert asked.index(("shop/app.py", None, 11, "GLN003")) < asked.index(("shop/layers.py", None, 5, "GLN003"))
    output = child.transcript.getvalue().replace("\r\n", "\n")
    assert "+    def __init__(self, units, prefix=None):\n" in output
    assert "+    def __init__(self, units):" not in output and "Accepted, but not applied" not in output
    layers = (package / "shop" / "layers.py").read_text()
    assert "def __init__(self, units, prefix=None):" in layers
    assert "super(Embed, self).__init__(prefix=prefix)" in layers


def test_declining_a_call_keeps_the_parameter_in_the_other_module(package):
    # the signature's change is accepted in layers.py, but the call passing `prefix` in model.py is
    # declined: the plan keeps `prefix` (not `params`, which no call passes), and says why
    child = _spawn(package, "--interactive=all", "shop")
    asked = _answer(child, lambda path, cell, line, rule: "n" if path.endswith("model.py") and rule == "GLN003"
                    else "y")
    assert ("shop/layers.py", None, 5, "GLN003") in asked and ("shop/model.py", None, 11, "GLN003") in asked
    assert child.exitstatus == 1
    output = child.transcript.getvalue().replace("\r\n", "\n")
    assert "Declined" in output and "shop/model.py:11: GLN003" in output
    assert re.search(r"Accepted, but not applied.*\n(\s+.*\n)*\s+shop/layers.py:5: GLN003 \(1 of 2 applied\)", output)
    assert "shop/model.py:10:34: GLN003 `Embed.__init__` keeps its `prefix` parameter" in output
    layers = (package / "shop" / "layers.py").read_text()
    assert "def __init__(self, units, prefix=None):" in layers
    assert "super(Embed, self).__init__(prefix=prefix)" in layers
    model = (package / "shop" / "model.py").read_text()
    assert "name_scope" not in model and "        self.b = layers.Embed(8, 'b_')\n" in model


def test_accepting_every_call_removes_the_parameter_everywhere(package):
    child = _spawn(package, "--interactive=all", "shop")
    _answer(child, lambda *site: "y")
    output = child.transcript.getvalue()
    assert "2 files rewritten" in output and "Accepted, but not applied" not in output
    assert "def __init__(self, units):" in (package / "shop" / "layers.py").read_text()
    assert "self.b = layers.Embed(8)\n" in (package / "shop" / "model.py").read_text()


def test_a_notebook_is_reviewed_fix_by_fix(project):
    cells = [code(["from mxnet import gluon\n", "net = gluon.nn.HybridSequential()\n"], cell_id="a"),
             code(["net.save_params('a.params')\n", "net.save_params('b.params')"], cell_id="b")]
    raw = ("\ufeff" + json.dumps(notebook(cells), indent="\t") + "\n").replace("\n", "\r\n").encode("utf-8")
    path = project / "nb.ipynb"
    path.write_bytes(raw)
    child = _spawn(project, "--interactive", "nb.ipynb")
    asked = _answer(child, lambda path, cell, line, rule: "y" if line == 1 else "n")
    assert asked == [("nb.ipynb", 2, 1, "GLN007"), ("nb.ipynb", 2, 2, "GLN007")]
    assert "--- a/nb.ipynb (cell 2)" in child.transcript.getvalue()
    assert child.exitstatus == 1
    new = path.read_bytes()
    assert new.startswith(b"\xef\xbb\xbf") and b"\r\n\t\"cells\"" in new  # BOM, CRLF and tabs kept
    source = json.loads(new.decode("utf-8-sig"))["cells"][1]["source"]
    assert source == ["net.save_parameters('a.params')\n", "net.save_params('b.params')"]
    expected = raw.replace(b"net.save_params('a.", b"net.save_parameters('a.")
    assert new == expected  # nothing else in the file changed


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_broken_file_and_a_fifo_do_not_stop_the_review(two_files):
    write(two_files / "broken.py", BROKEN)
    os.mkfifo(str(two_files / "pipe.py"))  # opened without blocking, skipped with a message
    child = _spawn(two_files, "--interactive", ".")
    _answer(child, lambda *site: "y")
    output = child.transcript.getvalue()
    assert "broken.py:2:" in output and "cannot parse" in output
    assert "pipe.py: skipped: a named pipe (FIFO)" in output
    assert "2 files rewritten, 2 fixes applied" in output
    assert child.exitstatus == 2
    assert (two_files / "b_save.py").read_text() == UNSAFE_NEW and (two_files / "broken.py").read_text() == BROKEN


def test_a_file_changed_during_the_review_is_not_overwritten(two_files):
    child = _spawn(two_files, "--interactive", ".")
    child.expect(PROMPT)  # b_save.py's question: a_net.py's safe fix is waiting to be written
    edited = OLD_NET + "# edited in an editor meanwhile\n"
    write(two_files / "a_net.py", edited)
    child.sendline("y")
    child.expect("a_net.py:1:1: error: changed by someone else during the review; left as it is")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2
    assert (two_files / "a_net.py").read_text() == edited
    assert (two_files / "b_save.py").read_text() == UNSAFE_NEW


def test_a_notebook_cell_that_cannot_be_parsed_is_reported_and_the_others_reviewed(project):
    cells = [code(["def f(:\n"], cell_id="bad"), code(UNSAFE_OLD.splitlines(keepends=True), cell_id="ok")]
    path = project / "nb.ipynb"
    path.write_text(json.dumps(notebook(cells), indent=1) + "\n")
    child = _spawn(project, "--interactive", "nb.ipynb")
    assert _answer(child, lambda *site: "y") == [("nb.ipynb", 2, 3, "GLN007")]
    assert "nb.ipynb:cell 1:1:7: error: cannot parse" in child.transcript.getvalue()
    assert child.exitstatus == 2
    assert json.loads(path.read_text())["cells"][1]["source"] == UNSAFE_NEW.splitlines(keepends=True)


SHOP = os.path.join(REPO, "tests", "codemod", "projects", "shop", "before")


@pytest.fixture
def shop_and_examples(tmp_path_factory):
    """Two copies of a real multi-module project (with the bundled examples in it)."""
    copies = []
    for name in ("interactive", "batch"):
        root = tmp_path_factory.mktemp(name) / "shop"
        shutil.copytree(SHOP, str(root))
        shutil.copytree(EXAMPLES, str(root / "examples"))
        copies.append(root)
    return copies


def _tree(root) -> dict:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_yes_to_every_question_is_fix_with_unsafe_fixes(shop_and_examples):
    interactive, batch = shop_and_examples
    child = _spawn(interactive, "--interactive=all", ".")
    asked = _answer(child, lambda *site: "y")
    assert len(asked) > 40 and len(set(asked)) == len(asked)  # each fix site asked about once
    before = _tree(batch)
    run_process(["fix", "--unsafe-fixes", "-q", "."], cwd=batch)
    assert _tree(interactive) == _tree(batch) != before


def test_no_to_every_question_changes_nothing(shop_and_examples):
    interactive, _ = shop_and_examples
    before = _tree(interactive)
    child = _spawn(interactive, "--interactive=all", ".")
    asked = _answer(child, lambda *site: "n")
    assert len(asked) > 30 and "0 files rewritten, 0 fixes applied" in child.transcript.getvalue()
    assert child.exitstatus == 1
    assert _tree(interactive) == before


@pytest.mark.parametrize("every", [2, 3, 5])
def test_any_mix_of_answers_leaves_every_call_binding(shop_and_examples, every):
    # declining every n-th question, wherever it falls (a signature, the call of a class in another
    # module, a base call): each call of the project still binds to the signature it calls as written
    from tests.codemod._call_checker import mismatches

    interactive, _ = shop_and_examples
    count = itertools.count(1)
    child = _spawn(interactive, "--interactive=all", ".")
    asked = _answer(child, lambda *site: "n" if next(count) % every == 0 else "y")
    assert len(asked) > 20 and "declined" in child.transcript.getvalue()
    for path in interactive.rglob("*.py"):
        ast.parse(path.read_text())
    # (a declined `prefix=` given to a Gluon class is left on purpose: it is reported, not a broken call)
    assert [m for m in mismatches(str(interactive)) if "given to Gluon" not in m] == []
