from mxnet.gluon import nn


class PosEmbed(nn.HybridBlock):
    """Positions to vectors."""

    def __init__(self, units, prefix=None, params=None):
        super(PosEmbed, self).__init__(prefix=prefix, params=params)
        with self.name_scope():
            self.proj = nn.Dense(units, flatten=False)

    def hybrid_forward(self, F, x):
        return self.proj(x)


class Scale(nn.HybridBlock):
    def __init__(self, factor, *, prefix=None, params=None):
        super(Scale, self).__init__(prefix=prefix, params=params)
        self.factor = factor

    def hybrid_forward(self, F, x):
        return x * self.factor


class Gate(nn.HybridBlock):
    # built with a computed prefix elsewhere: keeps its parameter in a safe run
    def __init__(self, units, prefix=None, params=None):
        super(Gate, self).__init__(prefix=prefix, params=params)
        with self.name_scope():
            self.dense = nn.Dense(units)

    def hybrid_forward(self, F, x):
        return F.sigmoid(self.dense(x))
