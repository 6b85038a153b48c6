"""Checkpoints of recurrent layers and cells between stock MXNet 1.9.1 and `gluon_runtime`.

Spec S7.5: stock 1.9.1 `save_parameters` writes fused `rnn.RNN/LSTM/GRU` parameters under
`_unfused.{layer}.{name}` (unidirectional) or `_unfused.{layer}.{l|r}_cell.{name}`
(bidirectional) keys; the runtime uses the attribute names `l0_i2h_weight` (S3.7) and must load
both spellings. Cells use the same structural keys on both sides (S7.1, S7.4, S7.5).
"""
import warnings

import mxnet as mx
import numpy as np
import pytest

from gluon_runtime import HybridBlock, nn, rnn

stock_rnn = mx.gluon.rnn


def _uniform(*shape, seed=0):
    return mx.nd.array(np.random.RandomState(seed).uniform(-1, 1, size=shape))


def _assert_same_outputs(stock_out, runtime_out):
    stock_out, runtime_out = _flat(stock_out), _flat(runtime_out)
    assert len(stock_out) == len(runtime_out)
    for a, b in zip(stock_out, runtime_out):
        np.testing.assert_allclose(b.asnumpy(), a.asnumpy(), rtol=1e-5, atol=1e-6)


def _flat(value):
    if isinstance(value, (list, tuple)):
        return [leaf for item in value for leaf in _flat(item)]
    return [value]


FUSED = [
    ('RNN', (4,), {'activation': 'tanh'}),
    ('RNN', (3,), {'num_layers': 2, 'bidirectional': True}),
    ('LSTM', (4,), {}),
    ('LSTM', (4,), {'num_layers': 2, 'bidirectional': True, 'layout': 'NTC'}),
    ('LSTM', (4,), {'num_layers': 2, 'projection_size': 3}),
    ('LSTM', (4,), {'bidirectional': True, 'projection_size': 2}),
    ('GRU', (4,), {'num_layers': 3}),
    ('GRU', (3,), {'num_layers': 2, 'bidirectional': True}),
]


def _case_id(case):
    cls, args, kwargs = case
    parts = [str(a) for a in args] + ['%s=%r' % kv for kv in kwargs.items()]
    return '%s(%s)' % (cls, ','.join(parts))


def _input_for(kwargs):
    return _uniform(2, 3, 5) if kwargs.get('layout') == 'NTC' else _uniform(3, 2, 5)


def _stock_fused(case):
    cls, args, kwargs = case
    layer = getattr(stock_rnn, cls)(*args, **kwargs)
    layer.initialize(mx.init.Xavier())
    layer(_input_for(kwargs))
    return layer


def _expected_stock_key(attr, bidirectional):
    """Stock 1.9.1's checkpoint key for fused attribute `attr` (e.g. 'r1_h2h_bias')."""
    direction, layer, name = attr[0], attr[1:].split('_', 1)[0], attr.split('_', 1)[1]
    if bidirectional:
        return '_unfused.%s.%s_cell.%s' % (layer, direction, name)
    return '_unfused.%s.%s' % (layer, name)


@pytest.mark.parametrize('case', FUSED, ids=_case_id)
def test_stock_fused_checkpoint_loads_into_runtime(case, tmp_path):
    """S7.5, S7.4: a stock 1.9.1 file (`_unfused.*` keys) loads with the same outputs."""
    cls, args, kwargs = case
    stock = _stock_fused(case)
    path = str(tmp_path / 'stock.params')
    stock.save_parameters(path)
    saved_keys = set(mx.nd.load(path))
    bidirectional = kwargs.get('bidirectional', False)
    ours = getattr(rnn, cls)(*args, **kwargs)
    # this is what stock 1.9.1 actually writes: the unfused names, never the attribute names
    assert saved_keys == {_expected_stock_key(k, bidirectional) for k in ours.collect_params()}
    ours.load_parameters(path)  # no initialize(): loading initializes (S7.4)
    x = _input_for(kwargs)
    _assert_same_outputs(stock(x), ours(x))


@pytest.mark.parametrize('case', FUSED, ids=_case_id)
def test_runtime_fused_checkpoint_loads_into_stock(case, tmp_path):
    """S7.5: our file is written with stock 1.9.1's own keys for fused layers (`_unfused.0.i2h_weight`)."""
    cls, args, kwargs = case
    ours = getattr(rnn, cls)(*args, **kwargs)
    ours.initialize(mx.init.Xavier())
    x = _input_for(kwargs)
    ours(x)
    path = str(tmp_path / 'runtime.params')
    ours.save_parameters(path)
    assert set(mx.nd.load(path)) == set(ours._checkpoint_aliases())
    stock = getattr(stock_rnn, cls)(*args, **kwargs)
    stock.load_parameters(path)
    _assert_same_outputs(stock(x), ours(x))


@pytest.mark.parametrize('case', FUSED[::3], ids=_case_id)
def test_runtime_fused_checkpoint_round_trip_hybridized(case, tmp_path):
    """S7.1, S7.4: save/load round trip of our own files, into a hybridized layer."""
    cls, args, kwargs = case
    ours = getattr(rnn, cls)(*args, **kwargs)
    ours.initialize()
    x = _input_for(kwargs)
    ours(x)
    path = str(tmp_path / 'runtime.params')
    ours.save_parameters(path)
    again = getattr(rnn, cls)(*args, **kwargs)
    again.hybridize()
    again.load_parameters(path)
    _assert_same_outputs(ours(x), again(x))


class _StockSeq2Vec(mx.gluon.HybridBlock):
    def __init__(self):
        super().__init__()
        with self.name_scope():  # noqa: GLN001 (stock 1.x API)
            self.encoder = stock_rnn.LSTM(4, num_layers=2, bidirectional=True, layout='NTC')
            self.stack = mx.gluon.nn.HybridSequential()
            self.stack.add(stock_rnn.GRU(3, layout='NTC'), stock_rnn.RNN(2, layout='NTC'))
            self.decoder = mx.gluon.nn.Dense(2, flatten=False)

    def hybrid_forward(self, F, x):
        return self.decoder(self.stack(self.encoder(x)))


class _RuntimeSeq2Vec(HybridBlock):
    def __init__(self):
        super().__init__()
        self.encoder = rnn.LSTM(4, num_layers=2, bidirectional=True, layout='NTC')
        self.stack = nn.HybridSequential()
        self.stack.add(rnn.GRU(3, layout='NTC'), rnn.RNN(2, layout='NTC'))
        self.decoder = nn.Dense(2, flatten=False)

    def hybrid_forward(self, F, x):
        return self.decoder(self.stack(self.encoder(x)))


def test_nested_stock_fused_checkpoint_loads_into_runtime(tmp_path):
    """S7.5: nested fused layers (`encoder._unfused.0.l_cell.i2h_weight`, `stack.0._unfused...`)
    load into the runtime model, eager and hybridized, with the same outputs."""
    x = _uniform(2, 3, 5)
    stock = _StockSeq2Vec()
    stock.initialize(mx.init.Xavier())
    expected = stock(x)
    path = str(tmp_path / 'stock.params')
    stock.save_parameters(path)
    keys = set(mx.nd.load(path))
    assert 'encoder._unfused.1.r_cell.h2h_bias' in keys
    assert 'stack.0._unfused.0.i2h_weight' in keys and 'decoder.weight' in keys
    for hybridized in (False, True):
        ours = _RuntimeSeq2Vec()
        if hybridized:
            ours.hybridize()
        ours.load_parameters(path)
        _assert_same_outputs(expected, ours(x))
        assert 'encoder.r1_h2h_bias' in ours.collect_params()


def test_nested_runtime_fused_checkpoint_loads_in_stock(tmp_path):
    """S7.5: stock 1.9.1 expects `_unfused.*` keys for nested fused layers (it falls back to attribute
    names only for dot-free, top-level files), so the runtime writes fused layers in that form."""
    x = _uniform(2, 3, 5)
    ours = _RuntimeSeq2Vec()
    ours.initialize()
    expected = ours(x)
    path = str(tmp_path / 'runtime.params')
    ours.save_parameters(path)
    keys = list(mx.nd.load(path))
    assert any('._unfused.' in key for key in keys)
    assert not any('_i2h_' in key and '_unfused' not in key for key in keys)
    stock = _StockSeq2Vec()
    stock.load_parameters(path)
    _assert_same_outputs(expected, stock(x))
    again = _RuntimeSeq2Vec()
    again.load_parameters(path)
    _assert_same_outputs(expected, again(x))


def test_mixed_and_duplicated_key_spellings(tmp_path):
    """S7.5 EXT: a file may mix both spellings; when both are present the attribute name wins."""
    stock = _stock_fused(('LSTM', (4,), {'num_layers': 2}))
    arrays = dict(stock._collect_params_with_prefix())  # noqa: GLN009 (stock 1.x API)
    mixed = {}
    for i, (key, param) in enumerate(arrays.items()):
        attr = 'l%s_%s' % (key.split('.')[1], key.split('.')[2])
        mixed[key if i % 2 else attr] = param.data()
    path = str(tmp_path / 'mixed.params')
    mx.nd.save(path, mixed)
    ours = rnn.LSTM(4, num_layers=2)
    ours.load_parameters(path)
    x = _input_for({})
    _assert_same_outputs(stock(x), ours(x))

    both = dict(mixed)
    both['_unfused.0.i2h_weight'] = mx.nd.zeros_like(stock.l0_i2h_weight.data())
    both['l0_i2h_weight'] = stock.l0_i2h_weight.data()
    mx.nd.save(path, both)
    ours = rnn.LSTM(4, num_layers=2)
    ours.load_parameters(path)
    np.testing.assert_array_equal(ours.l0_i2h_weight.data().asnumpy(),
                                  stock.l0_i2h_weight.data().asnumpy())


def test_load_errors_name_every_problem(tmp_path):
    """S7.4: missing, unexpected and mismatched keys are all listed in one error."""
    stock = _stock_fused(('GRU', (4,), {'num_layers': 2}))
    arrays = dict(stock._collect_params_with_prefix())  # noqa: GLN009 (stock 1.x API)
    arrays.pop('_unfused.1.h2h_bias')
    saved = {k: p.data() for k, p in arrays.items()}
    saved['_unfused.0.i2h_weight'] = mx.nd.zeros((12, 7))
    saved['_unfused.5.i2h_weight'] = mx.nd.zeros((12, 4))
    path = str(tmp_path / 'broken.params')
    mx.nd.save(path, saved)
    ours = rnn.GRU(4, num_layers=2, input_size=5)
    with pytest.raises(ValueError) as info:
        ours.load_parameters(path)
    message = str(info.value)
    assert "'l1_h2h_bias' is missing" in message
    assert "'_unfused.5.i2h_weight'" in message
    assert 'l0_i2h_weight' in message and 'shape' in message
    # a shape mismatch is not excused by the allow_missing/ignore_extra flags
    with pytest.raises(ValueError, match='l0_i2h_weight'):
        ours.load_parameters(path, allow_missing=True, ignore_extra=True)


# -- cells -----------------------------------------------------------------------------------

def _filled(stack, *cells):
    for cell in cells:
        stack.add(cell)
    return stack


CELLS = [
    ('RNNCell', lambda m: m.RNNCell(4, activation='relu')),
    ('LSTMCell', lambda m: m.LSTMCell(4)),
    ('GRUCell', lambda m: m.GRUCell(4)),
    ('HybridSequentialRNNCell',
     lambda m: _filled(m.HybridSequentialRNNCell(), m.LSTMCell(4), m.DropoutCell(0.0),
                       m.GRUCell(3))),
    ('SequentialRNNCell',
     lambda m: _filled(m.SequentialRNNCell(), m.GRUCell(3), m.RNNCell(2))),
    ('BidirectionalCell', lambda m: m.BidirectionalCell(m.LSTMCell(4), m.GRUCell(3))),
    ('ResidualCell', lambda m: m.ResidualCell(m.GRUCell(5))),
    ('ZoneoutCell', lambda m: m.ZoneoutCell(m.LSTMCell(4), 0.2, 0.2)),
    ('stacked BidirectionalCell', lambda m: _filled(
        m.HybridSequentialRNNCell(), m.BidirectionalCell(m.LSTMCell(3), m.LSTMCell(3)),
        m.ResidualCell(m.LSTMCell(6)))),
]


def _unrolled(cell, x):
    outputs, states = cell.unroll(3, x, merge_outputs=True)
    return [outputs] + list(states)


@pytest.mark.parametrize('name,factory', CELLS, ids=[c[0] for c in CELLS])
def test_cell_checkpoints_both_ways(name, factory, tmp_path):
    """S7.5: cell files (`i2h_weight`, `0.i2h_weight`, `l_cell.i2h_weight`,
    `base_cell.i2h_weight`) load unchanged in both directions, same outputs."""
    x = _uniform(2, 3, 5)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        stock = factory(stock_rnn)
        stock.initialize(mx.init.Xavier())
        expected = _unrolled(stock, x)
        stock_path = str(tmp_path / 'stock.params')
        stock.save_parameters(stock_path)

        ours = factory(rnn)
        ours.load_parameters(stock_path)
        assert set(ours.collect_params()) == set(mx.nd.load(stock_path))
        _assert_same_outputs(expected, _unrolled(ours, x))

        # reverse: perturb ours, save, load into a fresh stock cell
        for param in ours.collect_params().values():
            param.set_data(param.data() * 0.5)
        runtime_path = str(tmp_path / 'runtime.params')
        ours.save_parameters(runtime_path)
        assert set(mx.nd.load(runtime_path)) == set(mx.nd.load(stock_path))
        stock_again = factory(stock_rnn)
        stock_again.load_parameters(runtime_path)
        _assert_same_outputs(_unrolled(ours, x), _unrolled(stock_again, x))
