"""The runtime core in numpy mode (`npx.set_np()`, spec S13): values, graphs, checkpoints.

Layer-by-layer numpy-mode equivalence with stock 1.9.1 lives in the `*_equivalence` suites
(`test_s13_1_*`); d2l-style whole programs in `test_numpy_programs.py`.
"""
import warnings

import mxnet as mx
import numpy as np
import pytest

from gluon_runtime import Constant, HybridBlock, Parameter, SymbolBlock, Trainer, nn

from _stock_compare import numpy_mode


def _data(*shape, seed=0):
    return np.random.RandomState(seed).uniform(-1, 1, size=shape).astype('float32')


def test_s13_3_values_follow_the_current_mode():
    param = Parameter('w', shape=(2, 3))
    param.initialize()
    assert type(param.data()) is mx.nd.NDArray
    with numpy_mode(True):
        assert isinstance(param.data(), mx.np.ndarray)
        assert all(isinstance(a, mx.np.ndarray) for a in param.list_data())
        assert isinstance(param.grad(), mx.np.ndarray)
        assert all(isinstance(a, mx.np.ndarray) for a in param.list_grad())
        # A view of the same memory, not a copy.
        param.data()[:] = 7
    np.testing.assert_array_equal(param.data().asnumpy(), np.full((2, 3), 7, 'float32'))


def test_s13_3_values_created_in_numpy_mode():
    with numpy_mode(True):
        param = Parameter('w', shape=(2, 3), dtype='float64')
        param.initialize(init='ones')
        assert isinstance(param._data[0], mx.np.ndarray)
        assert isinstance(param._grad[0], mx.np.ndarray)
        assert param.data().dtype == np.float64
    assert type(param.data()) is mx.nd.NDArray
    np.testing.assert_array_equal(param.data().asnumpy(), np.ones((2, 3)))


def test_s13_3_gradients_reach_a_parameter_created_in_the_other_mode():
    layer = nn.Dense(2, in_units=3)
    layer.initialize()  # legacy arrays
    x = _data(4, 3)
    with numpy_mode(True):
        with mx.autograd.record():
            out = layer(mx.np.array(x))
        out.backward()
        grad = layer.weight.grad().asnumpy()
    np.testing.assert_allclose(grad, np.ones((4, 2), 'float32').T @ x, rtol=1e-5)


def test_s13_3_zero_grad_in_numpy_mode(numpy_mode):
    net = nn.Dense(2, in_units=3)
    net.initialize()
    with mx.autograd.record():
        out = net(mx.np.ones((1, 3)))
    out.backward()
    assert net.weight.grad().asnumpy().any()
    net.zero_grad()
    net.weight.zero_grad()
    assert not net.weight.grad().asnumpy().any()
    assert not net.bias.grad().asnumpy().any()


def test_s13_2_deferred_shapes_in_numpy_mode(numpy_mode):
    for hybridize in (False, True):
        net = nn.HybridSequential()
        net.add(nn.Dense(4, activation='relu'), nn.Dense(3))
        net.initialize()
        assert net[0].weight.shape == (4, -1)  # unknown sizes are -1 under numpy shapes (S1.4)
        if hybridize:
            net.hybridize()
        out = net(mx.np.ones((2, 5)))
        assert isinstance(out, mx.np.ndarray) and out.shape == (2, 3)
        assert net[0].weight.shape == (4, 5)


class NumpyMLP(HybridBlock):
    """A user block written against `F.np`/`F.npx`, with Parameters as attributes."""

    def __init__(self):
        super().__init__()
        self.w1 = Parameter('w1', shape=(5, 4))
        self.b1 = Parameter('b1', shape=(5,), init='zeros')
        self.out = nn.Dense(2, in_units=5)

    def hybrid_forward(self, F, x, w1, b1):
        hidden = F.npx.relu(F.np.dot(x, w1.T) + b1)
        return self.out(hidden)


class StockNumpyMLP(mx.gluon.HybridBlock):
    """The same block on stock 1.9.1 (`params.get`, `name_scope`)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.w1 = self.params.get('w1', shape=(5, 4))
            self.b1 = self.params.get('b1', shape=(5,), init='zeros')
            self.out = mx.gluon.nn.Dense(2, in_units=5)

    def hybrid_forward(self, F, x, w1, b1):
        hidden = F.npx.relu(F.np.dot(x, w1.T) + b1)
        return self.out(hidden)


def test_s13_4_user_block_with_f_np_hybridizes_like_stock(numpy_mode):
    x = mx.np.array(_data(3, 4))
    stock, ours = StockNumpyMLP(), NumpyMLP()
    stock.initialize()
    ours.initialize()
    for key, param in stock._collect_params_with_prefix().items():  # noqa: GLN009
        ours.collect_params()[key].set_data(param.data())
    expected = stock(x).asnumpy()
    eager = ours(x)
    ours.hybridize()
    hybrid = ours(x)
    assert ours._cached_op is not None
    assert isinstance(eager, mx.np.ndarray) and isinstance(hybrid, mx.np.ndarray)
    np.testing.assert_allclose(eager.asnumpy(), expected, rtol=1e-5)
    np.testing.assert_allclose(hybrid.asnumpy(), expected, rtol=1e-5)


def test_s13_4_graph_is_retraced_when_the_mode_changes():
    net = nn.Dense(2, in_units=3)
    net.initialize()
    net.hybridize()
    x = _data(2, 3)
    legacy = net(mx.nd.array(x))
    with numpy_mode(True):
        numpy_out = net(mx.np.array(x))
        assert isinstance(numpy_out, mx.np.ndarray)
    again = net(mx.nd.array(x))
    assert type(again) is mx.nd.NDArray
    np.testing.assert_allclose(numpy_out.asnumpy(), legacy.asnumpy(), rtol=1e-6)
    np.testing.assert_allclose(again.asnumpy(), legacy.asnumpy(), rtol=1e-6)


def _model():
    net = nn.HybridSequential()
    net.add(nn.Conv2D(3, 3, in_channels=2), nn.BatchNorm(in_channels=3), nn.Dense(4))
    return net


@pytest.mark.parametrize('write_numpy,read_numpy', [(False, True), (True, False), (True, True)])
def test_s13_5_checkpoints_load_in_the_other_mode(tmp_path, write_numpy, read_numpy):
    x = _data(2, 2, 5, 5)
    with numpy_mode(write_numpy):
        net = _model()
        net.initialize(mx.init.Xavier())
        array = mx.np.array if write_numpy else mx.nd.array
        expected = net(array(x)).asnumpy()
        net.save_parameters(str(tmp_path / 'net.params'))
    with numpy_mode(read_numpy):
        other = _model()
        other.load_parameters(str(tmp_path / 'net.params'))
        array = mx.np.array if read_numpy else mx.nd.array
        got = other(array(x))
        assert isinstance(got, mx.np.ndarray) == read_numpy
        assert isinstance(other[0].weight.data(), mx.np.ndarray) == read_numpy
    np.testing.assert_allclose(got.asnumpy(), expected, rtol=1e-5)


@pytest.mark.parametrize('stock_writes', [True, False])
def test_s13_5_numpy_mode_checkpoints_interoperate_with_stock(tmp_path, stock_writes):
    """A stock numpy-mode file loads into the runtime (in either mode), and the reverse."""
    x = _data(2, 6)
    path = str(tmp_path / 'mlp.params')

    def stock_mlp():
        net = mx.gluon.nn.HybridSequential()
        net.add(mx.gluon.nn.Dense(4, activation='relu'), mx.gluon.nn.Dense(2))
        return net

    def our_mlp():
        net = nn.HybridSequential()
        net.add(nn.Dense(4, activation='relu'), nn.Dense(2))
        return net

    writer, reader = (stock_mlp(), our_mlp()) if stock_writes else (our_mlp(), stock_mlp())
    with numpy_mode(True):
        writer.initialize()
        expected = writer(mx.np.array(x)).asnumpy()
        writer.save_parameters(path)
        reader.load_parameters(path)
        got = reader(mx.np.array(x)).asnumpy()
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    if stock_writes:  # and the runtime reads the numpy-mode file in legacy mode too
        legacy = our_mlp()
        legacy.load_parameters(path)
        np.testing.assert_allclose(legacy(mx.nd.array(x)).asnumpy(), expected, rtol=1e-6)


def test_s13_1_trainer_steps_like_stock_in_numpy_mode(numpy_mode):
    x, y = mx.np.array(_data(8, 4)), mx.np.array(_data(8, 2, seed=1))
    stock = mx.gluon.nn.Dense(2, in_units=4)
    ours = nn.Dense(2, in_units=4)
    stock.initialize()
    ours.initialize()
    ours.weight.set_data(stock.weight.data())
    trainers = (mx.gluon.Trainer(stock.collect_params(), 'sgd', {'learning_rate': 0.1}),
                Trainer(ours.collect_params(), 'sgd', {'learning_rate': 0.1}))
    for _ in range(3):
        for net, trainer in zip((stock, ours), trainers):
            with mx.autograd.record():
                loss = ((net(x) - y) ** 2).mean()
            loss.backward()
            trainer.step(1)
    assert isinstance(ours.weight.data(), mx.np.ndarray)
    np.testing.assert_allclose(ours.weight.data().asnumpy(), stock.weight.data().asnumpy(),
                               rtol=1e-5)


def test_s13_1_constant_in_numpy_mode(numpy_mode):
    class Shift(HybridBlock):
        def __init__(self):
            super().__init__()
            self.shift = Constant([1.0, 2.0])

        def hybrid_forward(self, F, x, shift):
            return x + shift

    block = Shift()
    assert isinstance(block.shift.value, mx.np.ndarray)
    block.initialize()
    eager = block(mx.np.zeros((2, 2)))
    block.hybridize()
    hybrid = block(mx.np.zeros((2, 2)))
    for out in (eager, hybrid):
        assert isinstance(out, mx.np.ndarray)
        np.testing.assert_array_equal(out.asnumpy(), [[1, 2], [1, 2]])


def test_s13_1_summary_in_numpy_mode(numpy_mode, capsys):
    net = nn.HybridSequential()
    net.add(nn.Dense(4), nn.Dense(2))
    net.initialize()
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        net.summary(mx.np.ones((1, 3)))
    assert 'Total params: 26' in capsys.readouterr().out


def test_s13_5_export_and_imports_in_numpy_mode(numpy_mode, tmp_path):
    net = nn.HybridSequential()
    net.add(nn.Dense(4, activation='relu'), nn.BatchNorm(), nn.Dense(2))
    net.initialize()
    net.hybridize()
    x = mx.np.array(_data(2, 3))
    expected = net(x).asnumpy()
    sym_file, params_file = net.export(str(tmp_path / 'net'))
    ours = SymbolBlock.imports(sym_file, ['data'], params_file)
    got = ours(x)
    assert isinstance(got, mx.np.ndarray)
    assert isinstance(ours.collect_params()['0.weight'].data(), mx.np.ndarray)
    np.testing.assert_allclose(got.asnumpy(), expected, rtol=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # stock warns that it cannot decide the input's type
        stock = mx.gluon.SymbolBlock.imports(sym_file, ['data'], params_file)
    np.testing.assert_allclose(stock(x).asnumpy(), expected, rtol=1e-6)
