"""Legacy parameter files, written by stock MXNet 1.9.1 in a fresh process, as a 1.x user wrote them."""
import os
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("mxnet")

TAGGER = """
    from mxnet import gluon
    from mxnet.gluon import nn, rnn


    class Tagger(gluon.HybridBlock):
        def __init__(self, **kwargs):
            super(Tagger, self).__init__(**kwargs)
            with self.name_scope():
                self.embed = nn.Embedding(20, 8)
                self.lstm = rnn.LSTM(8, num_layers=2, bidirectional=True, input_size=8)
                self.out = nn.Dense(3, flatten=False)

        def hybrid_forward(self, F, x):
            return self.out(self.lstm(self.embed(x)))
"""

WRITER = """
    import sys
    import warnings

    import mxnet as mx

    folder, out = sys.argv[1], sys.argv[2]
    sys.path.insert(0, folder)
    import mobilenet
    import tagger

    net = mobilenet.mobilenet0_25(classes=10)
    net.initialize(mx.init.Xavier())
    net(mx.nd.random.uniform(shape=(1, 3, 32, 32)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net.save_params(out + "/save_params.params")
    net.collect_params().save(out + "/collect.params")
    net.save_parameters(out + "/structural.params")
    net.hybridize()
    net(mx.nd.random.uniform(shape=(1, 3, 32, 32)))
    net.export(out + "/exported")

    lm = tagger.Tagger()
    lm.initialize(mx.init.Xavier())
    lm(mx.nd.array([[1, 2], [3, 4]]))
    lm.save_parameters(out + "/fused.params")
    lm.collect_params().save(out + "/tagger_collect.params")
"""


@pytest.fixture(scope="session")
def legacy(tmp_path_factory):
    """`(models folder, files folder)`: the zoo's mobilenet.py and a fused-LSTM tagger, and their old files."""
    from gluon_codemod.verify._zoo import copy_model_zoo

    models = tmp_path_factory.mktemp("models")
    files = tmp_path_factory.mktemp("legacy")
    copy_model_zoo(str(models), ["mobilenet"])
    (models / "tagger.py").write_text(textwrap.dedent(TAGGER))
    subprocess.run([sys.executable, "-c", textwrap.dedent(WRITER), str(models), str(files)], check=True,
                   capture_output=True, env=dict(os.environ, MXNET_STORAGE_FALLBACK_LOG_VERBOSE="0"))
    return models, files


@pytest.fixture(scope="session")
def runtime():
    """Skips the test while `gluon_runtime` cannot run models (the proof needs the rewrite to run)."""
    try:
        import gluon_runtime
        from gluon_runtime import nn  # noqa: F401
    except Exception:  # noqa: BLE001 - any failure means "not there yet"
        pytest.skip("gluon_runtime (HybridBlock, nn) is not importable")
    if not hasattr(gluon_runtime, "HybridBlock"):
        pytest.skip("gluon_runtime has no HybridBlock yet")
