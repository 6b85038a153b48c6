from mxnet import gluon

from .base import Bare, Base, get_norm


class Emb(Base):
    def __init__(self, units, prefix):
        super().__init__(prefix=prefix)
        with self.name_scope():
            self.out = gluon.nn.Dense(units)
            self.norm = get_norm('ln', prefix='ln_')

    def hybrid_forward(self, F, x):
        return self.norm(self.out(x))


class Pos(Bare):
    def __init__(self, units, prefix=None, params=None):
        Bare.__init__(self, prefix=prefix, params=params)
        self.out = gluon.nn.Dense(units)

    def hybrid_forward(self, F, x):
        return self.out(x)


net = Emb(4, prefix='emb_')
pos = Pos(4, 'pos_')


class Local(gluon.HybridBlock):
    def __init__(self, **kwargs):
        gluon.HybridBlock.__init__(self, **kwargs)


class Inner(Local):
    def __init__(self, units, prefix):
        super().__init__(prefix=prefix)
        self.out = gluon.nn.Dense(units)

    def hybrid_forward(self, F, x):
        return self.out(x)


inner = Inner(4, prefix='inner_')
