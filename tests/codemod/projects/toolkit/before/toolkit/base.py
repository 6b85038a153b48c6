"""The toolkit's own base class, between its Blocks and Gluon, and helpers that forward **kwargs."""
from mxnet import gluon
from mxnet.gluon import nn


class BaseModel(gluon.HybridBlock):
    def __init__(self, **kwargs):
        gluon.HybridBlock.__init__(self, **kwargs)
        self.calls = 0


class Shared(BaseModel):
    """Derives from the base without an __init__ of its own."""


def get_norm(kind, **kwargs):
    if kind == 'ln':
        return nn.LayerNorm(**kwargs)
    return nn.BatchNorm(**kwargs)


def get_dense(units, **kwargs):
    return nn.Dense(units, flatten=False, **kwargs)
