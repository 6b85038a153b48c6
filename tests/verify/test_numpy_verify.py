"""`verify` in numpy mode: d2l-style files (`npx.set_np()`, `@use_np`) on stock 1.9.1 and on the runtime.

The mode is read from the file's source (or forced with `--np`/`--no-np`); the child process then runs
both sides on `mx.np` inputs. The models below only run on `mx.np` arrays (`np.dot`, `F.np.tanh`), so a
check that silently fell back to legacy arrays fails their build.
"""
import json
import os
import subprocess
import sys

import pytest

from gluon_codemod.engine.pipeline import fix_code
from gluon_codemod.verify import verify
from gluon_codemod.verify._mode import detect
from gluon_codemod.verify._result import CHECKS

D2L = """
    from mxnet import init, np, npx
    from mxnet.gluon import nn

    npx.set_np()


    def mlp():
        net = nn.Sequential()
        net.add(nn.Dense(8, in_units=4, activation='relu'), nn.Dense(3, in_units=8))
        net.initialize(init.Normal(sigma=0.01))
        net[0].bias.data()[:] = 0.1
        for param in net.collect_params('.*weight').values():
            param.set_data(param.data() * 2)
        return net


    class MyDense(nn.Block):
        def __init__(self, units, in_units, **kwargs):
            super().__init__(**kwargs)
            self.weight = self.params.get('weight', shape=(in_units, units))
            self.bias = self.params.get('bias', shape=(units,))

        def forward(self, x):
            return npx.relu(np.dot(x, self.weight.data(x.ctx)) + self.bias.data(x.ctx))


    def custom():
        net = nn.Sequential()
        net.add(MyDense(5, in_units=4), nn.Dense(2))
        return net


    def lenet():
        net = nn.HybridSequential()
        net.add(nn.Conv2D(channels=2, kernel_size=3, padding=1, activation='sigmoid'),
                nn.AvgPool2D(pool_size=2, strides=2),
                nn.Conv2D(channels=3, kernel_size=3), nn.BatchNorm(scale=False), nn.Activation('relu'),
                nn.MaxPool2D(pool_size=2, strides=2),
                nn.Dense(6, activation='sigmoid'), nn.Dense(3))
        return net
"""

# in a file of its own: a file that builds a fused LSTM keeps oneDNN on (1.9.1's CPU LSTM needs it), and
# oneDNN's max-pooling gradients outside training mode do not reproduce (the LeNet above has a MaxPool2D)
LM = """
    from mxnet import npx
    from mxnet.gluon import nn, rnn

    npx.set_np()


    class RNNLM(nn.Block):
        def __init__(self, vocab=10, hidden=6, **kwargs):
            super().__init__(**kwargs)
            with self.name_scope():
                self.embedding = nn.Embedding(vocab, hidden)
                self.rnn = rnn.LSTM(hidden, input_size=hidden)
                self.decoder = nn.Dense(vocab, flatten=False, in_units=hidden, params=self.embedding.params)

        def forward(self, tokens):
            return self.decoder(self.rnn(self.embedding(tokens.T)))
"""

USE_NP = """
    from mxnet import init
    from mxnet.gluon import nn
    from mxnet.util import use_np


    @use_np
    class Scaled(nn.HybridBlock):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            with self.name_scope():
                self.dense = nn.Dense(3)
                self.scale = self.params.get('scale', shape=(3,), init=init.Constant(0.5))

        def hybrid_forward(self, F, x, scale):
            return F.np.tanh(self.dense(x)) * scale + F.npx.relu(x).sum(axis=1, keepdims=True)
"""


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "gluon_codemod", "verify", *args],
                          capture_output=True, text=True, timeout=300)


def _statuses(report, model):
    return {c.name: c.status for m in report.models if m.expr == model for c in m.checks}


def _all_ok(report):
    return {m.expr: _statuses(report, m.expr) for m in report.models} == {
        m.expr: {name: "ok" for name in CHECKS} for m in report.models}


def _rewrite(path, *patches):
    """The engine's runtime rewrite of `path`, with `(old, new)` text patches: a rewrite gone wrong."""
    with open(path, "rb") as handle:
        code = fix_code(handle.read(), target="runtime", module_name="net").code.decode()
    for old, new in patches:
        assert old in code, f"{old!r} is not in the rewrite:\n{code}"
        code = code.replace(old, new)
    target = path[:-3] + "_rewritten.py"
    with open(target, "w") as handle:
        handle.write(code)
    return target


def test_d2l_file_is_detected_and_verified_through_the_cli(runtime, write, tmp_path):
    path = write("d2l.py", D2L)
    report = tmp_path / "report.json"
    done = _cli(path, "--build", "mlp()", "--build", "custom()", "--input", "2,4", "--report", str(report))
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert "mode: numpy (the file calls npx.set_np() on line 5)" in done.stdout
    data = json.loads(report.read_text())
    assert data["modes"] == {path: {"mode": "numpy", "why": "the file calls npx.set_np() on line 5"}}
    assert [{c["check"]: c["status"] for c in m["checks"]} for m in data["models"]] == [
        {name: "ok" for name in CHECKS}] * 2


@pytest.mark.parametrize("source, expr, shape, extra", [
    (D2L, "lenet()", (2, 1, 8, 8), {}),  # BatchNorm(scale=False): gamma is written by the operator (spec S6.15)
    (LM, "RNNLM()", (2, 3), {"int_values": True, "input_range": (0, 10), "dtype": "int32"}),  # tied weights
])
def test_d2l_models_verify_in_numpy_mode(runtime, write, row, source, expr, shape, extra):
    report = verify(write("d2l.py", source), [expr], [shape], **extra)
    assert _all_ok(report), report.format()
    assert list(report.modes.values())[0]["mode"] == "numpy"
    if expr == "RNNLM()":
        assert row(report, expr, "sharing").detail == "1 tied group(s)"  # embedding.weight = decoder.weight


def test_model_zoo_resnet_verifies_in_numpy_mode(runtime, zoo_dir):
    # 1.9.1's model zoo, unchanged, under --np: stock Gluon's layers switch to mx.np themselves
    path = os.path.join(zoo_dir, "resnet.py")
    report = verify(path, ["resnet18_v1(classes=10)"], [(1, 3, 32, 32)], numpy=True)
    assert _all_ok(report), report.format()
    assert report.modes == {path: {"mode": "numpy", "why": "--np"}}


def test_np_flag_runs_a_file_without_set_np_in_numpy_mode(runtime, write):
    path = write("plain.py", D2L.replace("    npx.set_np()\n", ""))
    assert detect(open(path).read()) is None

    plain = _cli(path, "--build", "custom()", "--input", "2,4")
    assert plain.returncode == 2, plain.stdout  # np.dot on legacy arrays fails on both sides
    assert "mode: ndarray (nothing in the file turns numpy mode on)" in plain.stdout
    assert "can only accept MXNet numpy ndarrays" in plain.stdout

    forced = _cli(path, "--build", "custom()", "--input", "2,4", "--np")
    assert forced.returncode == 0, forced.stdout + forced.stderr[-3000:]
    assert "mode: numpy (--np)" in forced.stdout


def test_a_broken_rewrite_is_reported_in_numpy_mode(runtime, write, row):
    path = write("d2l.py", D2L)
    broken = _rewrite(path, ("+ self.bias.data(x.ctx))", "+ self.bias.data(x.ctx) * 1.01)"))
    report = verify(path, ["custom()"], [(2, 4)], rewritten=broken)
    assert report.exit_code == 1, report.format()
    assert list(report.modes.values())[0]["mode"] == "numpy"
    for check in ("eager", "grad", "hybrid"):
        assert row(report, "custom()", check).status == "differs", report.format()
    assert "first Block whose output differs: 0 (MyDense)" in row(report, "custom()", "eager").detail

    path = write("lm.py", LM)
    broken = _rewrite(path, (".share_parameters(self.embedding.collect_params())", ""))
    report = verify(path, ["RNNLM()"], [(2, 3)], rewritten=broken, int_values=True, input_range=(0, 10),
                    dtype="int32")
    assert report.exit_code == 1, report.format()
    assert "tied in the original only: decoder.weight = embedding.weight" in row(report, "RNNLM()", "sharing").detail


def test_use_np_decorator_turns_numpy_mode_on(runtime, write):
    path = write("scaled.py", USE_NP)
    report = verify(path, ["Scaled()"], [(2, 4)])
    assert _all_ok(report), report.format()
    assert report.modes == {path: {"mode": "numpy", "why": "the file decorates Scaled with @use_np on line 7"}}

    legacy = verify(path, ["Scaled()"], [(2, 4)], numpy=False)
    assert legacy.exit_code == 2  # its layers need mx.np arrays
    assert legacy.modes == {path: {"mode": "ndarray", "why": "--no-np"}}


def test_no_np_cannot_undo_set_np_at_import(runtime, write):
    path = write("d2l.py", D2L)
    report = verify(path, ["custom()"], [(2, 4)], numpy=False, skip=["training", "checkpoint", "hybrid"])
    assert report.exit_code == 0, report.format()
    assert report.modes[path] == {"mode": "numpy", "why": "the file's import turned numpy mode on (despite --no-np)"}


def test_the_mode_reported_is_the_one_the_import_left(runtime, write):
    path = write("reset.py", """
        from mxnet import npx
        from mxnet.gluon import nn

        npx.set_np()
        npx.reset_np()  # back to legacy arrays before any model is built


        def mlp():
            net = nn.Sequential()
            net.add(nn.Dense(3, in_units=4))
            return net
    """)
    report = verify(path, ["mlp()"], [(2, 4)], skip=["training", "checkpoint", "hybrid"])
    assert report.exit_code == 0, report.format()
    assert report.modes[path] == {
        "mode": "ndarray", "why": "the file's import turned numpy mode off (despite: the file calls npx.set_np() "
                                  "on line 5)"}


@pytest.mark.parametrize("source, why", [
    ("from mxnet import np, npx\nnpx.set_np()\n", "calls npx.set_np() on line 2"),
    ("import mxnet as mx\nmx.npx.set_np()\n", "calls mx.npx.set_np() on line 2"),
    ("from mxnet import npx as X\ndef main():\n    X.set_np()\n", "calls X.set_np() on line 3"),
    ("from mxnet.numpy_extension import set_np\nset_np(shape=True)\n", "calls set_np() on line 2"),
    ("from mxnet.util import set_np\nset_np()\n", "calls set_np() on line 2"),
    ("import mxnet\n@mxnet.use_np\nclass Net:\n    pass\n", "decorates Net with @mxnet.use_np on line 2"),
    ("from mxnet.util import use_np\nNet = use_np(object)\n", "calls use_np() on line 2"),
    ("from mxnet import npx\nimport mxnet as mx\nmx.npx.set_np()\nnpx.set_np()\n", "calls mx.npx.set_np() on line 3"),
])
def test_detects_numpy_mode_through_the_imports(source, why):
    assert detect(source) == why


@pytest.mark.parametrize("source", [
    "from mxnet import np, npx\nx = np.ones(2)\n",  # numpy arrays made by hand: the Gluon code may be legacy
    "def set_np():\n    pass\nset_np()\n",  # not MXNet's
    "import numpy as npx\nnpx.set_np()\n",  # a name that is not MXNet's npx
    "from mxnet import npx\nnpx.set_np(array=False)\n",  # numpy shapes only, legacy arrays
    "from mxnet import npx\nnpx.reset_np()\n",
    "this is not python(",  # the import reports it
])
def test_leaves_other_files_in_ndarray_mode(source):
    assert detect(source) is None


def test_mode_flags_are_exclusive(write, capsys):
    from gluon_codemod.verify import main

    with pytest.raises(SystemExit) as exc:
        main([write("d2l.py", D2L), "--build", "mlp()", "--input", "2,4", "--np", "--no-np"])
    assert exc.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err
