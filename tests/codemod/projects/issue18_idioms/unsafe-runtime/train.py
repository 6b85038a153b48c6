"""Issue 18, idioms 1, 2 and 4 in a toy 1.x project (tests/codemod/test_issue18_idioms.py runs it).

Embedding weights made by `params.get` into locals, returned as a tuple and handed to the constructor
of a child of another module that stores them (`layers.Embed`, which also registers its weight again
with `params.update`), and a freezing option filtering parameter names by a flat name built from a
constant of another module (`constants.LHUC_PREFIX`)."""
import sys

import mxnet as mx
import numpy as np
from mxnet import autograd
import gluon_runtime as gluon

import constants as C
from layers import LHUC, Embed


class Model(gluon.HybridBlock):
    def __init__(self, vocab, dim, share=False, **kwargs):
        super(Model, self).__init__(**kwargs)
        self.share = share
        src_w, tgt_w = self._embedding_weights(vocab, dim)
        self.embed_src = Embed(vocab, dim, src_w)
        self.embed_tgt = Embed(vocab, dim, embed_weight=tgt_w)
        self.lhuc = LHUC(dim)
        self.out = gluon.nn.Dense(1, in_units=dim, weight_initializer=mx.init.Constant(0.2))

    def _embedding_weights(self, vocab, dim):
        src = gluon.Parameter('source_embed_weight', shape=(vocab, dim), init=mx.init.Constant(0.1))
        tgt = src if self.share else gluon.Parameter('target_embed_weight', shape=(vocab, dim),
                                                     init=mx.init.Constant(-0.05))
        return src, tgt

    def hybrid_forward(self, F, x):
        return self.out(self.lhuc(self.embed_src(x) + self.embed_tgt(x)).sum(axis=1))


def main(hybridize):
    net = Model(6, 4)
    net.initialize()
    if hybridize:
        net.hybridize()
    params = net.collect_params()
    frozen = [n for n in params if not n.endswith('lhuc.weight')]
    for name in frozen:
        params[name].grad_req = 'null'
    trainable = [p for n, p in params.items() if n not in frozen]
    trainer = gluon.Trainer(trainable, 'sgd', {'learning_rate': 0.5})
    x = mx.nd.array(np.arange(12).reshape(4, 3) % 6)
    y = mx.nd.array([[0.5], [-0.25], [1.0], [0.0]])
    for _ in range(5):
        with autograd.record():
            loss = ((net(x) - y) ** 2).mean()
        loss.backward()
        trainer.step(1)
        print(repr(loss.asscalar()))
    print(len(trainable), net.lhuc.weight.data().asnumpy().tolist())


if __name__ == '__main__':
    main(len(sys.argv) > 1)
