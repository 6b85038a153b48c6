"""A language model whose decoder shares the embedding's weight (Gluon 1.x `params=` tying)."""
from mxnet import gluon
from mxnet.gluon import nn, rnn


class TiedLM(gluon.HybridBlock):
    def __init__(self, vocab_size, num_hidden, dropout=0.5, **kwargs):
        super(TiedLM, self).__init__(**kwargs)
        with self.name_scope():
            self.drop = nn.Dropout(dropout)
            self.encoder = nn.Embedding(vocab_size, num_hidden)
            self.rnn = rnn.LSTM(num_hidden, input_size=num_hidden)
            # tie the output projection to the input embedding
            self.decoder = nn.Dense(vocab_size, in_units=num_hidden, flatten=False,
                                    params=self.encoder.params)

    def hybrid_forward(self, F, inputs):
        emb = self.drop(self.encoder(inputs))
        output = self.rnn(emb)
        return self.decoder(self.drop(output))


def shared_mlp():
    """The first layer applied twice: the third layer shares its parameters."""
    shared = nn.Dense(16, activation='relu', in_units=8)
    net = nn.HybridSequential()
    with net.name_scope():
        net.add(shared)
        net.add(nn.Dense(8, activation='relu', in_units=16))
        net.add(nn.Dense(16, activation='relu', in_units=8, params=shared.params))
    return net
