"""A few SGD steps on two CPU contexts: `gluon_runtime` ends where stock Gluon 1.9.1 ends.

Data-parallel training as in 1.x: the batch is split over `[mx.cpu(0), mx.cpu(1)]`, each part
runs forward/backward on its context, and the Trainer's kvstore sums the gradients (spec S9.1,
S9.3, S9.5; deferred initialization joins the kvstore at the first step, S9.4). The runtime side
uses `gluon_runtime.Trainer` on `collect_params()` (structural names), the stock side
`mx.gluon.Trainer`; both start from the same weights.
"""
import mxnet as mx
import numpy as np
import pytest

import gluon_runtime
from gluon_runtime import nn

from _stock_compare import structural_params

# Two contexts and a kvstore: MXNet's native reduce paths, which once died by SIGFPE in a full run (issue 20);
# each test runs in a child process (tests/conftest.py), so that a crash fails that test only.
pytestmark = pytest.mark.isolated

CONTEXTS = [mx.cpu(0), mx.cpu(1)]
STEPS = 3


def _mlp(lib):
    net = lib.HybridSequential()
    net.add(lib.Dense(16, activation='relu'), lib.Dense(8, activation='tanh'), lib.Dense(3))
    return net


def _cnn(lib):
    # A conv bias followed by BatchNorm gets a zero gradient; a non-zero start lets weight
    # decay move it, so that the "every parameter moved" check holds.
    net = lib.HybridSequential()
    net.add(lib.Conv2D(4, 3, padding=1, bias_initializer='ones'), lib.BatchNorm(),
            lib.Activation('relu'), lib.MaxPool2D(), lib.Conv2D(6, 3, bias_initializer='ones'),
            lib.BatchNorm(), lib.Activation('relu'),
            lib.GlobalAvgPool2D(), lib.Flatten(), lib.Dense(3))
    return net


def _batches(data_shape, seed=0):
    rng = np.random.RandomState(seed)
    return [(mx.nd.array(rng.uniform(-1, 1, size=data_shape)),
             mx.nd.array(rng.randint(0, 3, size=data_shape[0])))
            for _ in range(STEPS)]


def _train(net, trainer, batches):
    loss_fn = mx.gluon.loss.SoftmaxCrossEntropyLoss()
    for data, label in batches:
        parts = mx.gluon.utils.split_and_load(data, CONTEXTS)
        labels = mx.gluon.utils.split_and_load(label, CONTEXTS)
        with mx.autograd.record():
            losses = [loss_fn(net(x), y) for x, y in zip(parts, labels)]
        mx.autograd.backward(losses)
        trainer.step(data.shape[0])


def _values(params):
    """{structural name: [value on each context]} as numpy arrays."""
    return {key: [d.asnumpy() for d in p.list_data()] for key, p in params.items()}


@pytest.mark.parametrize('kvstore,update_on_kvstore', [('device', None), ('local', False)])
@pytest.mark.parametrize('hybridize', [False, True], ids=['eager', 'hybridized'])
@pytest.mark.parametrize('build,data_shape', [(_mlp, (8, 10)), (_cnn, (8, 2, 8, 8))],
                         ids=['mlp', 'cnn'])
def test_sgd_steps_match_stock(build, data_shape, hybridize, kvstore, update_on_kvstore):
    batches = _batches(data_shape)
    optimizer_params = {'learning_rate': 0.1, 'momentum': 0.9, 'wd': 1e-3}

    stock = build(mx.gluon.nn)
    stock.initialize(mx.init.Xavier(), ctx=CONTEXTS)
    ours = build(nn)
    ours.initialize(ctx=CONTEXTS)
    if hybridize:
        stock.hybridize()
        ours.hybridize()
    for net in (stock, ours):
        net(batches[0][0].as_in_context(CONTEXTS[0]))  # resolves deferred shapes
    stock_params = structural_params(stock)
    our_params = ours.collect_params()
    assert sorted(stock_params) == sorted(our_params)
    for key, param in stock_params.items():
        our_params[key].set_data(param.data(CONTEXTS[0]))
    start = _values(our_params)

    _train(stock, mx.gluon.Trainer(stock.collect_params(), 'sgd', optimizer_params,
                                   kvstore=kvstore, update_on_kvstore=update_on_kvstore),
           batches)
    _train(ours, gluon_runtime.Trainer(our_params, 'sgd', optimizer_params, kvstore=kvstore,
                                       update_on_kvstore=update_on_kvstore), batches)

    expected, got = _values(stock_params), _values(our_params)
    moved = []
    for key in expected:
        assert len(got[key]) == len(CONTEXTS), key
        for ctx_index, (theirs, mine) in enumerate(zip(expected[key], got[key])):
            np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-6,
                                       err_msg='%s on %s' % (key, CONTEXTS[ctx_index]))
        moved.append(not np.allclose(start[key][0], got[key][0]))
    # Training must actually have changed the weights, or equality would prove nothing.
    assert all(moved), [k for k, m in zip(expected, moved) if not m]


def test_trainer_on_dict_trains_shared_parameter_once():
    """S9.1: a dict is taken in sorted key order; a tied Parameter appears under two names
    (S3.4) but is one trained array, stepping like the same layer used twice on stock."""
    x = mx.nd.array(np.random.RandomState(1).uniform(size=(4, 5)))

    def tied(lib, stock):
        net = lib.HybridSequential()
        if stock:
            first = lib.Dense(5, in_units=5)
            net.add(first, lib.Dense(5, in_units=5, params=first.params))
        else:
            net.add(lib.Dense(5, in_units=5), lib.Dense(5, in_units=5))
            net[1].share_parameters(net[0].collect_params())
        return net

    stock, ours = tied(mx.gluon.nn, True), tied(nn, False)
    stock.initialize(ctx=CONTEXTS)
    ours.initialize(ctx=CONTEXTS)
    our_params = ours.collect_params()
    assert our_params['0.weight'] is our_params['1.weight']
    for key, param in structural_params(stock).items():
        our_params[key].set_data(param.data(CONTEXTS[0]))
    for net, trainer in ((stock, mx.gluon.Trainer(stock.collect_params(), 'sgd',
                                                  {'learning_rate': 0.5})),
                         (ours, gluon_runtime.Trainer(our_params, 'sgd',
                                                      {'learning_rate': 0.5}))):
        parts = mx.gluon.utils.split_and_load(x, CONTEXTS)
        with mx.autograd.record():
            outs = [net(p).sum() for p in parts]
        mx.autograd.backward(outs)
        trainer.step(4)
    np.testing.assert_allclose(our_params['1.weight'].data(CONTEXTS[1]).asnumpy(),
                               stock[1].weight.data(CONTEXTS[1]).asnumpy(), rtol=1e-5,
                               atol=1e-6)
