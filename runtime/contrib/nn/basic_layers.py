"""Contributed layers (`gluon_runtime.contrib.nn`), mirroring `mxnet.gluon.contrib.nn` of 1.9.1.

Constructors are 1.9.1's minus `prefix`/`params`; parameter attribute names, shapes,
initializers and outputs are unchanged (spec S3.7, S3.8).
"""
import warnings

from mxnet import context, nd
from mxnet import np as mx_np

from ..._block import Block
from ..._hybrid import HybridBlock
from ..._np import is_np_array, legacy_operators
from ...nn import BatchNorm, HybridSequential, Sequential
from ...parameter import Parameter

__all__ = ['Concurrent', 'HybridConcurrent', 'Identity', 'SparseEmbedding', 'SyncBatchNorm',
           'PixelShuffle1D', 'PixelShuffle2D', 'PixelShuffle3D']


class Concurrent(Sequential):
    """Runs every child on the same input and concatenates the outputs along `axis`.

    Parameters
    ----------
    axis : int, default -1
    """

    def __init__(self, axis=-1):
        super().__init__()
        self.axis = axis

    def forward(self, x):
        outs = [block(x) for block in self._children.values()]
        if is_np_array():
            return mx_np.concatenate(outs, axis=self.axis)
        return nd.concat(*outs, dim=self.axis)


class HybridConcurrent(HybridSequential):
    """Hybridizable Concurrent: the children's outputs on one input, concatenated on `axis`.

    Parameters
    ----------
    axis : int, default -1
    """

    def __init__(self, axis=-1):
        super().__init__()
        self.axis = axis

    def hybrid_forward(self, F, x):
        outs = [block(x) for block in self._children.values()]
        if is_np_array():
            return F.np.concatenate(outs, axis=self.axis)
        return F.concat(*outs, dim=self.axis)


class Identity(HybridBlock):
    """Returns its input unchanged (e.g. a skip branch inside a Concurrent)."""

    def hybrid_forward(self, F, x):
        return x


class SparseEmbedding(Block):
    """Embedding whose weight and gradient are `row_sparse` (only looked-up rows move).

    The weight rows are pulled through the Trainer, so a Trainer must be created with this
    block's parameters before the first forward.

    Parameters
    ----------
    input_dim : int
        Vocabulary size.
    output_dim : int
        Embedding size.
    dtype : str, default 'float32'
    weight_initializer : Initializer, optional
    """

    def __init__(self, input_dim, output_dim, dtype='float32', weight_initializer=None):
        super().__init__()
        self._kwargs = {'input_dim': input_dim, 'output_dim': output_dim, 'dtype': dtype,
                        'sparse_grad': True}
        self.weight = Parameter('weight', shape=(input_dim, output_dim),
                                init=weight_initializer, dtype=dtype,
                                grad_stype='row_sparse', stype='row_sparse')

    @legacy_operators  # row_sparse arrays exist only as legacy arrays (spec S13.1)
    def forward(self, x):
        weight = self.weight.row_sparse_data(x)
        return nd.Embedding(x, weight, name='fwd', **self._kwargs)

    def __repr__(self):
        return '{}({} -> {}, {})'.format(type(self).__name__, self._kwargs['input_dim'],
                                         self._kwargs['output_dim'], self._kwargs['dtype'])


class SyncBatchNorm(BatchNorm):
    """Batch normalization with statistics synchronized across `num_devices` devices.

    Parameters are those of `nn.BatchNorm` (channel axis 1), plus `num_devices` (default: the
    number of GPUs, at least 1). Devices are matched by the block's unique `name`.
    """

    def __init__(self, in_channels=0, num_devices=None, momentum=0.9, epsilon=1e-5,
                 center=True, scale=True, use_global_stats=False, beta_initializer='zeros',
                 gamma_initializer='ones', running_mean_initializer='zeros',
                 running_variance_initializer='ones'):
        super().__init__(axis=1, momentum=momentum, epsilon=epsilon, center=center,
                         scale=scale, use_global_stats=use_global_stats,
                         beta_initializer=beta_initializer, gamma_initializer=gamma_initializer,
                         running_mean_initializer=running_mean_initializer,
                         running_variance_initializer=running_variance_initializer,
                         in_channels=in_channels)
        if num_devices is None:
            num_devices = self._get_num_devices()
        # `key` pairs the copies of this layer on the devices; 1.x used the prefix, which no
        # longer exists: the block name is just as unique.
        self._kwargs = {'eps': epsilon, 'momentum': momentum, 'fix_gamma': not scale,
                        'use_global_stats': use_global_stats, 'ndev': num_devices,
                        'key': self.name}

    def _get_num_devices(self):
        warnings.warn('Caution using SyncBatchNorm: if not using all the GPUs, please mannually '
                      'set num_devices', UserWarning, stacklevel=3)
        return max(context.num_gpus(), 1)

    @legacy_operators  # no numpy-mode SyncBatchNorm operator in 1.9.1 (spec S13.1)
    def forward(self, x):
        return super().forward(x)

    def hybrid_forward(self, F, x, gamma, beta, running_mean, running_var):
        return F.contrib.SyncBatchNorm(x, gamma, beta, running_mean, running_var, name='fwd',
                                       **self._kwargs)


def _factors(factor, count, cls_name):
    """`factor` as a tuple of `count` ints (an int applies to every axis)."""
    try:
        return (int(factor),) * count
    except TypeError:
        factors = tuple(int(f) for f in factor)
    if len(factors) != count:
        raise ValueError('%s needs %d upsampling factors (or one int for all axes), got %r.'
                         % (cls_name, count, factor))
    return factors


class _PixelShuffle(HybridBlock):
    """Base of the pixel shuffles: their reshape codes (-4, -3) exist in legacy mode only."""

    @legacy_operators  # spec S13.1
    def forward(self, x):
        return super().forward(x)


class PixelShuffle1D(_PixelShuffle):
    """Moves channels to width: `(N, f*C, W)` -> `(N, C, W*f)`.

    Parameters
    ----------
    factor : int
    """

    def __init__(self, factor):
        super().__init__()
        self._factor = int(factor)

    def hybrid_forward(self, F, x):
        f = self._factor
        x = F.reshape(x, (0, -4, -1, f, 0))   # (N, C, f, W)
        x = F.transpose(x, (0, 1, 3, 2))      # (N, C, W, f)
        return F.reshape(x, (0, 0, -3))       # (N, C, W*f)

    def __repr__(self):
        return '{}({})'.format(type(self).__name__, self._factor)


class PixelShuffle2D(_PixelShuffle):
    """Moves channels to space: `(N, f1*f2*C, H, W)` -> `(N, C, H*f1, W*f2)`.

    Parameters
    ----------
    factor : int or (int, int)
    """

    def __init__(self, factor):
        super().__init__()
        self._factors = _factors(factor, 2, type(self).__name__)

    def hybrid_forward(self, F, x):
        f1, f2 = self._factors
        x = F.reshape(x, (0, -4, -1, f1 * f2, 0, 0))    # (N, C, f1*f2, H, W)
        x = F.reshape(x, (0, 0, -4, f1, f2, 0, 0))      # (N, C, f1, f2, H, W)
        x = F.transpose(x, (0, 1, 4, 2, 5, 3))          # (N, C, H, f1, W, f2)
        return F.reshape(x, (0, 0, -3, -3))             # (N, C, H*f1, W*f2)

    def __repr__(self):
        return '{}({})'.format(type(self).__name__, self._factors)


class PixelShuffle3D(_PixelShuffle):
    """Moves channels to volume: `(N, f1*f2*f3*C, D, H, W)` -> `(N, C, D*f1, H*f2, W*f3)`.

    Parameters
    ----------
    factor : int or (int, int, int)
    """

    def __init__(self, factor):
        super().__init__()
        self._factors = _factors(factor, 3, type(self).__name__)

    def hybrid_forward(self, F, x):
        # Transposes of more than 6 axes are not supported: fold one axis at a time.
        f1, f2, f3 = self._factors
        x = F.reshape(x, (0, -4, -1, f1 * f2 * f3, 0, 0, 0))  # (N, C, f1*f2*f3, D, H, W)
        x = F.swapaxes(x, 2, 3)                              # (N, C, D, f1*f2*f3, H, W)
        x = F.reshape(x, (0, 0, 0, -4, f1, f2 * f3, 0, 0))    # (N, C, D, f1, f2*f3, H, W)
        x = F.reshape(x, (0, 0, -3, 0, 0, 0))                 # (N, C, D*f1, f2*f3, H, W)
        x = F.swapaxes(x, 3, 4)                              # (N, C, D*f1, H, f2*f3, W)
        x = F.reshape(x, (0, 0, 0, 0, -4, f2, f3, 0))         # (N, C, D*f1, H, f2, f3, W)
        x = F.reshape(x, (0, 0, 0, -3, 0, 0))                 # (N, C, D*f1, H*f2, f3, W)
        x = F.swapaxes(x, 4, 5)                              # (N, C, D*f1, H*f2, W, f3)
        return F.reshape(x, (0, 0, 0, 0, -3))                 # (N, C, D*f1, H*f2, W*f3)

    def __repr__(self):
        return '{}({})'.format(type(self).__name__, self._factors)
