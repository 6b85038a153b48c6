"""`convert-params` on a `Trainer.save_states` file of a 1.x Trainer (issue 18.5).

Stock 1.9.1 trains a model, saves its parameters and its Trainer's states; the states, loaded as they
are by gluon_runtime's Trainer, are refused (another order of Parameters); converted, training resumes
on the rewrite to the values stock reaches, bit for bit. Every stage runs in a fresh process, as a
user runs it.
"""
import os
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

pytest.importorskip("mxnet")

# `output` is created before `hidden`: 1.x names them dense0 and dense1, so the 1.x Trainer's order
# (sorted prefixed names) is output's, then hidden's; gluon_runtime's (sorted structural keys) the reverse.
MODEL = """
    from mxnet import gluon
    from mxnet.gluon import nn


    class Regressor(gluon.HybridBlock):
        def __init__(self, **kwargs):
            super(Regressor, self).__init__(**kwargs)
            with self.name_scope():
                self.output = nn.Dense(3, in_units=8)
                self.hidden = nn.Dense(8, in_units=5, activation='relu')
                self.norm = nn.LayerNorm(in_channels=8)

        def hybrid_forward(self, F, x):
            return self.output(self.norm(self.hidden(x)))
"""

# argv: folder of the model, folder of the files, "stock" or "runtime", steps to run, resume or not
TRAIN = """
    import sys

    import mxnet as mx
    import numpy as np

    folder, files, side, steps, resume = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
    sys.path.insert(0, folder)
    import model
    if side == "stock":
        Trainer = mx.gluon.Trainer
    else:
        import gluon_runtime
        Trainer = gluon_runtime.Trainer

    mx.random.seed(1)
    net = model.Regressor()
    if resume == "fresh":
        net.initialize(mx.init.Xavier())
    else:
        net.load_parameters(files + "/checkpoint.params")
    trainer = Trainer(net.collect_params(), "adam", {"learning_rate": 0.01, "wd": 0.01})
    if resume != "fresh":
        try:
            trainer.load_states(resume)
        except ValueError as err:
            print("REFUSED", err)
            sys.exit(3)
    rng = np.random.RandomState(7 if resume == "fresh" else 8)
    for _ in range(steps):
        x, y = mx.nd.array(rng.uniform(size=(4, 5))), mx.nd.array(rng.uniform(size=(4, 3)))
        with mx.autograd.record():
            loss = ((net(x) - y) ** 2).sum()
        loss.backward()
        trainer.step(4)
    if resume == "fresh":
        net.save_parameters(files + "/checkpoint.params")
        trainer.save_states(files + "/stock.states")
    else:
        net.save_parameters(files + "/" + side + "-resumed.params")
"""


def _run(*argv, check=True):
    done = subprocess.run([sys.executable, *argv], capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, MXNET_STORAGE_FALLBACK_LOG_VERBOSE="0"))
    if check:
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return done


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """`(original folder, rewritten folder, files folder)`, after 3 stock steps saved with their states."""
    orig, files = tmp_path_factory.mktemp("orig"), tmp_path_factory.mktemp("files")
    (orig / "model.py").write_text(textwrap.dedent(MODEL))
    new = tmp_path_factory.mktemp("new")
    shutil.copy(orig / "model.py", new / "model.py")
    fixed = _run("-m", "gluon_codemod", "fix", "--target", "runtime", str(new / "model.py"), check=False)
    assert "1 rewritten, 0 with findings left, 0 failed" in fixed.stderr, fixed.stderr[-3000:]
    assert "gluon_runtime" in (new / "model.py").read_text()
    _run("-c", textwrap.dedent(TRAIN), str(orig), str(files), "stock", "3", "fresh")
    return orig, new, files


def _train(project, side, states, check=True):
    orig, new, files = project
    return _run("-c", textwrap.dedent(TRAIN), str(orig if side == "stock" else new), str(files), side, "4",
                str(states), check=check)


def _convert(project, old, new, *extra):
    orig, _, _ = project
    return _run("-m", "gluon_codemod", "convert-params", str(old), str(new), "--model", str(orig / "model.py"),
                "--build", "Regressor()", *extra, check=False)


def _values(path):
    import mxnet as mx

    return {k: v.asnumpy() for k, v in mx.nd.load(str(path)).items()}


def test_a_1x_states_file_is_refused_by_the_runtime_trainer(project):
    _, _, files = project
    refused = _train(project, "runtime", files / "stock.states", check=False)
    assert refused.returncode == 3, refused.stderr[-3000:]
    assert "does not fit this Trainer's 6 Parameters" in refused.stdout
    # 1.x index 0 is dense0_bias (output, 3 units); the runtime's index 0 is `hidden.bias` (8 units)
    assert "state 0 has shape (3,) but Parameter `hidden.bias` (index 0) has shape (8,)" in refused.stdout


def test_converted_states_resume_training_bitwise_like_stock(project, tmp_path):
    _, _, files = project
    converted = tmp_path / "runtime.states"
    done = _convert(project, files / "stock.states", converted, "--map", str(tmp_path / "map.json"),
                    "--input", "4,5")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "proof: the rewrite's Trainer numbers its 6 Parameters as the converted states and loads them" \
        in done.stderr
    assert "optimizer states of 6 Parameters (Trainer.save_states)" in done.stderr
    assert f"wrote {converted}: 6 optimizer states in gluon_runtime's Trainer order" in done.stderr
    _train(project, "stock", files / "stock.states")
    _train(project, "runtime", converted)
    stock, ours = _values(files / "stock-resumed.params"), _values(files / "runtime-resumed.params")
    start = _values(files / "checkpoint.params")
    assert stock.keys() == ours.keys() == start.keys()
    for key in stock:
        assert not np.array_equal(stock[key], start[key]), key  # training did move every Parameter
        assert np.array_equal(stock[key], ours[key]), key  # bitwise
    import json

    mapping = json.loads((tmp_path / "map.json").read_text())["map"]
    assert mapping["0"] == {"old": "regressor0_dense0_bias", "new_index": 4, "new": "output.bias"}


def test_states_of_another_model_are_refused_and_nothing_written(project, tmp_path):
    orig, _, files = project
    (orig / "other.py").write_text(textwrap.dedent("""
        from mxnet.gluon import nn

        def build():
            net = nn.HybridSequential()
            net.add(nn.Dense(4, in_units=5), nn.Dense(2, in_units=4))
            return net
    """))
    converted = tmp_path / "other.states"
    done = _run("-m", "gluon_codemod", "convert-params", str(files / "stock.states"), str(converted),
                "--model", str(orig / "other.py"), "--build", "build()", check=False)
    assert done.returncode == 1, done.stderr[-3000:]
    assert "does not fit build()" in done.stderr
    assert "state 0 has shape (3,) but Parameter `dense0_bias` (index 0) has shape (4,)" \
        in done.stderr
    assert "state 4 has no Parameter (indices go from 0 to 3)" in done.stderr
    assert not converted.exists()
