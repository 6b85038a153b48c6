"""Real models through the engine's rewrite and `gluon_runtime`: the 1.9.1 model zoo and the example fixtures.

One model of each zoo family runs by default (small inputs where the architecture allows); the rest are
`slow`. These need the runtime (and the rules) and are skipped while `gluon_runtime` cannot run models.
"""
import json
import os
import subprocess
import sys

import pytest

from gluon_codemod.verify import verify
from gluon_codemod.verify._result import CHECKS

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "examples")

ZOO = [
    ("alexnet", "alexnet(classes=10)", (1, 3, 64, 64)),
    ("resnet", "resnet18_v1()", (1, 3, 32, 32)),
    ("resnet", "resnet18_v2(classes=10)", (1, 3, 32, 32)),
    ("vgg", "vgg11(classes=10)", (1, 3, 32, 32)),
    ("mobilenet", "mobilenet0_25(classes=10)", (1, 3, 32, 32)),
    ("mobilenet", "mobilenet_v2_0_25(classes=10)", (1, 3, 32, 32)),
    ("squeezenet", "squeezenet1_1(classes=10)", (1, 3, 224, 224)),
    ("densenet", "densenet121(classes=10)", (1, 3, 224, 224)),
    ("inception", "inception_v3(classes=10)", (1, 3, 299, 299)),
]
ZOO_SLOW = [
    ("resnet", "resnet50_v1(classes=10)", (1, 3, 32, 32)),
    ("resnet", "resnet50_v2(classes=10)", (1, 3, 32, 32)),
    ("vgg", "vgg11_bn(classes=10)", (1, 3, 32, 32)),
    ("squeezenet", "squeezenet1_0(classes=10)", (1, 3, 224, 224)),
    ("mobilenet", "mobilenet1_0(classes=10)", (1, 3, 32, 32)),
]
_SLOW_FAMILIES = {"densenet", "inception"}


def _assert_all_ok(report):
    assert report.models, report.format()
    assert report.exit_code == 0, report.format()
    assert all(c.status == "ok" for m in report.models for c in m.checks), report.format()


@pytest.mark.parametrize("family, expr, shape", [
    pytest.param(*case, marks=[pytest.mark.slow] if case[0] in _SLOW_FAMILIES else [], id=case[1])
    for case in ZOO] + [pytest.param(*case, marks=[pytest.mark.slow], id=case[1]) for case in ZOO_SLOW])
def test_model_zoo(runtime, zoo_dir, family, expr, shape, tmp_path):
    # Through the command, in a fresh process, as a user runs it: MXNet is not imported yet there, so the
    # verifier can turn off oneDNN, whose max-pooling gradients outside training mode are not reproducible.
    report = tmp_path / "report.json"
    completed = subprocess.run(
        [sys.executable, "-m", "gluon_codemod", "verify", os.path.join(zoo_dir, family + ".py"), "--build", expr,
         "--input", ",".join(map(str, shape)), "--timeout", "600", "--report", str(report)],
        capture_output=True, text=True, timeout=900)
    assert completed.returncode == 0, completed.stdout + completed.stderr[-3000:]
    models = json.loads(report.read_text())["models"]
    assert [m["model"] for m in models] == [expr]
    assert {c["check"]: c["status"] for c in models[0]["checks"]} == {name: "ok" for name in CHECKS}


def test_fused_rnn_model_through_the_command(runtime, tmp_path):
    """A fresh process keeps oneDNN for fused RNN layers (stock 1.9.1's other CPU kernel fails on them)."""
    completed = subprocess.run(
        [sys.executable, "-m", "gluon_codemod", "verify", os.path.join(EXAMPLES, "tied_lm.py"), "--build",
         "TiedLM(20, 8)", "--input", "5,2", "--int-values", "--input-range", "0,20"],
        capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stdout + completed.stderr[-3000:]
    assert "result: ok" in completed.stdout


def test_example_resnet(runtime):
    _assert_all_ok(verify(os.path.join(EXAMPLES, "resnet.py"), ["resnet_tiny()"], [(2, 3, 16, 16)]))


def test_example_rnn_cell_with_params_get(runtime, row):
    report = verify(os.path.join(EXAMPLES, "rnn_cell.py"), ["Encoder(4)"], [(2, 3), (2, 4)])
    _assert_all_ok(report)
    assert row(report, "Encoder(4)", "structure").detail == "4 parameters"


def test_example_tied_lm(runtime, row):
    report = verify(os.path.join(EXAMPLES, "tied_lm.py"), ["TiedLM(20, 8)"], [(5, 2)],
                    input_range=(0, 20), int_values=True, all_models=False)
    model = report.models[0]
    assert [c.status for c in model.checks if c.name == "sharing"] == ["ok"], report.format()
    assert "tied group" in row(report, "TiedLM(20, 8)", "sharing").detail
    assert all(c.status == "ok" for c in model.checks), report.format()


def test_example_shared_mlp(runtime, row):
    report = verify(os.path.join(EXAMPLES, "tied_lm.py"), ["shared_mlp()"], [(2, 8)])
    _assert_all_ok(report)
    assert row(report, "shared_mlp()", "sharing").detail == "2 tied group(s)"


def test_example_train_build_net(runtime):
    _assert_all_ok(verify(os.path.join(EXAMPLES, "train.py"), ["build_net()"], [(4, 20)]))


ORIGINAL = """
    import mxnet as mx
    from mxnet import gluon


    class Lin(gluon.HybridBlock):
        def __init__(self, units, in_units, **kwargs):
            super(Lin, self).__init__(**kwargs)
            with self.name_scope():
                self.weight = self.params.get('weight', shape=(units, in_units))
                self.bias = self.params.get('bias', shape=(units,), init='zeros')

        def hybrid_forward(self, F, x, weight, bias):
            return F.FullyConnected(x, weight, bias, num_hidden=4)


    class Net(gluon.HybridBlock):
        def __init__(self, **kwargs):
            super(Net, self).__init__(**kwargs)
            with self.name_scope():
                self.a = Lin(4, 4)
                self.b = Lin(4, 4, params=self.a.params)
                self.scale = self.params.get_constant('scale', mx.nd.array([0.5]))

        def hybrid_forward(self, F, x, scale):
            factor = 1.0 if self.prefix.startswith('net') else 3.0
            return F.broadcast_mul(self.b(F.relu(self.a(x))), scale) * factor
"""
# hand-written as the engine should rewrite it; only the runtime core (Block, Parameter, Constant) is used
REWRITE = """
    import mxnet as mx
    import gluon_runtime as gluon


    class Lin(gluon.HybridBlock):
        def __init__(self, units, in_units):
            super(Lin, self).__init__()
            self.weight = gluon.Parameter('weight', shape=(units, in_units))
            self.bias = gluon.Parameter('bias', shape=(units,), init='zeros')

        def hybrid_forward(self, F, x, weight, bias):
            return F.FullyConnected(x, weight, bias, num_hidden=4)


    class Net(gluon.HybridBlock):
        def __init__(self):
            super(Net, self).__init__()
            self.a = Lin(4, 4)
            self.b = Lin(4, 4).share_parameters(self.a.collect_params())
            self.scale = gluon.Constant(mx.nd.array([0.5]))

        def hybrid_forward(self, F, x, scale):
            factor = 1.0
            return F.broadcast_mul(self.b(F.relu(self.a(x))), scale) * factor
"""


@pytest.mark.parametrize("edit, check", [
    (None, None),
    ((".share_parameters(self.a.collect_params())", ""), "sharing"),
    (("factor = 1.0\n", "factor = 1.0 if getattr(self, 'prefix', '').startswith('net') else 3.0\n"), "eager"),
    (("init='zeros'", "init='ones'"), "init"),
], ids=["faithful", "untied", "old-prefix", "initial-value"])
def test_broken_runtime_rewrite_is_named(runtime_core, write, row, edit, check):
    original = write("net.py", ORIGINAL)
    source = REWRITE if edit is None else REWRITE.replace(*edit)
    assert edit is None or source != REWRITE
    report = verify(original, ["Net()"], [(2, 4)], rewritten=write("rewritten.py", source))
    if check is None:
        _assert_all_ok(report)
        assert row(report, "Net()", "sharing").detail == "2 tied group(s)"
    else:
        assert report.exit_code == 1, report.format()
        assert row(report, "Net()", check).status == "differs", report.format()
