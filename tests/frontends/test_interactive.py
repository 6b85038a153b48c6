"""`fix --interactive`, driven through a pseudo-terminal as a person would use it."""
from __future__ import annotations

import sys

import pytest

from .conftest import NEW_NET, OLD_NET, write

pexpect = pytest.importorskip("pexpect")

UNSAFE_OLD = "from mxnet import gluon\nnet = gluon.nn.HybridSequential()\nnet.save_params('model.params')\n"
UNSAFE_NEW = "from mxnet import gluon\nnet = gluon.nn.HybridSequential()\nnet.save_parameters('model.params')\n"
PROMPT = r"\[y\]es/\[n\]o/\[a\]ll/\[q\]uit: "


def _spawn(project, *args):
    child = pexpect.spawn(sys.executable, ["-m", "gluon_codemod", "fix", *args], cwd=str(project),
                          encoding="utf-8", timeout=60, dimensions=(50, 200))
    return child


@pytest.fixture
def two_files(project):
    write(project / "a_net.py", OLD_NET)  # a safe fix (GLN001)
    write(project / "b_save.py", UNSAFE_OLD)  # an unsafe fix (GLN007: checkpoint keys change)
    return project


def test_safe_fixes_applied_unasked_unsafe_one_declined(two_files):
    child = _spawn(two_files, "--interactive", ".")
    child.expect("b_save.py: GLN007 deprecated-save-load-params \\(UNSAFE fix")
    child.expect(r"\+net.save_parameters\('model.params'\)")
    child.expect(PROMPT)
    child.sendline("n")
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


def test_all_asks_for_safe_fixes_and_quit_stops(two_files):
    child = _spawn(two_files, "--interactive=all", ".")
    child.expect("a_net.py: GLN001 name-scope \\(safe fix")
    child.expect(r"-        with self.name_scope\(\):")
    child.expect(PROMPT)
    child.sendline("q")
    child.expect("quit; the files after this one were left unchanged")
    child.expect(pexpect.EOF)
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


def test_interactive_without_a_terminal_is_refused(cli, two_files):
    run = cli("fix", "--interactive", ".")
    assert run.status == 2 and "needs a terminal" in run.err
    assert (two_files / "a_net.py").read_text() == OLD_NET
