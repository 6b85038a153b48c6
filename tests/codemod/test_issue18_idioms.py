"""Issue 18, idioms 1, 2 and 4 together in a 1.x training script (`idioms/issue18_train.py`): the expected
output of `fix` (safe) and of `fix --unsafe-fixes --target runtime`, and the rewritten script trained on
`gluon_runtime` printing, byte for byte, what the original prints on stock MXNet 1.9.1.

Each run is a child process: a native MXNet crash must not take the test session with it.
"""
import os
import subprocess
import sys

import pytest

from gluon_codemod import fix_code

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "idioms")
SOURCE = os.path.join(HERE, "issue18_train.py")


def _read(name):
    with open(os.path.join(HERE, name), encoding="utf-8", newline="") as handle:
        return handle.read()


@pytest.mark.parametrize("expected,options", [
    ("issue18_train.safe.py", {}),
    ("issue18_train.unsafe-runtime.py", {"unsafe_fixes": True, "target": "runtime"}),
])
def test_fix_gives_the_reviewed_output(expected, options):
    result = fix_code(_read("issue18_train.py"), **options)
    assert result.code == _read(expected)
    assert fix_code(result.code, **options).code == result.code


def test_safe_fix_leaves_only_the_flat_name_filter():
    # GLN012's rewrite assumes the attribute path: it waits for --unsafe-fixes, with a finding
    left = [f for f in fix_code(_read("issue18_train.py")).findings if not f.fixed]
    assert [(f.code, f.fix_safe) for f in left] == [("GLN012", False)]


def _train(path, tmp_path, *args):
    proc = subprocess.run([sys.executable, path, *args], capture_output=True, text=True, timeout=300,
                          cwd=str(tmp_path))
    return proc.returncode, proc.stdout, proc.stderr


@pytest.mark.parametrize("hybridize", [(), ("hybridize",)], ids=["imperative", "hybridized"])
def test_rewritten_script_trains_on_the_runtime_exactly_as_stock(tmp_path, hybridize):
    stock = _train(SOURCE, tmp_path, *hybridize)
    assert stock[0] == 0, stock[2]
    assert stock[1].splitlines()[-1].startswith("1 ")  # only the LHUC weight trains
    rewritten = tmp_path / "train_runtime.py"
    rewritten.write_text(_read("issue18_train.unsafe-runtime.py"))
    runtime = _train(str(rewritten), tmp_path, *hybridize)
    assert runtime[0] == 0, runtime[2]
    assert runtime[1] == stock[1]


@pytest.mark.parametrize("ignored", ["GLN011", "GLN012"])
def test_without_the_idiom_rules_the_runtime_run_differs(tmp_path, ignored):
    # what the rewrite used to leave: the second registration, or a filter that freezes everything
    code = fix_code(_read("issue18_train.py"), unsafe_fixes=True, target="runtime", ignore=[ignored]).code
    rewritten = tmp_path / "train_runtime.py"
    rewritten.write_text(code)
    stock = _train(SOURCE, tmp_path)
    runtime = _train(str(rewritten), tmp_path)
    assert runtime[0] != 0 or runtime[1] != stock[1]
    if ignored == "GLN011":
        assert "unexpected keyword argument" in runtime[2]
