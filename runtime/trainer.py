"""`Trainer`: stock MXNet 1.9.1's Trainer, fed with our Parameters."""
import pickle

import mxnet as mx
from mxnet.gluon import trainer as _stock

from .parameter import Parameter, unique_parameters

__all__ = ['Trainer', 'read_states', 'state_mismatches']

# The remedy for a states file written by a 1.x Trainer, which numbers Parameters in another order.
_CONVERT = ('A 1.x Trainer numbers Parameters by sorted prefixed name (`model0_dense1_weight`), this '
            'Trainer by sorted structural key (`hidden.weight`): convert a 1.x states file with '
            '`gluon-codemod convert-params OLD.states NEW.states --model FILE --build EXPR`.')


class Trainer(_stock.Trainer):
    """Applies an optimizer to Parameters (see `mxnet.gluon.Trainer` for the arguments).

    `params` is a dict (usually `block.collect_params()`, taken in sorted key order) or a
    list/tuple of Parameters. A Parameter shared under several structural names is trained
    once: feeding it twice would apply every update twice. The optimizer's states are numbered
    in this order (`save_states`/`load_states`).
    """

    def __init__(self, params, optimizer, optimizer_params=None, kvstore='device',
                 compression_params=None, update_on_kvstore=None):
        if isinstance(params, dict):
            names = sorted(params)
            params = [params[key] for key in names]
        elif isinstance(params, (list, tuple)):
            names = [None] * len(params)
        else:
            raise ValueError("First argument must be a list or dict of Parameters, got %s. Pass "
                             "block.collect_params()." % type(params))
        for param in params:
            if not isinstance(param, Parameter):
                raise ValueError("First argument must be a list or dict of Parameters, got list "
                                 "of %s. Use gluon_runtime.Parameter." % type(param))
        unique = unique_parameters(zip(names, params))
        self._param_names = [name for name, _ in unique]
        super().__init__([param for _, param in unique], optimizer, optimizer_params, kvstore,
                         compression_params, update_on_kvstore)

    def load_states(self, fname):
        """Loads optimizer states saved by `save_states`, after checking that they fit.

        Every state is checked against the Parameter of its index before anything is loaded
        (through a KVStore, MXNet's updater would swallow a shape error and train on).
        """
        if not self._kv_initialized:
            self._init_kvstore()
        if self._params_to_init:
            self._init_params()
        with open(fname, 'rb') as handle:
            states, optimizer = read_states(handle.read(), fname)
        problems = state_mismatches(states, self._params, self._describe,
                                    optimizer or self._optimizer)
        if problems:
            raise ValueError('%s does not fit this Trainer\'s %d Parameters: %s. %s'
                             % (fname, len(self._params), '; '.join(problems), _CONVERT))
        super().load_states(fname)

    def _describe(self, index):
        name = self._param_names[index]
        if name is not None:
            return 'Parameter `%s`' % name
        return 'Parameter %d of the list' % index


def read_states(raw, fname='the states file'):
    """`(states, optimizer or None)` of the bytes `Trainer.save_states` writes: `{index: state}`."""
    try:
        loaded = pickle.loads(raw)
    except Exception as err:  # noqa: BLE001 - whatever unpickling raises, the file is not a states file
        raise ValueError('%s is not a Trainer states file (written by Trainer.save_states): %s: %s'
                         % (fname, type(err).__name__, err)) from err
    if isinstance(loaded, tuple) and len(loaded) == 2:
        states, optimizer = loaded
    else:
        states, optimizer = loaded, None
    if not isinstance(states, dict):
        raise ValueError('%s is not a Trainer states file: it holds a %s, expected a dict of '
                         'optimizer states by Parameter index' % (fname, type(states).__name__))
    return states, optimizer


def _arrays(state):
    if isinstance(state, mx.nd.NDArray):
        return [state]
    if isinstance(state, (tuple, list)):
        return [array for part in state for array in _arrays(part)]
    return []


def _known(shape):
    return shape is not None and len(shape) > 0 and all(shape)


def _expected_shapes(param, index, optimizer):
    """The shapes of the state `optimizer` creates for `param`, or None where they cannot be known."""
    if not _known(param.shape):
        return None
    try:
        fresh = optimizer.create_state_multi_precision(
            index, mx.nd.zeros(param.shape, dtype=param.dtype))
    except Exception:  # noqa: BLE001 - an optimizer that cannot make a state here: check leaf by leaf
        return None
    return [tuple(array.shape) for array in _arrays(fresh)]


def _fits(shape, param_shape):
    """A state array of an optimizer that keeps one value per weight (a 0 in `param_shape` is unknown)."""
    return (len(shape) == len(param_shape)
            and all(not want or want == got for got, want in zip(shape, param_shape)))


def state_mismatches(states, params, describe, optimizer):
    """One line per state of `{index: state}` that does not fit the Parameter of its index."""
    problems = []
    for index in sorted(states, key=str):
        arrays = _arrays(states[index])
        shapes = [tuple(array.shape) for array in arrays]
        if not isinstance(index, int) or not 0 <= index < len(params):
            problems.append('state %r has no Parameter (indices go from 0 to %d)'
                            % (index, len(params) - 1))
            continue
        if not arrays:
            continue  # a stateless optimizer (plain SGD) keeps None: nothing to check
        param = params[index]
        expected = _expected_shapes(param, index, optimizer)
        if expected is not None:
            bad = shapes != expected
        else:
            bad = param.shape is not None and not all(_fits(s, param.shape) for s in shapes)
        if bad:
            problems.append('state %d has shape %s but %s (index %d) has shape %s'
                            % (index, _shapes(shapes), describe(index), index, tuple(param.shape)))
    return problems


def _shapes(shapes):
    return str(shapes[0]) if len(set(shapes)) == 1 else ' + '.join(map(str, shapes))
