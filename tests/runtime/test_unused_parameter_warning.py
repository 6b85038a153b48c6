"""The "Parameter ... is not used by any computation" warning (issue 18.6): one warning per graph
naming the structural keys, so the warnings filter folds repeats as it does for stock's names."""
import warnings

import mxnet as mx

from gluon_runtime import HybridBlock


class _Branches(HybridBlock):
    """Two children; only `used` takes part in the graph, `spare` and its Parameters do not."""

    def __init__(self, tiny):
        super().__init__()
        self.used = tiny.Dense(3, in_units=5)
        self.spare = tiny.MLP()

    def hybrid_forward(self, F, x):
        return self.used(x)


def _stock_branches():
    class Branches(mx.gluon.HybridBlock):
        def __init__(self):
            super().__init__()
            with self.name_scope():
                self.used = mx.gluon.nn.Dense(3, in_units=5)
                self.spare = mx.gluon.nn.HybridSequential()
                self.spare.add(mx.gluon.nn.Dense(8, in_units=5), mx.gluon.nn.Dense(3, in_units=8))

        def hybrid_forward(self, F, x):
            return self.used(x)
    return Branches()


def _unused_warnings(net, x, rebuilds, action):
    """The unused-Parameter warnings of `rebuilds` graph builds under the filter `action`."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter(action)
        for _ in range(rebuilds):
            net.hybridize()  # forgets the graph: the next call traces and warns again
            net(x)
    return [str(w.message) for w in caught if 'is not used by any computation' in str(w.message)]


def test_unused_parameters_warn_once_per_graph_under_structural_keys(tiny, x):
    net = _Branches(tiny)
    net.initialize()
    messages = _unused_warnings(net, x, rebuilds=3, action='always')
    assert messages == ['Parameter spare.hidden.bias, spare.hidden.weight, spare.output.bias, '
                        'spare.output.weight is not used by any computation. Is this intended?'] * 3


def test_default_filter_prints_the_warning_once_like_stock(tiny, x):
    net = _Branches(tiny)
    net.initialize()
    stock = _stock_branches()
    stock.initialize()
    ours = _unused_warnings(net, x, rebuilds=4, action='default')
    theirs = _unused_warnings(stock, x, rebuilds=4, action='default')
    assert len(ours) == len(theirs) == 1
    assert 'param_' not in ours[0]  # no uuid names


def test_a_shared_unused_parameter_is_named_under_each_key(tiny, x):
    net = _Branches(tiny)
    net.spare.output.share_parameters(net.spare.hidden.collect_params())
    net.initialize()
    (message,) = _unused_warnings(net, x, rebuilds=1, action='always')
    assert message.startswith('Parameter spare.hidden.bias, spare.hidden.weight, '
                              'spare.output.bias, spare.output.weight is not used')
