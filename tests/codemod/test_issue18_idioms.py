"""Issue 18, idioms 1, 2 and 4 together in a toy 1.x project (`projects/issue18_idioms/before`): `fix` over it gives
the reviewed trees (`safe/`; `unsafe-runtime/` for `--unsafe-fixes --target runtime`), and the rewritten
project trains on `gluon_runtime` printing, byte for byte, what the original prints on stock MXNet 1.9.1.

Each training run is a child process: a native MXNet crash must not take the test session with it.
"""
import os
import shutil
import subprocess
import sys

import pytest

from gluon_codemod.frontends.cli import main

PROJECT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "projects", "issue18_idioms")
UNSAFE_RUNTIME = ["--unsafe-fixes", "--target", "runtime"]


def _tree(root):
    found = {}
    for name in sorted(os.listdir(root)):
        if name.endswith(".py"):
            with open(os.path.join(root, name), encoding="utf-8", newline="") as handle:
                found[name] = handle.read()
    return found


def _fixed(tmp_path, options, name="project"):
    root = tmp_path / name
    shutil.copytree(os.path.join(PROJECT, "before"), root)
    cwd = os.getcwd()
    os.chdir(root)
    try:
        main(["fix", "--quiet", "--no-config", *options, "."])
    finally:
        os.chdir(cwd)
    return root


@pytest.mark.parametrize("expected,options", [("safe", []), ("unsafe-runtime", UNSAFE_RUNTIME)])
def test_fix_gives_the_reviewed_tree(tmp_path, monkeypatch, expected, options):
    root = _fixed(tmp_path, options)
    assert _tree(root) == _tree(os.path.join(PROJECT, expected))
    before = _tree(root)
    monkeypatch.chdir(root)
    main(["fix", "--quiet", "--no-config", *options, "."])
    assert _tree(root) == before  # idempotent


def test_the_safe_fix_leaves_only_the_flat_name_filter(tmp_path):
    # GLN012's rewrite assumes the attribute path (`lhuc.weight`): it waits for --unsafe-fixes
    safe, unsafe = _tree(os.path.join(PROJECT, "safe")), _tree(os.path.join(PROJECT, "unsafe-runtime"))
    assert "n.endswith(C.LHUC_PREFIX + 'weight')" in safe["train.py"]
    assert "n.endswith('lhuc.weight')" in unsafe["train.py"]
    assert "self.params" not in safe["train.py"] + safe["layers.py"]


def _train(root, *args):
    proc = subprocess.run([sys.executable, "train.py", *args], capture_output=True, text=True, timeout=300,
                          cwd=str(root))
    return proc.returncode, proc.stdout, proc.stderr


@pytest.mark.parametrize("hybridize", [(), ("hybridize",)], ids=["imperative", "hybridized"])
def test_rewritten_project_trains_on_the_runtime_exactly_as_stock(tmp_path, hybridize):
    stock = _train(os.path.join(PROJECT, "before"), *hybridize)
    assert stock[0] == 0, stock[2]
    assert stock[1].splitlines()[-1].startswith("1 ")  # only the LHUC weight trains
    runtime = _train(_fixed(tmp_path, UNSAFE_RUNTIME), *hybridize)
    assert runtime[0] == 0, runtime[2]
    assert runtime[1] == stock[1]


@pytest.mark.parametrize("ignored", ["GLN011", "GLN012"])
def test_without_the_idiom_rules_the_runtime_run_differs(tmp_path, ignored):
    # what the rewrite used to leave: the second registration, or a filter that freezes everything
    stock = _train(os.path.join(PROJECT, "before"))
    runtime = _train(_fixed(tmp_path, UNSAFE_RUNTIME + ["--ignore", ignored]))
    assert runtime[0] != 0 or runtime[1] != stock[1]
    if ignored == "GLN011":
        assert "unexpected keyword argument" in runtime[2]
