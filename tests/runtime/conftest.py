"""Shared pieces for the runtime core tests: tiny blocks written against our Parameter."""
import gc

import mxnet as mx
import pytest
from mxnet.util import is_np_array, is_np_shape

from gluon_runtime import HybridBlock, Parameter


class TinyDense(HybridBlock):
    """A Dense-like layer written the way the layer modules are (contract of the core)."""

    def __init__(self, units, in_units=0, use_bias=True, activation=None,
                 weight_initializer=None):
        super().__init__()
        self.units = units
        self.activation = activation
        self.weight = Parameter('weight', shape=(units, in_units), init=weight_initializer,
                                allow_deferred_init=True)
        self.bias = (Parameter('bias', shape=(units,), init='zeros', allow_deferred_init=True)
                     if use_bias else None)

    def hybrid_forward(self, F, x, weight, bias=None):
        out = F.FullyConnected(x, weight, bias, num_hidden=self.units, no_bias=bias is None,
                               name='fwd')
        return F.Activation(out, act_type=self.activation) if self.activation else out


class TinyMLP(HybridBlock):
    def __init__(self, hidden=8, out=3):
        super().__init__()
        self.hidden = TinyDense(hidden, activation='relu')
        self.output = TinyDense(out)

    def hybrid_forward(self, F, x):
        return self.output(self.hidden(x))


class TinyChain(HybridBlock):
    """Container registering children by index, like HybridSequential."""

    def __init__(self, *blocks):
        super().__init__()
        for blk in blocks:
            self.register_child(blk)

    def hybrid_forward(self, F, x):
        for blk in self._children.values():
            x = blk(x)
        return x


@pytest.fixture(autouse=True)
def legacy_mode_after_each_test():
    """Numpy mode is process-global: a test that leaves it on fails, and the mode is reset."""
    assert not (is_np_array() or is_np_shape()), 'numpy mode was left on before this test'
    yield
    leaked = is_np_array() or is_np_shape()
    if leaked:
        mx.npx.reset_np()
    assert not leaked, 'this test left numpy mode on: restore it (use _stock_compare.numpy_mode)'


@pytest.fixture
def numpy_mode():
    """Runs the test under `npx.set_np()`; legacy mode is restored afterwards, whatever happens."""
    mx.npx.set_np()
    try:
        yield
    finally:
        mx.npx.reset_np()


@pytest.fixture
def tiny():
    """The tiny block classes, as a namespace."""
    class _NS:
        Dense = TinyDense
        MLP = TinyMLP
        Chain = TinyChain
    return _NS


@pytest.fixture
def no_ndarray_cycles():
    """Fails the test if it leaves NDArrays in cyclic garbage (spec S12.1)."""
    gc.collect()
    gc.disable()
    old_flags = gc.get_debug()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        yield
        gc.collect()
        leaked = [o for o in gc.garbage if isinstance(o, mx.nd.NDArray)]
        assert not leaked, '%d NDArrays are kept alive only by reference cycles' % len(leaked)
    finally:
        gc.set_debug(old_flags)
        gc.garbage.clear()
        gc.enable()
        gc.collect()


@pytest.fixture
def x():
    return mx.nd.random.uniform(shape=(4, 5))
