"""The sequence-to-sequence model."""
import mxnet as mx
import gluon_runtime as gluon

from . import constants as C
from .decoder import get_decoder
from .encoder import get_encoder
from .layers import Base, Embedding


class Seq2Seq(Base):
    """Embeddings, an encoder and a decoder; the target embedding is also the output projection."""

    def __init__(self, config):
        super().__init__()
        self.config = config
        self.src_w, self.tgt_w = self._embedding_weights()
        self.embed_src = Embedding(config, self.src_w)
        self.embed_tgt = Embedding(config, self.tgt_w)
        self.encoder = get_encoder(config)
        self.decoder = get_decoder(config, self.tgt_w)

    def _embedding_weights(self):
        shape = (self.config.vocab_size, self.config.num_embed)
        src = gluon.Parameter(C.SOURCE_EMBED_PREFIX + 'weight', shape=shape, allow_deferred_init=True)
        tgt = src if self.config.share_embed else gluon.Parameter(C.TARGET_EMBED_PREFIX + 'weight', shape=shape,
                                                                  allow_deferred_init=True)
        return src, tgt

    def hybrid_forward(self, F, source, target, src_w, tgt_w):
        encoded = self.encoder(self.embed_src(source))
        return self.decoder(self.embed_tgt(target), encoded)


def create_model(config, initializer=None):
    """A model of `config`, initialised on the CPU."""
    model = Seq2Seq(config)
    model.initialize(initializer or mx.init.Xavier(), ctx=mx.cpu())
    return model
