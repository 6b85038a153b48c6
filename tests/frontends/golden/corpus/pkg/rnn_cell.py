"""A custom recurrent cell whose parameters come from `self.params.get`."""
import mxnet as mx
from mxnet import gluon


class MinimalGRUCell(gluon.HybridBlock):
    def __init__(self, hidden_size, input_size=0, prefix=None, params=None):
        super(MinimalGRUCell, self).__init__(prefix=prefix, params=params)
        self._hidden_size = hidden_size
        with self.name_scope():
            self.i2h_weight = self.params.get('i2h_weight', shape=(2 * hidden_size, input_size),
                                              allow_deferred_init=True)
            self.h2h_weight = self.params.get('h2h_weight', shape=(2 * hidden_size, hidden_size),
                                              allow_deferred_init=True)
            self.bias = self.params.get('bias', shape=(2 * hidden_size,), init='zeros',
                                        allow_deferred_init=True)
            self.scale = self.params.get_constant('scale', mx.nd.array([0.5]))

    def hybrid_forward(self, F, x, h, i2h_weight, h2h_weight, bias, scale):
        gates = F.FullyConnected(x, i2h_weight, bias, num_hidden=2 * self._hidden_size)
        gates = gates + F.FullyConnected(h, h2h_weight, no_bias=True, num_hidden=2 * self._hidden_size)
        update, candidate = F.split(gates, num_outputs=2, axis=-1)
        update = F.sigmoid(update)
        candidate = F.broadcast_mul(F.tanh(candidate), scale) * 2
        return F.broadcast_mul(update, h) + F.broadcast_mul(1 - update, candidate)


class Encoder(gluon.HybridBlock):
    def __init__(self, hidden_size, **kwargs):
        super(Encoder, self).__init__(**kwargs)
        with self.name_scope():
            self.cell = MinimalGRUCell(hidden_size, prefix='cell_')

    def hybrid_forward(self, F, x, h):
        return self.cell(x, h)
