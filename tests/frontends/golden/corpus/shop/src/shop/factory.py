from mxnet.gluon import nn

from shop.layers import PosEmbed


class Tower(nn.HybridSequential):
    @classmethod
    def from_cfg(cls, cfg, prefix=None, params=None):
        return cls(prefix=prefix, params=params)


def make_embed(units, prefix=None):
    return PosEmbed(units, prefix=prefix)
