"""`gluon_runtime.rnn` against stock MXNet 1.9.1 `gluon.rnn`, layer by layer and cell by cell.

For every fused layer and cell: same structural parameter names, shapes, dtypes and grad_req
(spec S3.1, S3.7), and with the stock weights copied in, the same outputs, states, parameter
gradients and input gradients, eager and hybridized (S6.2, S6.4-S6.6, S6.10), through
`_stock_compare.check_equivalent`. Constructors are 1.9.1's minus `prefix`/`params` (S2.1, S3.8).

Stock 1.9.1 collects the parameters of fused layers under its checkpoint names
(`_unfused.0.i2h_weight`, S7.5) while the refactor uses the attribute names (`l0_i2h_weight`,
S3.7): the comparisons read the stock layer's attribute names (`_PlainKeys`) and
`test_fused_stock_checkpoint_names_are_our_aliases` checks the correspondence of the two.
"""
import warnings

import mxnet as mx
import numpy as np
import pytest

from gluon_runtime import Block, HybridBlock, rnn
from gluon_runtime import nn

from _stock_compare import assert_same_structure, check_equivalent, copy_stock_params

stock_rnn = mx.gluon.rnn


def _uniform(*shape, seed=0, low=-1.0, high=1.0):
    return mx.nd.array(np.random.RandomState(seed).uniform(low, high, size=shape))


def _lengths(*values):
    # Integer, so the comparison helpers do not differentiate through it (it has no gradient).
    return mx.nd.array(values, dtype='int32')


def _plain_keys(stock_cls):
    """The stock fused layer class, collecting parameters under their attribute names."""
    class PlainKeys(stock_cls):
        def _collect_params_with_prefix(self, prefix=''):
            return mx.gluon.HybridBlock._collect_params_with_prefix(self, prefix)
    PlainKeys.__name__ = stock_cls.__name__
    return PlainKeys


# Adapters: `call(layer, F, *flat inputs)` lets layers/cells with nested arguments (state lists)
# run under the flat-input comparison helpers, and places them inside a parent graph.
class _StockHybridCall(mx.gluon.HybridBlock):
    def __init__(self, layer, call):
        super().__init__()
        self.layer = layer
        self._call = call

    def hybrid_forward(self, F, *args):
        return self._call(self.layer, F, *args)


class _RuntimeHybridCall(HybridBlock):
    def __init__(self, layer, call):
        super().__init__()
        self.layer = layer
        self._call = call

    def hybrid_forward(self, F, *args):
        return self._call(self.layer, F, *args)


# A plain Block parent: hybridizing it hybridizes the cell itself, so every step of `unroll`
# runs through the cell's own CachedOp.
class _StockEagerCall(mx.gluon.Block):
    def __init__(self, layer, call):
        super().__init__()
        self.layer = layer
        self._call = call

    def forward(self, *args):
        return self._call(self.layer, mx.nd, *args)


class _RuntimeEagerCall(Block):
    def __init__(self, layer, call):
        super().__init__()
        self.layer = layer
        self._call = call

    def forward(self, *args):
        return self._call(self.layer, mx.nd, *args)


def _compare(make_stock, make_runtime, call, inputs, graph_parent=True, train_mode=True,
             **kwargs):
    if graph_parent:
        stock_parent, runtime_parent = _StockHybridCall, _RuntimeHybridCall
    else:
        stock_parent, runtime_parent = _StockEagerCall, _RuntimeEagerCall
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        return check_equivalent(lambda: stock_parent(make_stock(), call),
                                lambda: runtime_parent(make_runtime(), call),
                                inputs, train_mode=train_mode, **kwargs)


# -- fused layers --------------------------------------------------------------------------

FUSED = [
    ('RNN', (4,), {}),
    ('RNN', (4,), {'activation': 'tanh', 'num_layers': 2}),
    ('RNN', (3,), {'bidirectional': True, 'layout': 'NTC', 'input_size': 5}),
    ('LSTM', (4,), {}),
    ('LSTM', (4,), {'num_layers': 2, 'bidirectional': True, 'layout': 'NTC'}),
    ('LSTM', (4,), {'state_clip_min': -0.2, 'state_clip_max': 0.2, 'state_clip_nan': True}),
    ('LSTM', (4,), {'i2h_bias_initializer': 'lstmbias', 'input_size': 5}),
    ('GRU', (4,), {}),
    ('GRU', (3,), {'num_layers': 3, 'bidirectional': True}),
]


def _fused_id(case):
    cls, args, kwargs = case
    parts = [str(a) for a in args] + ['%s=%r' % kv for kv in kwargs.items()]
    return '%s(%s)' % (cls, ','.join(parts))


@pytest.mark.parametrize('case', FUSED, ids=_fused_id)
def test_fused_layer_without_states(case):
    """S3.7, S6.2, S6.10: `layer(x)` returns the output only; same as stock in both modes."""
    cls, args, kwargs = case
    layout = kwargs.get('layout', 'TNC')
    x = _uniform(3, 2, 5) if layout == 'TNC' else _uniform(2, 3, 5)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        results = check_equivalent(lambda: _plain_keys(getattr(stock_rnn, cls))(*args, **kwargs),
                                   lambda: getattr(rnn, cls)(*args, **kwargs), x)
    assert set(results) == {'eager', 'hybridized'}


@pytest.mark.parametrize('case', FUSED, ids=_fused_id)
def test_fused_layer_with_states(case):
    """S3.7, S6.3, S6.6: with begin states the output and every final state match stock."""
    cls, args, kwargs = case
    layout = kwargs.get('layout', 'TNC')
    batch = 2
    x = _uniform(3, batch, 5) if layout == 'TNC' else _uniform(batch, 3, 5)
    probe = getattr(rnn, cls)(*args, **kwargs)
    states = [_uniform(*info['shape'], seed=i + 1)
              for i, info in enumerate(probe.state_info(batch))]

    def call(layer, F, x, *states):
        out, new_states = layer(x, list(states))
        return [out] + list(new_states)

    results = _compare(lambda: _plain_keys(getattr(stock_rnn, cls))(*args, **kwargs),
                       lambda: getattr(rnn, cls)(*args, **kwargs), call, [x] + states)
    stock_out, ours = results['hybridized']
    assert len(ours) == 1 + len(states)


def test_fused_layer_with_sequence_length():
    """S6.6: `use_sequence_length=True` passes `sequence_length` to the operator, as stock."""
    x = _uniform(4, 3, 5)
    h, c = _uniform(1, 3, 4, seed=1), _uniform(1, 3, 4, seed=2)
    lengths = _lengths(4, 2, 3)

    def call(layer, F, x, h, c, lengths):
        out, states = layer(x, [h, c], lengths)
        return [out] + states

    _compare(lambda: _plain_keys(stock_rnn.LSTM)(4, use_sequence_length=True),
             lambda: rnn.LSTM(4, use_sequence_length=True), call, [x, h, c, lengths])


def test_fused_layer_dropout_in_inference():
    """S3.8: `dropout` between layers is accepted; in inference it is the identity, as stock."""
    x = _uniform(3, 2, 5)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        check_equivalent(lambda: _plain_keys(stock_rnn.GRU)(4, num_layers=2, dropout=0.5),
                         lambda: rnn.GRU(4, num_layers=2, dropout=0.5), x, train_mode=False)


def test_fused_layer_inside_parent_graph_uses_symbolic_begin_state():
    """S6.7: a fused layer called without states inside a hybridized parent (Symbol path)."""
    x = _uniform(2, 3, 5)
    results = _compare(lambda: _plain_keys(stock_rnn.LSTM)(4, layout='NTC', num_layers=2),
                       lambda: rnn.LSTM(4, layout='NTC', num_layers=2),
                       lambda layer, F, x: layer(x), x)
    assert results['hybridized'][1][0].shape == (2, 3, 4)


@pytest.mark.parametrize('case', FUSED, ids=_fused_id)
def test_fused_stock_checkpoint_names_are_our_aliases(case):
    """S3.7, S7.5: stock's `_unfused.*` names map one-to-one onto our attribute names."""
    cls, args, kwargs = case
    stock = getattr(stock_rnn, cls)(*args, **kwargs)
    ours = getattr(rnn, cls)(*args, **kwargs)
    stock_keys = list(stock._collect_params_with_prefix())  # noqa: GLN009 (stock)
    aliases = ours._checkpoint_aliases()
    assert sorted(stock_keys) == sorted(aliases)
    # stock's `_reg_params` is keyed by attribute name, in the same order as its checkpoint keys
    for key, attr in zip(stock_keys, stock._reg_params):  # noqa: GLN009 (stock 1.x API)
        assert aliases[key] == attr
    assert list(ours.collect_params()) == list(stock._reg_params)  # noqa: GLN009 (stock 1.x API)


@pytest.mark.parametrize('case', FUSED, ids=_fused_id)
def test_fused_state_info_begin_state_and_repr(case):
    """S2.10, S3.8: `state_info`, `begin_state` shapes and `repr` as stock."""
    cls, args, kwargs = case
    stock = getattr(stock_rnn, cls)(*args, **kwargs)
    ours = getattr(rnn, cls)(*args, **kwargs)
    assert ours.state_info(7) == stock.state_info(7)
    ours_states = ours.begin_state(7)
    stock_states = stock.begin_state(7)
    assert [s.shape for s in ours_states] == [s.shape for s in stock_states]
    assert [s.dtype for s in ours_states] == [s.dtype for s in stock_states]
    sym_state = ours.begin_state(0, func=mx.sym.var)[0]
    assert sym_state.name == 'h0_0'  # no prefix any more (S3.8)
    assert repr(ours) == repr(stock)


def test_hybridized_fused_layer_serves_both_call_forms():
    """S6.6: one cached graph returns output only without states, and states with them.

    (Stock 1.9.1 bakes the first call's form into its graph and then drops the states.)
    """
    layer = rnn.LSTM(4, input_size=5)
    layer.initialize()
    layer.hybridize()
    x = _uniform(3, 2, 5)
    without = layer(x)
    out, states = layer(x, layer.begin_state(2))
    np.testing.assert_allclose(out.asnumpy(), without.asnumpy(), rtol=1e-6)
    assert [s.shape for s in states] == [(1, 2, 4), (1, 2, 4)]
    assert layer(x).shape == (3, 2, 4)


def test_forward_hooks_see_what_the_call_returns():
    """S11.1: as in 1.9.1, a forward hook of a fused layer sees the output alone when no
    states were passed, and `(output, states)` otherwise (eager and hybridized)."""
    for hybridized in (False, True):
        layer = rnn.GRU(4, input_size=5)
        layer.initialize()
        if hybridized:
            layer.hybridize()
        seen = []
        layer.register_forward_hook(lambda block, args, out: seen.append(out))
        x = _uniform(3, 2, 5)
        layer(x)
        layer(x, layer.begin_state(2))
        assert isinstance(seen[0], mx.nd.NDArray)
        assert isinstance(seen[1], (list, tuple)) and len(seen[1]) == 2


def test_no_ndarray_reference_cycles(no_ndarray_cycles):
    """S12.1: running fused layers and unrolled cells leaves no NDArrays in cyclic garbage."""
    x = _uniform(2, 3, 5)
    layer = rnn.LSTM(4, num_layers=2, bidirectional=True, layout='NTC')
    layer.initialize()
    stack = _filled(rnn.HybridSequentialRNNCell(), rnn.ZoneoutCell(rnn.LSTMCell(3), 0.1, 0.1),
                    rnn.ResidualCell(rnn.GRUCell(3)))
    stack.initialize()
    for hybridized in (False, True):
        layer.hybridize(hybridized)
        stack.hybridize(hybridized)
        with mx.autograd.record():
            out = layer(x)
            outputs, states = stack.unroll(3, x, merge_outputs=True)
        mx.autograd.backward([out, outputs])
    del layer, stack, out, outputs, states


def test_fused_layer_rejects_bad_input():
    """S2.1: `prefix` is gone; a bad layout or state shape raises a descriptive error."""
    with pytest.raises(TypeError, match='prefix'):
        rnn.LSTM(4, prefix='lstm_')
    with pytest.raises(ValueError, match="'NCT'"):
        rnn.GRU(4, layout='NCT')
    layer = rnn.RNN(4, input_size=5)
    layer.initialize()
    with pytest.raises(ValueError, match=r'Expecting \(1, 2, 4\), got \(1, 3, 4\)'):
        layer(_uniform(3, 2, 5), _uniform(1, 3, 4))
    with pytest.raises(ValueError, match='use_sequence_length=True'):
        layer(_uniform(3, 2, 5), _uniform(1, 2, 4), mx.nd.array([1, 2]))


def test_fused_layer_cast_changes_state_dtype():
    """S5.5: `cast` converts the parameters and the default begin states."""
    layer = rnn.GRU(4, input_size=5)
    layer.initialize()
    layer.cast('float64')
    out = layer(_uniform(3, 2, 5).astype('float64'))
    assert out.dtype == np.float64
    assert layer.begin_state(2)[0].dtype == np.float64


# -- cells ---------------------------------------------------------------------------------

def _cell_pair(name, *args, **kwargs):
    return (lambda: getattr(stock_rnn, name)(*args, **kwargs),
            lambda: getattr(rnn, name)(*args, **kwargs))


BASIC_CELLS = [
    ('RNNCell', (4,), {}),
    ('RNNCell', (4,), {'activation': 'relu', 'input_size': 5}),
    ('RNNCell', (4,), {'activation': 'softsign'}),
    ('RNNCell', (4,), {'activation': 'softrelu'}),
    ('LSTMCell', (4,), {}),
    ('LSTMCell', (4,), {'activation': 'relu', 'recurrent_activation': 'tanh',
                        'i2h_bias_initializer': 'one'}),
    ('GRUCell', (4,), {}),
    ('GRUCell', (4,), {'input_size': 5, 'h2h_weight_initializer': 'ones'}),
]


def _basic_id(case):
    return _fused_id(case)


@pytest.mark.parametrize('case', BASIC_CELLS, ids=_basic_id)
def test_cell_single_step(case):
    """S3.7, S6.2-S6.6: one step `cell(x, states)` matches stock, eager and hybridized."""
    name, args, kwargs = case
    batch = 3
    states = [_uniform(batch, 4, seed=i + 1)
              for i in range(len(getattr(rnn, name)(*args, **kwargs).state_info()))]

    def call(cell, F, x, *states):
        out, new_states = cell(x, list(states))
        return [out] + list(new_states)

    _compare(*_cell_pair(name, *args, **kwargs), call, [_uniform(batch, 5)] + states)


def _unroll(length, layout='NTC', merge_outputs=True, with_valid_length=False):
    def call(cell, F, x, *rest):
        valid_length = rest[0] if with_valid_length else None
        out, states = cell.unroll(length, x, layout=layout, merge_outputs=merge_outputs,
                                  valid_length=valid_length)
        return list(out if isinstance(out, (list, tuple)) else [out]) + list(states)
    return call


@pytest.mark.parametrize('case', BASIC_CELLS, ids=_basic_id)
def test_cell_unroll_in_parent_graph(case):
    """S6.7: `unroll` inside a hybridized parent (one graph) and eagerly, as stock."""
    name, args, kwargs = case
    _compare(*_cell_pair(name, *args, **kwargs), _unroll(3), _uniform(2, 3, 5))


@pytest.mark.parametrize('case', BASIC_CELLS[::3], ids=_basic_id)
def test_cell_unroll_with_hybridized_cell(case):
    """S6.5, S6.6: `unroll` eagerly over a hybridized cell (one CachedOp call per step)."""
    name, args, kwargs = case
    _compare(*_cell_pair(name, *args, **kwargs), _unroll(3, merge_outputs=False),
             _uniform(2, 3, 5), graph_parent=False)


@pytest.mark.parametrize('layout', ['NTC', 'TNC'])
@pytest.mark.parametrize('merge_outputs', [True, False, None])
def test_cell_unroll_layouts_and_valid_length(layout, merge_outputs):
    """S3.7: `unroll(layout, merge_outputs, valid_length)` gives stock's outputs and states."""
    x = _uniform(2, 4, 5) if layout == 'NTC' else _uniform(4, 2, 5)
    valid_length = _lengths(4, 2)
    _compare(*_cell_pair('LSTMCell', 4),
             _unroll(4, layout=layout, merge_outputs=merge_outputs, with_valid_length=True),
             [x, valid_length])


def _stack(seq_cls, runtime_module, stock_module, *builders):
    def make(module, cls_module):
        def build():
            stack = getattr(cls_module, seq_cls)()
            for builder in builders:
                stack.add(builder(module))
            return stack
        return build
    return make(stock_module, stock_rnn), make(runtime_module, rnn)


def test_hybrid_sequential_cell_step_and_unroll():
    """S3.7 (children '0', '1', ...), S6.7: a stack of cells, stepped and unrolled."""
    pair = _stack('HybridSequentialRNNCell', rnn, stock_rnn,
                  lambda m: m.LSTMCell(4), lambda m: m.DropoutCell(0.0),
                  lambda m: m.GRUCell(3), lambda m: m.RNNCell(2, activation='relu'))
    states = [_uniform(2, n, seed=i) for i, n in enumerate([4, 4, 3, 2])]

    def step(cell, F, x, *states):
        out, new_states = cell(x, list(states))
        return [out] + new_states

    _compare(*pair, step, [_uniform(2, 5)] + states)
    _compare(*pair, _unroll(3), _uniform(2, 3, 5))
    _compare(*pair, _unroll(3, merge_outputs=False), _uniform(2, 3, 5), graph_parent=False)


def test_sequential_cell_step_and_unroll():
    """S3.7: SequentialRNNCell is a plain Block stack; its cells still hybridize."""
    pair = _stack('SequentialRNNCell', rnn, stock_rnn,
                  lambda m: m.GRUCell(4), lambda m: m.LSTMCell(3))
    states = [_uniform(2, n, seed=i) for i, n in enumerate([4, 3, 3])]

    def step(cell, F, x, *states):
        out, new_states = cell(x, list(states))
        return [out] + new_states

    _compare(*pair, step, [_uniform(2, 5)] + states, graph_parent=False)
    results = _compare(*pair, _unroll(3, layout='TNC'), _uniform(3, 2, 5), graph_parent=False)
    assert results['eager'][1][0].shape == (3, 2, 3)


def test_bidirectional_cell_unroll():
    """S3.7 (children 'l_cell', 'r_cell'), S3.8: unrolled both ways, with valid lengths."""
    def pair():
        return (lambda: stock_rnn.BidirectionalCell(stock_rnn.LSTMCell(4),
                                                    stock_rnn.GRUCell(3)),
                lambda: rnn.BidirectionalCell(rnn.LSTMCell(4), rnn.GRUCell(3)))
    results = _compare(*pair(), _unroll(3), _uniform(2, 3, 5))
    assert results['hybridized'][1][0].shape == (2, 3, 7)
    _compare(*pair(), _unroll(3, merge_outputs=False, with_valid_length=True),
             [_uniform(2, 3, 5), _lengths(3, 1)])
    _compare(*pair(), _unroll(3, layout='TNC', merge_outputs=None), _uniform(3, 2, 5),
             graph_parent=False)


def test_bidirectional_cell_in_sequential_stack():
    """S3.7: `0.l_cell.i2h_weight`-style names for a stacked bidirectional layer."""
    pair = _stack('HybridSequentialRNNCell', rnn, stock_rnn,
                  lambda m: m.BidirectionalCell(m.LSTMCell(3), m.LSTMCell(3)),
                  lambda m: m.GRUCell(2))
    _compare(*pair, _unroll(3), _uniform(2, 3, 5))


def test_residual_cell():
    """S3.7 (child 'base_cell'): output = base output + input, stepped and unrolled."""
    pair = (lambda: stock_rnn.ResidualCell(stock_rnn.GRUCell(5)),
            lambda: rnn.ResidualCell(rnn.GRUCell(5)))

    def step(cell, F, x, h):
        out, states = cell(x, [h])
        return [out] + states

    _compare(*pair, step, [_uniform(2, 5), _uniform(2, 5, seed=3)])
    _compare(*pair, _unroll(3), _uniform(2, 3, 5))
    _compare(*pair, _unroll(3, merge_outputs=False, with_valid_length=True),
             [_uniform(2, 3, 5), _lengths(2, 3)], graph_parent=False)


def test_zoneout_cell_in_inference():
    """S3.7: ZoneoutCell (child 'base_cell') in inference mode keeps the new values, as stock."""
    pair = (lambda: stock_rnn.ZoneoutCell(stock_rnn.LSTMCell(4), 0.5, 0.3),
            lambda: rnn.ZoneoutCell(rnn.LSTMCell(4), 0.5, 0.3))
    _compare(*pair, _unroll(3), _uniform(2, 3, 5), train_mode=False)
    _compare(*pair, _unroll(3, merge_outputs=False), _uniform(2, 3, 5), graph_parent=False,
             train_mode=False)


def _params_of(block):
    """Structural name -> Parameter, for a stock (1.9.1) or a runtime block."""
    if isinstance(block, mx.gluon.Block):
        return block._collect_params_with_prefix()  # noqa: GLN009 (stock 1.x API)
    return block.collect_params()


def _same_random_run(make_stock, make_runtime, call, inputs):
    """Training-mode forward+backward of both under the same random seed (Dropout masks)."""
    stock, ours = make_stock(), make_runtime()
    for block in (stock, ours):
        block.initialize()
        call(block, mx.nd, *inputs)
    assert_same_structure(stock, ours)
    copy_stock_params(stock, ours)
    results = []
    for block in (stock, ours):
        mx.random.seed(11)
        with mx.autograd.record():
            outputs = call(block, mx.nd, *inputs)
        mx.autograd.backward(outputs)
        params = _params_of(block)
        grads = [p.grad().asnumpy() for p in params.values() if p.grad_req != 'null']
        results.append(([o.asnumpy() for o in outputs], grads))
    for theirs, mine in zip(results[0][0] + results[0][1], results[1][0] + results[1][1]):
        np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-6)
    return results[1][0]


def test_zoneout_cell_in_training_matches_stock_masks():
    """ZoneoutCell in training: with the same seed, the same zoneout masks and results."""
    outputs = _same_random_run(lambda: stock_rnn.ZoneoutCell(stock_rnn.GRUCell(4), 0.5, 0.5),
                               lambda: rnn.ZoneoutCell(rnn.GRUCell(4), 0.5, 0.5),
                               _unroll(4, merge_outputs=False), [_uniform(3, 4, 5)])
    # the first step zones out to zeros (no previous output), so some entries are exactly 0
    assert (outputs[0] == 0).any() and outputs[0].any()


def test_dropout_cell():
    """DropoutCell: identity in inference, the stock Dropout op (same seed) in training."""
    pair = (lambda: stock_rnn.DropoutCell(0.5), lambda: rnn.DropoutCell(0.5))
    _compare(*pair, _unroll(3), _uniform(2, 3, 5), train_mode=False)
    stack = (lambda: _filled(stock_rnn.HybridSequentialRNNCell(), stock_rnn.LSTMCell(3),
                             stock_rnn.DropoutCell(0.5), stock_rnn.GRUCell(2)),
             lambda: _filled(rnn.HybridSequentialRNNCell(), rnn.LSTMCell(3),
                             rnn.DropoutCell(0.5), rnn.GRUCell(2)))
    _same_random_run(*stack, _unroll(3, merge_outputs=False), [_uniform(2, 3, 5)])
    _compare(*pair, _unroll(3, merge_outputs=False), _uniform(2, 3, 5), graph_parent=False,
             train_mode=False)
    cell = rnn.DropoutCell(0.5, axes=(1,))
    x = mx.nd.ones((2, 6, 5))
    with mx.autograd.record():
        out, states = cell.unroll(6, x, merge_outputs=True)
    assert states == []
    values = out.asnumpy()
    assert set(np.unique(values)) <= {0.0, 2.0}
    # axes=(1,) shares the mask along time: each (batch, feature) column is constant
    assert (values == values[:, :1, :]).all()
    with pytest.raises(TypeError, match='rate must be a number'):
        rnn.DropoutCell('0.5')


# -- cell API --------------------------------------------------------------------------------

CELL_FACTORIES = [
    ('RNNCell', lambda m: m.RNNCell(4)),
    ('LSTMCell', lambda m: m.LSTMCell(4)),
    ('GRUCell', lambda m: m.GRUCell(4)),
    ('HybridSequentialRNNCell',
     lambda m: _filled(m.HybridSequentialRNNCell(), m.LSTMCell(4), m.GRUCell(3))),
    ('SequentialRNNCell', lambda m: _filled(m.SequentialRNNCell(), m.RNNCell(2))),
    ('BidirectionalCell', lambda m: m.BidirectionalCell(m.LSTMCell(4), m.GRUCell(2))),
    ('ResidualCell', lambda m: m.ResidualCell(m.LSTMCell(4))),
    ('ZoneoutCell', lambda m: m.ZoneoutCell(m.GRUCell(4), 0.1, 0.2)),
    ('DropoutCell', lambda m: m.DropoutCell(0.3, axes=(0,))),
]


def _filled(stack, *cells):
    for cell in cells:
        stack.add(cell)
    return stack


@pytest.mark.parametrize('name,factory', CELL_FACTORIES, ids=[c[0] for c in CELL_FACTORIES])
def test_cell_state_info_begin_state_repr(name, factory):
    """S2.10, S3.8: `state_info`, `begin_state` (names `begin_state_<n>`) and repr as stock."""
    stock, ours = factory(stock_rnn), factory(rnn)
    assert ours.state_info(3) == stock.state_info(3)
    # func is explicit: modifier cells default to mx.sym.zeros (as in 1.9.1)
    assert ([s.shape for s in ours.begin_state(batch_size=3, func=mx.nd.zeros)]
            == [s.shape for s in stock.begin_state(batch_size=3, func=mx.nd.zeros)])
    names = [s.name for s in ours.begin_state(func=mx.sym.var)]
    assert all(n.startswith('begin_state_') for n in names)
    assert repr(ours) == repr(stock)


def test_reset_restarts_counters():
    """`reset()` restarts the step counter used in op names (`t0_...`), recursively."""
    stack = _filled(rnn.HybridSequentialRNNCell(), rnn.LSTMCell(3), rnn.GRUCell(2))
    stack.initialize()
    x = _uniform(2, 5)
    stack(x, stack.begin_state(batch_size=2))
    stack(x, stack.begin_state(batch_size=2))
    assert stack[0]._counter == 1
    stack.reset()
    assert stack._counter == -1 and stack[0]._counter == -1 and stack[1]._counter == -1
    assert len(stack) == 2


def test_modifier_cells_guard_their_base_cell():
    """A wrapped base cell may not be used directly nor wrapped twice (errors, no asserts)."""
    base = rnn.LSTMCell(4)
    wrapped = rnn.ResidualCell(base)
    assert wrapped.params is base.params
    assert list(wrapped.collect_params()) == ['base_cell.' + k for k in base.collect_params()]
    with pytest.raises(RuntimeError, match='modifier cell'):
        base.begin_state(batch_size=2)
    with pytest.raises(ValueError, match='modified twice'):
        rnn.ZoneoutCell(base)
    assert len(wrapped.begin_state(batch_size=2, func=mx.nd.zeros)) == 2
    with pytest.raises(ValueError, match='BidirectionalCell'):
        rnn.ZoneoutCell(rnn.BidirectionalCell(rnn.GRUCell(2), rnn.GRUCell(2)))


def test_bidirectional_cell_cannot_step():
    """BidirectionalCell only unrolls; stepping raises, also inside a stack."""
    cell = rnn.BidirectionalCell(rnn.GRUCell(2), rnn.GRUCell(2))
    cell.initialize()
    with pytest.raises(NotImplementedError, match='unroll'):
        cell(_uniform(2, 3), [_uniform(2, 2), _uniform(2, 2)])
    stack = _filled(rnn.SequentialRNNCell(), cell)
    with pytest.raises(ValueError, match='unroll'):
        stack(_uniform(2, 3), [_uniform(2, 2), _uniform(2, 2)])


def test_unroll_rejects_mismatched_length():
    """`unroll(length)` must match the input's time steps; the message gives the fix."""
    cell = rnn.GRUCell(2)
    cell.initialize()
    with pytest.raises(ValueError, match='pass length=3'):
        cell.unroll(4, _uniform(2, 3, 5))
    with pytest.raises(ValueError, match='one input per time step'):
        cell.unroll(4, [_uniform(2, 5)] * 3)
    with pytest.raises(ValueError, match='inputs=None'):
        cell.unroll(4, None)


def test_cell_with_leaky_relu_activation():
    """RNNCell(activation=nn.LeakyReLU(a)) applies the leaky op with that slope, as stock."""
    def step(cell, F, x, h):
        out, states = cell(x, [h])
        return [out] + states

    pair = (lambda: stock_rnn.RNNCell(4, activation=mx.gluon.nn.LeakyReLU(0.1)),
            lambda: rnn.RNNCell(4, activation=nn.LeakyReLU(0.1)))
    _compare(*pair, step, [_uniform(2, 5), _uniform(2, 4, seed=1)])
    # Stock 1.9.1 cannot unroll it (reset() reaches the LeakyReLU child); we can.
    cell = pair[1]()
    cell.initialize()
    outputs, _ = cell.unroll(3, _uniform(2, 3, 5), merge_outputs=True)
    assert (outputs.asnumpy() < 0).any()


def test_lstm_projection_inference():
    """S3.7 (`l0_h2r_weight`): LSTM with projection matches stock in inference.

    MXNet 1.9.1 has no CPU kernel for training an LSTM with projection, so only the forward
    pass (eager and hybridized) is compared here.
    """
    x = _uniform(3, 2, 5)
    for hybridized in (False, True):
        stock = _plain_keys(stock_rnn.LSTM)(4, projection_size=3, num_layers=2,
                                            bidirectional=True)
        ours = rnn.LSTM(4, projection_size=3, num_layers=2, bidirectional=True)
        states = [_uniform(*info['shape'], seed=i) for i, info in enumerate(ours.state_info(2))]
        for block in (stock, ours):
            block.initialize()
            if hybridized:
                block.hybridize()
            # with states: stock's graph would otherwise keep dropping them (see below)
            block(x, states)
        assert 'r1_h2r_weight' in ours.collect_params()
        assert_same_structure(stock, ours)
        copy_stock_params(stock, ours)
        expected = stock(x, states)
        got = ours(x, states)
        for a, b in zip([expected[0]] + expected[1], [got[0]] + got[1]):
            np.testing.assert_allclose(b.asnumpy(), a.asnumpy(), rtol=1e-5, atol=1e-6)
        assert got[1][0].shape == (4, 2, 3)


def test_cells_and_layers_are_exported():
    """S0.1: `gluon_runtime.rnn` exports what `mxnet.gluon.rnn` exports."""
    assert set(stock_rnn.__all__ if hasattr(stock_rnn, '__all__') else []) <= set(rnn.__all__)
    for name in ['RNN', 'LSTM', 'GRU', 'RNNCell', 'LSTMCell', 'GRUCell', 'SequentialRNNCell',
                 'HybridSequentialRNNCell', 'DropoutCell', 'ResidualCell', 'BidirectionalCell',
                 'ZoneoutCell', 'ModifierCell', 'RecurrentCell', 'HybridRecurrentCell']:
        assert hasattr(rnn, name)


# -- numpy mode (spec S13) -----------------------------------------------------------------

@pytest.mark.parametrize('case', FUSED[::2], ids=_fused_id)
def test_s13_1_fused_layer_in_numpy_mode(case):
    """Fused layers under `npx.set_np()`: the same as stock's numpy branch, with states."""
    cls, args, kwargs = case
    layout = kwargs.get('layout', 'TNC')
    x = _uniform(3, 2, 5) if layout == 'TNC' else _uniform(2, 3, 5)
    states = [_uniform(*info['shape'], seed=i + 1)
              for i, info in enumerate(getattr(rnn, cls)(*args, **kwargs).state_info(2))]

    def call(layer, F, x, *states):
        out, new_states = layer(x, list(states))
        return [out] + list(new_states)

    results = _compare(lambda: _plain_keys(getattr(stock_rnn, cls))(*args, **kwargs),
                       lambda: getattr(rnn, cls)(*args, **kwargs), call, [x] + states,
                       numpy=True)
    assert len(results['eager'][1]) == 1 + len(states)


@pytest.mark.parametrize('case', BASIC_CELLS[::2], ids=_basic_id)
def test_s13_1_cell_step_and_unroll_in_numpy_mode(case):
    """Stock cells fail in numpy mode (legacy operators): ours give stock's legacy values."""
    name, args, kwargs = case
    states = [_uniform(3, 4, seed=i + 1)
              for i in range(len(getattr(rnn, name)(*args, **kwargs).state_info()))]

    def step(cell, F, x, *states):
        out, new_states = cell(x, list(states))
        return [out] + list(new_states)

    _compare(*_cell_pair(name, *args, **kwargs), step, [_uniform(3, 5)] + states,
             numpy=True, stock_numpy=False)
    _compare(*_cell_pair(name, *args, **kwargs), _unroll(3), _uniform(2, 3, 5),
             numpy=True, stock_numpy=False)
    _compare(*_cell_pair(name, *args, **kwargs), _unroll(3, merge_outputs=False),
             _uniform(2, 3, 5), graph_parent=False, numpy=True, stock_numpy=False)


def test_s13_1_cell_begin_state_is_numpy_in_numpy_mode(numpy_mode):
    cell = rnn.LSTMCell(4)
    states = cell.begin_state(batch_size=2)
    assert all(isinstance(s, mx.np.ndarray) for s in states)
    cell.initialize()
    out, new_states = cell(mx.np.ones((2, 3)), states)
    assert isinstance(out, mx.np.ndarray) and out.shape == (2, 4)
    assert all(isinstance(s, mx.np.ndarray) for s in new_states)
