from mxnet import gluon

REGISTRY = {}


def register(cls):
    REGISTRY['dense'] = cls
    return cls


@register
class Head(gluon.HybridBlock):
    def __init__(self, units):
        super().__init__()
        self.out = gluon.nn.Dense(units)

    def hybrid_forward(self, F, x):
        return self.out(x)


class Tail(gluon.HybridBlock):
    def __init__(self, units):
        super().__init__()
        self.out = gluon.nn.Dense(units)

    def hybrid_forward(self, F, x):
        return self.out(x)


class Plain(gluon.HybridBlock):
    def __init__(self, units):
        super().__init__()
        self.out = gluon.nn.Dense(units)

    def hybrid_forward(self, F, x):
        return self.out(x)


LAYERS = [Tail]


class Side(gluon.HybridBlock):
    def __init__(self, units, prefix=None):
        super().__init__(prefix=prefix)
        self.out = gluon.nn.Dense(units)

    def hybrid_forward(self, F, x):
        return self.out(x)


SIDES = [Side]
