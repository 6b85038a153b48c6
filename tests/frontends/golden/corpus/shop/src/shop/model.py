from mxnet.gluon import nn

from . import layers
from .factory import Tower, make_embed
from .layers import Gate
from shop import PosEmbed, Scale


class Model(nn.HybridBlock):
    def __init__(self, units=8, **kwargs):
        super(Model, self).__init__(**kwargs)
        with self.name_scope():
            self.pos = PosEmbed(units, prefix='pos_embed_')
            self.pos2 = layers.PosEmbed(units, 'pos2_')
            self.scale = Scale(2.0, prefix='scale_')
            self.tower = Tower.from_cfg(None, prefix='tower_')
            self.extra = make_embed(units, prefix='extra_')
            self.gates = nn.HybridSequential()
            for i in range(2):
                self.gates.add(Gate(units, prefix='gate{}_'.format(i)))

    def hybrid_forward(self, F, x):
        h = self.pos(x) + self.pos2(x) + self.extra(x)
        for gate in self.gates:
            h = h * gate(h)
        return self.scale(h)
