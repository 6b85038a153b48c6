"""Model configuration."""


class ModelConfig:
    """Sizes and choices of a model; tiny defaults, for tests."""

    def __init__(self, vocab_size=12, num_embed=8, num_hidden=8, encoder='dense', decoder='feedforward',
                 share_embed=True, lhuc=False, dropout=0.0, kernel_width=3, length_alpha=1.0):
        if num_embed != num_hidden:
            raise ValueError('num_embed must equal num_hidden (the output layer is tied to the target '
                             'embedding): got %d and %d' % (num_embed, num_hidden))
        self.vocab_size = vocab_size
        self.num_embed = num_embed
        self.num_hidden = num_hidden
        self.encoder = encoder
        self.decoder = decoder
        self.share_embed = share_embed
        self.lhuc = lhuc
        self.dropout = dropout
        self.kernel_width = kernel_width
        self.length_alpha = length_alpha
