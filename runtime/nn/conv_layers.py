"""Convolution, transposed convolution, pooling and padding layers.

Constructors are those of MXNet 1.9.1 minus `prefix`/`params`; `weight`/`bias` shapes come from
the operator's own shape inference, so they match 1.9.1 for every layout and group count.
"""
from mxnet import symbol
from mxnet.base import numeric_types
from mxnet.util import np_array, np_shape

from .._hybrid import HybridBlock
from .._np import is_np_array, legacy_operators
from ..parameter import Parameter
from .activations import Activation

__all__ = ['Conv1D', 'Conv2D', 'Conv3D', 'Conv1DTranspose', 'Conv2DTranspose', 'Conv3DTranspose',
           'MaxPool1D', 'MaxPool2D', 'MaxPool3D', 'AvgPool1D', 'AvgPool2D', 'AvgPool3D',
           'GlobalMaxPool1D', 'GlobalMaxPool2D', 'GlobalMaxPool3D', 'GlobalAvgPool1D',
           'GlobalAvgPool2D', 'GlobalAvgPool3D', 'ReflectionPad2D']


def _tuple(value, rank, what, cls):
    """`value` as a `rank`-tuple (a number is repeated); anything else is a user error."""
    if isinstance(value, numeric_types):
        return (value,) * rank
    value = tuple(value)
    if len(value) != rank:
        raise ValueError('%s of %s must be a number or a list of %d ints, got %r.'
                         % (what, cls, rank, value))
    return value


def _check_layout(layout, allowed, cls):
    if layout not in allowed:
        raise ValueError('%s does not support layout %r; use one of %s.'
                         % (cls, layout, ', '.join(repr(a) for a in allowed)))


def _param_shapes(op_name, layout, in_channels, op_kwargs):
    """(weight shape, bias shape) as the operator infers them; unknown input channels are 0."""
    data_shape = [0] * len(layout)
    data_shape[layout.find('N')] = 1
    data_shape[layout.find('C')] = in_channels
    # Legacy shape semantics whatever the mode: 0 means unknown (under numpy shapes it would
    # mean an empty axis); the Parameter reports unknown sizes as -1 in numpy mode (S1.4).
    with np_array(False), np_shape(False):
        data = symbol.var('data', shape=tuple(data_shape))
        out = getattr(symbol, op_name)(data, **op_kwargs)
        arg_shapes = out.infer_shape_partial()[0]
    return arg_shapes[1], (arg_shapes[2] if len(arg_shapes) > 2 else None)


_NPX_NAMES = {'Convolution': 'convolution', 'Deconvolution': 'deconvolution'}


class _Conv(HybridBlock):
    """N-d convolution (`op_name='Convolution'`) or transposed convolution ('Deconvolution')."""

    def __init__(self, channels, kernel_size, strides, padding, dilation, groups, layout,
                 in_channels=0, activation=None, use_bias=True, weight_initializer=None,
                 bias_initializer='zeros', op_name='Convolution', adj=None, **kwargs):
        super().__init__(**kwargs)
        rank = len(kernel_size)
        name = type(self).__name__
        self._channels = channels
        self._in_channels = in_channels
        self._op_name = op_name
        self._kwargs = {
            'kernel': kernel_size, 'stride': _tuple(strides, rank, 'strides', name),
            'dilate': _tuple(dilation, rank, 'dilation', name),
            'pad': _tuple(padding, rank, 'padding', name), 'num_filter': channels,
            'num_group': groups, 'no_bias': not use_bias, 'layout': layout}
        if adj is not None:
            self._kwargs['adj'] = adj
        weight_shape, bias_shape = _param_shapes(op_name, layout, in_channels, self._kwargs)
        self.weight = Parameter('weight', shape=weight_shape, init=weight_initializer,
                                allow_deferred_init=True)
        if use_bias:
            self.bias = Parameter('bias', shape=bias_shape, init=bias_initializer,
                                  allow_deferred_init=True)
        else:
            self.bias = None
        self.act = Activation(activation) if activation is not None else None

    def _alias(self):
        return 'conv'

    def hybrid_forward(self, F, x, weight, bias=None):
        op = getattr(F.npx, _NPX_NAMES[self._op_name]) if is_np_array() else getattr(F, self._op_name)
        if bias is None:
            out = op(x, weight, name='fwd', **self._kwargs)
        else:
            out = op(x, weight, bias, name='fwd', **self._kwargs)
        return self.act(out) if self.act is not None else out

    def __repr__(self):
        rank = len(self._kwargs['kernel'])
        text = '{name}({mapping}, kernel_size={kernel}, stride={stride}'
        if self._kwargs['pad'] != (0,) * rank:
            text += ', padding={pad}'
        if self._kwargs['dilate'] != (1,) * rank:
            text += ', dilation={dilate}'
        if self._kwargs['num_group'] != 1:
            text += ', groups={num_group}'
        if self.bias is None:
            text += ', bias=False'
        if self.act:
            text += ', {}'.format(self.act)
        text += ')'
        shape = self.weight.shape
        return text.format(name=self.__class__.__name__,
                           mapping='{} -> {}'.format(shape[1] if shape[1] else None, shape[0]),
                           **self._kwargs)


def _conv_init(cls, rank, layouts, channels, kernel_size, strides, padding, dilation, groups,
               layout, op_name, output_padding=None):
    """Validates the arguments common to the Conv classes; returns the normalized ones."""
    _check_layout(layout, layouts, cls)
    kernel_size = _tuple(kernel_size, rank, 'kernel_size', cls)
    adj = None if output_padding is None else _tuple(output_padding, rank, 'output_padding', cls)
    return (channels, kernel_size, strides, padding, dilation, groups, layout), op_name, adj


class Conv1D(_Conv):
    """1-D convolution over `(N, C, W)` inputs."""

    def __init__(self, channels, kernel_size, strides=1, padding=0, dilation=1, groups=1,
                 layout='NCW', activation=None, use_bias=True, weight_initializer=None,
                 bias_initializer='zeros', in_channels=0, **kwargs):
        args, op_name, _ = _conv_init('Conv1D', 1, ('NCW',), channels, kernel_size, strides,
                                      padding, dilation, groups, layout,
                                      kwargs.pop('op_name', 'Convolution'))
        super().__init__(*args, in_channels, activation, use_bias, weight_initializer,
                         bias_initializer, op_name, **kwargs)


class Conv2D(_Conv):
    """2-D convolution over `(N, C, H, W)` (or NHWC) inputs."""

    def __init__(self, channels, kernel_size, strides=(1, 1), padding=(0, 0), dilation=(1, 1),
                 groups=1, layout='NCHW', activation=None, use_bias=True,
                 weight_initializer=None, bias_initializer='zeros', in_channels=0, **kwargs):
        args, op_name, _ = _conv_init('Conv2D', 2, ('NCHW', 'NHWC'), channels, kernel_size,
                                      strides, padding, dilation, groups, layout,
                                      kwargs.pop('op_name', 'Convolution'))
        super().__init__(*args, in_channels, activation, use_bias, weight_initializer,
                         bias_initializer, op_name, **kwargs)


class Conv3D(_Conv):
    """3-D convolution over `(N, C, D, H, W)` (or NDHWC) inputs."""

    def __init__(self, channels, kernel_size, strides=(1, 1, 1), padding=(0, 0, 0),
                 dilation=(1, 1, 1), groups=1, layout='NCDHW', activation=None, use_bias=True,
                 weight_initializer=None, bias_initializer='zeros', in_channels=0, **kwargs):
        args, op_name, _ = _conv_init('Conv3D', 3, ('NCDHW', 'NDHWC'), channels, kernel_size,
                                      strides, padding, dilation, groups, layout,
                                      kwargs.pop('op_name', 'Convolution'))
        super().__init__(*args, in_channels, activation, use_bias, weight_initializer,
                         bias_initializer, op_name, **kwargs)


class Conv1DTranspose(_Conv):
    """1-D transposed convolution; `weight` is `(in_channels, channels // groups, k)`."""

    def __init__(self, channels, kernel_size, strides=1, padding=0, output_padding=0,
                 dilation=1, groups=1, layout='NCW', activation=None, use_bias=True,
                 weight_initializer=None, bias_initializer='zeros', in_channels=0, **kwargs):
        args, op_name, adj = _conv_init('Conv1DTranspose', 1, ('NCW',), channels, kernel_size,
                                        strides, padding, dilation, groups, layout,
                                        kwargs.pop('op_name', 'Deconvolution'), output_padding)
        super().__init__(*args, in_channels, activation, use_bias, weight_initializer,
                         bias_initializer, op_name=op_name, adj=adj, **kwargs)
        self.outpad = adj


class Conv2DTranspose(_Conv):
    """2-D transposed convolution; `weight` is `(in_channels, channels // groups, kh, kw)`."""

    def __init__(self, channels, kernel_size, strides=(1, 1), padding=(0, 0),
                 output_padding=(0, 0), dilation=(1, 1), groups=1, layout='NCHW',
                 activation=None, use_bias=True, weight_initializer=None,
                 bias_initializer='zeros', in_channels=0, **kwargs):
        args, op_name, adj = _conv_init('Conv2DTranspose', 2, ('NCHW', 'NHWC'), channels,
                                        kernel_size, strides, padding, dilation, groups, layout,
                                        kwargs.pop('op_name', 'Deconvolution'), output_padding)
        super().__init__(*args, in_channels, activation, use_bias, weight_initializer,
                         bias_initializer, op_name=op_name, adj=adj, **kwargs)
        self.outpad = adj


class Conv3DTranspose(_Conv):
    """3-D transposed convolution."""

    def __init__(self, channels, kernel_size, strides=(1, 1, 1), padding=(0, 0, 0),
                 output_padding=(0, 0, 0), dilation=(1, 1, 1), groups=1, layout='NCDHW',
                 activation=None, use_bias=True, weight_initializer=None,
                 bias_initializer='zeros', in_channels=0, **kwargs):
        args, op_name, adj = _conv_init('Conv3DTranspose', 3, ('NCDHW', 'NDHWC'), channels,
                                        kernel_size, strides, padding, dilation, groups, layout,
                                        kwargs.pop('op_name', 'Deconvolution'), output_padding)
        super().__init__(*args, in_channels, activation, use_bias, weight_initializer,
                         bias_initializer, op_name=op_name, adj=adj, **kwargs)
        self.outpad = adj


class _Pooling(HybridBlock):
    """Max/average pooling; `strides=None` means `strides = pool_size`."""

    def __init__(self, pool_size, strides, padding, ceil_mode, global_pool, pool_type, layout,
                 count_include_pad=None, **kwargs):
        super().__init__(**kwargs)
        rank = len(pool_size)
        name = type(self).__name__
        if strides is None:
            strides = pool_size
        self._kwargs = {
            'kernel': pool_size, 'stride': _tuple(strides, rank, 'strides', name),
            'pad': _tuple(padding, rank, 'padding', name), 'global_pool': global_pool,
            'pool_type': pool_type, 'layout': layout,
            'pooling_convention': 'full' if ceil_mode else 'valid'}
        if count_include_pad is not None:
            self._kwargs['count_include_pad'] = count_include_pad

    def _alias(self):
        return 'pool'

    def hybrid_forward(self, F, x):
        pooling = F.npx.pooling if is_np_array() else F.Pooling
        return pooling(x, name='fwd', **self._kwargs)

    def __repr__(self):
        text = ('{name}(size={kernel}, stride={stride}, padding={pad}, ceil_mode={ceil_mode}, '
                'global_pool={global_pool}, pool_type={pool_type}, layout={layout})')
        return text.format(name=self.__class__.__name__,
                           ceil_mode=self._kwargs['pooling_convention'] == 'full',
                           **self._kwargs)


_LAYOUTS = {1: ('NCW', 'NWC'), 2: ('NCHW', 'NHWC'), 3: ('NCDHW', 'NDHWC')}


def _pool_args(cls, rank, pool_size, layout):
    _check_layout(layout, _LAYOUTS[rank], cls)
    return _tuple(pool_size, rank, 'pool_size', cls)


class MaxPool1D(_Pooling):
    """1-D max pooling."""

    def __init__(self, pool_size=2, strides=None, padding=0, layout='NCW', ceil_mode=False,
                 **kwargs):
        super().__init__(_pool_args('MaxPool1D', 1, pool_size, layout), strides, padding,
                         ceil_mode, False, 'max', layout, **kwargs)


class MaxPool2D(_Pooling):
    """2-D max pooling."""

    def __init__(self, pool_size=(2, 2), strides=None, padding=0, layout='NCHW',
                 ceil_mode=False, **kwargs):
        super().__init__(_pool_args('MaxPool2D', 2, pool_size, layout), strides, padding,
                         ceil_mode, False, 'max', layout, **kwargs)


class MaxPool3D(_Pooling):
    """3-D max pooling."""

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding=0, ceil_mode=False,
                 layout='NCDHW', **kwargs):
        super().__init__(_pool_args('MaxPool3D', 3, pool_size, layout), strides, padding,
                         ceil_mode, False, 'max', layout, **kwargs)


class AvgPool1D(_Pooling):
    """1-D average pooling."""

    def __init__(self, pool_size=2, strides=None, padding=0, layout='NCW', ceil_mode=False,
                 count_include_pad=True, **kwargs):
        super().__init__(_pool_args('AvgPool1D', 1, pool_size, layout), strides, padding,
                         ceil_mode, False, 'avg', layout, count_include_pad, **kwargs)


class AvgPool2D(_Pooling):
    """2-D average pooling."""

    def __init__(self, pool_size=(2, 2), strides=None, padding=0, ceil_mode=False,
                 layout='NCHW', count_include_pad=True, **kwargs):
        super().__init__(_pool_args('AvgPool2D', 2, pool_size, layout), strides, padding,
                         ceil_mode, False, 'avg', layout, count_include_pad, **kwargs)


class AvgPool3D(_Pooling):
    """3-D average pooling."""

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding=0, ceil_mode=False,
                 layout='NCDHW', count_include_pad=True, **kwargs):
        super().__init__(_pool_args('AvgPool3D', 3, pool_size, layout), strides, padding,
                         ceil_mode, False, 'avg', layout, count_include_pad, **kwargs)


class _GlobalPooling(_Pooling):
    _rank = None
    _pool_type = None

    def __init__(self, layout=None, **kwargs):
        layout = _LAYOUTS[self._rank][0] if layout is None else layout
        _check_layout(layout, _LAYOUTS[self._rank], type(self).__name__)
        super().__init__((1,) * self._rank, None, 0, True, True, self._pool_type, layout,
                         **kwargs)


class GlobalMaxPool1D(_GlobalPooling):
    """Max over the whole width: `(N, C, W)` -> `(N, C, 1)`."""
    _rank, _pool_type = 1, 'max'

    def __init__(self, layout='NCW', **kwargs):
        super().__init__(layout, **kwargs)


class GlobalMaxPool2D(_GlobalPooling):
    """Max over the whole image: `(N, C, H, W)` -> `(N, C, 1, 1)`."""
    _rank, _pool_type = 2, 'max'

    def __init__(self, layout='NCHW', **kwargs):
        super().__init__(layout, **kwargs)


class GlobalMaxPool3D(_GlobalPooling):
    """Max over the whole volume."""
    _rank, _pool_type = 3, 'max'

    def __init__(self, layout='NCDHW', **kwargs):
        super().__init__(layout, **kwargs)


class GlobalAvgPool1D(_GlobalPooling):
    """Mean over the whole width."""
    _rank, _pool_type = 1, 'avg'

    def __init__(self, layout='NCW', **kwargs):
        super().__init__(layout, **kwargs)


class GlobalAvgPool2D(_GlobalPooling):
    """Mean over the whole image."""
    _rank, _pool_type = 2, 'avg'

    def __init__(self, layout='NCHW', **kwargs):
        super().__init__(layout, **kwargs)


class GlobalAvgPool3D(_GlobalPooling):
    """Mean over the whole volume."""
    _rank, _pool_type = 3, 'avg'

    def __init__(self, layout='NCDHW', **kwargs):
        super().__init__(layout, **kwargs)


class ReflectionPad2D(HybridBlock):
    """Pads the two spatial axes of an NCHW input by reflection.

    `padding` is a number (the same on every side) or the 8-tuple `pad_width` of `F.pad`.
    """

    def __init__(self, padding=0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(padding, numeric_types):
            padding = (0, 0, 0, 0, padding, padding, padding, padding)
        padding = tuple(padding)
        if len(padding) != 8:
            raise ValueError('ReflectionPad2D padding must be a number or 8 ints (before/after '
                             'for each of the 4 axes of NCHW), got %r.' % (padding,))
        self._padding = padding

    @legacy_operators  # no numpy-mode `pad` with this signature in 1.9.1 (spec S13.1)
    def forward(self, x):
        return super().forward(x)

    def hybrid_forward(self, F, x):
        return F.pad(x, mode='reflect', pad_width=self._padding)
