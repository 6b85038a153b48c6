from mxnet import gluon

from .base import BaseModel, get_dense, get_norm

ENCODERS = {}


def register_encoder(cls):
    ENCODERS[cls.__name__.lower()] = cls
    return cls


@register_encoder
class DenseEncoder(BaseModel):
    def __init__(self, units, **kwargs):
        super(DenseEncoder, self).__init__(**kwargs)
        with self.name_scope():
            self.proj = get_dense(units, prefix='proj_')
            self.norm = get_norm('ln', prefix='ln_')

    def hybrid_forward(self, F, x):
        return self.norm(self.proj(x))


class Embedding(BaseModel):
    def __init__(self, vocab, units, prefix, params=None):
        super().__init__(prefix=prefix, params=params)
        with self.name_scope():
            self.embed = gluon.nn.Embedding(vocab, units, prefix='embed_')

    def hybrid_forward(self, F, x):
        return self.embed(x)


def get_encoder(name, **kwargs):
    return ENCODERS[name](**kwargs)
