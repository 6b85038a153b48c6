from mxnet.gluon import nn

from shop.layers import PosEmbed


class Tower(nn.HybridSequential):
    @classmethod
    def from_cfg(cls, cfg):
        return cls()


def make_embed(units):
    return PosEmbed(units)
