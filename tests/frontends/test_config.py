"""`[tool.gluon-codemod]` in pyproject.toml: discovery, every key, flags over configuration, clear errors."""
from __future__ import annotations

import json

import pytest

from .conftest import NEW_NET, OLD_NET, write

MIXED = (
    "from mxnet import gluon\n"
    "class Net(gluon.Block):\n"
    "    def __init__(self):\n"
    "        super().__init__()\n"
    "        with self.name_scope():\n"
    "            self.w = self.params.get('w', shape=(2,))\n"
)
# GLN006: saving through collect_params() becomes save_parameters, which changes the file's keys (unsafe)
UNSAFE = (
    "from mxnet import gluon\n"
    "net = gluon.nn.Dense(1)\n"
    "net.collect_params().save('a.params')\n"
)


def pyproject(folder, body: str) -> None:
    write(folder / "pyproject.toml", "[project]\nname = 'demo'\n\n[tool.gluon-codemod]\n" + body)


def codes(output: str) -> set:
    return {line.split(": ")[1].split()[0] for line in output.splitlines()}


def test_select_from_config_found_by_walking_up(cli, project, monkeypatch):
    pyproject(project, 'select = ["GLN001"]\n')
    write(project / "pkg" / "sub" / "mixed.py", MIXED)
    monkeypatch.chdir(project / "pkg" / "sub")
    run = cli("check", "mixed.py")
    assert codes(run.out) == {"GLN001"}


def test_pyproject_without_the_table_is_passed_over(cli, project, monkeypatch):
    pyproject(project, 'ignore = ["GLN005"]\n')
    write(project / "inner" / "pyproject.toml", "[project]\nname = 'inner'\n")
    write(project / "inner" / "mixed.py", MIXED)
    monkeypatch.chdir(project / "inner")
    assert codes(cli("check", "mixed.py").out) == {"GLN001"}


def test_command_line_flags_override_the_configuration(cli, project):
    pyproject(project, 'select = ["GLN001"]\nignore = ["GLN001"]\n')
    write(project / "mixed.py", MIXED)
    assert codes(cli("check", "mixed.py").out) == set()
    assert codes(cli("check", "--ignore", "GLN005", "mixed.py").out) == {"GLN001"}  # config select stays
    assert codes(cli("check", "--select", "GLN005", "--ignore", "", "mixed.py").out) == {"GLN005"}


def test_unsafe_fixes_and_target_from_config_and_their_overrides(cli, project):
    pyproject(project, 'unsafe-fixes = true\ntarget = "runtime"\n')
    path = project / "save.py"
    write(path, UNSAFE)
    cli("fix", "--report", "r.json", "--no-unsafe-fixes", "save.py")
    report = json.loads((project / "r.json").read_text())
    assert (report["unsafe_fixes"], report["target"]) == (False, "runtime")
    assert "collect_params().save" in path.read_text()
    write(path, UNSAFE)  # the runtime target rewrote the imports: start again
    cli("fix", "--target", "mxnet", "--report", "r.json", "save.py")
    report = json.loads((project / "r.json").read_text())
    assert (report["unsafe_fixes"], report["target"]) == (True, "mxnet")
    assert "collect_params().save" not in path.read_text() and "save_parameters" in path.read_text()


def test_exclude_globs_are_relative_to_the_config_file(cli, project, monkeypatch):
    pyproject(project, 'exclude = ["generated/*.py"]\nextend-exclude = ["legacy"]\n')
    for name in ("src/a.py", "generated/b.py", "src/legacy/c.py", "src/generated/d.py"):
        write(project / name, OLD_NET)
    monkeypatch.chdir(project / "src")
    run = cli("check", "..")
    assert sorted(line.split(":")[0] for line in run.out.splitlines()) == ["../src/a.py", "../src/generated/d.py"]
    # --exclude replaces the configured `exclude`, the configured `extend-exclude` still applies
    run = cli("check", "--exclude", "a.py", "..")
    found = sorted(line.split(":")[0] for line in run.out.splitlines())
    assert found == ["../generated/b.py", "../src/generated/d.py"]


@pytest.mark.parametrize("body, message", [
    ('selct = ["GLN001"]\n', "unknown key 'selct' in [tool.gluon-codemod]; did you mean 'select'?"),
    ('select = "GLN001"\n', "select must be a list of strings, got 'GLN001'"),
    ('unsafe-fixes = "yes"\n', "unsafe-fixes must be true or false"),
    ('target = "tf"\n', "target must be one of mxnet, runtime, got 'tf'"),
    ('select = ["XYZ"]\n', "'XYZ' is not a rule code or prefix"),
    ('select = [\n', "invalid TOML"),
])
def test_bad_configuration_is_an_error_naming_the_file(cli, project, body, message):
    pyproject(project, body)
    write(project / "net.py", OLD_NET)
    run = cli("fix", "net.py")
    assert run.status == 2
    assert str(project / "pyproject.toml") in run.err and message in run.err
    assert (project / "net.py").read_text() == OLD_NET


def test_explicit_config_and_no_config(cli, project, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("cfg")
    pyproject(elsewhere, 'select = ["GLN005"]\n')
    pyproject(project, 'selct = 1\n')  # broken, but skipped by both flags below
    write(project / "mixed.py", MIXED)
    assert codes(cli("check", "--config", str(elsewhere / "pyproject.toml"), "mixed.py").out) == {"GLN005"}
    assert codes(cli("check", "--no-config", "mixed.py").out) == {"GLN001", "GLN005"}
    missing = cli("check", "--config", "nope.toml", "mixed.py")
    assert missing.status == 2 and "nope.toml: no such configuration file" in missing.err


def test_fix_uses_config_select(cli, project):
    pyproject(project, 'select = ["GLN001"]\n')
    path = project / "net.py"
    write(path, OLD_NET)
    assert cli("fix", "net.py").status == 1 and path.read_text() == NEW_NET
