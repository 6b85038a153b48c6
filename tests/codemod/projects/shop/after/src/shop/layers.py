from mxnet.gluon import nn


class PosEmbed(nn.HybridBlock):
    """Positions to vectors."""

    def __init__(self, units):
        super(PosEmbed, self).__init__()
        self.proj = nn.Dense(units, flatten=False)

    def hybrid_forward(self, F, x):
        return self.proj(x)


class Scale(nn.HybridBlock):
    def __init__(self, factor):
        super(Scale, self).__init__()
        self.factor = factor

    def hybrid_forward(self, F, x):
        return x * self.factor


class Gate(nn.HybridBlock):
    # built with a computed prefix elsewhere: keeps its parameter in a safe run
    def __init__(self, units, prefix=None):
        super(Gate, self).__init__(prefix=prefix)
        self.dense = nn.Dense(units)

    def hybrid_forward(self, F, x):
        return F.sigmoid(self.dense(x))
