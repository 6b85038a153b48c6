"""The verifier itself, with stock Gluon on both sides: a hand-edited "rewrite" must be caught by the right check.

Both sides run stock MXNet here, so these tests need no runtime; `--rewritten` injects the broken version.
"""
import json
import os
import subprocess
import sys

import pytest

from gluon_codemod.verify import main, verify

ORIGINAL = """
    from mxnet import gluon
    from mxnet.gluon import nn


    class Net(gluon.HybridBlock):
        def __init__(self, units=8, **kwargs):
            super(Net, self).__init__(**kwargs)
            with self.name_scope():
                self.body = nn.HybridSequential()
                self.body.add(nn.Dense(units, activation='relu'), nn.BatchNorm(), nn.Dropout(0.5))
                self.out = nn.Dense(3)

        def hybrid_forward(self, F, x):
            scale = 2.0 if self.prefix.startswith('net') else 1.0
            return self.out(self.body(x)) * scale


    def tied():
        net = nn.HybridSequential()
        with net.name_scope():
            first = nn.Dense(4, in_units=4)
            net.add(first, nn.Dense(4, in_units=4, params=first.params))
        return net


    def helper():
        return 3
"""


def _verify(path, rewritten, builds, shape=(2, 4), **kw):
    return verify(path, builds, [shape], rewritten=rewritten, **kw)


def test_identical_rewrite_passes_every_check(write, row):
    path = write("net.py", ORIGINAL)
    report = _verify(path, path, ["Net()", "tied()"])
    assert report.exit_code == 0
    assert [c.name for c in report.models[0].checks] == [
        "structure", "attributes", "init", "eager", "grad", "checkpoint", "train-step", "train-forward", "sharing",
        "hybrid"]
    assert all(c.status == "ok" for m in report.models for c in m.checks)
    assert row(report, "tied()", "sharing").detail == "2 tied group(s)"  # weight and bias


def test_untied_parameter_is_reported_by_sharing_and_grad(write, row):
    path = write("net.py", ORIGINAL)
    broken = write("broken.py", ORIGINAL.replace(", params=first.params", ""))
    report = _verify(path, broken, ["tied()"])
    assert report.exit_code == 1
    assert row(report, "tied()", "sharing").status == "differs"
    assert "tied in the original only: 0.bias = 1.bias; 0.weight = 1.weight" in row(report, "tied()", "sharing").detail
    assert row(report, "tied()", "grad").status == "differs"
    assert row(report, "tied()", "structure").status == "ok"


def test_parameter_tied_only_in_the_rewrite_is_reported(write, row):
    path = write("net.py", ORIGINAL.replace(", params=first.params", ""))
    broken = write("broken.py", ORIGINAL)
    report = _verify(path, broken, ["tied()"])
    assert "tied in the rewrite only: 0.bias = 1.bias; 0.weight = 1.weight" in row(report, "tied()", "sharing").detail


def test_output_depending_on_old_prefix_is_reported_by_eager_and_hybrid(write, row):
    path = write("net.py", ORIGINAL)
    # what a careless rewrite of `self.prefix` gives: the prefix is gone, so the branch flips
    broken = write("broken.py", ORIGINAL.replace("self.prefix.startswith('net')", "''.startswith('net')"))
    report = _verify(path, broken, ["Net()"])
    assert report.exit_code == 1
    for name in ("eager", "hybrid", "train-step", "train-forward", "checkpoint", "init"):
        assert row(report, "Net()", name).status == ("ok" if name in ("init", "checkpoint") else "differs"), name
    assert row(report, "Net()", "eager").max_diff > 0.0


def test_wrong_initial_value_is_reported_by_init_only(write, row):
    path = write("net.py", ORIGINAL)
    broken = write("broken.py", ORIGINAL.replace("self.out = nn.Dense(3)",
                                                 "self.out = nn.Dense(3, bias_initializer='ones')"))
    report = _verify(path, broken, ["Net()"])
    init = row(report, "Net()", "init")
    assert (init.status, init.detail) == ("differs", "initial values differ: out.bias")
    assert init.max_diff == pytest.approx(1.0)
    assert row(report, "Net()", "eager").status == "ok"  # weights are copied before outputs are compared


def test_renamed_child_is_reported_by_structure(write, row):
    path = write("net.py", ORIGINAL)
    broken = write("broken.py", ORIGINAL.replace("self.out", "self.head"))
    report = _verify(path, broken, ["Net()"])
    detail = row(report, "Net()", "structure").detail
    assert "only in the original: out.weight, out.bias" in detail
    assert "only in the rewrite: head.weight, head.bias" in detail
    assert "loading failed" in row(report, "Net()", "checkpoint").detail


def test_side_that_fails_to_build_exits_2_with_its_traceback(write, row):
    path = write("net.py", ORIGINAL)
    broken = write("broken.py", ORIGINAL.replace("self.out = nn.Dense(3)", "self.out = nn.Dense(3, bogus=1)"))
    report = _verify(path, broken, ["Net()"])
    build = row(report, "Net()", "build")
    assert report.exit_code == 2 and build.status == "error"
    assert build.detail.startswith("only the rewrite fails: new side failed in build: TypeError")
    assert "bogus" in build.traceback and "broken" not in build.traceback.split("File")[0]


def test_side_running_too_long_is_stopped(write, row):
    path = write("slow.py", """
        import time
        from mxnet.gluon import nn

        class Slow(nn.HybridBlock):
            def hybrid_forward(self, F, x):
                time.sleep(30)
                return x
    """)
    report = verify(path, ["Slow()"], [(1,)], rewritten=path, timeout=1)
    assert report.exit_code == 2
    assert "SideTimeout" in row(report, "Slow()", "build").detail


def test_all_checks_every_no_argument_block_and_factory(write):
    path = write("net.py", ORIGINAL)
    report = verify(path, None, [(2, 4)], rewritten=path, all_models=True)
    assert [m.expr for m in report.models] == ["Net()", "tied()"]
    assert [(s["model"], s["reason"]) for s in report.skipped] == [("helper()", "does not return a Block")]
    assert report.exit_code == 0


def test_all_lists_what_cannot_be_built(write):
    path = write("net.py", ORIGINAL + "\n\n    def needs(units):\n        return nn.Dense(units)\n")
    report = verify(path, None, [(2, 4)], rewritten=path, all_models=True)
    assert ("needs()", "needs arguments: units") in [(s["model"], s["reason"]) for s in report.skipped]


def test_sys_modules_and_sys_path_are_left_clean(write):
    path = write("pkg/__init__.py", "")
    # the sibling is rewritten by the engine; spelled so that the engine leaves it alone (no runtime needed)
    write("pkg/layers.py", "import importlib\nnn = importlib.import_module('mxnet.' + 'glu' + 'on.nn')\n\n"
                           "def head():\n    return nn.Dense(2)\n")
    path = write("pkg/model.py", "from pkg.layers import head\n\ndef build():\n    return head()\n")
    before_path, before_modules = list(sys.path), set(sys.modules)
    report = verify(path, ["build()"], [(1, 3)], rewritten=path)
    assert report.exit_code == 0, report.format()
    assert sys.path == before_path
    assert not {m for m in set(sys.modules) - before_modules if m == "pkg" or m.startswith("pkg.")}
    assert report.module_name == "pkg.model"


def test_cli_writes_json_report_and_keeps_the_rewrite(runtime, write, tmp_path, capsys):
    # without the read of `self.prefix`, which the new API cannot run (GLN009 reports it): every check runs
    path = write("net.py", ORIGINAL.replace("2.0 if self.prefix.startswith('net') else 1.0", "1.0"))
    out, kept = tmp_path / "report.json", tmp_path / "kept"
    status = main([path, "--build", "Net(units=4)", "--input", "2,4", "--report", str(out), "--keep", str(kept)])
    data = json.loads(out.read_text())
    assert data["models"][0]["model"] == "Net(units=4)"
    assert set(data["models"][0]["timings"]) >= {"build", "forward", "grad", "hybridize", "checkpoint"}
    assert data["timings"]["rewrite"] > 0
    assert status == data["exit_code"]
    kept_source = (kept / "net.py").read_text()
    assert "name_scope" not in kept_source  # what ran is the engine's rewrite
    assert "Findings the rewrite did not fix" in capsys.readouterr().out or not data["findings"]


def test_help_warns_that_user_code_is_executed():
    result = subprocess.run([sys.executable, "-m", "gluon_codemod.verify", "--help"], capture_output=True,
                            text=True, check=True)
    assert "executes FILE" in " ".join(result.stdout.split())


def test_importing_the_codemod_does_not_import_mxnet():
    code = ("import sys, gluon_codemod, gluon_codemod.verify\n"
            "gluon_codemod.fix_code('from mxnet.gluon import nn\\n', target='runtime')\n"
            "print('mxnet' in sys.modules, 'gluon_runtime' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    assert result.stdout.split() == ["False", "False"]


def test_cli_exit_status_names_the_check_and_writes_only_to_temp(write, tmp_path):
    path = write("net.py", ORIGINAL.replace("    def helper():", "    def saved():\n        net = tied()\n"
                                            "        net.initialize()\n        net.save_parameters('x.params')\n"
                                            "        return net\n\n\n    def helper():"))
    broken = write("broken.py", ORIGINAL.replace(", params=first.params", ""))
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    result = subprocess.run([sys.executable, "-m", "gluon_codemod.verify", path, "--build", "tied()", "--input",
                             "2,4", "--rewritten", broken], capture_output=True, text=True, cwd=str(cwd),
                            env=dict(os.environ, PYTHONPATH=os.getcwd()))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "tied()  sharing        differs" in result.stdout
    ok = subprocess.run([sys.executable, "-m", "gluon_codemod.verify", path, "--build", "saved()", "--input", "2,4",
                         "--rewritten", path], capture_output=True, text=True, cwd=str(cwd))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert list(cwd.iterdir()) == []  # the model's relative save went to the temporary directory
