"""Recurrent cells (`gluon_runtime.rnn.*Cell`), mirroring `mxnet.gluon.rnn` of MXNet 1.9.1.

Constructors are 1.9.1's minus `prefix`/`params`; parameter attributes (`i2h_weight`,
`h2h_weight`, `i2h_bias`, `h2h_bias`), shapes, initializers and outputs are unchanged, so the
structural names are `i2h_weight`, `0.i2h_weight`, `base_cell.i2h_weight`, `l_cell.i2h_weight`
(spec S3.7). As in the refactor (spec S3.8) `GRUCell` takes `activation`/`recurrent_activation`,
begin-state symbols are named `begin_state_<n>` and `BidirectionalCell` outputs `t<i>`/`out`.
"""
from numbers import Number

from mxnet import ndarray, symbol
from mxnet.gluon.nn import LeakyReLU as StockLeakyReLU
from mxnet.util import is_np_shape

from .._hybrid import HybridBlock
from .._block import Block
from .._nest import indent
from .._np import is_np_array, legacy_operators, to_numpy
from ..nn import LeakyReLU
from ..parameter import Parameter, tensor_types

__all__ = ['RecurrentCell', 'HybridRecurrentCell', 'RNNCell', 'LSTMCell', 'GRUCell',
           'SequentialRNNCell', 'HybridSequentialRNNCell', 'DropoutCell', 'ModifierCell',
           'ZoneoutCell', 'ResidualCell', 'BidirectionalCell']


def _as_list(value):
    """A list of tensors; a multi-output Symbol (from `split`) becomes its outputs."""
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, symbol.Symbol) and len(value.list_outputs()) > 1:
        return list(value)
    return [value]


def _cells_state_info(cells, batch_size):
    return [info for cell in cells for info in cell.state_info(batch_size)]


def _cells_begin_state(cells, **kwargs):
    return [state for cell in cells for state in cell.begin_state(**kwargs)]


def _module_of(value):
    """`mx.sym` for Symbols, `mx.nd` for NDArrays (also for the first item of a list)."""
    first = value if isinstance(value, tensor_types) else value[0]
    return symbol if isinstance(first, symbol.Symbol) else ndarray


def _get_begin_state(cell, F, begin_state, inputs, batch_size):
    if begin_state is not None:
        return begin_state
    if F is ndarray:
        ctx = inputs.ctx if isinstance(inputs, tensor_types) else inputs[0].ctx
        with ctx:
            return cell.begin_state(func=F.zeros, batch_size=batch_size)
    return cell.begin_state(func=F.zeros, batch_size=batch_size)


def _format_sequence(length, inputs, layout, merge, in_layout=None):
    """Brings `inputs` into the form a cell's unroll needs.

    Returns `(inputs, time axis, F, batch size)`; `inputs` is one tensor in `layout` when
    `merge` is True, a list of `length` per-step tensors when False, and left as given
    (tensor or list) when None.
    """
    if inputs is None:
        raise ValueError('unroll(inputs=None) is not supported: create the input tensors '
                         '(or Symbol variables) yourself and pass them as `inputs`.')
    axis = layout.find('T')
    batch_axis = layout.find('N')
    in_axis = in_layout.find('T') if in_layout is not None else axis
    batch_size = 0
    if isinstance(inputs, symbol.Symbol):
        F = symbol
        if merge is False:
            if len(inputs.list_outputs()) != 1:
                raise ValueError('unroll does not accept a grouped Symbol (%d outputs) as '
                                 'inputs: pass list(inputs) or a single Symbol to be split.'
                                 % len(inputs.list_outputs()))
            inputs = list(symbol.split(inputs, axis=in_axis, num_outputs=length,
                                       squeeze_axis=1))
    elif isinstance(inputs, ndarray.NDArray):
        F = ndarray
        batch_size = inputs.shape[batch_axis]
        if merge is False:
            steps = inputs.shape[in_axis]
            if length is not None and length != steps:
                raise ValueError('unroll(length=%d) does not match the %d time steps of the '
                                 'input (axis %d of shape %s, layout %r): pass length=%d.'
                                 % (length, steps, in_axis, inputs.shape, layout, steps))
            inputs = _as_list(ndarray.split(inputs, axis=in_axis, num_outputs=steps,
                                            squeeze_axis=1))
    else:
        if length is not None and len(inputs) != length:
            raise ValueError('unroll(length=%d) was given a list of %d inputs: pass one input '
                             'per time step.' % (length, len(inputs)))
        F = _module_of(inputs)
        if F is ndarray:
            batch_size = inputs[0].shape[0]
        if merge is True:
            inputs = F.stack(*inputs, axis=axis)
            in_axis = axis
    if isinstance(inputs, tensor_types) and axis != in_axis:
        inputs = F.swapaxes(inputs, dim1=axis, dim2=in_axis)
    return inputs, axis, F, batch_size


def _mask_sequence_variable_length(F, data, length, valid_length, time_axis, merge):
    """Zeroes the outputs past each sequence's valid length."""
    if not isinstance(data, tensor_types):
        data = F.stack(*data, axis=time_axis)
    outputs = F.SequenceMask(data, sequence_length=valid_length, use_sequence_length=True,
                             axis=time_axis)
    if not merge:
        outputs = _as_list(F.split(outputs, num_outputs=length, axis=time_axis,
                                   squeeze_axis=True))
    return outputs


def _reverse_sequences(sequences, unroll_step, valid_length=None):
    """Reverses a list of per-step tensors, each sequence within its valid length."""
    F = _module_of(sequences)
    if valid_length is None:
        return list(reversed(sequences))
    reversed_seq = F.SequenceReverse(F.stack(*sequences, axis=0), sequence_length=valid_length,
                                     use_sequence_length=True)
    if unroll_step > 1 or F is symbol:
        return _as_list(F.split(reversed_seq, axis=0, num_outputs=unroll_step,
                                squeeze_axis=True))
    return [reversed_seq[0]]


def _check_not_modified(cell):
    if cell._modified:
        raise RuntimeError('%s is wrapped by a modifier cell (e.g. ZoneoutCell, ResidualCell): '
                           'call the modifier cell instead of the base cell.'
                           % type(cell).__name__)


class RecurrentCell(Block):
    """Base class of recurrent cells: one step with `cell(inputs, states)`, or `unroll`."""

    def __init__(self):
        super().__init__()
        self._modified = False
        self.reset()

    def reset(self):
        """Resets the step counters before the cell is used for another sequence."""
        self._init_counter = -1
        self._counter = -1
        for child in self._children.values():
            # Children may include non-cell blocks, e.g. an `nn.LeakyReLU` activation.
            if isinstance(child, RecurrentCell):
                child.reset()

    def state_info(self, batch_size=0):
        """Shape and layout of each state: a list of dicts."""
        raise NotImplementedError('%s must implement state_info()' % type(self).__name__)

    def begin_state(self, batch_size=0, func=ndarray.zeros, **kwargs):
        """Initial states, made by `func(name=..., shape=..., **kwargs)` for each state.

        `func` is e.g. `mx.nd.zeros` (give `batch_size`), `mx.sym.zeros` or `mx.sym.var`;
        `kwargs` (`dtype`, `ctx`, ...) are passed on to it.
        """
        _check_not_modified(self)
        states = []
        for info in self.state_info(batch_size):
            self._init_counter += 1
            info = dict(info or {})
            info.update(kwargs)
            if is_np_shape() and 'shape' in info:
                # An unknown size (batch 0, for a graph) is -1 under numpy shapes (S13.2).
                info['shape'] = tuple(d if d else -1 for d in info['shape'])
            states.append(func(name='begin_state_%d' % self._init_counter, **info))
        return to_numpy(states) if is_np_array() else states

    @legacy_operators  # the cells use legacy operators only (spec S13.1)
    def unroll(self, length, inputs, begin_state=None, layout='NTC', merge_outputs=None,
               valid_length=None):
        """Runs the cell over `length` time steps.

        Parameters
        ----------
        length : int
        inputs : NDArray, Symbol, or list of them
            One tensor in `layout` ('NTC' or 'TNC'), or one `(batch, ...)` tensor per step.
        begin_state : list, optional
            Defaults to `begin_state()` (zeros).
        layout : str
        merge_outputs : bool, optional
            True: one stacked output tensor; False: a list per step; None: whatever is cheaper.
        valid_length : NDArray or Symbol, optional
            `(batch,)` lengths: outputs past them are zeroed and the states returned are the
            ones at the last valid step.

        Returns
        -------
        outputs, states
        """
        self.reset()
        inputs, axis, F, batch_size = _format_sequence(length, inputs, layout, False)
        states = _get_begin_state(self, F, begin_state, inputs, batch_size)
        outputs, all_states = [], []
        for step in range(length):
            output, states = self(inputs[step], states)
            outputs.append(output)
            if valid_length is not None:
                all_states.append(states)
        if valid_length is not None:
            states = [F.SequenceLast(F.stack(*per_step, axis=0), sequence_length=valid_length,
                                     use_sequence_length=True, axis=0)
                      for per_step in zip(*all_states)]
            outputs = _mask_sequence_variable_length(F, outputs, length, valid_length, axis,
                                                     True)
        outputs, _, _, _ = _format_sequence(length, outputs, layout, merge_outputs)
        return outputs, states

    def _get_activation(self, F, inputs, activation, **kwargs):
        """Applies `activation`: an op name, a LeakyReLU block or any callable."""
        direct = {'tanh': F.tanh, 'relu': F.relu, 'sigmoid': F.sigmoid,
                  'softsign': F.softsign}.get(activation)
        if direct is not None:
            return direct(inputs, **kwargs)
        if isinstance(activation, str):
            return F.Activation(inputs, act_type=activation, **kwargs)
        slope = _leaky_slope(activation)
        if slope is not None:
            return F.LeakyReLU(inputs, act_type='leaky', slope=slope, **kwargs)
        return activation(inputs, **kwargs)

    @legacy_operators  # the cells use legacy operators only (spec S13.1)
    def forward(self, inputs, states):
        """One time step: returns `(output, new states)`."""
        self._counter += 1
        return super().forward(inputs, states)


def _leaky_slope(activation):
    """The slope of a (runtime or stock) `nn.LeakyReLU` block, else None."""
    if isinstance(activation, (LeakyReLU, StockLeakyReLU)):
        return activation._alpha
    return None


class HybridRecurrentCell(RecurrentCell, HybridBlock):
    """A recurrent cell whose step is a `hybrid_forward` (can be hybridized)."""

    def hybrid_forward(self, F, x, *args, **kwargs):
        raise NotImplementedError('%s must implement hybrid_forward()' % type(self).__name__)


class _GatedCell(HybridRecurrentCell):
    """The four parameters shared by RNNCell, LSTMCell and GRUCell (`gates` blocks of rows)."""

    def __init__(self, hidden_size, gates, i2h_weight_initializer, h2h_weight_initializer,
                 i2h_bias_initializer, h2h_bias_initializer, input_size):
        super().__init__()
        self._hidden_size = hidden_size
        self._input_size = input_size
        rows = gates * hidden_size
        self.i2h_weight = Parameter('i2h_weight', shape=(rows, input_size),
                                    init=i2h_weight_initializer, allow_deferred_init=True)
        self.h2h_weight = Parameter('h2h_weight', shape=(rows, hidden_size),
                                    init=h2h_weight_initializer, allow_deferred_init=True)
        self.i2h_bias = Parameter('i2h_bias', shape=(rows,), init=i2h_bias_initializer,
                                  allow_deferred_init=True)
        self.h2h_bias = Parameter('h2h_bias', shape=(rows,), init=h2h_bias_initializer,
                                  allow_deferred_init=True)

    def _mapping(self):
        rows, cols = self.i2h_weight.shape
        return '{} -> {}'.format(cols if cols else None, rows)

    def _projections(self, F, inputs, state, i2h_weight, h2h_weight, i2h_bias, h2h_bias,
                     step):
        rows = self.i2h_weight.shape[0]
        i2h = F.FullyConnected(data=inputs, weight=i2h_weight, bias=i2h_bias, num_hidden=rows,
                               name=step + 'i2h')
        h2h = F.FullyConnected(data=state, weight=h2h_weight, bias=h2h_bias, num_hidden=rows,
                               name=step + 'h2h')
        return i2h, h2h


class RNNCell(_GatedCell):
    r"""Elman RNN cell: `h_t = activation(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)`.

    Parameters
    ----------
    hidden_size : int
    activation : str or callable, default 'tanh'
    i2h_weight_initializer, h2h_weight_initializer : str or Initializer
    i2h_bias_initializer, h2h_bias_initializer : str or Initializer, default 'zeros'
    input_size : int, default 0 (inferred at the first forward)
    """

    def __init__(self, hidden_size, activation='tanh', i2h_weight_initializer=None,
                 h2h_weight_initializer=None, i2h_bias_initializer='zeros',
                 h2h_bias_initializer='zeros', input_size=0):
        super().__init__(hidden_size, 1, i2h_weight_initializer, h2h_weight_initializer,
                         i2h_bias_initializer, h2h_bias_initializer, input_size)
        self._activation = activation

    def _alias(self):
        return 'rnn'

    def state_info(self, batch_size=0):
        return [{'shape': (batch_size, self._hidden_size), '__layout__': 'NC'}]

    def __repr__(self):
        return '{}({}, {})'.format(type(self).__name__, self._mapping(), self._activation)

    def hybrid_forward(self, F, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias):
        prefix = 't%d_' % self._counter
        i2h, h2h = self._projections(F, inputs, states[0], i2h_weight, h2h_weight, i2h_bias,
                                     h2h_bias, prefix)
        total = F.elemwise_add(i2h, h2h, name=prefix + 'plus0')
        output = self._get_activation(F, total, self._activation, name=prefix + 'out')
        return output, [output]


class LSTMCell(_GatedCell):
    r"""Long short-term memory cell (gates in the order input, forget, cell, output).

    Parameters
    ----------
    hidden_size : int
    i2h_weight_initializer, h2h_weight_initializer : str or Initializer
    i2h_bias_initializer, h2h_bias_initializer : str or Initializer, default 'zeros'
    input_size : int, default 0 (inferred at the first forward)
    activation : str, default 'tanh'
    recurrent_activation : str, default 'sigmoid'
    """

    def __init__(self, hidden_size, i2h_weight_initializer=None, h2h_weight_initializer=None,
                 i2h_bias_initializer='zeros', h2h_bias_initializer='zeros', input_size=0,
                 activation='tanh', recurrent_activation='sigmoid'):
        super().__init__(hidden_size, 4, i2h_weight_initializer, h2h_weight_initializer,
                         i2h_bias_initializer, h2h_bias_initializer, input_size)
        self._activation = activation
        self._recurrent_activation = recurrent_activation

    def _alias(self):
        return 'lstm'

    def state_info(self, batch_size=0):
        return [{'shape': (batch_size, self._hidden_size), '__layout__': 'NC'},
                {'shape': (batch_size, self._hidden_size), '__layout__': 'NC'}]

    def __repr__(self):
        return '{}({})'.format(type(self).__name__, self._mapping())

    def hybrid_forward(self, F, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias):
        prefix = 't%d_' % self._counter
        i2h, h2h = self._projections(F, inputs, states[0], i2h_weight, h2h_weight, i2h_bias,
                                     h2h_bias, prefix)
        gates = F.SliceChannel(F.elemwise_add(i2h, h2h, name=prefix + 'plus0'), num_outputs=4,
                               name=prefix + 'slice')
        gate = self._recurrent_activation
        in_gate = self._get_activation(F, gates[0], gate, name=prefix + 'i')
        forget_gate = self._get_activation(F, gates[1], gate, name=prefix + 'f')
        in_transform = self._get_activation(F, gates[2], self._activation, name=prefix + 'c')
        out_gate = self._get_activation(F, gates[3], gate, name=prefix + 'o')
        next_c = F.elemwise_add(F.elemwise_mul(forget_gate, states[1], name=prefix + 'mul0'),
                                F.elemwise_mul(in_gate, in_transform, name=prefix + 'mul1'),
                                name=prefix + 'state')
        squashed = F.Activation(next_c, act_type=self._activation,
                                name=prefix + 'activation0')
        next_h = F.elemwise_mul(out_gate, squashed, name=prefix + 'out')
        return next_h, [next_h, next_c]


class GRUCell(_GatedCell):
    r"""Gated recurrent unit cell, cuDNN variant (reset gate applied after the h2h product).

    Parameters
    ----------
    hidden_size : int
    i2h_weight_initializer, h2h_weight_initializer : str or Initializer
    i2h_bias_initializer, h2h_bias_initializer : str or Initializer, default 'zeros'
    input_size : int, default 0 (inferred at the first forward)
    activation : str, default 'tanh'
        For the candidate state (the refactor's argument; 1.9.1 always uses tanh).
    recurrent_activation : str, default 'sigmoid'
        For the reset and update gates (1.9.1 always uses sigmoid).
    """

    def __init__(self, hidden_size, i2h_weight_initializer=None, h2h_weight_initializer=None,
                 i2h_bias_initializer='zeros', h2h_bias_initializer='zeros', input_size=0,
                 activation='tanh', recurrent_activation='sigmoid'):
        super().__init__(hidden_size, 3, i2h_weight_initializer, h2h_weight_initializer,
                         i2h_bias_initializer, h2h_bias_initializer, input_size)
        self._activation = activation
        self._recurrent_activation = recurrent_activation

    def _alias(self):
        return 'gru'

    def state_info(self, batch_size=0):
        return [{'shape': (batch_size, self._hidden_size), '__layout__': 'NC'}]

    def __repr__(self):
        return '{}({})'.format(type(self).__name__, self._mapping())

    def hybrid_forward(self, F, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias):
        prefix = 't%d_' % self._counter
        prev_h = states[0]
        i2h, h2h = self._projections(F, inputs, prev_h, i2h_weight, h2h_weight, i2h_bias,
                                     h2h_bias, prefix)
        i2h_r, i2h_z, i2h_n = F.SliceChannel(i2h, num_outputs=3, name=prefix + 'i2h_slice')
        h2h_r, h2h_z, h2h_n = F.SliceChannel(h2h, num_outputs=3, name=prefix + 'h2h_slice')
        reset_gate = self._get_activation(F, F.elemwise_add(i2h_r, h2h_r, name=prefix + 'plus0'),
                                          self._recurrent_activation, name=prefix + 'r_act')
        update_gate = self._get_activation(F, F.elemwise_add(i2h_z, h2h_z,
                                                             name=prefix + 'plus1'),
                                           self._recurrent_activation, name=prefix + 'z_act')
        candidate = self._get_activation(
            F, F.elemwise_add(i2h_n, F.elemwise_mul(reset_gate, h2h_n, name=prefix + 'mul0'),
                              name=prefix + 'plus2'),
            self._activation, name=prefix + 'h_act')
        ones = F.ones_like(update_gate, name=prefix + 'ones_like0')
        next_h = F.elemwise_add(
            F.elemwise_mul(F.elemwise_sub(ones, update_gate, name=prefix + 'minus0'), candidate,
                           name=prefix + 'mul1'),
            F.elemwise_mul(update_gate, prev_h, name=prefix + 'mul20'),
            name=prefix + 'out')
        return next_h, [next_h]


class _StackMixin:
    """Stacking of cells registered as children '0', '1', ... (one step goes through all)."""

    def __repr__(self):
        lines = '\n'.join('({}): {}'.format(key, indent(repr(cell), 2))
                          for key, cell in self._children.items())
        return '{}(\n{}\n)'.format(type(self).__name__, lines)

    def add(self, cell):
        """Appends `cell` to the stack."""
        self.register_child(cell)

    def state_info(self, batch_size=0):
        return _cells_state_info(self._children.values(), batch_size)

    def begin_state(self, **kwargs):
        _check_not_modified(self)
        return _cells_begin_state(self._children.values(), **kwargs)

    def _step_all(self, inputs, states):
        next_states, pos = [], 0
        for cell in self._children.values():
            if isinstance(cell, BidirectionalCell):
                raise ValueError('%s cannot be stepped because it contains a BidirectionalCell: '
                                 'use unroll() instead.' % type(self).__name__)
            count = len(cell.state_info())
            inputs, cell_states = cell(inputs, states[pos:pos + count])
            pos += count
            next_states.extend(cell_states)
        return inputs, next_states

    @legacy_operators  # the cells use legacy operators only (spec S13.1)
    def unroll(self, length, inputs, begin_state=None, layout='NTC', merge_outputs=None,
               valid_length=None):
        self.reset()
        inputs, _, F, batch_size = _format_sequence(length, inputs, layout, None)
        begin_state = _get_begin_state(self, F, begin_state, inputs, batch_size)
        cells = list(self._children.values())
        next_states, pos = [], 0
        for i, cell in enumerate(cells):
            count = len(cell.state_info())
            inputs, states = cell.unroll(
                length, inputs=inputs, begin_state=begin_state[pos:pos + count], layout=layout,
                merge_outputs=None if i < len(cells) - 1 else merge_outputs,
                valid_length=valid_length)
            pos += count
            next_states.extend(states)
        return inputs, next_states

    def __getitem__(self, i):
        return self._children[str(i)]

    def __len__(self):
        return len(self._children)


class SequentialRNNCell(_StackMixin, RecurrentCell):
    """A stack of recurrent cells run one after the other (children '0', '1', ...)."""

    def forward(self, inputs, states):
        self._counter += 1
        return self._step_all(inputs, states)


class HybridSequentialRNNCell(_StackMixin, HybridRecurrentCell):
    """A stack of hybridizable recurrent cells (children '0', '1', ...)."""

    def hybrid_forward(self, F, inputs, states):
        return self._step_all(inputs, states)


class DropoutCell(HybridRecurrentCell):
    """Applies dropout to the input; states pass through unchanged.

    Parameters
    ----------
    rate : float
        Fraction of the elements to drop.
    axes : tuple of int, default ()
        Axes along which the dropout mask is shared.
    """

    def __init__(self, rate, axes=()):
        super().__init__()
        if not isinstance(rate, Number):
            raise TypeError('DropoutCell rate must be a number, got %r of type %s.'
                            % (rate, type(rate).__name__))
        self._rate = rate
        self._axes = axes

    def __repr__(self):
        return '{}(rate={}, axes={})'.format(type(self).__name__, self._rate, self._axes)

    def _alias(self):
        return 'dropout'

    def state_info(self, batch_size=0):
        return []

    def hybrid_forward(self, F, inputs, states):
        if self._rate > 0:
            inputs = F.Dropout(data=inputs, p=self._rate, axes=self._axes,
                               name='t%d_fwd' % self._counter)
        return inputs, states

    @legacy_operators  # the cells use legacy operators only (spec S13.1)
    def unroll(self, length, inputs, begin_state=None, layout='NTC', merge_outputs=None,
               valid_length=None):
        self.reset()
        inputs, _, F, _ = _format_sequence(length, inputs, layout, merge_outputs)
        if isinstance(inputs, tensor_types):
            # One dropout over the whole merged sequence is cheaper than one per step.
            return self.hybrid_forward(F, inputs, begin_state if begin_state else [])
        return super().unroll(length, inputs, begin_state=begin_state, layout=layout,
                              merge_outputs=merge_outputs, valid_length=None)


class ModifierCell(HybridRecurrentCell):
    """Base of cells that wrap `base_cell` (child 'base_cell') and change its behaviour.

    Once wrapped, the base cell must not be called directly.
    """

    def __init__(self, base_cell):
        if base_cell._modified:
            raise ValueError('Cell %s is already wrapped by a modifier cell; one cell cannot be '
                             'modified twice. Wrap the modifier cell instead.' % base_cell.name)
        base_cell._modified = True
        super().__init__()
        self.base_cell = base_cell

    @property
    def params(self):
        """The wrapped cell's own Parameters."""
        return self.base_cell.params

    def state_info(self, batch_size=0):
        return self.base_cell.state_info(batch_size)

    def begin_state(self, func=symbol.zeros, **kwargs):
        _check_not_modified(self)
        self.base_cell._modified = False
        try:
            return self.base_cell.begin_state(func=func, **kwargs)
        finally:
            self.base_cell._modified = True

    def hybrid_forward(self, F, inputs, states):
        raise NotImplementedError('%s must implement hybrid_forward()' % type(self).__name__)

    def __repr__(self):
        return '{}({})'.format(type(self).__name__, self.base_cell)


class ZoneoutCell(ModifierCell):
    """Zoneout: each output/state unit keeps its previous value with the given probability.

    Parameters
    ----------
    base_cell : RecurrentCell
    zoneout_outputs : float, default 0.0
    zoneout_states : float, default 0.0
    """

    def __init__(self, base_cell, zoneout_outputs=0.0, zoneout_states=0.0):
        if isinstance(base_cell, BidirectionalCell) or (
                isinstance(base_cell, _StackMixin)
                and any(isinstance(c, BidirectionalCell) for c in base_cell._children.values())):
            raise ValueError('ZoneoutCell cannot wrap a BidirectionalCell (it cannot be '
                             'stepped): wrap the cells underneath it instead.')
        super().__init__(base_cell)
        self.zoneout_outputs = zoneout_outputs
        self.zoneout_states = zoneout_states
        self._prev_output = None

    def __repr__(self):
        return '{}(p_out={}, p_state={}, {})'.format(type(self).__name__, self.zoneout_outputs,
                                                     self.zoneout_states, self.base_cell)

    def _alias(self):
        return 'zoneout'

    def reset(self):
        super().reset()
        self._prev_output = None

    def hybrid_forward(self, F, inputs, states):
        next_output, next_states = self.base_cell(inputs, states)

        def keep_mask(p, like):
            return F.Dropout(F.ones_like(like), p=p)

        prev_output = self._prev_output
        if prev_output is None:
            prev_output = F.zeros_like(next_output)
        output = next_output
        if self.zoneout_outputs != 0.0:
            output = F.where(keep_mask(self.zoneout_outputs, next_output), next_output,
                             prev_output)
        if self.zoneout_states != 0.0:
            next_states = [F.where(keep_mask(self.zoneout_states, new), new, old)
                           for new, old in zip(next_states, states)]
        self._prev_output = output
        return output, next_states


class ResidualCell(ModifierCell):
    """Adds the input to the base cell's output (Wu et al., 2016)."""

    def hybrid_forward(self, F, inputs, states):
        output, states = self.base_cell(inputs, states)
        output = F.elemwise_add(output, inputs, name='t%d_fwd' % self._counter)
        return output, states

    @legacy_operators  # the cells use legacy operators only (spec S13.1)
    def unroll(self, length, inputs, begin_state=None, layout='NTC', merge_outputs=None,
               valid_length=None):
        self.reset()
        self.base_cell._modified = False
        try:
            outputs, states = self.base_cell.unroll(length, inputs=inputs,
                                                    begin_state=begin_state, layout=layout,
                                                    merge_outputs=merge_outputs,
                                                    valid_length=valid_length)
        finally:
            self.base_cell._modified = True
        if merge_outputs is None:
            merge_outputs = isinstance(outputs, tensor_types)
        inputs, axis, F, _ = _format_sequence(length, inputs, layout, merge_outputs)
        if valid_length is not None:
            inputs = _mask_sequence_variable_length(F, inputs, length, valid_length, axis,
                                                    merge_outputs)
        if merge_outputs:
            return F.elemwise_add(outputs, inputs), states
        return [F.elemwise_add(o, i) for o, i in zip(outputs, inputs)], states


class BidirectionalCell(HybridRecurrentCell):
    """Runs `l_cell` forward and `r_cell` backward over a sequence; only `unroll` is possible.

    Parameters
    ----------
    l_cell, r_cell : RecurrentCell
        Registered as children 'l_cell' and 'r_cell'.
    output_prefix : str, default ''
        Prefix of the output op names (1.9.1's argument, default 'bi_' there; the refactor
        dropped it, giving `t0`, ..., `out`).
    """

    def __init__(self, l_cell, r_cell, output_prefix=''):
        super().__init__()
        self.register_child(l_cell, 'l_cell')
        self.register_child(r_cell, 'r_cell')
        self._output_prefix = output_prefix

    def forward(self, inputs, states):
        raise NotImplementedError('BidirectionalCell cannot be stepped: use unroll() instead.')

    def __repr__(self):
        return '{}(forward={}, backward={})'.format(type(self).__name__,
                                                    self._children['l_cell'],
                                                    self._children['r_cell'])

    def state_info(self, batch_size=0):
        return _cells_state_info(self._children.values(), batch_size)

    def begin_state(self, **kwargs):
        _check_not_modified(self)
        return _cells_begin_state(self._children.values(), **kwargs)

    @legacy_operators  # the cells use legacy operators only (spec S13.1)
    def unroll(self, length, inputs, begin_state=None, layout='NTC', merge_outputs=None,
               valid_length=None):
        self.reset()
        inputs, axis, F, batch_size = _format_sequence(length, inputs, layout, False)
        reversed_inputs = list(_reverse_sequences(inputs, length, valid_length))
        states = _get_begin_state(self, F, begin_state, inputs, batch_size)
        l_cell, r_cell = self._children['l_cell'], self._children['r_cell']
        num_l = len(l_cell.state_info(batch_size))
        l_outputs, l_states = l_cell.unroll(length, inputs=inputs, begin_state=states[:num_l],
                                            layout=layout, merge_outputs=merge_outputs,
                                            valid_length=valid_length)
        r_outputs, r_states = r_cell.unroll(length, inputs=reversed_inputs,
                                            begin_state=states[num_l:], layout=layout,
                                            merge_outputs=False, valid_length=valid_length)
        reversed_r_outputs = _reverse_sequences(r_outputs, length, valid_length)
        if merge_outputs is None:
            merge_outputs = isinstance(l_outputs, tensor_types)
            l_outputs, _, _, _ = _format_sequence(None, l_outputs, layout, merge_outputs)
            reversed_r_outputs, _, _, _ = _format_sequence(None, reversed_r_outputs, layout,
                                                           merge_outputs)
        if merge_outputs:
            reversed_r_outputs = F.stack(*reversed_r_outputs, axis=axis)
            outputs = F.concat(l_outputs, reversed_r_outputs, dim=2,
                               name='%sout' % self._output_prefix)
        else:
            outputs = [F.concat(l_o, r_o, dim=1, name='%st%d' % (self._output_prefix, i))
                       for i, (l_o, r_o) in enumerate(zip(l_outputs, reversed_r_outputs))]
        if valid_length is not None:
            outputs = _mask_sequence_variable_length(F, outputs, length, valid_length, axis,
                                                     merge_outputs)
        return outputs, l_states + r_states
