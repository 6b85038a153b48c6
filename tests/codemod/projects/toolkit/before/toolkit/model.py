from mxnet import gluon

from .decoders import get_decoder
from .encoders import Embedding, get_encoder


class Seq2Seq(gluon.HybridBlock):
    def __init__(self, vocab=20, units=8, out_units=3, **kwargs):
        super(Seq2Seq, self).__init__(**kwargs)
        with self.name_scope():
            self.embed = Embedding(vocab, units, 'emb_')
            self.encoder = get_encoder('denseencoder', units=units)
            self.decoder = get_decoder(units, out_units)

    def hybrid_forward(self, F, tokens):
        return self.decoder(self.encoder(self.embed(tokens)))
