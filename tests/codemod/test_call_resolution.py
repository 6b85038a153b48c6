"""Safe on code we have never seen (issue 17): classes called through values, Gluon reached through the
project's own bases, a plan that is checked, files that never say "gluon", factories of other modules.

Each reproducer is a package under `projects/` (`before/`, and `after/` for the safe fix): it is fixed
through the CLI in safe and unsafe mode, every call of the project must still bind, every 1.x construct
left must carry a finding, and flake8 (the pre-commit path, one file at a time) reports what the CLI does.
"""
import os
import shutil
import subprocess
import sys

import pytest

from gluon_codemod.frontends.cli import main

from _call_checker import mismatches, old_api_sites, unreported

PROJECTS = os.path.join(os.path.dirname(__file__), "projects")
REPRODUCERS = ["registry", "project_base", "quiet_script", "factories"]


def _copy(tmp_path, name):
    target = tmp_path / name
    shutil.copytree(os.path.join(PROJECTS, name, "before"), target)
    return target


def _tree(root):
    return {os.path.relpath(os.path.join(folder, f), root): open(os.path.join(folder, f)).read()
            for folder, dirs, files in os.walk(root) for f in files if f.endswith(".py")
            and "__pycache__" not in folder}


def _check(root, capsys, *flags):
    capsys.readouterr()
    main(["check", "--quiet", "--output-format", "concise", *flags, "."])
    return capsys.readouterr().out.splitlines()


def _fix(root, monkeypatch, capsys, *flags):
    monkeypatch.chdir(root)
    capsys.readouterr()
    main(["fix", *flags, "."])
    return capsys.readouterr().out


@pytest.mark.parametrize("name", REPRODUCERS)
def test_the_safe_fix_gives_the_expected_tree(tmp_path, monkeypatch, capsys, name):
    root = _copy(tmp_path, name)
    _fix(root, monkeypatch, capsys, "--quiet")
    assert _tree(root) == _tree(os.path.join(PROJECTS, name, "after"))


@pytest.mark.parametrize("flags", [(), ("--unsafe-fixes",)], ids=["safe", "unsafe"])
@pytest.mark.parametrize("name", REPRODUCERS)
def test_every_call_binds_and_every_construct_left_is_reported(tmp_path, monkeypatch, capsys, name, flags):
    root = _copy(tmp_path, name)
    assert mismatches(str(root)) == []
    _fix(root, monkeypatch, capsys, "--quiet", *flags)
    assert mismatches(str(root)) == []
    findings = _check(root, capsys, *flags)
    assert unreported(old_api_sites("."), findings) == []
    first = _tree(root)
    _fix(root, monkeypatch, capsys, "--quiet", *flags)
    assert _tree(root) == first  # idempotent


@pytest.mark.parametrize("name", REPRODUCERS)
def test_flake8_reports_what_the_cli_does_file_by_file(tmp_path, monkeypatch, capsys, name):
    root = _copy(tmp_path, name)
    monkeypatch.chdir(root)
    whole = _check(root, capsys)
    for path in sorted(_tree(root)):
        flake8 = subprocess.run([sys.executable, "-m", "flake8", "--select", "GLN", "--format",
                                 "%(path)s:%(row)d:%(col)d: %(code)s %(text)s", path],
                                capture_output=True, text=True, cwd=root)
        expected = [line.replace(" [*]", "", 1) for line in whole if line.startswith(path + ":")]
        assert flake8.stdout.splitlines() == expected, flake8.stderr


# -- 1. a class called through a value ------------------------------------------------------------------
def test_a_registered_class_keeps_its_prefix_and_the_escape_is_named(tmp_path, monkeypatch, capsys):
    root = _copy(tmp_path, "registry")
    out = _fix(root, monkeypatch, capsys)
    decoder = (root / "pkg" / "decoder.py").read_text()
    build = (root / "pkg" / "build.py").read_text()
    assert "class Head(gluon.HybridBlock):\n    def __init__(self, units, prefix='head_'):" in decoder
    assert "class Tail(gluon.HybridBlock):\n    def __init__(self, units, prefix=None):" in decoder
    assert "class Plain(gluon.HybridBlock):\n    def __init__(self, units):" in decoder  # only called
    assert "return cls(4, prefix=prefix + 'head_')" in build
    assert "return Plain(3)" in build
    # (the finding on the definition is that of the rewritten file: the escape's line is the original's)
    assert ("`Head.__init__` cannot drop it automatically because `Head` is handed to `register` at "
            "pkg/decoder.py:11 (its line before this run's fixes); calls through it cannot be followed") in out, out
    assert ("`Tail.__init__` cannot drop it automatically because `Tail` is stored in `LAYERS` at "
            "pkg/decoder.py:40 (its line before this run's fixes); calls through it cannot be followed") in out, out
    findings = _check(root, capsys)
    assert any(line.startswith("pkg/build.py:6:") and "GLN002" in line for line in findings), findings
    assert any(line.startswith("pkg/build.py:10:") and "GLN002" in line for line in findings), findings


def test_unsafe_fixes_drop_the_prefix_of_a_registered_class_and_report_the_calls_through_values(
        tmp_path, monkeypatch, capsys):
    root = _copy(tmp_path, "registry")
    out = _fix(root, monkeypatch, capsys, "--unsafe-fixes")
    decoder = (root / "pkg" / "decoder.py").read_text()
    assert "class Head(gluon.HybridBlock):\n    def __init__(self, units):" in decoder
    assert "pkg/build.py:6:" in out and "pkg/build.py:10:" in out, out


def test_a_registry_builds_after_the_safe_fix_on_stock_mxnet(tmp_path, monkeypatch, capsys):
    pytest.importorskip("mxnet")
    root = _copy(tmp_path, "registry")
    script = ("import mxnet as mx\nfrom pkg.build import build, build_all, plain\n"
              "for net in [build('dense'), *build_all(), plain()]:\n"
              "    net.initialize()\n    print(net(mx.nd.ones((1, 3))).shape)\n")
    before = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=root, timeout=300)
    assert before.returncode == 0, before.stderr
    _fix(root, monkeypatch, capsys, "--quiet")
    after = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=root, timeout=300)
    assert after.returncode == 0, after.stderr
    assert after.stdout == before.stdout


# -- 2. Gluon reached through the project's own bases -------------------------------------------------------
def test_a_base_constructor_call_through_a_project_base_is_a_gluon_one(tmp_path, monkeypatch, capsys):
    root = _copy(tmp_path, "project_base")
    _fix(root, monkeypatch, capsys, "--quiet")
    emb = (root / "pkg" / "emb.py").read_text()
    assert "class Inner(Local):\n    def __init__(self, units):\n        super().__init__()\n" in emb
    assert "inner = Inner(4)\n" in emb
    assert "class Emb(Base):\n    def __init__(self, units):\n        super().__init__()\n" in emb
    assert "self.norm = get_norm('ln')" in emb  # a `**kwargs` forwarder into Gluon constructors
    assert "class Pos(Bare):\n    def __init__(self, units):\n        Bare.__init__(self)\n" in emb
    assert "pos = Pos(4)\n" in emb


# -- 3. a file that never says "gluon" -------------------------------------------------------------------
def test_a_module_that_only_imports_a_project_class_is_analysed(tmp_path, monkeypatch, capsys):
    root = _copy(tmp_path, "quiet_script")
    _fix(root, monkeypatch, capsys, "--quiet")
    assert "scorer = CandidateScorer(hidden)\n" in (root / "pkg" / "rank.py").read_text()


# -- 4. objects from factories of other modules ----------------------------------------------------------
def test_a_factory_of_another_module_returns_a_block(tmp_path, monkeypatch, capsys):
    root = _copy(tmp_path, "factories")
    monkeypatch.chdir(root)
    findings = _check(root, capsys)
    assert any(line.startswith("pkg/check.py:6:") and "GLN009" in line for line in findings), findings
    assert any(line.startswith("pkg/check.py:8:") and "GLN009" in line for line in findings), findings
