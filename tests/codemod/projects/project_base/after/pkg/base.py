from mxnet import gluon
from mxnet.gluon import nn


class Base(gluon.HybridBlock):
    def __init__(self, **kwargs):
        gluon.HybridBlock.__init__(self, **kwargs)


class Bare(Base):
    pass


def get_norm(kind, **kwargs):
    if kind == 'ln':
        return nn.LayerNorm(**kwargs)
    return nn.BatchNorm(**kwargs)
