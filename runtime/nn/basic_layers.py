"""Containers, Dense, Dropout, normalization, Embedding, Flatten and Lambda layers.

Constructors are those of MXNet 1.9.1 minus `prefix`/`params` (passing them raises TypeError,
spec S2.1); parameter attribute names, shapes, initializers, outputs and reprs are 1.9.1's, so
checkpoints interoperate (spec S3.7, S7.5).
"""
import warnings

import numpy as np
from mxnet import ndarray, symbol

from .._block import Block
from .._hybrid import HybridBlock
from .._nest import indent
from .._np import call_legacy, is_np_array, legacy_operators
from ..parameter import Parameter
from .activations import Activation

__all__ = ['Sequential', 'HybridSequential', 'Dense', 'Dropout', 'Embedding', 'BatchNorm',
           'BatchNormReLU', 'InstanceNorm', 'LayerNorm', 'GroupNorm', 'Flatten', 'Lambda',
           'HybridLambda']


def _children_repr(block):
    lines = ['  ({}): {}'.format(key, indent(repr(child), 2))
             for key, child in block._children.items()]
    return '{}(\n{}\n)'.format(block.__class__.__name__, '\n'.join(lines))


def _kwargs_repr(kwargs):
    return ', '.join('{}={!r}'.format(k, v) for k, v in kwargs.items())


class _SequentialMixin:
    """Indexing and sizing shared by Sequential and HybridSequential (children '0', '1', ...)."""

    _is_container = True

    def add(self, *blocks):
        """Appends blocks; they are registered as children '0', '1', ... in order."""
        for block in blocks:
            self.register_child(block)

    def __getitem__(self, key):
        layers = list(self._children.values())[key]
        if isinstance(layers, list):
            # A slice is a new container of the same type holding the same (shared) layers.
            net = type(self)()
            net.add(*layers)
            return net
        return layers

    def __len__(self):
        return len(self._children)

    def __repr__(self):
        return _children_repr(self)


class Sequential(_SequentialMixin, Block):
    """Stacks Blocks: `forward(x)` feeds `x` through the children in order."""

    def forward(self, x):
        for block in self._children.values():
            x = block(x)
        return x

    def hybridize(self, active=True, **kwargs):
        """Hybridizes the HybridBlock children (a Sequential itself runs imperatively)."""
        if self._children and all(isinstance(c, HybridBlock) for c in self._children.values()):
            # The text (line break included) is cb54a4a's, spec S6.8.
            warnings.warn("All children of this Sequential layer '%s'\n are HybridBlocks. "
                          "Consider using HybridSequential for the best performance."
                          % self.name, stacklevel=2)
        super().hybridize(active, **kwargs)


class HybridSequential(_SequentialMixin, HybridBlock):
    """Stacks HybridBlocks; hybridized, the whole stack runs as one graph."""

    def hybrid_forward(self, F, x):
        for block in self._children.values():
            x = block(x)
        return x


class Dense(HybridBlock):
    """`activation(dot(x, weight.T) + bias)`; `weight` is `(units, in_units)`, `bias` `(units,)`.

    `in_units=0` defers the weight shape to the first forward. With `flatten=True` all axes but
    the first are collapsed; otherwise the last axis is transformed.
    """

    def __init__(self, units, activation=None, use_bias=True, flatten=True, dtype='float32',
                 weight_initializer=None, bias_initializer='zeros', in_units=0, **kwargs):
        super().__init__(**kwargs)
        self._flatten = flatten
        self._units = units
        self._in_units = in_units
        self.weight = Parameter('weight', shape=(units, in_units), init=weight_initializer,
                                dtype=dtype, allow_deferred_init=True)
        if use_bias:
            self.bias = Parameter('bias', shape=(units,), init=bias_initializer, dtype=dtype,
                                  allow_deferred_init=True)
        else:
            self.bias = None
        self.act = Activation(activation) if activation is not None else None

    def hybrid_forward(self, F, x, weight, bias=None):
        fully_connected = F.npx.fully_connected if is_np_array() else F.FullyConnected
        out = fully_connected(x, weight, bias, no_bias=bias is None, num_hidden=self._units,
                              flatten=self._flatten, name='fwd')
        return self.act(out) if self.act is not None else out

    def __repr__(self):
        shape = self.weight.shape
        return '{}({} -> {}, {})'.format(self.__class__.__name__, shape[1] if shape[1] else None,
                                         shape[0], self.act if self.act else 'linear')


class Dropout(HybridBlock):
    """Zeroes a fraction `rate` of the inputs in training mode; `axes` share the mask."""

    def __init__(self, rate, axes=(), **kwargs):
        super().__init__(**kwargs)
        self._rate = rate
        self._axes = axes

    def hybrid_forward(self, F, x):
        if self._rate > 0:
            dropout = F.npx.dropout if is_np_array() else F.Dropout
            return dropout(x, p=self._rate, axes=self._axes, name='fwd', cudnn_off=False)
        return F.np.copy(x) if is_np_array() else F.identity(x)

    def __repr__(self):
        return '{}(p = {}, axes={})'.format(self.__class__.__name__, self._rate, self._axes)


class _BatchNorm(HybridBlock):
    """Batch normalization with `gamma`, `beta` and running statistics of shape (channels,)."""

    def __init__(self, axis=1, momentum=0.9, epsilon=1e-5, center=True, scale=True,
                 use_global_stats=False, fuse_relu=False, beta_initializer='zeros',
                 gamma_initializer='ones', running_mean_initializer='zeros',
                 running_variance_initializer='ones', in_channels=0, **kwargs):
        super().__init__(**kwargs)
        self._kwargs = {'axis': axis, 'eps': epsilon, 'momentum': momentum,
                        'fix_gamma': not scale, 'use_global_stats': use_global_stats}
        self.fuse_relu = fuse_relu
        if in_channels != 0:
            self.in_channels = in_channels
        self.gamma = Parameter('gamma', grad_req='write' if scale else 'null',
                               shape=(in_channels,), init=gamma_initializer,
                               allow_deferred_init=True, differentiable=scale)
        self.beta = Parameter('beta', grad_req='write' if center else 'null',
                              shape=(in_channels,), init=beta_initializer,
                              allow_deferred_init=True, differentiable=center)
        self.running_mean = Parameter('running_mean', grad_req='null', shape=(in_channels,),
                                      init=running_mean_initializer, allow_deferred_init=True,
                                      differentiable=False)
        self.running_var = Parameter('running_var', grad_req='null', shape=(in_channels,),
                                     init=running_variance_initializer,
                                     allow_deferred_init=True, differentiable=False)

    def cast(self, dtype):
        # float16 statistics lose too much precision; 1.x keeps BatchNorm in float32.
        if np.dtype(dtype).name == 'float16':
            dtype = 'float32'
        super().cast(dtype)

    def hybrid_forward(self, F, x, gamma, beta, running_mean, running_var):
        if is_np_array():
            out = F.npx.batch_norm(x, gamma, beta, running_mean, running_var, name='fwd',
                                   **self._kwargs)
            # Stock 1.9.1 drops the ReLU of BatchNormReLU in numpy mode; we keep it (S13.1).
            return F.npx.relu(out) if self.fuse_relu else out
        op = F.contrib.BatchNormWithReLU if self.fuse_relu else F.BatchNorm
        return op(x, gamma, beta, running_mean, running_var, name='fwd', **self._kwargs)

    def __repr__(self):
        in_channels = self.gamma.shape[0]
        return '{}({}, in_channels={})'.format(self.__class__.__name__,
                                               _kwargs_repr(self._kwargs),
                                               in_channels if in_channels else None)


class BatchNorm(_BatchNorm):
    """Batch normalization (Ioffe and Szegedy, 2014) over axis `axis` (channels)."""

    def __init__(self, axis=1, momentum=0.9, epsilon=1e-5, center=True, scale=True,
                 use_global_stats=False, beta_initializer='zeros', gamma_initializer='ones',
                 running_mean_initializer='zeros', running_variance_initializer='ones',
                 in_channels=0, **kwargs):
        super().__init__(axis=axis, momentum=momentum, epsilon=epsilon, center=center,
                         scale=scale, use_global_stats=use_global_stats, fuse_relu=False,
                         beta_initializer=beta_initializer, gamma_initializer=gamma_initializer,
                         running_mean_initializer=running_mean_initializer,
                         running_variance_initializer=running_variance_initializer,
                         in_channels=in_channels, **kwargs)


class BatchNormReLU(_BatchNorm):
    """BatchNorm followed by ReLU, fused into one operator.

    MXNet 1.9.1 implements the fused operator on CPU only through MKL-DNN (4-D inputs).
    """

    def __init__(self, axis=1, momentum=0.9, epsilon=1e-5, center=True, scale=True,
                 use_global_stats=False, beta_initializer='zeros', gamma_initializer='ones',
                 running_mean_initializer='zeros', running_variance_initializer='ones',
                 in_channels=0, **kwargs):
        super().__init__(axis=axis, momentum=momentum, epsilon=epsilon, center=center,
                         scale=scale, use_global_stats=use_global_stats, fuse_relu=True,
                         beta_initializer=beta_initializer, gamma_initializer=gamma_initializer,
                         running_mean_initializer=running_mean_initializer,
                         running_variance_initializer=running_variance_initializer,
                         in_channels=in_channels, **kwargs)


class Embedding(HybridBlock):
    """Maps integer indices to rows of `weight` `(input_dim, output_dim)`.

    `sparse_grad=True` gives `weight` a `row_sparse` gradient.
    """

    def __init__(self, input_dim, output_dim, dtype='float32', weight_initializer=None,
                 sparse_grad=False, **kwargs):
        super().__init__(**kwargs)
        self._kwargs = {'input_dim': input_dim, 'output_dim': output_dim, 'dtype': dtype,
                        'sparse_grad': sparse_grad}
        self.weight = Parameter('weight', shape=(input_dim, output_dim),
                                init=weight_initializer, dtype=dtype, allow_deferred_init=True,
                                grad_stype='row_sparse' if sparse_grad else 'default')

    def hybrid_forward(self, F, x, weight):
        embedding = F.npx.embedding if is_np_array() else F.Embedding
        return embedding(x, weight, name='fwd', **self._kwargs)

    def __repr__(self):
        return '{}({input_dim} -> {output_dim}, {dtype})'.format(self.__class__.__name__,
                                                                 **self._kwargs)


class Flatten(HybridBlock):
    """Collapses all axes but the first: `(N, x1, ..., xn)` -> `(N, x1 * ... * xn)`."""

    def hybrid_forward(self, F, x):
        return F.npx.batch_flatten(x) if is_np_array() else F.flatten(x)

    def __repr__(self):
        return self.__class__.__name__


class InstanceNorm(HybridBlock):
    """Instance normalization over every axis but the batch axis and `axis`.

    As in 1.x, `scale` defaults to False (then `gamma` has `grad_req='null'`).
    """

    def __init__(self, axis=1, epsilon=1e-5, center=True, scale=False, beta_initializer='zeros',
                 gamma_initializer='ones', in_channels=0, **kwargs):
        super().__init__(**kwargs)
        self._kwargs = {'eps': epsilon, 'axis': axis, 'center': center, 'scale': scale}
        self._axis = axis
        self._epsilon = epsilon
        self.gamma = Parameter('gamma', grad_req='write' if scale else 'null',
                               shape=(in_channels,), init=gamma_initializer,
                               allow_deferred_init=True)
        self.beta = Parameter('beta', grad_req='write' if center else 'null',
                              shape=(in_channels,), init=beta_initializer,
                              allow_deferred_init=True)

    @legacy_operators  # no numpy-mode InstanceNorm operator in 1.9.1 (spec S13.1)
    def forward(self, x):
        return super().forward(x)

    def hybrid_forward(self, F, x, gamma, beta):
        if self._axis == 1:
            return F.InstanceNorm(x, gamma, beta, name='fwd', eps=self._epsilon)
        # The operator normalizes per axis 1: move the channel axis there and back.
        x = x.swapaxes(1, self._axis)
        return F.InstanceNorm(x, gamma, beta, name='fwd',
                              eps=self._epsilon).swapaxes(1, self._axis)

    def __repr__(self):
        return '{}({}, in_channels={})'.format(self.__class__.__name__,
                                               _kwargs_repr(self._kwargs), self.gamma.shape[0])


class LayerNorm(HybridBlock):
    """Layer normalization over `axis` with `gamma`/`beta` of shape `(in_channels,)`."""

    def __init__(self, axis=-1, epsilon=1e-5, center=True, scale=True, beta_initializer='zeros',
                 gamma_initializer='ones', in_channels=0, **kwargs):
        super().__init__(**kwargs)
        self._kwargs = {'eps': epsilon, 'axis': axis, 'center': center, 'scale': scale}
        self._axis = axis
        self._epsilon = epsilon
        self._center = center
        self._scale = scale
        self.gamma = Parameter('gamma', grad_req='write' if scale else 'null',
                               shape=(in_channels,), init=gamma_initializer,
                               allow_deferred_init=True)
        self.beta = Parameter('beta', grad_req='write' if center else 'null',
                              shape=(in_channels,), init=beta_initializer,
                              allow_deferred_init=True)

    def hybrid_forward(self, F, data, gamma, beta):
        layer_norm = F.npx.layer_norm if is_np_array() else F.LayerNorm
        return layer_norm(data, gamma=gamma, beta=beta, axis=self._axis, eps=self._epsilon)

    def __repr__(self):
        return '{}({}, in_channels={})'.format(self.__class__.__name__,
                                               _kwargs_repr(self._kwargs), self.gamma.shape[0])


class GroupNorm(HybridBlock):
    """Group normalization of `(N, C, ...)` inputs in `num_groups` channel groups.

    `gamma`/`beta` have shape `(num_groups,)`: the 1.9.1 operator scales per group, and 1.9.1
    checkpoints hold that shape (spec S3.8).
    """

    def __init__(self, num_groups=1, epsilon=1e-5, center=True, scale=True,
                 beta_initializer='zeros', gamma_initializer='ones', **kwargs):
        super().__init__(**kwargs)
        self._kwargs = {'eps': epsilon, 'num_groups': num_groups, 'center': center,
                        'scale': scale}
        self._num_groups = num_groups
        self._epsilon = epsilon
        self._center = center
        self._scale = scale
        self.gamma = Parameter('gamma', grad_req='write' if scale else 'null',
                               shape=(num_groups,), init=gamma_initializer,
                               allow_deferred_init=True)
        self.beta = Parameter('beta', grad_req='write' if center else 'null',
                              shape=(num_groups,), init=beta_initializer,
                              allow_deferred_init=True)

    @legacy_operators  # no numpy-mode GroupNorm operator in 1.9.1 (spec S13.1)
    def forward(self, x):
        return super().forward(x)

    def hybrid_forward(self, F, data, gamma, beta):
        return F.GroupNorm(data, gamma=gamma, beta=beta, num_groups=self._num_groups,
                           eps=self._epsilon)

    def __repr__(self):
        return '{}({})'.format(self.__class__.__name__, _kwargs_repr(self._kwargs))


def _function_name(function):
    return getattr(function, '__name__', type(function).__name__)


class Lambda(Block):
    """Wraps an `mx.nd` operator name (`Lambda('tanh')`) or a function of the inputs."""

    def __init__(self, function, **kwargs):
        super().__init__(**kwargs)
        if isinstance(function, str):
            if not hasattr(ndarray, function):
                raise ValueError('Function name %s is not found in ndarray. Pass the name of an '
                                 'mx.nd operator (e.g. "tanh") or a callable.' % function)
            self._func_impl = getattr(ndarray, function)
            self._by_name = True
        elif callable(function):
            self._func_impl = function
            self._by_name = False
        else:
            raise ValueError('Unrecognized function in lambda: {} of type {}. Pass an operator '
                             'name or a callable.'.format(function, type(function)))

    def forward(self, *args):
        if self._by_name:  # a legacy `mx.nd` operator: usable in numpy mode too (S13.1)
            return call_legacy(self._func_impl, *args)
        return self._func_impl(*args)

    def __repr__(self):
        return '{}({})'.format(self.__class__.__name__, _function_name(self._func_impl))


class HybridLambda(HybridBlock):
    """Wraps an operator name available in `mx.nd` and `mx.sym`, or `function(F, x, *args)`."""

    def __init__(self, function, **kwargs):
        super().__init__(**kwargs)
        if isinstance(function, str):
            if not (hasattr(ndarray, function) and hasattr(symbol, function)):
                raise ValueError('Function name %s is not found in symbol/ndarray. Pass the name '
                                 'of an operator both provide (e.g. "tanh") or a callable '
                                 'function(F, x, *args).' % function)
            self._func = _OperatorByName(function)
            self._func_name = function
        elif callable(function):
            self._func = function
            self._func_name = _function_name(function)
        else:
            raise ValueError('Unrecognized function in lambda: {} of type {}. Pass an operator '
                             'name or a callable.'.format(function, type(function)))

    def hybrid_forward(self, F, x, *args):
        return self._func(F, x, *args)

    def __repr__(self):
        return '{}({})'.format(self.__class__.__name__, self._func_name)


class _OperatorByName:
    """`function(F, *args)` calling the operator `name` of the F module (nd or sym)."""

    def __init__(self, name):
        self.name = name

    def __call__(self, F, *args):
        # The legacy operator of `F`, also in numpy mode (spec S13.1).
        return call_legacy(getattr(F, self.name), *args)
