from mxnet import gluon


class CandidateScorer(gluon.HybridBlock):
    def __init__(self, hidden, **kwargs):
        super(CandidateScorer, self).__init__(**kwargs)
        self.proj = gluon.nn.Dense(hidden)

    def hybrid_forward(self, F, x):
        return self.proj(x)
