from mxnet import gluon


class Decoder(gluon.HybridBlock):
    def __init__(self, units, **kwargs):
        super(Decoder, self).__init__(**kwargs)
        self.out = gluon.nn.Dense(units)

    def hybrid_forward(self, F, x):
        return self.out(x)


def get_decoder(config) -> 'Decoder':
    return Decoder(config, prefix='decoder_')


def make_decoder(config):
    if config:
        return Decoder(config)
    return Decoder(1)
