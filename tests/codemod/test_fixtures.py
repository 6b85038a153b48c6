"""Whole-file fixtures: the bundled Gluon 1.x examples and the reviewed output of `fix` on each.

`examples/NAME.py` is the input (the README's set-up command runs on it); `fixtures/NAME.py` is the
expected result of the safe fixes, `fixtures/NAME.unsafe.py` that of `--unsafe-fixes` where it differs.
The expected files were produced by the tool and then read line by line; a change in output shows up
here as a diff to review, never as a silent update.
"""
import ast
import os

import pytest

from gluon_codemod import check_code, fix_code

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(ROOT, "examples")
FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
NAMES = sorted(name[:-3] for name in os.listdir(EXAMPLES) if name.endswith(".py"))


def _read(path):
    with open(path, "rb") as handle:
        return handle.read()


def _cases():
    for name in NAMES:
        yield pytest.param(name, False, os.path.join(FIXTURES, name + ".py"), id=name)
        unsafe = os.path.join(FIXTURES, name + ".unsafe.py")
        yield pytest.param(name, True, unsafe if os.path.exists(unsafe) else os.path.join(FIXTURES, name + ".py"),
                           id=name + "-unsafe")


def test_every_example_has_a_fixture():
    assert NAMES, "examples/ is empty"
    missing = [name for name in NAMES if not os.path.exists(os.path.join(FIXTURES, name + ".py"))]
    assert not missing, f"examples without an expected output in {FIXTURES}: {missing}"


@pytest.mark.parametrize("name,unsafe,expected_path", list(_cases()))
def test_fix_gives_the_reviewed_output_and_is_idempotent(name, unsafe, expected_path):
    original = _read(os.path.join(EXAMPLES, name + ".py"))
    result = fix_code(original, unsafe_fixes=unsafe)
    assert result.code.decode() == _read(expected_path).decode()
    ast.parse(result.code)
    assert fix_code(result.code, unsafe_fixes=unsafe).code == result.code, "fixing twice differs from once"
    # what was not fixed is still reported on the result, at the same place
    left = {(f.code, f.message) for f in result.findings if not f.fixed}
    assert {(f.code, f.message) for f in check_code(result.code)} >= left
