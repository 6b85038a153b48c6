"""Decoders, built by kind from a configuration."""
from gluon_runtime import nn

from . import layers

DECODERS = {}


def register_decoder(kind):
    """Class decorator: makes a decoder buildable from a configuration as `kind`."""
    def wrap(cls):
        DECODERS[kind] = cls
        return cls
    return wrap


class Decoder(layers.Base):
    """What every decoder is: `decoder(target_embedded, source_encoded)` gives logits."""


@register_decoder('feedforward')
class FeedForwardDecoder(Decoder):
    """Each target position attends to the mean of the encoded source."""

    def __init__(self, config, output_weight):
        super().__init__()
        self.config = config
        self.combine = nn.Dense(config.num_hidden, in_units=2 * config.num_hidden, flatten=False,
                                activation='tanh')
        self.norm = layers.get_norm('layer', in_channels=config.num_hidden)
        if config.lhuc:
            self.lhuc = layers.LHUC(config.num_hidden)
        self.output_layer = layers.OutputLayer(config.vocab_size, output_weight)

    def hybrid_forward(self, F, target_embedded, source_encoded):
        context = F.mean(source_encoded, axis=1, keepdims=True)
        context = F.broadcast_add(F.zeros_like(target_embedded), context)
        hidden = self.norm(self.combine(F.concat(target_embedded, context, dim=2)))
        if self.config.lhuc:
            hidden = self.lhuc(hidden)
        return self.output_layer(hidden)


def get_decoder(config, output_weight) -> 'Decoder':
    """The decoder of kind `config.decoder`, projecting to the vocabulary with `output_weight`."""
    return DECODERS[config.decoder](config, output_weight)
