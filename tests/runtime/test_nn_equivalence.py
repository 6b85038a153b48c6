"""`gluon_runtime.nn` against stock MXNet 1.9.1 `gluon.nn`, layer by layer.

For every layer: same structural parameter names, shapes, dtypes and grad_req (spec S3.1, S3.7),
and with the stock weights copied in, the same outputs, parameter gradients, input gradients
and running statistics, eager and hybridized (S6.2, S6.4-S6.6, S6.10), through
`_stock_compare.check_equivalent`. Constructors are 1.9.1's minus `prefix`/`params` (S2.1, S3.8);
reprs are unchanged from 1.x (S2.10).
"""
import warnings

import mxnet as mx
import numpy as np
import pytest

from gluon_runtime import nn

from _stock_compare import EquivalenceError, check_equivalent, numpy_mode

stock_nn = mx.gluon.nn


def _uniform(*shape, low=-1.0, high=1.0, seed=0):
    return mx.nd.array(np.random.RandomState(seed).uniform(low, high, size=shape))


def _indices(*shape, high=10, seed=0):
    return mx.nd.array(np.random.RandomState(seed).randint(0, high, size=shape), dtype='int32')


class Case:
    """One layer configuration: `nn.<cls>(*args, **kwargs)` on both sides, fed `inputs()`."""

    def __init__(self, cls, args=(), kwargs=None, inputs=None, train_mode=True, stock_cls=None,
                 stock_kwargs=None, case_id=None, rtol=1e-5, atol=1e-6):
        self.cls, self.args, self.kwargs = cls, args, dict(kwargs or {})
        self.inputs = inputs or (lambda: _uniform(2, 3))
        self.train_mode = train_mode
        self.stock_cls = stock_cls or cls
        self.stock_kwargs = self.kwargs if stock_kwargs is None else stock_kwargs
        self.id = case_id or '%s(%s)' % (cls, ','.join(
            [repr(a) for a in args] + ['%s=%r' % kv for kv in self.kwargs.items()]))
        self.rtol, self.atol = rtol, atol

    def stock(self):
        return getattr(stock_nn, self.stock_cls)(*self.args, **self.stock_kwargs)

    def runtime(self):
        return getattr(nn, self.cls)(*self.args, **self.kwargs)


def _img(c=3, h=6, w=6, n=2):
    return lambda: _uniform(n, c, h, w)


def _seq(c=3, w=10, n=2):
    return lambda: _uniform(n, c, w)


def _vol(c=2, d=4, h=5, w=5, n=2):
    return lambda: _uniform(n, c, d, h, w)


LAYER_CASES = [
    # Dense (S3.7: weight (units, in_units), bias (units,))
    Case('Dense', (4,)),
    Case('Dense', (4,), {'activation': 'relu', 'use_bias': False}),
    Case('Dense', (5,), {'flatten': False, 'in_units': 3}, inputs=lambda: _uniform(2, 4, 3)),
    Case('Dense', (3,), {'activation': 'tanh'}, inputs=_img(2, 3, 3)),
    Case('Dense', (3,), {'dtype': 'float64'},
         inputs=lambda: _uniform(2, 3).astype('float64')),
    # Dropout: random in training mode, so compared in inference mode or with p = 0
    Case('Dropout', (0.5,), train_mode=False),
    Case('Dropout', (0.0,)),
    Case('Dropout', (0.3,), {'axes': (1,)}, train_mode=False, inputs=_img()),
    # Normalization (S3.7: gamma, beta, running_mean, running_var)
    Case('BatchNorm', (), inputs=_img()),
    Case('BatchNorm', (), {'axis': 3, 'momentum': 0.5}, inputs=_img()),
    Case('BatchNorm', (), {'center': False, 'scale': False}, inputs=_img()),
    Case('BatchNorm', (), {'use_global_stats': True, 'in_channels': 3}, inputs=_img()),
    Case('BatchNorm', (), {'epsilon': 1e-3}, inputs=_seq()),
    Case('BatchNormReLU', (), inputs=_img()),
    Case('InstanceNorm', (), inputs=_img()),
    Case('InstanceNorm', (), {'scale': True, 'center': False, 'in_channels': 3}, inputs=_img()),
    Case('InstanceNorm', (), {'axis': 2, 'scale': True}, inputs=_img(3, 4, 5)),
    Case('LayerNorm', (), inputs=_img()),
    Case('LayerNorm', (), {'axis': 1, 'in_channels': 3, 'scale': False}, inputs=_img()),
    Case('GroupNorm', (), {'num_groups': 2}, inputs=_img(4)),
    Case('GroupNorm', (), {'num_groups': 1, 'center': False}, inputs=_seq(4)),
    # Embedding (S3.7: weight (input_dim, output_dim))
    Case('Embedding', (10, 4), inputs=lambda: _indices(2, 5)),
    Case('Embedding', (10, 4), {'dtype': 'float64'}, inputs=lambda: _indices(3, 2)),
    Case('Embedding', (10, 3), {'sparse_grad': True}, inputs=lambda: _indices(4)),
    # Shape and function wrappers
    Case('Flatten', (), inputs=_img()),
    Case('HybridLambda', ('tanh',)),
    Case('Lambda', ('exp',)),
    # Activations (S3.7: PReLU alpha)
    Case('Activation', ('relu',)),
    Case('Activation', ('sigmoid',)),
    Case('Activation', ('tanh',)),
    Case('Activation', ('softrelu',)),
    Case('Activation', ('softsign',)),
    Case('LeakyReLU', (0.1,)),
    Case('PReLU', ()),
    Case('PReLU', (), {'in_channels': 3}, inputs=_img()),
    Case('ELU', ()),
    Case('ELU', (0.5,)),
    Case('SELU', ()),
    Case('GELU', ()),
    Case('Swish', ()),
    Case('Swish', (2.0,)),
    # 1.9.1 has no SiLU; it is Swish with beta = 1
    Case('SiLU', (), stock_cls='Swish', stock_kwargs={'beta': 1.0}),
    # Convolutions (S3.7: weight, bias)
    Case('Conv1D', (4, 3), inputs=_seq()),
    Case('Conv1D', (4, 3), {'strides': 2, 'padding': 1, 'dilation': 2, 'use_bias': False},
         inputs=_seq(w=12)),
    Case('Conv1D', (4, 3), {'groups': 2, 'in_channels': 4, 'activation': 'relu'},
         inputs=_seq(4)),
    Case('Conv2D', (4, 3), inputs=_img()),
    Case('Conv2D', (6, (3, 2)), {'strides': (2, 1), 'padding': (1, 0), 'groups': 3,
                                 'activation': 'sigmoid'}, inputs=_img()),
    Case('Conv2D', (2, 3), {'dilation': 2, 'in_channels': 3, 'use_bias': False},
         inputs=_img(h=8, w=8)),
    Case('Conv3D', (2, 3), inputs=_vol()),
    Case('Conv3D', (2, (1, 3, 3)), {'padding': (0, 1, 1), 'strides': 2}, inputs=_vol()),
    Case('Conv1DTranspose', (4, 3), inputs=_seq()),
    Case('Conv1DTranspose', (4, 3), {'strides': 2, 'output_padding': 1, 'padding': 1},
         inputs=_seq()),
    Case('Conv2DTranspose', (4, 3), inputs=_img()),
    Case('Conv2DTranspose', (4, 3), {'strides': 2, 'output_padding': (1, 1), 'groups': 1,
                                     'activation': 'relu', 'in_channels': 3}, inputs=_img()),
    Case('Conv2DTranspose', (6, 2), {'groups': 3, 'use_bias': False}, inputs=_img()),
    Case('Conv3DTranspose', (2, 3), inputs=_vol()),
    Case('Conv3DTranspose', (2, 2), {'strides': 2, 'output_padding': 1}, inputs=_vol()),
    # Pooling
    Case('MaxPool1D', (), inputs=_seq()),
    Case('MaxPool1D', (3,), {'strides': 2, 'padding': 1, 'ceil_mode': True}, inputs=_seq()),
    Case('MaxPool2D', (), inputs=_img()),
    Case('MaxPool2D', ((3, 2),), {'strides': 1, 'padding': (1, 0)}, inputs=_img()),
    Case('MaxPool3D', (), inputs=_vol()),
    Case('AvgPool1D', (), inputs=_seq()),
    Case('AvgPool1D', (3,), {'padding': 1, 'count_include_pad': False}, inputs=_seq()),
    Case('AvgPool2D', (), inputs=_img(h=7, w=7)),
    Case('AvgPool2D', (3,), {'strides': 2, 'ceil_mode': True, 'padding': 1},
         inputs=_img(h=7, w=7)),
    Case('AvgPool3D', (), inputs=_vol()),
    Case('AvgPool3D', ((2, 1, 2),), {'count_include_pad': False, 'padding': (1, 0, 1)},
         inputs=_vol()),
    Case('GlobalMaxPool1D', (), inputs=_seq()),
    Case('GlobalMaxPool2D', (), inputs=_img()),
    Case('GlobalMaxPool3D', (), inputs=_vol()),
    Case('GlobalAvgPool1D', (), inputs=_seq()),
    Case('GlobalAvgPool2D', (), inputs=_img()),
    Case('GlobalAvgPool3D', (), inputs=_vol()),
    Case('ReflectionPad2D', (1,), inputs=_img()),
    Case('ReflectionPad2D', ((0, 0, 0, 0, 1, 2, 2, 1),), inputs=_img()),
]


@pytest.mark.parametrize('case', LAYER_CASES, ids=lambda c: c.id)
def test_layer_matches_stock(case):
    """S3.7 names/shapes + outputs and gradients, eager and hybridized."""
    results = check_equivalent(case.stock, case.runtime, case.inputs(),
                               train_mode=case.train_mode, rtol=case.rtol, atol=case.atol)
    assert set(results) == {'eager', 'hybridized'}


# Stock 1.9.1 cannot run these in numpy mode (legacy operators only; BatchNormReLU silently
# loses its ReLU): in numpy mode the runtime gives the values of stock in legacy mode (S13.1).
STOCK_LEGACY_ONLY = {'InstanceNorm', 'GroupNorm', 'ReflectionPad2D', 'Lambda', 'HybridLambda',
                     'BatchNormReLU'}


def _stock_runs_in_numpy_mode(case):
    # 1.9.1's numpy random operators cannot initialize float64 parameters.
    return case.cls not in STOCK_LEGACY_ONLY and case.kwargs.get('dtype') in (None, 'float32')


NUMPY_CASES = [case for case in LAYER_CASES if not case.kwargs.get('sparse_grad')]


@pytest.mark.parametrize('case', NUMPY_CASES, ids=lambda c: c.id)
def test_s13_1_layer_matches_stock_in_numpy_mode(case):
    """The same checks with `mx.np` inputs under numpy semantics, eager and hybridized."""
    results = check_equivalent(case.stock, case.runtime, case.inputs(),
                               train_mode=case.train_mode, rtol=case.rtol, atol=case.atol,
                               numpy=True, stock_numpy=_stock_runs_in_numpy_mode(case))
    assert set(results) == {'eager', 'hybridized'}


def test_s13_1_sparse_gradients_are_refused_in_numpy_mode():
    """Numpy mode has no sparse arrays: a clear error at initialization (stock: the same)."""
    layer = nn.Embedding(10, 3, sparse_grad=True)
    with numpy_mode(True):
        with pytest.raises(ValueError, match="grad_stype='row_sparse'.*numpy mode has no sparse"):
            layer.initialize()


# SiLU has no stock class of its own to compare the repr with.
SAME_CLASS_CASES = [case for case in LAYER_CASES if case.stock_cls == case.cls]


@pytest.mark.parametrize('case', SAME_CLASS_CASES, ids=lambda c: c.id)
def test_layer_repr_matches_stock(case):
    """S2.10: layer reprs are unchanged from 1.x (after shapes are known)."""
    stock, ours = case.stock(), case.runtime()
    for block in (stock, ours):
        block.initialize()
        block(case.inputs())
    assert repr(ours) == repr(stock)


@pytest.mark.parametrize('case', SAME_CLASS_CASES[::5], ids=lambda c: c.id)
def test_layer_repr_before_shapes_are_known(case):
    """S2.10: the deferred-shape repr (`None -> 4`) is 1.x's too."""
    assert repr(case.runtime()) == repr(case.stock())


def test_hybrid_lambda_with_function():
    check_equivalent(lambda: stock_nn.HybridLambda(lambda F, x: F.LeakyReLU(x, slope=0.1)),
                     lambda: nn.HybridLambda(lambda F, x: F.LeakyReLU(x, slope=0.1)),
                     _uniform(3, 4))


def test_silu_repr():
    assert repr(nn.SiLU()) == 'SiLU(\n\n)'


def test_lambda_with_function_of_two_inputs():
    def add_scaled(a, b):
        return a + 2 * b
    results = check_equivalent(lambda: stock_nn.Lambda(add_scaled),
                               lambda: nn.Lambda(add_scaled),
                               [_uniform(2, 3), _uniform(2, 3, seed=1)], hybridize=(False,))
    assert repr(nn.Lambda(add_scaled)) == 'Lambda(add_scaled)'
    assert results['eager'][1][0].shape == (2, 3)


# -- containers ------------------------------------------------------------------------------

def _mlp(lib, sequential='HybridSequential'):
    net = getattr(lib, sequential)()
    net.add(lib.Dense(8, activation='relu'), lib.Dropout(0.0), lib.Dense(4))
    return net


def _nested(lib):
    inner = lib.HybridSequential()
    inner.add(lib.Dense(6, activation='tanh'), lib.LayerNorm())
    deeper = lib.HybridSequential()
    deeper.add(lib.Dense(5), inner)
    net = lib.HybridSequential()
    net.add(deeper, lib.Dense(3, use_bias=False), lib.PReLU())
    return net


def _small_cnn(lib):
    net = lib.HybridSequential()
    features = lib.HybridSequential()
    features.add(lib.Conv2D(4, 3, padding=1), lib.BatchNorm(), lib.Activation('relu'),
                 lib.MaxPool2D(), lib.Conv2D(8, 3, groups=2, use_bias=False),
                 lib.BatchNorm(center=False), lib.LeakyReLU(0.1), lib.GlobalAvgPool2D())
    net.add(features, lib.Flatten(), lib.Dense(10, activation='sigmoid'), lib.Dense(2))
    return net


def _mixed_sequential(lib):
    net = lib.Sequential()
    net.add(lib.Dense(6), lib.Lambda('relu'), _mlp(lib))
    return net


@pytest.mark.parametrize('build,make_input', [
    (_mlp, lambda: _uniform(4, 7)),
    (lambda lib: _mlp(lib, 'Sequential'), lambda: _uniform(4, 7)),
    (_nested, lambda: _uniform(3, 4)),
    (_small_cnn, lambda: _uniform(2, 3, 8, 8)),
    (_mixed_sequential, lambda: _uniform(2, 5)),
], ids=['mlp', 'sequential-mlp', 'nested-hybridsequential', 'small-cnn', 'mixed-sequential'])
def test_container_matches_stock(build, make_input):
    """S3.1/S3.2: nested structural names ('0.1.weight') and results equal stock's."""
    check_equivalent(lambda: build(stock_nn), lambda: build(nn), make_input())


def test_nested_names_are_structural():
    """S3.1: names join child keys with '.', in registration order (S3.2)."""
    net = _nested(nn)
    net.initialize()
    net(_uniform(3, 4))
    assert list(net.collect_params()) == [
        '0.0.weight', '0.0.bias', '0.1.0.weight', '0.1.0.bias', '0.1.1.gamma', '0.1.1.beta',
        '1.weight', '2.alpha']


def test_sequential_indexing_and_len():
    net = _small_cnn(nn)
    assert len(net) == 4 and len(net[0]) == 8
    assert isinstance(net[0][1], nn.BatchNorm)
    assert net[-1] is list(net._children.values())[-1]
    head = net[1:]
    assert type(head) is nn.HybridSequential and len(head) == 3
    # a slice holds the very same layers, re-registered under '0', '1', ...
    assert head[0] is net[1] and list(head._children) == ['0', '1', '2']
    plain = _mlp(nn, 'Sequential')[::2]
    assert type(plain) is nn.Sequential and len(plain) == 2


def test_sequential_repr_matches_stock():
    """S2.10: containers list their children keys `(0)`, `(1)`, ..."""
    for build in (_nested, _small_cnn, _mixed_sequential):
        stock, ours = build(stock_nn), build(nn)
        assert repr(ours) == repr(stock)


def test_hybridize_propagates_to_children():
    """S6.8: hybridize recurses with the same flags; a Sequential only forwards it."""
    net = _mixed_sequential(nn)
    net.hybridize(static_alloc=True)
    inner = net[2]
    assert inner._active and inner[0]._active and inner[0].act._active
    assert inner[0]._flags == [('static_alloc', True)]
    net.hybridize(active=False)
    assert not inner._active and not inner[2]._active


def test_sequential_of_hybrid_blocks_suggests_hybrid_sequential():
    """S6.8: a Sequential whose children are all HybridBlocks warns once on hybridize."""
    net = nn.Sequential()
    net.add(nn.Dense(2), nn.Dense(3))
    with pytest.warns(UserWarning, match='Consider using HybridSequential'):
        net.hybridize()
    mixed = _mixed_sequential(nn)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        mixed.hybridize()


def test_hybrid_sequential_rejects_plain_block():
    """S2.7: children of a HybridBlock must be HybridBlocks."""
    with pytest.raises(ValueError, match='HybridSequential'):
        nn.HybridSequential().add(nn.Lambda('tanh'))


def test_adding_a_layer_deactivates_hybridized_sequential():
    """S2.7/S6.12: adding a child to a hybridized container deactivates it, with a warning."""
    net = _mlp(nn)
    net.initialize()
    net.hybridize()
    net(_uniform(2, 3))
    with pytest.warns(UserWarning, match='deactivate'):
        net.add(nn.Dense(2))
    assert not net._active
    net[-1].initialize()
    assert net(_uniform(2, 3)).shape == (2, 2)


# -- constructor contract --------------------------------------------------------------------

@pytest.mark.parametrize('factory', [
    lambda **kw: nn.Dense(3, **kw), lambda **kw: nn.Conv2D(3, 3, **kw),
    lambda **kw: nn.BatchNorm(**kw), lambda **kw: nn.HybridSequential(**kw),
    lambda **kw: nn.Sequential(**kw), lambda **kw: nn.Activation('relu', **kw),
    lambda **kw: nn.MaxPool2D(**kw), lambda **kw: nn.LayerNorm(**kw),
    lambda **kw: nn.Lambda('tanh', **kw), lambda **kw: nn.Embedding(3, 2, **kw)])
@pytest.mark.parametrize('removed', ['prefix', 'params'])
def test_prefix_and_params_are_gone(factory, removed):
    """S2.1: `prefix=`/`params=` raise TypeError naming the argument."""
    with pytest.raises(TypeError, match=removed):
        factory(**{removed: None})


def test_block_names_follow_class_alias():
    """S2.2: names are alias + global counter; Conv/Pool/Activation keep 1.x's aliases."""
    assert nn.Conv2D(2, 3).name.startswith('conv')
    assert nn.MaxPool2D().name.startswith('pool')
    assert nn.Activation('relu').name.startswith('relu')
    assert nn.Dense(2).name.startswith('dense')


@pytest.mark.parametrize('make,message', [
    (lambda: nn.Conv2D(2, 3, layout='NCW'), "layout 'NCW'"),
    (lambda: nn.Conv1D(2, (3, 3)), 'kernel_size'),
    (lambda: nn.Conv2DTranspose(2, 3, output_padding=(1, 1, 1)), 'output_padding'),
    (lambda: nn.MaxPool3D(layout='NCHW'), "layout 'NCHW'"),
    (lambda: nn.AvgPool2D(pool_size=(2, 2, 2)), 'pool_size'),
    (lambda: nn.GlobalAvgPool1D(layout='NCHW'), "layout 'NCHW'"),
    (lambda: nn.LeakyReLU(-0.1), 'no less than 0'),
    (lambda: nn.Lambda('no_such_operator'), 'not found in ndarray'),
    (lambda: nn.HybridLambda('no_such_operator'), 'not found in symbol/ndarray'),
    (lambda: nn.Lambda(3), 'Unrecognized function'),
    (lambda: nn.ReflectionPad2D((1, 2)), '8 ints'),
])
def test_bad_arguments_raise_value_error(make, message):
    """User errors are exceptions saying what was given and what is expected (no assert)."""
    with pytest.raises(ValueError, match=message):
        make()


def test_equivalence_helper_reports_a_real_difference():
    """The comparison helper itself must fail on different layers (guards against a no-op)."""
    with pytest.raises(EquivalenceError, match='output 0 differs'):
        check_equivalent(lambda: stock_nn.Dense(3, activation='relu'), lambda: nn.Dense(3),
                         _uniform(4, 5), hybridize=(False,))
    with pytest.raises(EquivalenceError, match='names differ'):
        check_equivalent(lambda: stock_nn.Dense(3), lambda: nn.Dense(3, use_bias=False),
                         _uniform(4, 5), hybridize=(False,))


def test_batchnorm_cast_to_float16_keeps_float32():
    """1.x keeps BatchNorm parameters in float32 when the model is cast to float16."""
    net = nn.HybridSequential()
    net.add(nn.Dense(3, in_units=2), nn.BatchNorm(in_channels=3))
    net.initialize()
    net.cast('float16')
    assert np.dtype(net[0].weight.dtype) == np.float16
    assert all(np.dtype(p.dtype) == np.float32 for p in net[1].collect_params().values())


def test_graph_op_names_use_the_layer_name_only():
    """S2.3: inside a hybridized container, ops are named `<layer name>_fwd` (not nested in
    the parent's prefix), so op hooks see `dense3_fwd_output` as on cb54a4a."""
    net = nn.HybridSequential()
    net.add(nn.Dense(4, activation='relu', flatten=False), nn.BatchNorm(), nn.Conv1D(2, 1))
    net.initialize()
    net.hybridize()
    net(_uniform(2, 3, 5))
    outputs = net._cached_graph[1].get_internals().list_outputs()
    dense, norm, conv = net[0], net[1], net[2]
    for name in (dense.name + '_fwd_output', dense.act.name + '_fwd_output',
                 norm.name + '_fwd_output', conv.name + '_fwd_output'):
        assert name in outputs, (name, outputs)
    assert conv.name.startswith('conv') and dense.act.name.startswith('relu')


def test_layers_leave_no_ndarray_cycles(no_ndarray_cycles):
    """S12.1: building, running (eager and hybridized) and dropping layers leaves no NDArray
    in cyclic garbage."""
    for hybridized in (False, True):
        net = _small_cnn(nn)
        net.add(nn.HybridLambda('tanh'), nn.HybridLambda(lambda F, x: F.relu(x)))
        net.initialize()
        if hybridized:
            net.hybridize()
        x = _uniform(2, 3, 8, 8)
        with mx.autograd.record():
            out = net(x)
        out.backward()
        assert out.shape == (2, 2)
        del net, out, x
