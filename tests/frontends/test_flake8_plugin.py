"""The flake8 front end, run as users run it: `python -m flake8` in a subprocess, on files in a temp dir.

The plugin is found through the `flake8.extension` entry point of the installed (editable) package.
"""
import os
import re
import subprocess
import sys
import textwrap

import pytest

from gluon_codemod import check_code
from gluon_codemod.engine.rule import all_rules

VIOLATION = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<code>[A-Z]+[0-9]+) (?P<message>.*)$")

MODEL = textwrap.dedent("""\
    from mxnet.gluon import nn


    class Net(nn.HybridBlock):
        def __init__(self, **kwargs):
            super(Net, self).__init__(**kwargs)
            with self.name_scope():
                self.dense = nn.Dense(3)
            self.weight = self.params.get('weight', shape=(3,))


    net = Net()
    net.collect_params().initialize()
    """)


def _line_of(source: str, fragment: str) -> int:
    """1-based line of the first line containing `fragment`: expectations follow the fixture text."""
    for number, line in enumerate(source.splitlines(), 1):
        if fragment in line:
            return number
    raise ValueError(f"{fragment!r} is not in the source")


def _flake8(*args, cwd, stdin=None):
    # --isolated: no user or project configuration leaks into the run unless a test writes one.
    completed = subprocess.run([sys.executable, "-m", "flake8", *args], cwd=cwd, input=stdin,
                               capture_output=True, text=True, timeout=120)
    assert "Traceback" not in completed.stderr, completed.stderr
    return completed


def _violations(completed):
    found = []
    for line in completed.stdout.splitlines():
        match = VIOLATION.match(line)
        assert match, f"unexpected flake8 output line: {line!r}"
        found.append((os.path.basename(match["path"]), int(match["line"]), int(match["col"]), match["code"],
                      match["message"]))
    return found


def _codes_by_line(completed):
    return {(line, code) for _, line, _, code, _ in _violations(completed)}


@pytest.fixture
def model_file(tmp_path):
    path = tmp_path / "model.py"
    path.write_text(MODEL)
    return path


def test_findings_are_reported_with_code_line_and_message(model_file):
    completed = _flake8("--isolated", "--select", "GLN", str(model_file), cwd=model_file.parent)
    assert completed.returncode == 1
    assert _codes_by_line(completed) == {
        (_line_of(MODEL, "name_scope"), "GLN001"),
        (_line_of(MODEL, "params.get"), "GLN005"),
        (_line_of(MODEL, "collect_params"), "GLN006"),
    }
    name_scope = next(v for v in _violations(completed) if v[3] == "GLN001")
    line_text = MODEL.splitlines()[name_scope[1] - 1]
    # the `with` statement is reported; flake8 columns are 1-based
    assert name_scope[2] == line_text.index("with self.name_scope") + 1
    assert "name_scope" in name_scope[4]


def _write_examples(directory, target):
    """Every rule example for `target` as a file; returns {file name: expected (line, col, code) set} and
    {file name: (line, 1-based col or None, code)} for the Invalid examples that pin where they are reported."""
    directory.mkdir()
    expected, pinned = {}, {}
    for rule in all_rules():
        for kind in ("VALID", "INVALID"):
            for index, example in enumerate(getattr(rule, kind)):
                if example.target != target:
                    continue
                name = f"{rule.code}_{kind.lower()}_{index}.py"
                (directory / name).write_bytes(example.code.encode("utf-8"))
                expected[name] = {(f.line, f.col + 1, f.code) for f in check_code(example.code, target=target)}
                if getattr(example, "line", None) is not None:
                    pinned[name] = (example.line, None if example.col is None else example.col + 1, rule.code)
    return expected, pinned


@pytest.mark.parametrize("target", ["mxnet", "runtime"])
def test_every_rule_example_reports_through_flake8_as_through_the_engine(tmp_path, target):
    expected, pinned = _write_examples(tmp_path / target, target)
    assert expected, f"no rule examples for target {target}"
    completed = _flake8("--isolated", "--select", "GLN", f"--gluon-target={target}", ".", cwd=tmp_path / target)
    reported = {name: set() for name in expected}
    for name, line, col, code, _ in _violations(completed):
        reported[name].add((line, col, code))
    assert reported == expected
    # an Invalid example that says where it is reported is reported there by flake8 as well
    for name, (line, col, code) in pinned.items():
        assert any(found_line == line and found_code == code and col in (None, found_col)
                   for found_line, found_col, found_code in reported[name]), (name, line, col, reported[name])
    assert any(expected.values()), "the examples should report something"


def test_select_and_ignore_are_honoured(model_file):
    only_name_scope = _flake8("--isolated", "--select", "GLN001", str(model_file), cwd=model_file.parent)
    assert {code for _, code in _codes_by_line(only_name_scope)} == {"GLN001"}

    without_name_scope = _flake8("--isolated", "--select", "GLN", "--ignore", "GLN001", str(model_file),
                                 cwd=model_file.parent)
    assert {code for _, code in _codes_by_line(without_name_scope)} == {"GLN005", "GLN006"}

    extended = _flake8("--isolated", "--extend-ignore", "GLN00,E,W,F", str(model_file), cwd=model_file.parent)
    assert extended.returncode == 0 and extended.stdout == ""


def test_gln_is_on_by_default_next_to_flake8s_own_checks(model_file):
    completed = _flake8("--isolated", str(model_file), cwd=model_file.parent)
    assert "GLN001" in {code for _, code in _codes_by_line(completed)}


def test_noqa_comments_are_honoured(tmp_path):
    source = MODEL.replace("with self.name_scope():", "with self.name_scope():  # noqa: GLN001")
    source = source.replace("shape=(3,))", "shape=(3,))  # noqa: E501")  # another code: still reported
    source = source.replace("net.collect_params().initialize()", "net.collect_params().initialize()  # noqa")
    path = tmp_path / "model.py"
    path.write_text(source)
    completed = _flake8("--isolated", "--select", "GLN", str(path), cwd=tmp_path)
    assert _codes_by_line(completed) == {(_line_of(source, "params.get"), "GLN005")}


def test_disable_noqa_reports_suppressed_findings(tmp_path):
    source = MODEL.replace("with self.name_scope():", "with self.name_scope():  # noqa: GLN001")
    path = tmp_path / "model.py"
    path.write_text(source)
    completed = _flake8("--isolated", "--select", "GLN", "--disable-noqa", str(path), cwd=tmp_path)
    assert (_line_of(source, "name_scope"), "GLN001") in _codes_by_line(completed)


def test_files_that_cannot_contain_gluon_give_nothing(tmp_path):
    # `prefix=` and `name_scope` without any Gluon import: not Gluon code, never reported.
    (tmp_path / "plain.py").write_text(textwrap.dedent("""\
        import tempfile

        import tensorflow as tf

        directory = tempfile.mkdtemp(prefix='run_')
        with tf.name_scope('layer'):
            pass
        """))
    completed = _flake8("--isolated", "--select", "GLN", str(tmp_path / "plain.py"), cwd=tmp_path)
    assert completed.returncode == 0 and completed.stdout == ""


def test_plugin_skips_non_gluon_files_before_running_any_rule(monkeypatch, tmp_path):
    # (a project with Gluon code is settled once, for all its files: here the project is this file alone,
    # which has no Block class to call, so it is not even looked up)
    import ast

    from gluon_codemod.engine import pipeline
    from gluon_codemod.frontends.flake8_plugin import GluonChecker
    from gluon_codemod.run import project_cache

    def fail(*args, **kwargs):
        raise AssertionError("analyze() ran on a file that cannot contain Gluon code")

    def no_project(*args, **kwargs):
        raise AssertionError("the project of a file that is its own project was looked up")

    monkeypatch.setattr(pipeline, "analyze", fail)
    monkeypatch.setattr(project_cache, "project_for", no_project)
    source = "import os\nprint(os.sep)\n"
    lines = source.splitlines(keepends=True)
    (tmp_path / "plain.py").write_text(source)
    monkeypatch.chdir(tmp_path)
    assert list(GluonChecker(ast.parse(source), lines, "plain.py").run()) == []


def test_relative_imports_inside_mxnet_resolve_through_the_package_path(tmp_path):
    # mxnet's own sources import Gluon relatively and may never spell "gluon": the file path says it.
    package = tmp_path / "mxnet" / "gluon" / "nn"
    package.mkdir(parents=True)
    for directory in (tmp_path / "mxnet", tmp_path / "mxnet" / "gluon", package):
        (directory / "__init__.py").write_text("")
    source = textwrap.dedent("""\
        from ..block import HybridBlock


        class Stage(HybridBlock):
            def __init__(self, **kwargs):
                super(Stage, self).__init__(**kwargs)
                with self.name_scope():
                    self.body = None
        """)
    (package / "stages.py").write_text(source)
    completed = _flake8("--isolated", "--select", "GLN", "mxnet/gluon/nn/stages.py", cwd=tmp_path)
    assert _codes_by_line(completed) == {(_line_of(source, "name_scope"), "GLN001")}


def test_jobs_2_reports_the_same_as_jobs_1(tmp_path):
    for index in range(6):
        (tmp_path / f"model_{index}.py").write_text(MODEL)
        (tmp_path / f"plain_{index}.py").write_text("import os\n")
    (tmp_path / "broken.py").write_text("from mxnet import gluon\ndef broken(:\n")
    serial = _flake8("--isolated", "--select", "GLN,E999", "--jobs", "1", ".", cwd=tmp_path)
    parallel = _flake8("--isolated", "--select", "GLN,E999", "--jobs", "2", ".", cwd=tmp_path)
    assert sorted(_violations(parallel)) == sorted(_violations(serial))
    reported_files = {name for name, *_ in _violations(parallel)}
    assert reported_files == {f"model_{index}.py" for index in range(6)} | {"broken.py"}


def test_files_are_never_modified(model_file):
    before = model_file.read_bytes()
    mtime = os.stat(model_file).st_mtime_ns
    completed = _flake8("--isolated", "--select", "GLN", str(model_file), cwd=model_file.parent)
    assert completed.returncode == 1
    assert model_file.read_bytes() == before
    assert os.stat(model_file).st_mtime_ns == mtime
    assert sorted(os.listdir(model_file.parent)) == ["model.py"]  # no temporary or backup files either


def test_stdin_is_checked(tmp_path):
    completed = _flake8("--isolated", "--select", "GLN", "-", cwd=tmp_path, stdin=MODEL)
    assert {code for _, code in _codes_by_line(completed)} == {"GLN001", "GLN005", "GLN006"}
    assert {path for path, *_ in _violations(completed)} == {"stdin"}


def test_target_option_is_read_from_flake8_config(tmp_path):
    (tmp_path / ".flake8").write_text("[flake8]\nselect = GLN\ngluon-target = runtime\n")
    source = "from mxnet.gluon import nn\nnet = nn.Dense(3)\n"
    (tmp_path / "script.py").write_text(source)
    completed = _flake8("script.py", cwd=tmp_path)
    assert _codes_by_line(completed) == {(1, "GLN010")}
    default = _flake8("--isolated", "--select", "GLN", "script.py", cwd=tmp_path)
    assert default.returncode == 0 and default.stdout == ""


def test_plugin_reports_name_and_version():
    completed = _flake8("--version", cwd=os.getcwd())
    from gluon_codemod import __version__

    assert f"gluon-codemod: {__version__}" in completed.stdout


_IMPORT_PROBE = "import sys, gluon_codemod.frontends.flake8_plugin; print('libcst' in sys.modules)"


def test_loading_the_plugin_does_not_import_libcst():
    completed = subprocess.run([sys.executable, "-c", _IMPORT_PROBE], capture_output=True, text=True)
    assert completed.stdout.strip() == "False", completed.stderr
