"""Blocks shared by encoders and decoders."""
import mxnet as mx
import gluon_runtime as gluon
from gluon_runtime import nn


class Base(gluon.HybridBlock):
    """The toolkit's own base between its blocks and Gluon."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)


def get_norm(kind, **kwargs):
    """A normalisation layer by name; the keyword arguments go to the layer."""
    if kind == 'layer':
        return nn.LayerNorm(**kwargs)
    if kind == 'batch':
        return nn.BatchNorm(**kwargs)
    raise ValueError('unknown normalisation %r: use "layer" or "batch"' % kind)


class Embedding(Base):
    """Token embedding over a weight that the model owns (the same one for source and target when tied)."""

    def __init__(self, config, embed_weight):
        super().__init__()
        self.config = config
        self.embed_weight = embed_weight

    def hybrid_forward(self, F, data, embed_weight):
        embedded = F.Embedding(data, weight=embed_weight, input_dim=self.config.vocab_size,
                               output_dim=self.config.num_embed)
        if self.config.dropout > 0:
            embedded = F.Dropout(embedded, p=self.config.dropout)
        return embedded


class LHUC(Base):
    """Learning hidden unit contributions: scales each hidden unit by 2 * sigmoid(weight)."""

    def __init__(self, num_hidden):
        super().__init__()
        self.weight = gluon.Parameter('weight', shape=(num_hidden,), init=mx.init.Uniform(0.1))

    def hybrid_forward(self, F, data, weight):
        return F.broadcast_mul(data, 2 * F.sigmoid(weight))


class OutputLayer(Base):
    """Projection to the vocabulary, its weight tied to the target embedding."""

    def __init__(self, vocab_size, weight):
        super().__init__()
        self.vocab_size = vocab_size
        self.weight = weight
        self.bias = gluon.Parameter('bias', shape=(vocab_size,), init='zeros')

    def hybrid_forward(self, F, data, weight, bias):
        return F.FullyConnected(data, weight=weight, bias=bias, num_hidden=self.vocab_size, flatten=False)


class LengthPenalty(Base):
    """Divides scores by the GNMT length penalty ((5 + length) / 6) ** alpha."""

    def __init__(self, alpha):
        super().__init__()
        self.alpha = alpha

    def hybrid_forward(self, F, scores, lengths):
        return scores / (((5.0 + lengths) / 6.0) ** self.alpha)
