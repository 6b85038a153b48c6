"""Checkpoint interoperability of `gluon_runtime.nn` with stock MXNet 1.9.1, both ways.

Spec S7.5: 1.9.1 `save_parameters` writes structural keys, so files for every layer family and
for (nested) Sequential stacks load unchanged into the runtime, and runtime files load into
stock 1.9.1, giving identical outputs. S7.1: the file is the MXNet NDArray dict format with
no `arg:`/`aux:` prefixes. S7.4: loading into a model that was never initialized initializes it.
"""
import mxnet as mx
import numpy as np
import pytest

from gluon_runtime import nn

from _stock_compare import numpy_mode, structural_params

stock_nn = mx.gluon.nn


def _uniform(*shape, seed=0):
    return mx.nd.array(np.random.RandomState(seed).uniform(-1, 1, size=shape))


def _indices(*shape):
    return mx.nd.array(np.random.RandomState(0).randint(0, 10, size=shape))


def _randomize(block):
    """Gives every parameter distinctive values (positive ones for variances)."""
    params = structural_params(block)
    rng = np.random.RandomState(42)
    for key, param in sorted(params.items()):
        low, high = (0.5, 1.5) if key.endswith('running_var') else (-1.5, 1.5)
        value = rng.uniform(low, high, size=param.shape)
        array = mx.np.array if mx.util.is_np_array() else mx.nd.array
        param.set_data(array(value, dtype=param.dtype))


def _sequential(lib, kind):
    inner = getattr(lib, kind)()
    inner.add(lib.Dense(5, activation='relu'), lib.Dense(4))
    net = getattr(lib, kind)()
    net.add(lib.Dense(6), inner, lib.Dense(2, use_bias=False))
    return net


def _cnn(lib):
    net = lib.HybridSequential()
    body = lib.HybridSequential()
    body.add(lib.Conv2D(4, 3, padding=1), lib.BatchNorm(), lib.PReLU(),
             lib.Conv2DTranspose(3, 2, strides=2), lib.InstanceNorm(scale=True),
             lib.GroupNorm(3), lib.MaxPool2D(), lib.LayerNorm(axis=1))
    net.add(body, lib.GlobalAvgPool2D(), lib.Flatten(), lib.Dense(3))
    return net


FAMILIES = [
    ('dense', lambda lib: lib.Dense(3, activation='tanh'), lambda: _uniform(2, 5)),
    ('dense-no-bias', lambda lib: lib.Dense(3, use_bias=False, flatten=False),
     lambda: _uniform(2, 4, 5)),
    ('conv1d', lambda lib: lib.Conv1D(3, 2), lambda: _uniform(2, 2, 6)),
    ('conv2d', lambda lib: lib.Conv2D(4, 3, groups=2), lambda: _uniform(2, 4, 5, 5)),
    ('conv3d', lambda lib: lib.Conv3D(2, 2), lambda: _uniform(1, 2, 3, 3, 3)),
    ('conv1d-transpose', lambda lib: lib.Conv1DTranspose(3, 2), lambda: _uniform(2, 2, 6)),
    ('conv2d-transpose', lambda lib: lib.Conv2DTranspose(4, 3, strides=2),
     lambda: _uniform(2, 3, 4, 4)),
    ('conv3d-transpose', lambda lib: lib.Conv3DTranspose(2, 2), lambda: _uniform(1, 2, 3, 3, 3)),
    ('batchnorm', lambda lib: lib.BatchNorm(), lambda: _uniform(2, 3, 4, 4)),
    # 1.9.1 runs the fused BatchNorm+ReLU on CPU only through MKL-DNN, i.e. 4-D inputs
    ('batchnorm-relu', lambda lib: lib.BatchNormReLU(center=False),
     lambda: _uniform(2, 3, 4, 4)),
    ('instancenorm', lambda lib: lib.InstanceNorm(scale=True), lambda: _uniform(2, 3, 4)),
    ('layernorm', lambda lib: lib.LayerNorm(), lambda: _uniform(2, 3, 4)),
    ('groupnorm', lambda lib: lib.GroupNorm(2), lambda: _uniform(2, 4, 3)),
    ('embedding', lambda lib: lib.Embedding(10, 4), lambda: _indices(3, 2)),
    ('prelu', lambda lib: lib.PReLU(in_channels=3), lambda: _uniform(2, 3, 4)),
    ('sequential', lambda lib: _sequential(lib, 'Sequential'), lambda: _uniform(2, 7)),
    ('hybrid-sequential', lambda lib: _sequential(lib, 'HybridSequential'),
     lambda: _uniform(2, 7)),
    ('cnn', _cnn, lambda: _uniform(2, 3, 6, 6)),
]


def _ready(build, lib, x):
    net = build(lib)
    net.initialize()
    net(x)
    _randomize(net)
    return net


@pytest.mark.parametrize('build,make_input', [f[1:] for f in FAMILIES],
                         ids=[f[0] for f in FAMILIES])
def test_stock_checkpoint_loads_into_runtime(build, make_input, tmp_path):
    """S7.5 (stock -> runtime) and S7.4: no initialize() needed before loading."""
    x = make_input()
    stock = _ready(build, stock_nn, x)
    path = str(tmp_path / 'stock.params')
    stock.save_parameters(path)

    ours = build(nn)
    ours.load_parameters(path)
    assert sorted(mx.nd.load(path)) == sorted(ours.collect_params())
    np.testing.assert_allclose(ours(x).asnumpy(), stock(x).asnumpy(), rtol=1e-5, atol=1e-6)
    for key, param in ours.collect_params().items():
        assert param.list_ctx() == [mx.cpu()], key


@pytest.mark.parametrize('build,make_input', [f[1:] for f in FAMILIES],
                         ids=[f[0] for f in FAMILIES])
def test_runtime_checkpoint_loads_into_stock(build, make_input, tmp_path):
    """S7.5 (runtime -> stock) and S7.1: structural keys, no arg:/aux: prefixes."""
    x = make_input()
    ours = _ready(build, nn, x)
    path = str(tmp_path / 'runtime.params')
    ours.save_parameters(path)
    keys = sorted(mx.nd.load(path))
    assert keys == sorted(ours.collect_params())
    assert not any(k.startswith(('arg:', 'aux:')) for k in keys)

    stock = build(stock_nn)
    stock.initialize()
    stock(x)
    stock.load_parameters(path)
    np.testing.assert_allclose(stock(x).asnumpy(), ours(x).asnumpy(), rtol=1e-5, atol=1e-6)


def test_hybridized_runtime_uses_loaded_stock_weights(tmp_path):
    """S7.4 + S6.5: a hybridized model built before loading runs with the loaded values."""
    x = _uniform(2, 3, 6, 6)
    stock = _ready(_cnn, stock_nn, x)
    path = str(tmp_path / 'cnn.params')
    stock.save_parameters(path)
    ours = _cnn(nn)
    ours.hybridize()
    ours.initialize()
    ours(x)
    ours.load_parameters(path)
    np.testing.assert_allclose(ours(x).asnumpy(), stock(x).asnumpy(), rtol=1e-5, atol=1e-6)


def test_stock_checkpoint_with_extra_layer_reports_keys(tmp_path):
    """S7.4: a checkpoint of a different stack names the missing and unexpected keys."""
    x = _uniform(2, 7)
    stock = _ready(lambda lib: _sequential(lib, 'HybridSequential'), stock_nn, x)
    path = str(tmp_path / 'seq.params')
    stock.save_parameters(path)
    ours = nn.HybridSequential()
    ours.add(nn.Dense(6), nn.Dense(2, use_bias=False))
    with pytest.raises(ValueError) as err:
        ours.load_parameters(path)
    message = str(err.value)
    assert "'1.weight'" in message and "'1.0.weight'" in message
    assert 'allow_missing' in message or 'ignore_extra' in message


@pytest.mark.isolated
def test_stock_checkpoint_into_runtime_on_two_contexts(tmp_path):
    """S7.4: `ctx=` places the loaded values on every listed context."""
    x = _uniform(2, 7)
    stock = _ready(lambda lib: _sequential(lib, 'HybridSequential'), stock_nn, x)
    path = str(tmp_path / 'seq.params')
    stock.save_parameters(path)
    ours = _sequential(nn, 'HybridSequential')
    ours.load_parameters(path, ctx=[mx.cpu(0), mx.cpu(1)])
    weight = ours[1][0].weight
    assert weight.list_ctx() == [mx.cpu(0), mx.cpu(1)]
    np.testing.assert_array_equal(weight.data(mx.cpu(1)).asnumpy(),
                                  stock[1][0].weight.data().asnumpy())


def _in_sequential(build):
    # Stock 1.9.1 loads files whose keys have no '.' (a lone layer) through its legacy path,
    # which fails in numpy mode even on its own files: nest the layer so keys are '0.weight'.
    def make(lib):
        net = lib.Sequential()
        net.add(build(lib))
        return net
    return make


# Families stock 1.9.1 runs in numpy mode (InstanceNorm and GroupNorm have no numpy branch there,
# and its BatchNormReLU drops the ReLU in numpy mode).
STOCK_NUMPY_FAMILIES = [(name, _in_sequential(build), make_input)
                        for name, build, make_input in FAMILIES
                        if name not in ('instancenorm', 'groupnorm', 'cnn', 'batchnorm-relu')]


@pytest.mark.parametrize('build,make_input', [f[1:] for f in STOCK_NUMPY_FAMILIES],
                         ids=[f[0] for f in STOCK_NUMPY_FAMILIES])
def test_s13_5_numpy_mode_checkpoints_both_ways(build, make_input, tmp_path):
    """S7.5 in numpy mode: `npx.save` files of stock load into the runtime and the reverse."""
    with numpy_mode(True):
        x = make_input().as_np_ndarray()
        stock = _ready(build, stock_nn, x)
        stock.save_parameters(str(tmp_path / 'stock.params'))
        ours = build(nn)
        ours.load_parameters(str(tmp_path / 'stock.params'))
        expected = stock(x).asnumpy()
        np.testing.assert_allclose(ours(x).asnumpy(), expected, rtol=1e-5, atol=1e-6)
        _randomize(ours)
        ours.save_parameters(str(tmp_path / 'runtime.params'))
        stock.load_parameters(str(tmp_path / 'runtime.params'))
        np.testing.assert_allclose(stock(x).asnumpy(), ours(x).asnumpy(), rtol=1e-5, atol=1e-6)
