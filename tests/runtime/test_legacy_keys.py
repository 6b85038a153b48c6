"""Loading a 1.x file with prefixed keys says so and points to `convert-params`; a corrupt file is named."""
import re
import warnings

import mxnet as mx
import pytest

import gluon_runtime as gluon
from gluon_runtime._checkpoint import ParameterLoadError


def _stock_file(tmp_path):
    """What a 1.x user saved with `collect_params().save()`: full prefixed names such as `dense0_weight`."""
    with mx.name.NameManager():
        net = mx.gluon.nn.HybridSequential()
        with net.name_scope():
            net.add(mx.gluon.nn.Dense(3, in_units=4), mx.gluon.nn.Dense(2, in_units=3))
    net.initialize()
    path = str(tmp_path / "old.params")
    net.collect_params().save(path)  # noqa: GLN006 - the 1.x file format is the point
    return path, sorted(mx.nd.load(path))


def _model():
    net = gluon.nn.HybridSequential()
    net.add(gluon.nn.Dense(3, in_units=4), gluon.nn.Dense(2, in_units=3))
    net.initialize()
    return net


def test_prefixed_keys_point_to_convert_params(tmp_path):
    path, keys = _stock_file(tmp_path)
    assert keys[0] == "hybridsequential0_dense0_bias"
    with pytest.raises(ParameterLoadError) as caught:
        _model().load_parameters(path)
    message = str(caught.value)
    assert re.search(r"look like MXNet 1.x prefixed names \(such as 'hybridsequential0_dense[01]_(weight|bias)'\)",
                     message)
    assert "gluon-codemod convert-params OLD.params NEW.params --model FILE.py --build EXPR" in message


def test_nothing_matched_warns_even_when_missing_and_extra_are_allowed(tmp_path):
    path, _ = _stock_file(tmp_path)
    net = _model()
    before = net[0].weight.data().asnumpy()
    with pytest.warns(UserWarning, match=r"No key of file: .*old.params matches a parameter of HybridSequential: "
                                         r"nothing was loaded; the file's keys look like MXNet 1.x prefixed"):
        net.load_parameters(path, allow_missing=True, ignore_extra=True)
    assert (net[0].weight.data().asnumpy() == before).all()


def test_a_partial_match_is_not_warned_about(tmp_path):
    net = _model()
    path = str(tmp_path / "part.params")
    mx.nd.save(path, {"0.weight": mx.nd.ones((3, 4))})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        net.load_parameters(path, allow_missing=True)
    assert net[0].weight.data().asnumpy().sum() == 12


@pytest.mark.parametrize("content", [b"", b"\x12\x01\x00\x00\x00\x00\x00\x00garbage"], ids=["empty", "corrupt"])
def test_truncated_or_corrupt_file_is_named(tmp_path, content):
    net = _model()
    good = str(tmp_path / "good.params")
    net.save_parameters(good)
    broken = tmp_path / "broken.params"
    broken.write_bytes(content or open(good, "rb").read()[:40])
    with pytest.raises(mx.base.MXNetError, match="Cannot load '.*broken.params': not a readable parameter file"):
        net.load_parameters(str(broken))
