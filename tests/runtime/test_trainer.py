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


# -- optimizer states saved by a 1.x Trainer (issue 18.5) -------------------------------------------
# A 1.x Trainer numbers the Parameters by sorted prefixed name; ours by sorted structural key. In a
# model that creates `output` (dense0) before `hidden` (dense1) the orders differ: state 0 of a 1.x
# file is output's bias (dense0_bias), ours is `hidden.bias`.

class _StockMLP(mx.gluon.HybridBlock):
    def __init__(self):
        super().__init__()
        with self.name_scope():
            self.output = mx.gluon.nn.Dense(3, in_units=8)
            self.hidden = mx.gluon.nn.Dense(8, in_units=5, activation='relu')

    def hybrid_forward(self, F, x):
        return self.output(self.hidden(x))


def _stock_states(tmp_path, optimizer='adam', kvstore='device'):
    """A stock 1.9.1 MLP trained one step by the stock Trainer; its states file and its values."""
    mx.random.seed(0)
    net = _StockMLP()
    net.initialize(mx.init.Xavier())
    data = mx.nd.random.uniform(shape=(4, 5))
    trainer = mx.gluon.Trainer(net.collect_params(), optimizer, kvstore=kvstore)
    with mx.autograd.record():
        net(data).sum().backward()
    trainer.step(4)
    path = str(tmp_path / 'stock.states')
    trainer.save_states(path)
    return path, _structural(net)


def test_s9_5_a_1x_states_file_raises_naming_state_and_parameter(tiny, tmp_path):
    path, values = _stock_states(tmp_path)
    ours = tiny.MLP()
    ours.load_dict(values)
    trainer = gluon.Trainer(ours.collect_params(), 'adam')
    with pytest.raises(ValueError) as err:
        trainer.load_states(path)
    message = str(err.value)
    assert message.startswith(path + " does not fit this Trainer's 4 Parameters: ")
    # dense0_bias's state (output, 3 units) sits at index 0, where ours has `hidden.bias`
    assert 'state 0 has shape (3,) but Parameter `hidden.bias` (index 0) has shape (8,)' in message
    assert 'state 3 has shape (8, 5) but Parameter `output.weight` (index 3) has shape (3, 8)' in message
    assert 'gluon-codemod convert-params OLD.states NEW.states' in message


def test_s9_5_states_checked_for_a_list_of_parameters(tiny, tmp_path):
    path, values = _stock_states(tmp_path)
    ours = tiny.MLP()
    ours.load_dict(values)
    params = ours.collect_params()
    trainer = gluon.Trainer([params[k] for k in sorted(params)], 'adam')
    with pytest.raises(ValueError, match=r'state 0 has shape \(3,\) but Parameter 0 of the list'):
        trainer.load_states(path)


def test_s9_5_states_in_our_order_load_and_resume_like_stock(tiny, tmp_path):
    """Our own file round-trips; a file with more states than Parameters is refused."""
    ours = tiny.Chain(tiny.Dense(8, in_units=5, activation='relu'), tiny.Dense(3, in_units=8))
    ours.initialize()
    trainer = gluon.Trainer(ours.collect_params(), 'adam')
    with mx.autograd.record():
        ours(mx.nd.ones((2, 5))).sum().backward()
    trainer.step(2)
    path = str(tmp_path / 'ours.states')
    trainer.save_states(path)
    gluon.Trainer(ours.collect_params(), 'adam').load_states(path)  # fits: no error
    smaller = tiny.Chain(tiny.Dense(8, in_units=5))
    smaller.initialize()
    with pytest.raises(ValueError, match=r'state 2 has no Parameter \(indices go from 0 to 1\)'):
        gluon.Trainer(smaller.collect_params(), 'adam').load_states(path)


def test_s9_5_not_a_states_file(tiny, tmp_path):
    path = tmp_path / 'junk.states'
    path.write_bytes(b'not a pickle')
    net = tiny.Dense(3, in_units=5)
    net.initialize()
    with pytest.raises(ValueError, match='is not a Trainer states file'):
        gluon.Trainer(net.collect_params(), 'sgd').load_states(str(path))


_KVSTORE_CHILD = r'''
import sys
import mxnet as mx
sys.path.insert(0, sys.argv[2])
import test_trainer as t
import gluon_runtime as gluon
from conftest import TinyMLP

class _Tmp:
    def __truediv__(self, name):
        return sys.argv[1] + '/' + name

path, values = t._stock_states(_Tmp(), kvstore=mx.kv.create('local'))
ours = TinyMLP()
ours.load_dict(values)
trainer = gluon.Trainer(ours.collect_params(), 'adam', kvstore=mx.kv.create('local'))
try:
    trainer.load_states(path)
except ValueError as err:
    print('RAISED', err)
print('update_on_kvstore', trainer._update_on_kvstore)
'''


def test_s9_5_a_kvstore_object_raises_instead_of_swallowing(tmp_path):
    """Through a KVStore object the states load inside MXNet's updater callback, which swallows a
    shape error: the check runs before. (A child process: kvstore paths may crash natively.)"""
    import os
    import subprocess
    import sys

    here = os.path.dirname(os.path.abspath(__file__))
    child = subprocess.run([sys.executable, '-c', _KVSTORE_CHILD, str(tmp_path), here],
                           capture_output=True, text=True, timeout=120)
    assert child.returncode == 0, child.stderr[-2000:]
    assert 'update_on_kvstore True' in child.stdout
    assert 'RAISED ' in child.stdout
    assert 'state 0 has shape (3,) but Parameter `hidden.bias`' in child.stdout
