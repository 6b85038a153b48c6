from mxnet.gluon import nn
from shop.layers import PosEmbed


class Head(PosEmbed):
    def __init__(self, units, classes):
        super(Head, self).__init__(units)
        self.out = nn.Dense(classes)
