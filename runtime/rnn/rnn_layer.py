"""Fused recurrent layers (`gluon_runtime.rnn.RNN/LSTM/GRU`) on MXNet 1.9.1's `RNN` operator.

Constructors are 1.9.1's minus `prefix`/`params`. Parameters are attributes named
`{l|r}{layer}_{i2h|h2h|h2r}_{weight|bias}` (`r` for the backward direction, `h2r` with an LSTM
projection), which are also the structural names, as in the refactor (spec S3.7).

Checkpoints: stock 1.9.1 `save_parameters` writes these parameters under its "unfused" names
(`_unfused.0.i2h_weight`, or `_unfused.0.l_cell.i2h_weight` when bidirectional). Loading accepts
both spellings through `_checkpoint_aliases` (spec S7.5).
"""
from mxnet import ndarray, symbol
from mxnet.util import is_np_array

from .._hybrid import HybridBlock
from ..parameter import Parameter, tensor_types

__all__ = ['RNN', 'LSTM', 'GRU']

_GATES = {'rnn_relu': 1, 'rnn_tanh': 1, 'lstm': 4, 'gru': 3}


class _RNNLayer(HybridBlock):
    """Common implementation of the fused layers (one `RNN` op for all layers/directions)."""

    def __init__(self, hidden_size, num_layers, layout, dropout, bidirectional, input_size,
                 i2h_weight_initializer, h2h_weight_initializer, i2h_bias_initializer,
                 h2h_bias_initializer, mode, projection_size, h2r_weight_initializer,
                 lstm_state_clip_min, lstm_state_clip_max, lstm_state_clip_nan, dtype,
                 use_sequence_length=False):
        super().__init__()
        if layout not in ('TNC', 'NTC'):
            raise ValueError("Invalid layout %r for %s: expected 'TNC' or 'NTC'."
                             % (layout, type(self).__name__))
        self._hidden_size = hidden_size
        self._projection_size = projection_size if projection_size else None
        self._num_layers = num_layers
        self._mode = mode
        self._layout = layout
        self._dropout = dropout
        self._dir = 2 if bidirectional else 1
        self._input_size = input_size
        self._i2h_weight_initializer = i2h_weight_initializer
        self._h2h_weight_initializer = h2h_weight_initializer
        self._i2h_bias_initializer = i2h_bias_initializer
        self._h2h_bias_initializer = h2h_bias_initializer
        self._h2r_weight_initializer = h2r_weight_initializer
        self._lstm_state_clip_min = lstm_state_clip_min
        self._lstm_state_clip_max = lstm_state_clip_max
        self._lstm_state_clip_nan = lstm_state_clip_nan
        self._dtype = dtype
        self._use_sequence_length = use_sequence_length
        self._gates = _GATES[mode]
        self.skip_states = None

        rows = self._gates * hidden_size
        # The recurrent input is the projection when there is one, else the hidden state.
        recurrent = self._projection_size or hidden_size
        layer_input = input_size
        for layer in range(num_layers):
            for direction in self._directions():
                name = '{}{}_'.format(direction, layer)
                self._add_param(name + 'i2h_weight', (rows, layer_input), i2h_weight_initializer)
                self._add_param(name + 'h2h_weight', (rows, recurrent), h2h_weight_initializer)
                self._add_param(name + 'i2h_bias', (rows,), i2h_bias_initializer)
                self._add_param(name + 'h2h_bias', (rows,), h2h_bias_initializer)
                if self._projection_size:
                    self._add_param(name + 'h2r_weight', (self._projection_size, hidden_size),
                                    h2r_weight_initializer)
            layer_input = recurrent * self._dir

    def _directions(self):
        return ['l', 'r'][:self._dir]

    def _add_param(self, name, shape, init):
        setattr(self, name, Parameter(name, shape=shape, init=init, allow_deferred_init=True,
                                      dtype=self._dtype))

    def _checkpoint_aliases(self):
        # Stock 1.9.1 writes fused parameters under the names of the equivalent stack of cells.
        aliases = {}
        for attr in self.params:
            direction, rest = attr[0], attr[1:]
            layer, param = rest.split('_', 1)
            if self._dir == 2:
                aliases['_unfused.{}.{}_cell.{}'.format(layer, direction, param)] = attr
            else:
                aliases['_unfused.{}.{}'.format(layer, param)] = attr
        return aliases

    def __repr__(self):
        text = '{}({} -> {}, {}'.format(type(self).__name__, *self._mapping(), self._layout)
        if self._num_layers != 1:
            text += ', num_layers={}'.format(self._num_layers)
        if self._dropout != 0:
            text += ', dropout={}'.format(self._dropout)
        if self._dir == 2:
            text += ', bidirectional'
        return text + ')'

    def _mapping(self):
        rows, cols = self.l0_i2h_weight.shape
        return (cols if cols else None), rows // self._gates

    def state_info(self, batch_size=0):
        """Shape/layout/dtype of each begin state: `(layers * directions, batch, size)`."""
        raise NotImplementedError

    def cast(self, dtype):
        super().cast(dtype)
        self._dtype = dtype

    def begin_state(self, batch_size=0, func=ndarray.zeros, **kwargs):
        """Initial states made by `func(name='h0_<i>', shape=..., dtype=..., **kwargs)`.

        `func` is e.g. `mx.nd.zeros` (give `batch_size`), `mx.sym.zeros` or `mx.sym.var`.
        """
        states = []
        for i, info in enumerate(self.state_info(batch_size)):
            info = dict(info or {})
            info.update(kwargs)
            state = func(name='h0_%d' % i, **info)
            if is_np_array():
                state = state.as_np_ndarray()
            states.append(state)
        return states

    def __call__(self, inputs, states=None, sequence_length=None):
        """Runs the layer; returns `output`, or `(output, states)` when `states` are given."""
        self.skip_states = states is None
        if states is None:
            if isinstance(inputs, ndarray.NDArray):
                batch_size = inputs.shape[self._layout.find('N')]
                states = self.begin_state(batch_size, ctx=inputs.ctx, dtype=inputs.dtype)
            else:
                states = self.begin_state(0, func=symbol.zeros)
        if isinstance(states, tensor_types):
            states = [states]
        if self._use_sequence_length:
            if sequence_length is None:
                raise ValueError('%s was built with use_sequence_length=True: pass '
                                 'sequence_length (one valid length per batch element).'
                                 % type(self).__name__)
            return super().__call__(inputs, states, sequence_length)
        if sequence_length is not None:
            raise ValueError('%s got sequence_length but was built with '
                             'use_sequence_length=False: build it with '
                             'use_sequence_length=True.' % type(self).__name__)
        return super().__call__(inputs, states)

    def forward(self, inputs, states, sequence_length=None):
        args = (states, sequence_length) if self._use_sequence_length else (states,)
        output, out_states = super().forward(inputs, *args)
        # The graph always returns the states too, so one cached graph serves both call forms;
        # stripping them here (not in the graph) is what forward hooks see, as in 1.9.1.
        return output if self.skip_states else (output, out_states)

    def hybrid_forward(self, F, inputs, states, sequence_length=None, **params):
        if F is ndarray:
            batch_size = inputs.shape[self._layout.find('N')]
            for state, info in zip(states, self.state_info(batch_size)):
                if state.shape != info['shape']:
                    raise ValueError('Invalid recurrent state shape. Expecting %s, got %s.'
                                     % (str(info['shape']), str(state.shape)))
        return self._forward_kernel(F, inputs, states, sequence_length, **params)

    def _flat_params(self, params):
        """Parameters in the order the fused `RNN` operator expects, flattened."""
        kinds = ['i2h', 'h2h'] + (['h2r'] if self._projection_size else [])
        flat = []
        for suffix in ('weight', 'bias'):
            for layer in range(self._num_layers):
                for direction in self._directions():
                    for kind in kinds:
                        if kind == 'h2r' and suffix == 'bias':
                            continue
                        flat.append(params['{}{}_{}_{}'.format(direction, layer, kind,
                                                               suffix)].reshape(-1))
        return flat

    def _forward_kernel(self, F, inputs, states, sequence_length, **params):
        np_mode = is_np_array()
        swapaxes = F.np.swapaxes if np_mode else F.swapaxes
        if self._layout == 'NTC':
            inputs = swapaxes(inputs, 0, 1)
        concat = F.np._internal.rnn_param_concat if np_mode else F._internal._rnn_param_concat
        flat = concat(*self._flat_params(params), dim=0)
        rnn_args = list(states) + ([sequence_length] if self._use_sequence_length else [])
        rnn_op = F.npx.rnn if np_mode else F.RNN
        rnn = rnn_op(inputs, flat, *rnn_args, use_sequence_length=self._use_sequence_length,
                     state_size=self._hidden_size, projection_size=self._projection_size,
                     num_layers=self._num_layers, bidirectional=self._dir == 2,
                     p=self._dropout, state_outputs=True, mode=self._mode,
                     lstm_state_clip_min=self._lstm_state_clip_min,
                     lstm_state_clip_max=self._lstm_state_clip_max,
                     lstm_state_clip_nan=self._lstm_state_clip_nan)
        if self._mode == 'lstm':
            outputs, out_states = rnn[0], [rnn[1], rnn[2]]
        else:
            outputs, out_states = rnn[0], [rnn[1]]
        if self._layout == 'NTC':
            outputs = swapaxes(outputs, 0, 1)
        return outputs, out_states


class RNN(_RNNLayer):
    r"""Multi-layer Elman RNN with `tanh` or `relu` non-linearity over a sequence.

    Parameters
    ----------
    hidden_size : int
    num_layers : int, default 1
    activation : {'relu', 'tanh'}, default 'relu'
    layout : {'TNC', 'NTC'}, default 'TNC'
    dropout : float, default 0
        Dropout on the outputs of each layer except the last.
    bidirectional : bool, default False
    i2h_weight_initializer, h2h_weight_initializer : str or Initializer
    i2h_bias_initializer, h2h_bias_initializer : str or Initializer, default 'zeros'
    input_size : int, default 0 (inferred at the first forward)
    dtype : str, default 'float32'
    use_sequence_length : bool, default False
        Whether calls pass `sequence_length` (valid length per batch element).

    Calling `layer(data, states=None, sequence_length=None)` returns the output, plus the final
    states when `states` were given.
    """

    def __init__(self, hidden_size, num_layers=1, activation='relu', layout='TNC', dropout=0,
                 bidirectional=False, i2h_weight_initializer=None, h2h_weight_initializer=None,
                 i2h_bias_initializer='zeros', h2h_bias_initializer='zeros', input_size=0,
                 dtype='float32', use_sequence_length=False):
        super().__init__(hidden_size, num_layers, layout, dropout, bidirectional, input_size,
                         i2h_weight_initializer, h2h_weight_initializer, i2h_bias_initializer,
                         h2h_bias_initializer, 'rnn_' + activation, None, None, None, None,
                         False, dtype, use_sequence_length)

    def state_info(self, batch_size=0):
        return [{'shape': (self._num_layers * self._dir, batch_size, self._hidden_size),
                 '__layout__': 'LNC', 'dtype': self._dtype}]


class LSTM(_RNNLayer):
    r"""Multi-layer LSTM over a sequence, optionally with projection and state clipping.

    Parameters
    ----------
    hidden_size : int
    num_layers : int, default 1
    layout : {'TNC', 'NTC'}, default 'TNC'
    dropout : float, default 0
    bidirectional : bool, default False
    input_size : int, default 0 (inferred at the first forward)
    i2h_weight_initializer, h2h_weight_initializer : str or Initializer
    i2h_bias_initializer, h2h_bias_initializer : str or Initializer, default 'zeros'
    projection_size : int, optional
        Adds `h2r_weight` parameters projecting the hidden state to this size.
    h2r_weight_initializer : str or Initializer
    state_clip_min, state_clip_max : float, optional
        Clip the cell state to this range (both or neither).
    state_clip_nan : bool, default False
    dtype : str, default 'float32'
    use_sequence_length : bool, default False

    States are `[h, c]`, each `(num_layers * directions, batch, size)`.
    """

    def __init__(self, hidden_size, num_layers=1, layout='TNC', dropout=0, bidirectional=False,
                 input_size=0, i2h_weight_initializer=None, h2h_weight_initializer=None,
                 i2h_bias_initializer='zeros', h2h_bias_initializer='zeros',
                 projection_size=None, h2r_weight_initializer=None, state_clip_min=None,
                 state_clip_max=None, state_clip_nan=False, dtype='float32',
                 use_sequence_length=False):
        super().__init__(hidden_size, num_layers, layout, dropout, bidirectional, input_size,
                         i2h_weight_initializer, h2h_weight_initializer, i2h_bias_initializer,
                         h2h_bias_initializer, 'lstm', projection_size, h2r_weight_initializer,
                         state_clip_min, state_clip_max, state_clip_nan, dtype,
                         use_sequence_length)

    def state_info(self, batch_size=0):
        rows = self._num_layers * self._dir
        h_size = self._projection_size or self._hidden_size
        return [{'shape': (rows, batch_size, h_size), '__layout__': 'LNC',
                 'dtype': self._dtype},
                {'shape': (rows, batch_size, self._hidden_size), '__layout__': 'LNC',
                 'dtype': self._dtype}]


class GRU(_RNNLayer):
    r"""Multi-layer GRU over a sequence (cuDNN variant: reset gate after the h2h product).

    Parameters
    ----------
    hidden_size : int
    num_layers : int, default 1
    layout : {'TNC', 'NTC'}, default 'TNC'
    dropout : float, default 0
    bidirectional : bool, default False
    input_size : int, default 0 (inferred at the first forward)
    i2h_weight_initializer, h2h_weight_initializer : str or Initializer
    i2h_bias_initializer, h2h_bias_initializer : str or Initializer, default 'zeros'
    dtype : str, default 'float32'
    use_sequence_length : bool, default False
    """

    def __init__(self, hidden_size, num_layers=1, layout='TNC', dropout=0, bidirectional=False,
                 input_size=0, i2h_weight_initializer=None, h2h_weight_initializer=None,
                 i2h_bias_initializer='zeros', h2h_bias_initializer='zeros', dtype='float32',
                 use_sequence_length=False):
        super().__init__(hidden_size, num_layers, layout, dropout, bidirectional, input_size,
                         i2h_weight_initializer, h2h_weight_initializer, i2h_bias_initializer,
                         h2h_bias_initializer, 'gru', None, None, None, None, False, dtype,
                         use_sequence_length)

    def state_info(self, batch_size=0):
        return [{'shape': (self._num_layers * self._dir, batch_size, self._hidden_size),
                 '__layout__': 'LNC', 'dtype': self._dtype}]
