"""Activation layers: same constructors (minus `prefix`/`params`), outputs and reprs as 1.9.1."""
from mxnet import initializer

from .._hybrid import HybridBlock
from .._np import is_np_array
from ..parameter import Parameter

__all__ = ['Activation', 'LeakyReLU', 'PReLU', 'ELU', 'SELU', 'GELU', 'Swish', 'SiLU']


def _leaky_relu(F):
    return F.npx.leaky_relu if is_np_array() else F.LeakyReLU


def _sigmoid(F):
    return F.npx.sigmoid if is_np_array() else F.sigmoid


class Activation(HybridBlock):
    """Applies the activation `activation` ('relu', 'sigmoid', 'tanh', 'softrelu', 'softsign').

    The block's name is derived from the activation (`relu0`), as in 1.x, so graph op names
    stay `relu0_fwd`.
    """

    def __init__(self, activation, **kwargs):
        # Set before Block.__init__, which asks _alias() for the name.
        self._act_type = activation
        super().__init__(**kwargs)

    def _alias(self):
        return self._act_type

    def hybrid_forward(self, F, x):
        act = F.npx.activation if is_np_array() else F.Activation
        return act(x, act_type=self._act_type, name='fwd')

    def __repr__(self):
        return '{}({})'.format(self.__class__.__name__, self._act_type)


class LeakyReLU(HybridBlock):
    """`x` for x >= 0, `alpha * x` otherwise; `alpha` must be >= 0."""

    def __init__(self, alpha, **kwargs):
        if alpha < 0:
            raise ValueError('Slope coefficient for LeakyReLU must be no less than 0, got '
                             'alpha=%s. Pass a non-negative slope.' % (alpha,))
        super().__init__(**kwargs)
        self._alpha = alpha

    def hybrid_forward(self, F, x):
        return _leaky_relu(F)(x, act_type='leaky', slope=self._alpha, name='fwd')

    def __repr__(self):
        return '{}({})'.format(self.__class__.__name__, self._alpha)


class PReLU(HybridBlock):
    """Leaky ReLU with a learned slope `alpha` of shape `(in_channels,)`."""

    def __init__(self, alpha_initializer=initializer.Constant(0.25), in_channels=1, **kwargs):
        super().__init__(**kwargs)
        self.alpha = Parameter('alpha', shape=(in_channels,), init=alpha_initializer)

    def hybrid_forward(self, F, x, alpha):
        return _leaky_relu(F)(x, gamma=alpha, act_type='prelu', name='fwd')


class ELU(HybridBlock):
    """Exponential linear unit: `alpha * (exp(x) - 1)` for x < 0."""

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self._alpha = alpha

    def hybrid_forward(self, F, x):
        # No name='fwd' here: 1.9.1 leaves it out, and op names show in op hooks.
        return _leaky_relu(F)(x, act_type='elu', slope=self._alpha)


class SELU(HybridBlock):
    """Scaled exponential linear unit."""

    def hybrid_forward(self, F, x):
        return _leaky_relu(F)(x, act_type='selu', name='fwd')


class GELU(HybridBlock):
    """Gaussian error linear unit."""

    def hybrid_forward(self, F, x):
        return _leaky_relu(F)(x, act_type='gelu', name='fwd')


class Swish(HybridBlock):
    """`x * sigmoid(beta * x)`."""

    def __init__(self, beta=1.0, **kwargs):
        super().__init__(**kwargs)
        self._beta = beta

    def hybrid_forward(self, F, x):
        return x * _sigmoid(F)(self._beta * x, name='fwd')


class SiLU(HybridBlock):
    """`x * sigmoid(x)` (Swish with beta = 1; newer Gluon releases export it, 1.9.1 does not)."""

    def hybrid_forward(self, F, x):
        return x * _sigmoid(F)(x, name='fwd')
