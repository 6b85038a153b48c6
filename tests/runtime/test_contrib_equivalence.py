"""`gluon_runtime.contrib.nn` against stock MXNet 1.9.1 `gluon.contrib.nn`.

Same structural parameter names and shapes (S3.1, S3.7; containers name children '0', '1', ...),
same outputs, gradients and running statistics eager and hybridized (S6.2, S6.4-S6.7), 1.9.1
constructors minus `prefix`/`params` (S2.1), and checkpoints that load both ways (S7.5).
"""
import warnings

import mxnet as mx
import numpy as np
import pytest

from gluon_runtime import Trainer, nn
from gluon_runtime.contrib import nn as contrib_nn

from _stock_compare import check_equivalent

stock_nn = mx.gluon.nn
stock_contrib = mx.gluon.contrib.nn


def _uniform(*shape, seed=0):
    return mx.nd.array(np.random.RandomState(seed).uniform(-1, 1, size=shape))


def _concurrent(cls_name, module, layers, axis=1):
    block = getattr(module[0], cls_name)(axis=axis)
    for make in layers:
        block.add(make(module[1], module[0]))
    return block


STOCK = (stock_contrib, stock_nn)
RUNTIME = (contrib_nn, nn)

# Stock 1.9.1's contrib layers use legacy operators only and fail in numpy mode: there the
# runtime's are compared with stock in legacy mode (spec S13.1), hence `stock_numpy=False`.

BRANCHES = [
    lambda layers, contrib: layers.Dense(3),
    lambda layers, contrib: contrib.Identity(),
    lambda layers, contrib: layers.Dense(2, activation='tanh', use_bias=False),
]


@pytest.mark.parametrize('numpy', [False, True], ids=['legacy', 'numpy'])
@pytest.mark.parametrize('cls_name', ['HybridConcurrent', 'Concurrent'])
def test_concurrent_containers(cls_name, numpy):
    """S3.7: children '0', '1', ...; outputs concatenated on `axis`, eager and hybridized."""
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        results = check_equivalent(lambda: _concurrent(cls_name, STOCK, BRANCHES),
                                   lambda: _concurrent(cls_name, RUNTIME, BRANCHES),
                                   _uniform(4, 5), numpy=numpy, stock_numpy=False)
    assert results['hybridized'][1][0].shape == (4, 3 + 5 + 2)


@pytest.mark.parametrize('numpy', [False, True], ids=['legacy', 'numpy'])
def test_nested_hybrid_concurrent_with_batchnorm(numpy):
    """S6.7: a HybridConcurrent inside a HybridSequential (one graph), with running stats."""
    def build(module):
        contrib, layers = module
        net = layers.HybridSequential()
        branches = contrib.HybridConcurrent(axis=1)
        branches.add(layers.Conv2D(2, 3, padding=1), contrib.Identity(),
                     layers.BatchNorm())
        net.add(branches, layers.Conv2D(4, 1), contrib.PixelShuffle2D(2))
        return net
    results = check_equivalent(lambda: build(STOCK), lambda: build(RUNTIME),
                               _uniform(2, 3, 4, 4), numpy=numpy, stock_numpy=False)
    assert results['eager'][1][0].shape == (2, 1, 8, 8)


def test_identity():
    """Identity returns its input, eager and hybridized, and has no parameters. (Its gradient
    is compared inside the Concurrent containers above: alone, neither stock nor runtime
    records an operation to differentiate.)"""
    x = _uniform(3, 4)
    assert contrib_nn.Identity()(x) is x
    for module in (stock_contrib, contrib_nn):
        block = module.Identity()
        block.hybridize()
        np.testing.assert_array_equal(block(x).asnumpy(), x.asnumpy())
    assert contrib_nn.Identity().collect_params() == {}


@pytest.mark.parametrize('kwargs', [{}, {'in_channels': 3, 'momentum': 0.5},
                                    {'center': False, 'scale': False, 'epsilon': 1e-3},
                                    {'use_global_stats': True}],
                         ids=['default', 'in_channels', 'no_affine', 'global_stats'])
@pytest.mark.parametrize('numpy', [False, True], ids=['legacy', 'numpy'])
def test_sync_batchnorm(kwargs, numpy):
    """S3.7 (`gamma`, `beta`, `running_mean`, `running_var`): SyncBatchNorm on one device
    normalizes and updates its running statistics as stock."""
    kwargs = dict(kwargs, num_devices=1)
    results = check_equivalent(lambda: stock_contrib.SyncBatchNorm(**kwargs),
                               lambda: contrib_nn.SyncBatchNorm(**kwargs), _uniform(4, 3, 5),
                               numpy=numpy, stock_numpy=False)
    assert results['eager'][1][0].shape == (4, 3, 5)


def test_sync_batchnorm_default_device_count_warns():
    """Without `num_devices` it warns (as 1.9.1) and uses the GPU count, at least 1."""
    with pytest.warns(UserWarning, match='num_devices'):
        layer = contrib_nn.SyncBatchNorm()
    assert layer._kwargs['ndev'] == max(mx.context.num_gpus(), 1)
    assert layer._kwargs['key'] == layer.name
    with pytest.raises(TypeError, match='prefix'):
        contrib_nn.SyncBatchNorm(num_devices=1, prefix='bn_')


@pytest.mark.parametrize('cls_name,factor,shape', [
    ('PixelShuffle1D', 3, (2, 6, 5)),
    ('PixelShuffle2D', 2, (2, 8, 3, 4)),
    ('PixelShuffle2D', (2, 3), (2, 12, 3, 2)),
    ('PixelShuffle3D', 2, (1, 16, 2, 3, 2)),
    ('PixelShuffle3D', (1, 2, 3), (2, 12, 2, 2, 3)),
])
@pytest.mark.parametrize('numpy', [False, True], ids=['legacy', 'numpy'])
def test_pixel_shuffle(cls_name, factor, shape, numpy):
    """PixelShuffle1D/2D/3D rearrange channels to space exactly as stock, eager and hybridized."""
    results = check_equivalent(lambda: getattr(stock_contrib, cls_name)(factor),
                               lambda: getattr(contrib_nn, cls_name)(factor),
                               _uniform(*shape), numpy=numpy, stock_numpy=False)
    factors = (factor,) * (len(shape) - 2) if isinstance(factor, int) else factor
    expected = (shape[0], shape[1] // int(np.prod(factors))) + tuple(
        s * f for s, f in zip(shape[2:], factors))
    assert results['hybridized'][1][0].shape == expected
    assert repr(getattr(contrib_nn, cls_name)(factor)) == repr(
        getattr(stock_contrib, cls_name)(factor))


def test_pixel_shuffle_rejects_wrong_factor_count():
    """A factor tuple of the wrong length raises ValueError naming the expected count."""
    with pytest.raises(ValueError, match='needs 3 upsampling factors'):
        contrib_nn.PixelShuffle3D((2, 2))
    with pytest.raises(ValueError, match='needs 2 upsampling factors'):
        contrib_nn.PixelShuffle2D((2, 2, 2))


def test_sparse_embedding_trains_like_stock():
    """SparseEmbedding: row_sparse weight pulled through the Trainer; same lookups, same
    row_sparse gradient step as stock (stock Trainer vs `gluon_runtime.Trainer`)."""
    table = _uniform(10, 4)
    x = mx.nd.array([[1, 3], [3, 7]])
    results = []
    for module, trainer_cls in ((stock_contrib, mx.gluon.Trainer), (contrib_nn, Trainer)):
        layer = module.SparseEmbedding(10, 4, weight_initializer=mx.init.Constant(table))
        layer.initialize()
        params = (layer.collect_params() if module is contrib_nn
                  else layer._collect_params_with_prefix())  # noqa: GLN009 (stock 1.x API)
        assert list(params) == ['weight']
        assert params['weight']._grad_stype == 'row_sparse'
        trainer = trainer_cls(params, 'sgd', {'learning_rate': 0.5})
        with mx.autograd.record():
            out = layer(x)
        out.backward(_uniform(2, 2, 4, seed=1))
        trainer.step(1)
        weight = layer.weight.row_sparse_data(mx.nd.arange(10)).tostype('default')
        results.append((out.asnumpy(), weight.asnumpy()))
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-6)
    np.testing.assert_allclose(results[1][1], results[0][1], rtol=1e-6)
    # rows that were not looked up did not move
    np.testing.assert_array_equal(results[1][1][0], table.asnumpy()[0])
    assert repr(contrib_nn.SparseEmbedding(10, 4)) == repr(stock_contrib.SparseEmbedding(10, 4))


def test_sparse_embedding_needs_a_trainer():
    """Without a Trainer the row_sparse weight cannot be pulled: RuntimeError says so."""
    layer = contrib_nn.SparseEmbedding(10, 4)
    layer.initialize()
    with pytest.raises(RuntimeError, match='Trainer'):
        layer(mx.nd.array([1, 2]))


def _checkpoint_model(module):
    contrib, layers = module
    net = contrib.HybridConcurrent(axis=1)
    net.add(layers.Dense(3), contrib.Identity(),
            _seq(layers, layers.Dense(4, in_units=5), contrib.SyncBatchNorm(num_devices=1)))
    return net


def _seq(layers, *blocks):
    seq = layers.HybridSequential()
    seq.add(*blocks)
    return seq


def test_contrib_checkpoints_both_ways(tmp_path):
    """S7.5: nested contrib containers and SyncBatchNorm keep 1.9.1's structural keys
    (`2.1.running_mean`), so files load in both directions with the same outputs."""
    x = _uniform(3, 5)
    stock = _checkpoint_model(STOCK)
    stock.initialize(mx.init.Xavier())
    with mx.autograd.record():
        stock(x)  # moves the running statistics away from their initial values
    stock_path = str(tmp_path / 'stock.params')
    stock.save_parameters(stock_path)
    assert '2.1.running_mean' in mx.nd.load(stock_path)

    ours = _checkpoint_model(RUNTIME)
    ours.load_parameters(stock_path)
    np.testing.assert_allclose(ours(x).asnumpy(), stock(x).asnumpy(), rtol=1e-5, atol=1e-6)

    for param in ours.collect_params().values():
        param.set_data(param.data() + 0.25)
    runtime_path = str(tmp_path / 'runtime.params')
    ours.save_parameters(runtime_path)
    assert set(mx.nd.load(runtime_path)) == set(mx.nd.load(stock_path))
    stock_again = _checkpoint_model(STOCK)
    stock_again.load_parameters(runtime_path)
    np.testing.assert_allclose(stock_again(x).asnumpy(), ours(x).asnumpy(), rtol=1e-5,
                               atol=1e-6)


def test_exports():
    """S0.1: `gluon_runtime.contrib.nn` exports what 1.9.1's `gluon.contrib.nn` exports."""
    assert set(stock_contrib.__all__) <= set(contrib_nn.__all__)
    with pytest.raises(TypeError, match='prefix'):
        contrib_nn.HybridConcurrent(prefix='c_')
