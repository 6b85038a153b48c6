from mxnet import gluon


def test_a():
    class Layer(gluon.HybridBlock):
        def __init__(self, step, prefix=None, params=None):
            super(Layer, self).__init__(prefix=prefix, params=params)
            self.step = step
    Layer(1)


def test_b():
    class Layer(gluon.HybridBlock):
        def __init__(self, step, use_list, nested=False, prefix=None, params=None):
            super(Layer, self).__init__(prefix=prefix, params=params)
            self.nested = nested
    assert Layer(1, False, True).nested
