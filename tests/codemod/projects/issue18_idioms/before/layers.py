"""Blocks the model builds: an embedding that is given its weight, and LHUC."""
import mxnet as mx
from mxnet import gluon


class Embed(gluon.HybridBlock):
    def __init__(self, vocab, dim, embed_weight, **kwargs):
        super(Embed, self).__init__(**kwargs)
        self.vocab = vocab
        self.dim = dim
        self.embed_weight = embed_weight
        self.params.update({self.embed_weight.name: self.embed_weight})

    def hybrid_forward(self, F, x, embed_weight):
        return F.Embedding(x, embed_weight, input_dim=self.vocab, output_dim=self.dim)


class LHUC(gluon.HybridBlock):
    def __init__(self, dim, **kwargs):
        super(LHUC, self).__init__(**kwargs)
        with self.name_scope():
            self.weight = self.params.get('weight', shape=(dim,), init=mx.init.Constant(0.3))

    def hybrid_forward(self, F, x, weight):
        return F.broadcast_mul(x, 2 * F.sigmoid(weight))
