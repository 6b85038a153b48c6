"""`summary()` of models with shared and tied Parameters, against stock 1.9.1's `Block.summary`.

Stock counts a Parameter once per use in the forward pass ("duplicate included"): every use
after the first goes into "Shared params", and "Unique parameters" is the total minus those. We
print the same table, line for line, whether the sharing is written as stock's `params=` or as
our `share_parameters` / attribute assignment (spec S10.1), in both array modes.
"""
import contextlib
import io
import warnings

import mxnet as mx
import pytest

import gluon_runtime
from gluon_runtime import nn, rnn

from _stock_compare import numpy_mode


def _printed(net, *inputs):
    out = io.StringIO()
    with contextlib.redirect_stdout(out), warnings.catch_warnings():
        warnings.simplefilter('ignore')
        net.summary(*inputs)
    return out.getvalue()


def _array(numpy, values, dtype='float32'):
    return (mx.np.array if numpy else mx.nd.array)(values, dtype=dtype)


def _two_dense_sharing(library):
    if library == 'stock':
        first = mx.gluon.nn.Dense(4, in_units=4)
        second = mx.gluon.nn.Dense(4, in_units=4, params=first.params)  # noqa: GLN002
        net = mx.gluon.nn.HybridSequential()
    else:
        first = nn.Dense(4, in_units=4)
        second = nn.Dense(4, in_units=4).share_parameters(first.collect_params())
        net = nn.HybridSequential()
    net.add(first, second)
    return net


def _shared_weight_around_batchnorm(library):
    """Dense, BatchNorm (non-trainable statistics), Dense sharing the first one's weights."""
    layers = mx.gluon.nn if library == 'stock' else nn
    net = _two_dense_sharing(library)
    first, second = net[0], net[1]
    net = layers.HybridSequential()
    net.add(first, layers.BatchNorm(in_channels=4), second)
    return net


def _tied_language_model(library):
    """Embedding, LSTM, and a decoder whose weight is the embedding's (tied)."""
    if library == 'stock':
        class LanguageModel(mx.gluon.Block):
            def __init__(self):
                super().__init__()
                with self.name_scope():  # noqa: GLN001
                    self.embedding = mx.gluon.nn.Embedding(10, 6)
                    self.lstm = mx.gluon.rnn.LSTM(6, input_size=6)
                    self.decoder = mx.gluon.nn.Dense(10, in_units=6, flatten=False,
                                                     params=self.embedding.params)  # noqa: GLN002

            def forward(self, tokens):
                return self.decoder(self.lstm(self.embedding(tokens)))
    else:
        class LanguageModel(gluon_runtime.Block):
            def __init__(self):
                super().__init__()
                self.embedding = nn.Embedding(10, 6)
                self.lstm = rnn.LSTM(6, input_size=6)
                self.decoder = nn.Dense(10, in_units=6, flatten=False)
                self.decoder.weight = self.embedding.weight

            def forward(self, tokens):
                return self.decoder(self.lstm(self.embedding(tokens)))
    return LanguageModel()


def _frozen_shared(library):
    """The shared weight frozen (grad_req='null'): trainable and non-trainable lines move."""
    net = _shared_weight_around_batchnorm(library)
    net[0].weight.grad_req = 'null'
    return net


MODELS = {
    'two-dense-sharing': (_two_dense_sharing, lambda numpy: _array(numpy, [[1.0] * 4] * 2)),
    'shared-around-batchnorm': (_shared_weight_around_batchnorm,
                                lambda numpy: _array(numpy, [[1.0] * 4] * 2)),
    'frozen-shared': (_frozen_shared, lambda numpy: _array(numpy, [[1.0] * 4] * 2)),
    'tied-language-model': (_tied_language_model,
                            lambda numpy: _array(numpy, [[1, 2, 3], [4, 5, 6]])),
}


@pytest.mark.parametrize('numpy', [False, True], ids=['ndarray', 'numpy'])
@pytest.mark.parametrize('model', sorted(MODELS))
def test_s10_1_summary_of_shared_parameters_is_stocks(model, numpy):
    build, make_input = MODELS[model]
    printed = {}
    for library in ('stock', 'runtime'):
        with numpy_mode(numpy):
            net = build(library)
            net.initialize()
            printed[library] = _printed(net, make_input(numpy))
    assert printed['runtime'] == printed['stock']
    assert 'Shared params in forward computation graph: 0' not in printed['runtime']


def test_s10_1_tied_language_model_numbers():
    # The numbers, written out: embedding 10*6, LSTM 4*6*(6+6) + 2*4*6, decoder 10*6 + 10 of
    # which the 60 weights are the embedding's.
    with numpy_mode(False):
        net = _tied_language_model('runtime')
        net.initialize()
        printed = _printed(net, _array(False, [[1, 2, 3]]))
    total = 60 + (4 * 6 * 12 + 2 * 4 * 6) + 70
    assert '   Total params: %d\n' % total in printed
    assert '   Trainable params: %d\n' % total in printed
    assert '   Non-trainable params: 0\n' in printed
    assert 'Shared params in forward computation graph: 60\n' in printed
    assert 'Unique parameters in model: %d\n' % (total - 60) in printed


def test_s10_1_same_block_twice_reports_like_two_blocks_sharing():
    # Stock hooks a block once per path to it, so a block added twice prints each of its calls
    # twice (4 rows and 80 params for 2 calls of a 20-param Dense). We hook each block once: the
    # table is stock's table for two Dense sharing their Parameters, one row per call.
    dense = nn.Dense(4, in_units=4)
    net = nn.HybridSequential()
    net.add(dense, dense)
    net.initialize()
    ours = _printed(net, _array(False, [[1.0] * 4] * 2))
    stock_net = _two_dense_sharing('stock')
    stock_net.initialize()
    assert ours == _printed(stock_net, _array(False, [[1.0] * 4] * 2))
