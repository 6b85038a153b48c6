"""`gluon_runtime.loss` against stock MXNet 1.9.1 `gluon.loss`, loss by loss.

Every loss of 1.9.1 (and its aliases) exists, takes 1.9.1's constructor minus `prefix`/`params`
(S2.1, S3.8), has no parameters (S3.1), and gives the same values and input gradients, eager and
hybridized (S6.2, S6.4-S6.6), checked with `_stock_compare.check_equivalent`; reprs are those of
1.x (S2.10).
"""
import warnings

import mxnet as mx
import numpy as np
import pytest

from gluon_runtime import HybridBlock, loss, nn

from _stock_compare import check_equivalent

stock_loss = mx.gluon.loss


def _uniform(*shape, seed=0, low=-1.0, high=1.0):
    return mx.nd.array(np.random.RandomState(seed).uniform(low, high, size=shape))


def _signs(*shape, seed=0):
    return mx.nd.array(np.random.RandomState(seed).choice([-1.0, 1.0], size=shape))


def _ints(*shape, high, seed=0, dtype='int32'):
    return mx.nd.array(np.random.RandomState(seed).randint(0, high, size=shape), dtype=dtype)


def _probabilities(*shape, seed=0):
    values = np.random.RandomState(seed).uniform(0.05, 1.0, size=shape)
    return mx.nd.array(values / values.sum(axis=-1, keepdims=True))


class Case:
    def __init__(self, cls, kwargs=None, inputs=None, hybridize=(False, True), case_id=None):
        self.cls, self.kwargs = cls, dict(kwargs or {})
        self.inputs = inputs
        self.hybridize = hybridize
        self.id = case_id or '%s(%s)' % (cls, ','.join('%s=%r' % kv
                                                       for kv in self.kwargs.items()))


def _pred_label(shape=(4, 3), label_shape=None, label=None):
    return lambda: [_uniform(*shape), label() if label else _uniform(*(label_shape or shape),
                                                                     seed=1)]


CASES = [
    Case('L2Loss', inputs=_pred_label()),
    Case('L2Loss', {'weight': 3.0}, inputs=lambda: [_uniform(4, 1), _uniform(4, seed=1),
                                                    _uniform(4, 1, seed=2, low=0)]),
    Case('L2Loss', {'batch_axis': 1}, inputs=_pred_label((3, 4, 2))),
    Case('L1Loss', inputs=_pred_label((4, 2, 3))),
    Case('L1Loss', {'weight': 0.5}, inputs=lambda: [_uniform(4, 3), _uniform(4, 3, seed=1),
                                                    _uniform(4, 1, seed=2, low=0)]),
    Case('SigmoidBinaryCrossEntropyLoss', inputs=_pred_label(
        label=lambda: _ints(4, 3, high=2, dtype='float32'))),
    Case('SigmoidBinaryCrossEntropyLoss', inputs=lambda: [
        _uniform(4, 3), _ints(4, 3, high=2, dtype='float32'), _uniform(4, 1, seed=3, low=0),
        _uniform(1, 3, seed=4, low=0.5, high=2)], case_id='SigmoidBCE(pos_weight)'),
    Case('SigmoidBinaryCrossEntropyLoss', {'from_sigmoid': True}, inputs=lambda: [
        _uniform(4, 3, low=0.05, high=0.95), _ints(4, 3, high=2, dtype='float32')]),
    Case('SigmoidBinaryCrossEntropyLoss', {'from_sigmoid': True, 'weight': 2.0},
         inputs=lambda: [_uniform(4, 3, low=0.05, high=0.95),
                         _ints(4, 3, high=2, dtype='float32'), _uniform(4, 3, seed=2, low=0),
                         _uniform(1, 3, seed=4, low=0.5, high=2)]),
    Case('SigmoidBCELoss', inputs=_pred_label(label=lambda: _ints(4, 3, high=2,
                                                                  dtype='float32'))),
    Case('SoftmaxCrossEntropyLoss', inputs=lambda: [_uniform(4, 5), _ints(4, high=5)]),
    Case('SoftmaxCrossEntropyLoss', {'axis': 1, 'batch_axis': 0},
         inputs=lambda: [_uniform(2, 5, 3), _ints(2, 3, high=5)]),
    Case('SoftmaxCrossEntropyLoss', {'sparse_label': False},
         inputs=lambda: [_uniform(4, 5), _probabilities(4, 5)]),
    Case('SoftmaxCrossEntropyLoss', {'from_logits': True, 'weight': 0.3},
         inputs=lambda: [mx.nd.log_softmax(_uniform(4, 5)), _ints(4, high=5),
                         _uniform(4, 1, seed=5, low=0)]),
    Case('SoftmaxCELoss', inputs=lambda: [_uniform(4, 5), _ints(4, high=5)]),
    Case('KLDivLoss', inputs=lambda: [mx.nd.log_softmax(_uniform(4, 5)), _probabilities(4, 5)]),
    Case('KLDivLoss', {'from_logits': False, 'axis': -1},
         inputs=lambda: [_uniform(4, 5), _probabilities(4, 5), _uniform(4, 1, low=0)]),
    Case('HuberLoss', inputs=_pred_label()),
    Case('HuberLoss', {'rho': 0.3, 'weight': 2.0}, inputs=lambda: [
        _uniform(4, 3), _uniform(4, 3, seed=1), _uniform(4, 1, seed=2, low=0)]),
    Case('HingeLoss', inputs=_pred_label(label=lambda: _signs(4, 3))),
    Case('HingeLoss', {'margin': 0.5}, inputs=lambda: [_uniform(4, 1), _signs(4),
                                                       _uniform(4, 1, seed=2, low=0)]),
    Case('SquaredHingeLoss', inputs=_pred_label(label=lambda: _signs(4, 3))),
    Case('SquaredHingeLoss', {'margin': 2, 'weight': 0.1},
         inputs=_pred_label(label=lambda: _signs(4, 3))),
    Case('LogisticLoss', inputs=_pred_label(label=lambda: _signs(4, 3))),
    Case('LogisticLoss', {'label_format': 'binary'},
         inputs=_pred_label(label=lambda: _ints(4, 3, high=2, dtype='float32'))),
    Case('TripletLoss', inputs=lambda: [_uniform(4, 3), _uniform(4, 3, seed=1),
                                        _uniform(4, 3, seed=2)]),
    Case('TripletLoss', {'margin': 0.1, 'weight': 2.0},
         inputs=lambda: [_uniform(4, 3), _uniform(4, 3, seed=1), _uniform(4, 3, seed=2)]),
    Case('PoissonNLLLoss',
         inputs=lambda: [_uniform(4, 3), _ints(4, 3, high=4, dtype='float32')]),
    Case('PoissonNLLLoss', {'from_logits': False, 'weight': 2.0},
         inputs=lambda: [_uniform(4, 3, low=0.1, high=3), _ints(4, 3, high=4, dtype='float32'),
                         _uniform(4, 1, seed=2, low=0)]),
    Case('CosineEmbeddingLoss', inputs=lambda: [_uniform(4, 3), _uniform(4, 3, seed=1),
                                                _signs(4)]),
    Case('CosineEmbeddingLoss', {'margin': 0.2, 'weight': 3.0},
         inputs=lambda: [_uniform(4, 3), _uniform(4, 3, seed=1), _signs(4),
                         _uniform(4, 1, seed=2, low=0)]),
    # SDMLLoss needs concrete shapes (batch size), so 1.9.1 can only run it eagerly too.
    Case('SDMLLoss', inputs=lambda: [_uniform(4, 3), _uniform(4, 3, seed=1)],
         hybridize=(False,)),
    Case('SDMLLoss', {'smoothing_parameter': 0.1},
         inputs=lambda: [_uniform(5, 2), _uniform(5, 2, seed=1)], hybridize=(False,)),
]


@pytest.mark.parametrize('case', CASES, ids=[c.id for c in CASES])
def test_loss_matches_stock(case):
    """S2.1, S6.2-S6.6: same values and input gradients as stock 1.9.1, eager and hybridized."""
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        results = check_equivalent(lambda: getattr(stock_loss, case.cls)(**case.kwargs),
                                   lambda: getattr(loss, case.cls)(**case.kwargs),
                                   case.inputs(), hybridize=case.hybridize)
    for stock_out, ours in results.values():
        assert len(ours) == 1 and np.isfinite(ours[0]).all()


# Stock 1.9.1 has numpy-mode branches for these only; the others fail in numpy mode, and ours
# must then give the values of stock in legacy mode (spec S13.1).
STOCK_NUMPY_LOSSES = {'L2Loss', 'L1Loss', 'SigmoidBinaryCrossEntropyLoss', 'SigmoidBCELoss',
                      'SoftmaxCrossEntropyLoss', 'SoftmaxCELoss'}


@pytest.mark.parametrize('case', CASES, ids=[c.id for c in CASES])
def test_s13_1_loss_matches_stock_in_numpy_mode(case):
    """Every loss under `npx.set_np()`, eager and hybridized, returns `mx.np` values."""
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        results = check_equivalent(lambda: getattr(stock_loss, case.cls)(**case.kwargs),
                                   lambda: getattr(loss, case.cls)(**case.kwargs),
                                   case.inputs(), hybridize=case.hybridize, numpy=True,
                                   stock_numpy=case.cls in STOCK_NUMPY_LOSSES)
    for stock_out, ours in results.values():
        assert len(ours) == 1 and np.isfinite(ours[0]).all()


class _StockIntLabels(mx.gluon.HybridBlock):
    """Feeds integer labels/lengths (no gradient to compare) to a loss as float32."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def hybrid_forward(self, F, pred, *integers):
        return self.inner(pred, *[v.astype('float32') for v in integers])


class _RuntimeIntLabels(HybridBlock):
    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def hybrid_forward(self, F, pred, *integers):
        return self.inner(pred, *[v.astype('float32') for v in integers])


CTC_CASES = [
    ({}, lambda: [_uniform(2, 6, 4), _ints(2, 3, high=3)]),
    ({'layout': 'TNC', 'label_layout': 'TN'}, lambda: [_uniform(6, 2, 4), _ints(3, 2, high=3)]),
    ({'weight': 2.0}, lambda: [_uniform(2, 6, 4), _ints(2, 3, high=3),
                               mx.nd.array([6, 5], dtype='int32'),
                               mx.nd.array([3, 2], dtype='int32')]),
]


@pytest.mark.parametrize('kwargs,inputs', CTC_CASES, ids=['NTC', 'TNC', 'lengths'])
@pytest.mark.parametrize('numpy', [False, True], ids=['legacy', 'numpy'])
def test_ctc_loss_matches_stock(kwargs, inputs, numpy):
    """S6.2-S6.6: CTCLoss values and prediction gradients as stock (labels are integers, whose
    gradient the CTC operator leaves undefined); in numpy mode too (S13.1)."""
    results = check_equivalent(lambda: _StockIntLabels(stock_loss.CTCLoss(**kwargs)),
                               lambda: _RuntimeIntLabels(loss.CTCLoss(**kwargs)), inputs(),
                               numpy=numpy, stock_numpy=False)
    assert results['hybridized'][1][0].shape == (2,)


def test_poisson_full_loss_matches_stock_values():
    """PoissonNLLLoss(compute_full=True): same value as stock; ours is also differentiable
    (stock 1.9.1 updates an array in place and fails under autograd.record)."""
    pred = _uniform(4, 3, low=0.1, high=3)
    target = _ints(4, 3, high=4, dtype='float32') + 1
    weights = _uniform(4, 1, seed=2, low=0)
    kwargs = {'from_logits': False, 'compute_full': True}
    # stock's in-place update also fails on Symbols: only its eager value exists
    expected = stock_loss.PoissonNLLLoss(**kwargs)(pred, target, weights).asnumpy()
    for hybridized in (False, True):
        ours = loss.PoissonNLLLoss(**kwargs)
        if hybridized:
            ours.hybridize()
        np.testing.assert_allclose(ours(pred, target, weights).asnumpy(), expected, rtol=1e-6)
    pred.attach_grad()
    with mx.autograd.record():
        value = ours(pred, target, weights)
    value.backward()
    assert np.isfinite(pred.grad.asnumpy()).all() and pred.grad.asnumpy().any()


def test_every_stock_loss_exists_with_its_repr():
    """S0.1, S2.10: everything in 1.9.1's `gluon.loss.__all__` exists; reprs are 1.x's."""
    assert set(stock_loss.__all__) <= set(loss.__all__)
    assert loss.SigmoidBCELoss is loss.SigmoidBinaryCrossEntropyLoss
    assert loss.SoftmaxCELoss is loss.SoftmaxCrossEntropyLoss
    for name in stock_loss.__all__:
        if name == 'Loss':
            continue
        assert repr(getattr(loss, name)()) == repr(getattr(stock_loss, name)())
    assert repr(loss.CTCLoss(label_layout='TN')) == repr(stock_loss.CTCLoss(label_layout='TN'))
    assert loss.L2Loss().collect_params() == {}
    assert list(loss.SDMLLoss().collect_params()) == []


def test_loss_constructor_errors():
    """S2.1: no `prefix`; invalid arguments raise exceptions that say what was expected."""
    with pytest.raises(TypeError, match='prefix'):
        loss.L2Loss(prefix='l2_')
    with pytest.raises(TypeError, match='sample_weight'):
        loss.L1Loss(weight=mx.nd.ones(3))
    with pytest.raises(ValueError, match="'NTC' and 'TNC'"):
        loss.CTCLoss(layout='NCT')
    with pytest.raises(ValueError, match="'NT' and 'TN'"):
        loss.CTCLoss(label_layout='NN')
    with pytest.raises(ValueError, match="'signed' or 'binary'"):
        loss.LogisticLoss(label_format='pm1')
    with pytest.raises(ValueError, match='same shape'):
        loss.SDMLLoss()(_uniform(4, 3), _uniform(3, 3))


def test_loss_inside_hybridized_model_trains_like_stock():
    """S6.7: a loss used inside a parent graph gives the parent's gradients as stock."""
    class StockNet(mx.gluon.HybridBlock):
        def __init__(self):
            super().__init__()
            self.dense = mx.gluon.nn.Dense(5)
            self.loss = stock_loss.SoftmaxCrossEntropyLoss()

        def hybrid_forward(self, F, x, y):
            return self.loss(self.dense(x), y)

    class RuntimeNet(HybridBlock):
        def __init__(self):
            super().__init__()
            self.dense = nn.Dense(5)
            self.loss = loss.SoftmaxCrossEntropyLoss()

        def hybrid_forward(self, F, x, y):
            return self.loss(self.dense(x), y)

    results = check_equivalent(StockNet, RuntimeNet, [_uniform(4, 3), _ints(4, high=5)])
    assert results['hybridized'][1][0].shape == (4,)
