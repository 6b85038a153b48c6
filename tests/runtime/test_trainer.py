"""Trainer interplay (section 9): our Parameters with our Trainer and the stock one."""
import mxnet as mx
import numpy as np
import pytest

import gluon_runtime as gluon
from gluon_runtime import Parameter


def _stock_mlp():
    net = mx.gluon.nn.HybridSequential()
    net.add(mx.gluon.nn.Dense(8, activation='relu'), mx.gluon.nn.Dense(3))
    return net


def _train(net, trainer_cls, kvstore, ctxs, data, label, steps=3):
    trainer = trainer_cls(net.collect_params(), 'sgd',
                          {'learning_rate': 0.1, 'momentum': 0.9, 'wd': 1e-3}, kvstore=kvstore)
    loss_fn = mx.gluon.loss.L2Loss()
    for _ in range(steps):
        xs = mx.gluon.utils.split_and_load(data, ctxs)
        ys = mx.gluon.utils.split_and_load(label, ctxs)
        with mx.autograd.record():
            losses = [loss_fn(net(xi), yi) for xi, yi in zip(xs, ys)]
        for loss in losses:
            loss.backward()
        trainer.step(data.shape[0])
    return trainer


@pytest.mark.isolated
@pytest.mark.parametrize('kvstore', ['device', 'local'])
@pytest.mark.parametrize('hybridize', [False, True])
def test_s9_training_matches_stock_gluon_on_two_contexts(tiny, kvstore, hybridize):
    ctxs = [mx.cpu(0), mx.cpu(1)]
    rng = np.random.RandomState(0)
    data = mx.nd.array(rng.uniform(size=(8, 5)))
    label = mx.nd.array(rng.uniform(size=(8, 3)))
    stock = _stock_mlp()
    stock.initialize(mx.init.Xavier(), ctx=ctxs)
    stock(data.as_in_context(ctxs[0]))
    ours = tiny.Chain(tiny.Dense(8, activation='relu'), tiny.Dense(3))
    ours.load_dict(_structural(stock), ctx=ctxs)
    if hybridize:
        stock.hybridize()
        ours.hybridize()
    _train(stock, mx.gluon.Trainer, kvstore, ctxs, data, label)
    _train(ours, gluon.Trainer, kvstore, ctxs, data, label)
    theirs = _structural(stock)
    for key, param in ours.collect_params().items():
        for arr in param.list_data():
            assert np.allclose(arr.asnumpy(), theirs[key].asnumpy(), atol=1e-6), key


def _structural(stock_block):
    """Stock 1.9.1 block -> {structural name: value}, through its own checkpoint keys."""
    return {k: p.data(mx.cpu(0)) for k, p in stock_block._collect_params_with_prefix().items()}


def test_s9_2_stock_trainer_accepts_our_parameters(tiny, x):
    net = tiny.MLP()
    net.initialize()
    net(x)
    trainer = mx.gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': 1.0})
    before = net.output.bias.data().copy()
    with mx.autograd.record():
        net(x).sum().backward()
    trainer.step(1)
    assert np.allclose(net.output.bias.data().asnumpy(), before.asnumpy() - 4)


def test_s9_1_trainer_argument_errors():
    with pytest.raises(ValueError, match='First argument must be a list or dict of Parameters, '
                                         'got <class \'int\'>'):
        gluon.Trainer(1, 'sgd')
    with pytest.raises(ValueError, match='got list of <class \'str\'>'):
        gluon.Trainer(['w'], 'sgd')


def test_s9_1_shared_parameter_updated_once(tiny):
    d = tiny.Dense(2, in_units=2, use_bias=False)
    net = tiny.Chain(d, d)
    net.initialize(mx.init.Zero())
    trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': 1.0})
    assert len(trainer._params) == 1
    # With W = 0, W(Wx) has a zero gradient: this step only makes the gradient fresh.
    with mx.autograd.record():
        net(mx.nd.ones((1, 2))).sum().backward()
    trainer.step(1)
    with mx.autograd.record():
        d(mx.nd.ones((1, 2))).sum().backward()
    trainer.step(1)
    assert d.weight.data().asnumpy().tolist() == [[-1, -1], [-1, -1]]


def test_s9_4_deferred_parameters_join_after_first_forward(tiny, x):
    net = tiny.MLP()
    net.initialize()
    trainer = gluon.Trainer(net.collect_params(), 'sgd')
    with mx.autograd.record():
        net(x).sum().backward()
    trainer.step(1)
    assert trainer._params_to_init == []


def test_s1_25_constant_is_not_trained(x):
    class Shift(gluon.HybridBlock):
        def __init__(self):
            super().__init__()
            self.shift = gluon.Constant(mx.nd.ones((5,)))
            self.w = Parameter('w', shape=(5,), init=mx.init.One())

        def hybrid_forward(self, F, x, shift, w):
            return F.broadcast_add(F.broadcast_mul(x, w), shift)

    net = Shift()
    net.initialize()
    trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': 1.0})
    with mx.autograd.record():
        net(x).sum().backward()
    trainer.step(1)
    assert net.shift.data().asnumpy().tolist() == [1] * 5
    assert not np.allclose(net.w.data().asnumpy(), 1)


def test_s9_5_save_and_load_states(tiny, x, tmp_path):
    net = tiny.MLP()
    net.initialize()
    trainer = gluon.Trainer(net.collect_params(), 'adam')
    with mx.autograd.record():
        net(x).sum().backward()
    trainer.step(1)
    path = str(tmp_path / 'trainer.states')
    trainer.save_states(path)
    trainer.load_states(path)
    net.hidden.weight.lr_mult = 0.5
    assert any(p.lr_mult == 0.5 for p in trainer._optimizer.param_dict.values())
