from mxnet.gluon import nn
from shop.layers import PosEmbed


class Head(PosEmbed):
    def __init__(self, units, classes, prefix=None, params=None):
        super(Head, self).__init__(units, prefix=prefix, params=params)
        with self.name_scope():
            self.out = nn.Dense(classes)
