"""Losses (`gluon_runtime.loss`), mirroring `mxnet.gluon.loss` of MXNet 1.9.1.

Every loss is a `HybridBlock` without parameters: the constructors are 1.9.1's minus
`prefix`/`params`, and the outputs (one value per sample, reduced over all non-batch axes
unless noted) are the same, eagerly and hybridized.
"""
from numbers import Number

import numpy as np
from mxnet import ndarray
from ._hybrid import HybridBlock
from ._np import call_legacy, is_np_array

__all__ = ['Loss', 'L2Loss', 'L1Loss', 'SigmoidBinaryCrossEntropyLoss', 'SigmoidBCELoss',
           'SoftmaxCrossEntropyLoss', 'SoftmaxCELoss', 'KLDivLoss', 'CTCLoss', 'HuberLoss',
           'HingeLoss', 'SquaredHingeLoss', 'LogisticLoss', 'TripletLoss', 'PoissonNLLLoss',
           'CosineEmbeddingLoss', 'SDMLLoss']


def _apply_weighting(F, loss, weight=None, sample_weight=None):
    """Scales `loss` by the per-sample `sample_weight` (broadcast) and the global `weight`."""
    if sample_weight is not None:
        if is_np_array():
            loss = loss * sample_weight
        else:
            loss = F.broadcast_mul(loss, sample_weight)
    if weight is not None:
        loss = loss * weight
    return loss


def _reshape_like(F, x, y):
    """`x` reshaped to `y`'s shape (labels given as (N,) for predictions of (N, 1), ...)."""
    if F is ndarray:
        return x.reshape(y.shape)
    return (F.npx if is_np_array() else F).reshape_like(x, y)


def _mean_over_samples(F, loss, batch_axis):
    """Mean over every axis except the batch axis."""
    if is_np_array():
        if F is ndarray:
            return F.np.mean(loss, axis=tuple(range(1, loss.ndim)))
        return F.npx.batch_flatten(loss).mean(axis=1)
    return F.mean(loss, axis=batch_axis, exclude=True)


class Loss(HybridBlock):
    """Base class of losses.

    Parameters
    ----------
    weight : float or None
        Global scalar weight of the loss.
    batch_axis : int
        The axis that indexes samples; the loss is reduced over all others.
    """

    def __init__(self, weight, batch_axis):
        super().__init__()
        if weight is not None and not isinstance(weight, Number):
            raise TypeError('%s weight must be a number (a global scale of the loss), got %r. '
                            'Pass per-sample weights as the sample_weight input instead.'
                            % (type(self).__name__, weight))
        self._weight = weight
        self._batch_axis = batch_axis

    # Whether hybrid_forward has numpy-mode branches (as stock 1.9.1 has for L2, L1, sigmoid and
    # softmax cross entropy); the other losses run on legacy views in numpy mode (spec S13.1).
    _numpy_branches = False

    def __repr__(self):
        return '{}(batch_axis={}, w={})'.format(
            type(self).__name__, self._batch_axis, self._weight)

    def forward(self, x, *args):
        if self._numpy_branches:
            return super().forward(x, *args)
        return call_legacy(super().forward, x, *args)

    def hybrid_forward(self, F, x, *args, **kwargs):
        raise NotImplementedError('%s must implement hybrid_forward()' % type(self).__name__)


class L2Loss(Loss):
    r"""Half the mean squared error: `weight / 2 * (label - pred)^2`.

    Parameters
    ----------
    weight : float, default 1.0
    batch_axis : int, default 0
    """

    _numpy_branches = True

    def __init__(self, weight=1.0, batch_axis=0):
        super().__init__(weight, batch_axis)

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        label = _reshape_like(F, label, pred)
        square = F.np.square if is_np_array() else F.square
        loss = _apply_weighting(F, square(label - pred), self._weight / 2, sample_weight)
        return _mean_over_samples(F, loss, self._batch_axis)


class L1Loss(Loss):
    r"""Mean absolute error `|label - pred|`.

    Parameters
    ----------
    weight : float, optional
    batch_axis : int, default 0
    """

    _numpy_branches = True

    def __init__(self, weight=None, batch_axis=0):
        super().__init__(weight, batch_axis)

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        label = _reshape_like(F, label, pred)
        absolute = F.np.abs if is_np_array() else F.abs
        loss = _apply_weighting(F, absolute(label - pred), self._weight, sample_weight)
        return _mean_over_samples(F, loss, self._batch_axis)


class SigmoidBinaryCrossEntropyLoss(Loss):
    r"""Binary cross entropy with a sigmoid, computed stably from logits.

    Parameters
    ----------
    from_sigmoid : bool, default False
        Whether `pred` already holds probabilities (else logits).
    weight : float, optional
    batch_axis : int, default 0

    `forward(pred, label, sample_weight=None, pos_weight=None)`: `pos_weight` scales the
    positive term (broadcast against `label`).
    """

    _numpy_branches = True

    def __init__(self, from_sigmoid=False, weight=None, batch_axis=0):
        super().__init__(weight, batch_axis)
        self._from_sigmoid = from_sigmoid

    def hybrid_forward(self, F, pred, label, sample_weight=None, pos_weight=None):
        label = _reshape_like(F, label, pred)
        if is_np_array():
            relu, act, absolute = F.npx.relu, F.npx.activation, F.np.abs
            mul, log = F.np.multiply, F.np.log
        else:
            relu, act, absolute = F.relu, F.Activation, F.abs
            mul, log = F.broadcast_mul, F.log
        if not self._from_sigmoid:
            # log(1 + exp(-|x|)) + max(x, 0) - x * z never overflows
            softplus_neg_abs = act(-absolute(pred), act_type='softrelu')
            if pos_weight is None:
                loss = relu(pred) - pred * label + softplus_neg_abs
            else:
                log_weight = 1 + mul(pos_weight - 1, label)
                loss = pred - pred * label + log_weight * (softplus_neg_abs + relu(-pred))
        else:
            eps = 1e-12
            if pos_weight is None:
                loss = -(log(pred + eps) * label + log(1. - pred + eps) * (1. - label))
            else:
                loss = -(mul(log(pred + eps) * label, pos_weight)
                         + log(1. - pred + eps) * (1. - label))
        loss = _apply_weighting(F, loss, self._weight, sample_weight)
        return _mean_over_samples(F, loss, self._batch_axis)


SigmoidBCELoss = SigmoidBinaryCrossEntropyLoss


class SoftmaxCrossEntropyLoss(Loss):
    r"""Softmax cross entropy.

    Parameters
    ----------
    axis : int, default -1
        The class axis.
    sparse_label : bool, default True
        Whether `label` holds class indices (else a distribution over classes).
    from_logits : bool, default False
        Whether `pred` already holds log-probabilities.
    weight : float, optional
    batch_axis : int, default 0
    """

    _numpy_branches = True

    def __init__(self, axis=-1, sparse_label=True, from_logits=False, weight=None,
                 batch_axis=0):
        super().__init__(weight, batch_axis)
        self._axis = axis
        self._sparse_label = sparse_label
        self._from_logits = from_logits

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        log_softmax = F.npx.log_softmax if is_np_array() else F.log_softmax
        pick = F.npx.pick if is_np_array() else F.pick
        if not self._from_logits:
            pred = log_softmax(pred, self._axis)
        if self._sparse_label:
            loss = -pick(pred, label, axis=self._axis, keepdims=True)
        else:
            label = _reshape_like(F, label, pred)
            loss = -(pred * label).sum(axis=self._axis, keepdims=True)
        loss = _apply_weighting(F, loss, self._weight, sample_weight)
        if is_np_array():
            return _mean_over_samples(F, loss, self._batch_axis)
        return loss.mean(axis=self._batch_axis, exclude=True)


SoftmaxCELoss = SoftmaxCrossEntropyLoss


class KLDivLoss(Loss):
    r"""Kullback-Leibler divergence `label * (log(label) - pred)`, summed per sample.

    Parameters
    ----------
    from_logits : bool, default True
        Whether `pred` holds log-probabilities (else logits, log-softmaxed over `axis`).
    axis : int, default -1
    weight : float, optional
    batch_axis : int, default 0
    """

    def __init__(self, from_logits=True, axis=-1, weight=None, batch_axis=0):
        super().__init__(weight, batch_axis)
        self._from_logits = from_logits
        self._axis = axis

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        if not self._from_logits:
            pred = F.log_softmax(pred, self._axis)
        loss = label * (F.log(label + 1e-12) - pred)
        loss = _apply_weighting(F, loss, self._weight, sample_weight)
        return F.sum(loss, axis=self._batch_axis, exclude=True)


class CTCLoss(Loss):
    r"""Connectionist Temporal Classification loss (the blank label is the last class).

    Parameters
    ----------
    layout : {'NTC', 'TNC'}, default 'NTC'
        Layout of `pred`.
    label_layout : {'NT', 'TN'}, default 'NT'
        Layout of `label`.
    weight : float, optional

    `forward(pred, label, pred_lengths=None, label_lengths=None, sample_weight=None)`.
    """

    def __init__(self, layout='NTC', label_layout='NT', weight=None):
        if layout not in ('NTC', 'TNC'):
            raise ValueError("Only 'NTC' and 'TNC' layouts for pred are supported. Got: %s"
                             % layout)
        if label_layout not in ('NT', 'TN'):
            raise ValueError("Only 'NT' and 'TN' layouts for label are supported. Got: %s"
                             % label_layout)
        self._layout = layout
        self._label_layout = label_layout
        super().__init__(weight, label_layout.find('N'))

    def hybrid_forward(self, F, pred, label, pred_lengths=None, label_lengths=None,
                       sample_weight=None):
        if self._layout == 'NTC':
            pred = F.swapaxes(pred, 0, 1)
        if self._batch_axis == 1:
            label = F.swapaxes(label, 0, 1)
        loss = F.CTCLoss(pred, label, pred_lengths, label_lengths,
                         use_data_lengths=pred_lengths is not None,
                         use_label_lengths=label_lengths is not None, blank_label='last')
        return _apply_weighting(F, loss, self._weight, sample_weight)


class HuberLoss(Loss):
    r"""Smoothed L1: quadratic below `rho`, linear above.

    Parameters
    ----------
    rho : float, default 1
    weight : float, optional
    batch_axis : int, default 0
    """

    def __init__(self, rho=1, weight=None, batch_axis=0):
        super().__init__(weight, batch_axis)
        self._rho = rho

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        label = _reshape_like(F, label, pred)
        error = F.abs(label - pred)
        loss = F.where(error > self._rho, error - 0.5 * self._rho,
                       (0.5 / self._rho) * F.square(error))
        loss = _apply_weighting(F, loss, self._weight, sample_weight)
        return F.mean(loss, axis=self._batch_axis, exclude=True)


class HingeLoss(Loss):
    r"""`max(0, margin - pred * label)` for labels in {-1, 1}.

    Parameters
    ----------
    margin : float, default 1
    weight : float, optional
    batch_axis : int, default 0
    """

    def __init__(self, margin=1, weight=None, batch_axis=0):
        super().__init__(weight, batch_axis)
        self._margin = margin

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        label = _reshape_like(F, label, pred)
        loss = _apply_weighting(F, F.relu(self._margin - pred * label), self._weight,
                                sample_weight)
        return F.mean(loss, axis=self._batch_axis, exclude=True)


class SquaredHingeLoss(Loss):
    r"""`max(0, margin - pred * label)^2` for labels in {-1, 1}.

    Parameters
    ----------
    margin : float, default 1
    weight : float, optional
    batch_axis : int, default 0
    """

    def __init__(self, margin=1, weight=None, batch_axis=0):
        super().__init__(weight, batch_axis)
        self._margin = margin

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        label = _reshape_like(F, label, pred)
        loss = F.square(F.relu(self._margin - pred * label))
        loss = _apply_weighting(F, loss, self._weight, sample_weight)
        return F.mean(loss, axis=self._batch_axis, exclude=True)


class LogisticLoss(Loss):
    r"""Logistic loss `log(1 + exp(-pred * label))`.

    Parameters
    ----------
    weight : float, optional
    batch_axis : int, default 0
    label_format : {'signed', 'binary'}, default 'signed'
        Labels in {-1, 1} ('signed') or {0, 1} ('binary').
    """

    def __init__(self, weight=None, batch_axis=0, label_format='signed'):
        super().__init__(weight, batch_axis)
        if label_format not in ('signed', 'binary'):
            raise ValueError("label_format can only be 'signed' or 'binary', received %r."
                             % (label_format,))
        self._label_format = label_format

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        label = _reshape_like(F, label, pred)
        if self._label_format == 'signed':
            label = (label + 1.0) / 2.0  # to {0, 1}
        loss = F.relu(pred) - pred * label + F.Activation(-F.abs(pred), act_type='softrelu')
        loss = _apply_weighting(F, loss, self._weight, sample_weight)
        return F.mean(loss, axis=self._batch_axis, exclude=True)


class TripletLoss(Loss):
    r"""`max(0, |pred - positive|^2 - |pred - negative|^2 + margin)` per sample.

    Parameters
    ----------
    margin : float, default 1
    weight : float, optional
    batch_axis : int, default 0
    """

    def __init__(self, margin=1, weight=None, batch_axis=0):
        super().__init__(weight, batch_axis)
        self._margin = margin

    def hybrid_forward(self, F, pred, positive, negative):
        positive = _reshape_like(F, positive, pred)
        negative = _reshape_like(F, negative, pred)
        loss = F.sum(F.square(positive - pred) - F.square(negative - pred),
                     axis=self._batch_axis, exclude=True)
        return _apply_weighting(F, F.relu(loss + self._margin), self._weight, None)


class PoissonNLLLoss(Loss):
    r"""Negative log likelihood of a Poisson target; one scalar (mean over everything).

    Parameters
    ----------
    weight : float, optional
    from_logits : bool, default True
        Whether `pred` is the log of the rate (else the rate).
    batch_axis : int, default 0
    compute_full : bool, default False
        Whether to add the Stirling term for targets > 1.

    `forward(pred, target, sample_weight=None, epsilon=1e-08)`.
    """

    def __init__(self, weight=None, from_logits=True, batch_axis=0, compute_full=False):
        super().__init__(weight, batch_axis)
        self._from_logits = from_logits
        self._compute_full = compute_full

    def hybrid_forward(self, F, pred, target, sample_weight=None, epsilon=1e-08):
        target = _reshape_like(F, target, pred)
        if self._from_logits:
            loss = F.exp(pred) - target * pred
        else:
            loss = pred - target * F.log(pred + epsilon)
        if self._compute_full:
            stirling = target * F.log(target) - target + 0.5 * F.log(2 * target * np.pi)
            loss = loss + stirling * (target > 1)
        loss = _apply_weighting(F, loss, self._weight, sample_weight)
        return F.mean(loss)


class CosineEmbeddingLoss(Loss):
    r"""`1 - cos(x1, x2)` for label 1, `max(0, cos(x1, x2) - margin)` for label -1.

    Parameters
    ----------
    weight : float, optional
    batch_axis : int, default 0
    margin : float, default 0

    `forward(input1, input2, label, sample_weight=None)`; the output has shape (N, 1).
    """

    def __init__(self, weight=None, batch_axis=0, margin=0):
        super().__init__(weight, batch_axis)
        self._margin = margin

    def hybrid_forward(self, F, input1, input2, label, sample_weight=None):
        input1 = _reshape_like(F, input1, input2)
        label = label.reshape((-1, 1))
        cos_sim = self._cosine_similarity(F, input1, input2)
        similar = (1 - cos_sim) * (label == 1)
        zero = F.array([0]) if F is ndarray else F.zeros((1, 1))
        dissimilar = F.broadcast_maximum(zero, (label == -1) * (cos_sim - self._margin),
                                         axis=1)
        return _apply_weighting(F, similar + dissimilar, self._weight, sample_weight)

    def _cosine_similarity(self, F, x, y, axis=-1):
        x_norm = F.norm(x, axis=axis).reshape((-1, 1))
        y_norm = F.norm(y, axis=axis).reshape((-1, 1))
        x_dot_y = F.sum(x * y, axis=axis).reshape((-1, 1))
        eps = F.array([1e-12]) if F is ndarray else F.full((1, 1), 1e-12)
        return x_dot_y / F.broadcast_maximum(x_norm * y_norm, eps)


class SDMLLoss(Loss):
    r"""Smoothed Deep Metric Learning loss over a batch of aligned pairs `(x1[i], x2[i])`.

    Each `x1[i]` should be closest to `x2[i]` among all `x2`; the other samples of the batch
    are the negatives. Computed eagerly (it needs the batch size).

    Parameters
    ----------
    smoothing_parameter : float, default 0.3
        Probability mass spread over the negatives in the target distribution.
    weight : float, default 1.0
    batch_axis : int, default 0
    """

    def __init__(self, smoothing_parameter=0.3, weight=1., batch_axis=0):
        super().__init__(weight, batch_axis)
        self.kl_loss = KLDivLoss(from_logits=True)
        self.smoothing_parameter = smoothing_parameter

    def _compute_distances(self, x1, x2):
        """Squared Euclidean distances between all rows of `x1` and all rows of `x2`."""
        if x1.shape != x2.shape:
            raise ValueError('SDMLLoss needs x1 and x2 of the same shape (aligned pairs), got '
                             '%s and %s.' % (x1.shape, x2.shape))
        batch_size, dim = x1.shape
        x1_ = x1.expand_dims(1).broadcast_to([batch_size, batch_size, dim])
        x2_ = x2.expand_dims(0).broadcast_to([batch_size, batch_size, dim])
        return ((x1_ - x2_) ** 2).sum(axis=2)

    def _compute_labels(self, F, batch_size):
        """Smoothed identity: 1 - s on the diagonal, s / (N - 1) elsewhere."""
        gold = F.eye(batch_size)
        return (gold * (1 - self.smoothing_parameter)
                + (1 - gold) * self.smoothing_parameter / (batch_size - 1))

    def hybrid_forward(self, F, x1, x2):
        labels = self._compute_labels(F, x1.shape[0])
        distances = self._compute_distances(x1, x2)
        log_probabilities = F.log_softmax(-distances, axis=1)
        return self.kl_loss(log_probabilities, labels.as_in_context(distances.ctx))
