from mxnet import gluon

from .base import Bare, Base, get_norm


class Emb(Base):
    def __init__(self, units):
        super().__init__()
        self.out = gluon.nn.Dense(units)
        self.norm = get_norm('ln')

    def hybrid_forward(self, F, x):
        return self.norm(self.out(x))


class Pos(Bare):
    def __init__(self, units):
        Bare.__init__(self)
        self.out = gluon.nn.Dense(units)

    def hybrid_forward(self, F, x):
        return self.out(x)


net = Emb(4)
pos = Pos(4)


class Local(gluon.HybridBlock):
    def __init__(self, **kwargs):
        gluon.HybridBlock.__init__(self, **kwargs)


class Inner(Local):
    def __init__(self, units):
        super().__init__()
        self.out = gluon.nn.Dense(units)

    def hybrid_forward(self, F, x):
        return self.out(x)


inner = Inner(4)
