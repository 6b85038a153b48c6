"""Encoders, built by kind from a configuration."""
from gluon_runtime import nn

from .layers import Base, get_norm

ENCODERS = {}


def register(cls):
    """Class decorator: makes an encoder buildable from a configuration by its `kind`."""
    ENCODERS[cls.kind] = cls
    return cls


@register
class DenseEncoder(Base):
    """A residual feed-forward layer over each position."""
    kind = 'dense'

    def __init__(self, config):
        super().__init__()
        self.ff = nn.Dense(config.num_hidden, in_units=config.num_embed, flatten=False, activation='relu')
        self.norm = get_norm('layer', in_channels=config.num_hidden)

    def hybrid_forward(self, F, data):
        return self.norm(self.ff(data) + data)


@register
class ConvEncoder(Base):
    """A residual convolution over time."""
    kind = 'conv'

    def __init__(self, config):
        super().__init__()
        self.conv = nn.Conv1D(config.num_hidden, config.kernel_width, padding=config.kernel_width // 2,
                              in_channels=config.num_embed, activation='relu')
        self.norm = get_norm('layer', in_channels=config.num_hidden)

    def hybrid_forward(self, F, data):
        convolved = F.transpose(self.conv(F.transpose(data, axes=(0, 2, 1))), axes=(0, 2, 1))
        return self.norm(convolved + data)


def get_encoder(config):
    """The encoder of kind `config.encoder`."""
    return ENCODERS[config.encoder](config)
