from mxnet.gluon import nn

from .base import Shared


class Decoder(Shared):
    def __init__(self, units, out_units, prefix=None, params=None):
        Shared.__init__(self, prefix=prefix, params=params)
        with self.name_scope():
            self.hidden = nn.Dense(units, activation='relu', flatten=False, prefix='hidden_')
            self.out = nn.Dense(out_units, flatten=False, prefix='out_')

    def hybrid_forward(self, F, x):
        return self.out(self.hidden(x))


def get_decoder(units, out_units) -> 'Decoder':
    return Decoder(units, out_units, prefix='decoder_')
