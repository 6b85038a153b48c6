"""`convert-params` in numpy mode (issue 20.4): a d2l-style model (`npx.set_np()`, `mx.np` arrays).

1.9.1 writes the files of a numpy-mode model under numpy shapes and reads them back only under them,
and its ParameterDict loader refuses the legacy arrays it reads; the mode is detected from FILE as
verify detects it, or forced with `--np`.
"""
import os
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("mxnet")

D2L = """
    from mxnet import np, npx
    from mxnet.gluon import nn

    npx.set_np()


    def get_net():
        net = nn.HybridSequential()
        net.add(nn.Dense(8, activation='relu'), nn.Dense(1))
        return net
"""

# the same model, with nothing in the file that says numpy mode: the user's script turned it on
PLAIN = D2L.replace("npx.set_np()\n", "")

WRITER = """
    import sys

    from mxnet import np, npx

    sys.path.insert(0, sys.argv[1])
    npx.set_np()
    import d2lnet

    net = d2lnet.get_net()
    net.initialize()
    net.hybridize()
    net(np.random.uniform(size=(2, 4)))
    net.save_parameters(sys.argv[2] + "/structural.params")
    net.export(sys.argv[2] + "/exported")
"""


@pytest.fixture(scope="module")
def d2l(tmp_path_factory):
    models, files = tmp_path_factory.mktemp("d2l"), tmp_path_factory.mktemp("d2lfiles")
    (models / "d2lnet.py").write_text(textwrap.dedent(D2L))
    (models / "plainnet.py").write_text(textwrap.dedent(PLAIN))
    subprocess.run([sys.executable, "-c", textwrap.dedent(WRITER), str(models), str(files)], check=True,
                   capture_output=True, env=dict(os.environ, MXNET_STORAGE_FALLBACK_LOG_VERBOSE="0"))
    return models, files


def _convert(model, old, new, *extra):
    return subprocess.run([sys.executable, "-m", "gluon_codemod", "convert-params", str(old), str(new),
                           "--model", str(model), "--build", "get_net()", *extra],
                          capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, MXNET_STORAGE_FALLBACK_LOG_VERBOSE="0"))


@pytest.mark.parametrize("old, fmt", [
    ("structural.params", "save_parameters() (structural names, as the new API)"),
    ("exported-0000.params", "export() (arg:/aux: + full prefixed names)"),
])
def test_numpy_mode_is_detected_from_the_file_and_the_conversion_proves_itself(runtime, d2l, tmp_path, old, fmt):
    models, files = d2l
    new = tmp_path / "new.params"
    done = _convert(models / "d2lnet.py", files / old, new, "--input", "2,4")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "mode: numpy (FILE calls npx.set_np() on line 5)" in done.stderr
    assert f"format: {fmt}" in done.stderr
    assert "proof: OLD in the original and NEW in the rewrite give the same outputs" in done.stderr
    assert new.exists()


def test_np_forces_numpy_mode_and_no_np_says_why_the_file_does_not_load(runtime, d2l, tmp_path):
    models, files = d2l
    forced = _convert(models / "plainnet.py", files / "exported-0000.params", tmp_path / "a.params", "--np",
                      "--input", "2,4")
    assert forced.returncode == 0, forced.stderr[-3000:]
    assert "mode: numpy (--np)" in forced.stderr
    plain = _convert(models / "plainnet.py", files / "exported-0000.params", tmp_path / "b.params")
    assert plain.returncode == 2
    assert "was saved in numpy mode (npx.set_np()) and loads only in it: give --np" in plain.stderr
    assert not (tmp_path / "b.params").exists()
