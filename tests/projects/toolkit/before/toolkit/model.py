"""The sequence-to-sequence model."""
import mxnet as mx

from . import constants as C
from .decoder import get_decoder
from .encoder import get_encoder
from .layers import Base, Embedding


class Seq2Seq(Base):
    """Embeddings, an encoder and a decoder; the target embedding is also the output projection."""

    def __init__(self, config, prefix=C.MODEL_PREFIX):
        super().__init__(prefix=prefix)
        self.config = config
        self.src_w, self.tgt_w = self._embedding_weights()
        self.embed_src = Embedding(config, self.src_w, prefix=self.prefix + C.SOURCE_EMBED_PREFIX)
        self.embed_tgt = Embedding(config, self.tgt_w, prefix=self.prefix + C.TARGET_EMBED_PREFIX)
        self.encoder = get_encoder(config, prefix=self.prefix + C.ENCODER_PREFIX)
        self.decoder = get_decoder(config, self.tgt_w, prefix=self.prefix + C.DECODER_PREFIX)

    def _embedding_weights(self):
        shape = (self.config.vocab_size, self.config.num_embed)
        src = self.params.get(C.SOURCE_EMBED_PREFIX + 'weight', shape=shape, allow_deferred_init=True)
        tgt = src if self.config.share_embed else self.params.get(C.TARGET_EMBED_PREFIX + 'weight', shape=shape,
                                                                  allow_deferred_init=True)
        return src, tgt

    def hybrid_forward(self, F, source, target, src_w, tgt_w):
        encoded = self.encoder(self.embed_src(source))
        return self.decoder(self.embed_tgt(target), encoded)


def create_model(config, initializer=None):
    """A model of `config`, initialised on the CPU."""
    model = Seq2Seq(config)
    model.collect_params().initialize(initializer or mx.init.Xavier(), ctx=mx.cpu())
    return model
