"""Parameter and Constant with the simplified (prefix-free) Gluon semantics.

A `Parameter` has no prefix: its `name` is `param_<uuid>_<name>`, unique per object and read-only,
so it is safe as a graph variable name and as a key in stock `mxnet.gluon.Trainer`, which it
accepts because the class subclasses the stock `mxnet.gluon.parameter.Parameter` (spec S9.2).
Block-level code addresses parameters by structural names instead (`'features.0.weight'`).
"""
import numbers
import uuid
import warnings
import weakref
from typing import Any, List, NamedTuple, Optional

import numpy as np
import mxnet as mx
from mxnet import autograd, context, initializer, ndarray, symbol
from mxnet.base import MXNetError, mx_real_t
from mxnet.context import Context, cpu
from mxnet.gluon import parameter as _stock
from mxnet.util import is_np_array, is_np_shape, np_array

from ._np import in_mode, to_legacy

__all__ = ['DeferredInitializationError', 'Parameter', 'Constant', 'tensor_types']

tensor_types = (symbol.Symbol, ndarray.NDArray)
_VALID_STYPES = ('default', 'row_sparse', 'csr')
_VALID_GRAD_REQS = ('write', 'add', 'null')


def unique_parameters(named, keep='first'):
    """`[(name, Parameter)]` with each Parameter object once, in walk order.

    `named` yields `(name, Parameter)`; a Parameter reached under several names (shared) keeps
    its first name, or its last with `keep='last'`. Objects are compared by identity: a
    Parameter is never merged with an equal-looking one.
    """
    named = list(named)
    if keep == 'last':
        last = {id(param): name for name, param in named}
        return [(name, param) for name, param in named if last[id(param)] == name]
    seen, out = set(), []
    for name, param in named:
        if id(param) not in seen:
            seen.add(id(param))
            out.append((name, param))
    return out


class DeferredInitializationError(MXNetError):
    """Raised when a Parameter is read before its deferred initialization has happened."""


class LoadProblem(NamedTuple):
    """Why a saved array cannot be loaded into a Parameter: `kind` is 'shape', 'dtype' or
    'ctx' (the fix depends on it), `message` says what was given and expected."""
    kind: str
    message: str


class _DeferredInit(NamedTuple):
    """An initialization requested before the shape was known, done at the first forward."""
    init: Any                 # the initializer chosen by precedence (spec S1.8)
    ctx: List[Context]        # where the value will live
    default_init: Any         # the block-level default initializer
    data: Optional[Any]       # a value given by set_data() meanwhile, used instead of `init`
    structure: str            # structural name, handed to the initializer (spec S1.11)


def _is_size(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= -1


def _checked_shape(shape):
    """`shape` as a tuple of ints (an int is a 1-tuple), or a ValueError saying what is wrong."""
    if shape is None:
        return None
    if _is_size(shape):
        return (int(shape),)
    try:
        sizes = tuple(shape) if not isinstance(shape, (str, bytes)) else None
    except TypeError:
        sizes = None
    if sizes is None or not all(_is_size(d) for d in sizes):
        raise ValueError("Parameter shape must be an int or a tuple of ints (0 or -1 for a size "
                         "inferred later), got %r. For example shape=(units, in_units) or "
                         "shape=(units, 0)." % (shape,))
    return tuple(int(d) for d in sizes)


def _shape_known(shape):
    return shape is not None and all(d > 0 for d in shape)


def _as_ctx_list(ctx):
    if ctx is None:
        return [context.current_context()]
    if isinstance(ctx, Context):
        return [ctx]
    return list(ctx)


class Parameter(_stock.Parameter):
    """A trainable tensor of a Block, held on one or more contexts.

    Parameters
    ----------
    name : str
        Suffix of the unique graph variable name (`param_<uuid>_<name>`); initializers see it.
    grad_req : {'write', 'add', 'null'}
    shape : int or tuple of int, optional
        Unknown dimensions are 0 and get completed by deferred shape inference.
    dtype : numpy.dtype or str
    lr_mult, wd_mult : float
        Learning-rate and weight-decay multipliers applied by the optimizer.
    init : Initializer, optional
        Takes precedence over the default initializer given to `initialize`.
    allow_deferred_init : bool
        Whether `initialize` on an unknown shape defers instead of failing.
    differentiable : bool
        False forces `grad_req='null'`.
    stype, grad_stype : {'default', 'row_sparse', 'csr'}
    """

    # Not calling the stock constructor on purpose: it assigns `self.name`, a read-only
    # property here (spec S1.2), and keeps a strong reference to the trainer.
    def __init__(self, name='weight', grad_req='write', shape=None, dtype=mx_real_t,
                 lr_mult=1.0, wd_mult=1.0, init=None, allow_deferred_init=False,
                 differentiable=True, stype='default', grad_stype='default'):
        if not isinstance(name, str):
            raise TypeError("Parameter name must be a str, got %r of type %s. Pass a short name "
                            "such as 'weight' (it ends the unique name; structural names come "
                            "from the attribute the Parameter is assigned to)."
                            % (name, type(name).__name__))
        if stype not in _VALID_STYPES:
            raise ValueError("stype for Parameter must be one of 'default', 'row_sparse', or "
                             "'csr', but got %r." % (stype,))
        if grad_stype not in _VALID_STYPES:
            raise ValueError("grad_stype for Parameter must be one of 'default', 'row_sparse', "
                             "or 'csr', but got %r." % (grad_stype,))
        shape = _checked_shape(shape)
        self._name = 'param_' + str(uuid.uuid4()).replace('-', '_') + '_' + name
        self._var = None
        self._data = None
        self._grad = None
        self._ctx_list = None
        self._ctx_map = None
        self._trainer = None
        self._deferred_init = None  # a _DeferredInit while one is pending
        self._differentiable = differentiable
        self._allow_deferred_init = allow_deferred_init
        self._grad_req = None
        self._shape = shape
        self._dtype = dtype
        self._stype = stype
        self._grad_stype = grad_stype
        self.lr_mult = lr_mult
        self.wd_mult = wd_mult
        self.init = init
        self.grad_req = grad_req

    @property
    def name(self):
        """Unique graph variable name, fixed at construction."""
        return self._name

    def __repr__(self):
        return 'Parameter (shape={}, dtype={})'.format(self.shape, self.dtype)

    # -- attributes ---------------------------------------------------------------------------
    @property
    def grad_req(self):
        return self._grad_req

    @grad_req.setter
    def grad_req(self, req):
        if req not in _VALID_GRAD_REQS:
            raise ValueError("grad_req must be one of 'write', 'add', or 'null', but got %r."
                             % (req,))
        if not self._differentiable:
            req = 'null'
        if self._grad_req == req:
            return
        self._grad_req = req
        if req == 'null' and self._grad is not None:
            self._grad = None
            self._data = [d.detach() for d in self._data]
        elif self._data is not None:
            self._init_grad()

    @property
    def dtype(self):
        return self._dtype

    @dtype.setter
    def dtype(self, dtype):
        self.cast(dtype)

    @property
    def shape(self):
        if self._shape is None:
            return None
        if is_np_shape():
            return tuple(d if d != 0 else -1 for d in self._shape)
        return self._shape

    @shape.setter
    def shape(self, new_shape):
        new_shape = tuple(new_shape) if new_shape is not None else None
        if self._shape is None or new_shape is None:
            self._shape = new_shape
            return
        compatible = len(self._shape) == len(new_shape) and all(
            old in (-1, 0, new) for new, old in zip(new_shape, self._shape))
        if not compatible:
            raise ValueError("Expected shape %s is incompatible with given shape %s for "
                             "Parameter %s: same rank and, per axis, an unknown size (0) or "
                             "the same size are required."
                             % (str(new_shape), str(self._shape), self.name))
        self._shape = new_shape

    # -- trainer link (weak: a Trainer must not be kept alive by its parameters, S1.20) -------
    def _set_trainer(self, trainer):
        current = self._trainer() if self._trainer is not None else None
        if (self._stype != 'default' and current is not None and trainer is not None
                and current is not trainer):
            raise RuntimeError(
                "Failed to set the trainer for Parameter '%s' because it was already set. "
                "A %s Parameter can be trained by one Trainer only: reuse that Trainer."
                % (self.name, self._stype))
        self._trainer = weakref.ref(trainer) if trainer is not None else None

    def _live_trainer(self):
        return self._trainer() if self._trainer is not None else None

    # -- access -------------------------------------------------------------------------------
    def _check_and_get(self, arr_list, ctx, numpy=None):
        if arr_list is not None:
            # Values are handed out in the current array mode, whatever the mode was when they
            # were created (spec S13.3); `in_mode` is a no-op when the modes agree.
            if numpy is None:
                numpy = is_np_array()
            if ctx is list:
                return [in_mode(a, numpy) for a in arr_list]
            if ctx is None:
                if len(arr_list) == 1:
                    return in_mode(arr_list[0], numpy)
                ctx = context.current_context()
            slots = self._ctx_map[ctx.device_typeid & 1]
            if ctx.device_id < len(slots) and slots[ctx.device_id] is not None:
                return in_mode(arr_list[slots[ctx.device_id]], numpy)
            raise RuntimeError("Parameter '%s' was not initialized on context %s. It was only "
                               "initialized on %s." % (self.name, ctx, self._ctx_list))
        if self._deferred_init:
            raise DeferredInitializationError(
                "Parameter '%s' has not been initialized yet because initialization was "
                "deferred. Actual initialization happens during the first forward pass. "
                "Please pass one batch of data through the network before accessing "
                "Parameters. You can also avoid deferred initialization by specifying "
                "in_units, num_features, etc., for network layers." % self.name)
        raise RuntimeError(
            "Parameter '%s' has not been initialized. Note that you should initialize "
            "parameters and create Trainer with Block.collect_params() instead of "
            "Block.params because the later does not include Parameters of nested child "
            "Blocks" % self.name)

    def _get_row_sparse(self, arr_list, ctx, row_id):
        if not isinstance(row_id, ndarray.NDArray):
            raise TypeError("row_id must be an NDArray of row indices, but %s is given."
                            % type(row_id).__name__)
        trainer = self._live_trainer()
        if trainer is None:
            raise RuntimeError("Cannot get row_sparse data for Parameter '%s' when no "
                               "Trainer is created with it." % self.name)
        results = self._check_and_get(arr_list, ctx)
        trainer._row_sparse_pull(self, results, row_id)
        return results

    def data(self, ctx=None):
        """Returns this parameter's value on `ctx` (the only context, or the current one)."""
        if self._stype != 'default':
            raise RuntimeError("Cannot return a copy of Parameter '%s' on ctx %s via data() "
                               "because its storage type is %s. Please use row_sparse_data() "
                               "instead." % (self.name, ctx, self._stype))
        return self._check_and_get(self._data, ctx)

    def _data_in(self, ctx, numpy):
        """`data(ctx)` for forward paths, which read the array mode once per call."""
        if self._stype != 'default':
            return self.data(ctx)  # raises: sparse values are read with row_sparse_data()
        ctx_list = self._ctx_list
        if self._data is not None and len(ctx_list) == 1 and ctx_list[0] == ctx:
            # One context, the asked one (the usual case): no slot lookup. A legacy or numpy
            # view only when the array's kind is not the current mode's (`in_mode`).
            return in_mode(self._data[0], numpy)
        return self._check_and_get(self._data, ctx, numpy)

    def list_data(self):
        """Returns the values on all contexts, in initialization order."""
        if self._stype != 'default':
            raise RuntimeError("Cannot return copies of Parameter '%s' on all contexts via "
                               "list_data() because its storage type is %s. Please use "
                               "row_sparse_data() instead." % (self.name, self._stype))
        return self._check_and_get(self._data, list)

    def grad(self, ctx=None):
        """Returns the gradient buffer on `ctx`."""
        if self._data is not None and self._grad is None:
            raise RuntimeError("Cannot get gradient array for Parameter '%s' because "
                               "grad_req='null'" % self.name)
        return self._check_and_get(self._grad, ctx)

    def list_grad(self):
        """Returns the gradient buffers on all contexts."""
        if self._data is not None and self._grad is None:
            raise RuntimeError("Cannot get gradient array for Parameter '%s' because "
                               "grad_req='null'" % self.name)
        return self._check_and_get(self._grad, list)

    def list_ctx(self):
        """Contexts the parameter lives on (the pending ones while deferred)."""
        if self._data is None:
            if self._deferred_init:
                return self._deferred_init.ctx
            raise RuntimeError("Parameter '%s' has not been initialized: call initialize() "
                               "(or the Block's initialize()) first." % self.name)
        return self._ctx_list

    def zero_grad(self):
        """Sets the gradient buffers to 0; no-op without gradients."""
        if self._grad is None:
            return
        for g in to_legacy(self._grad):
            ndarray.zeros_like(g, out=g)

    # -- initialization -----------------------------------------------------------------------
    def initialize(self, init=None, ctx=None, default_init=initializer.Uniform(),
                   force_reinit=False, structural_name=''):
        """Creates value and gradient on `ctx`, or records the request if the shape is unknown.

        Initializer precedence: `init` > `self.init` > `default_init`.
        """
        if self._data is not None and not force_reinit:
            warnings.warn("Parameter '%s' is already initialized, ignoring. Set "
                          "force_reinit=True to re-initialize." % self.name, stacklevel=2)
            return
        self._data = self._grad = None
        ctx = _as_ctx_list(ctx)
        if init is None:
            init = default_init if self.init is None else self.init
        if not _shape_known(self.shape):
            if self._allow_deferred_init:
                self._deferred_init = _DeferredInit(init, ctx, default_init, None,
                                                    structural_name)
                return
            raise ValueError("Cannot initialize Parameter '%s' because it has invalid shape: "
                             "%s. Give the full shape at construction, or pass "
                             "allow_deferred_init=True to infer it at the first forward."
                             % (self.name, str(self.shape)))
        self._deferred_init = _DeferredInit(init, ctx, default_init, None, structural_name)
        self._finish_deferred_init()

    def _finish_deferred_init(self):
        if not self._deferred_init:
            return
        pending = self._deferred_init
        if not _shape_known(self.shape):
            raise ValueError("Cannot initialize Parameter '%s' because it has invalid shape: "
                             "%s still has unknown sizes after shape inference. Give the layer "
                             "its input size (in_units, in_channels, ...)."
                             % (self.name, str(self.shape)))
        self._deferred_init = None
        with autograd.pause():
            data = pending.data
            if data is None:
                data = self._initial_value(pending.init, pending.default_init, pending.structure)
            self._init_impl(data, pending.ctx)

    def _initial_value(self, init, default_init, structure):
        """A new cpu value filled by the initializer, in the current array mode (S1.11)."""
        desc = initializer.InitDesc(self.name, {'__init__': init, 'structure': structure})
        numpy = is_np_array()
        if numpy and (self._stype != 'default' or self._grad_stype != 'default'):
            raise ValueError("Parameter '%s' has stype=%r, grad_stype=%r, but numpy mode has no "
                             "sparse arrays. Use dense storage (e.g. sparse_grad=False), or "
                             "call npx.reset_np() to use sparse arrays."
                             % (self.name, self._stype, self._grad_stype))
        if numpy and np.dtype(self.dtype) == np.float32:
            data = mx.np.zeros(shape=self.shape, dtype=self.dtype, ctx=cpu())
            initializer.create(default_init)(desc, data)
            return data
        # MXNet 1.9.1's numpy random operators cannot fill other dtypes (float64 fails in
        # `_npi_uniform`): those are filled as legacy arrays, then viewed as numpy arrays.
        with np_array(False):
            data = ndarray.zeros(shape=self.shape, dtype=self.dtype, ctx=cpu(), stype=self._stype)
            initializer.create(default_init)(desc, data)
        return data.as_np_ndarray() if numpy else data

    def _init_impl(self, data, ctx_list):
        self._ctx_list = list(ctx_list)
        self._ctx_map = [[], []]
        for i, ctx in enumerate(self._ctx_list):
            slots = self._ctx_map[ctx.device_typeid & 1]
            slots.extend([None] * (ctx.device_id + 1 - len(slots)))
            slots[ctx.device_id] = i
        self._data = [data.copyto(ctx) for ctx in self._ctx_list]
        self._init_grad()

    def _init_grad(self):
        if self.grad_req == 'null':
            self._grad = None
            return
        # Gradient buffers are of the same kind (numpy or legacy) as the values they belong to.
        self._grad = [mx.np.zeros(shape=d.shape, dtype=d.dtype, ctx=d.ctx)
                      if isinstance(d, mx.np.ndarray) else
                      ndarray.zeros(shape=d.shape, dtype=d.dtype, ctx=d.ctx,
                                    stype=self._grad_stype) for d in self._data]
        autograd.mark_variables(self._data, self._grad, self.grad_req)

    def _reduce(self):
        """The value averaged over contexts, on cpu (what checkpoints store)."""
        target = cpu()
        if self._stype == 'default':
            arrays = self.list_data()
            if len(arrays) == 1:
                return arrays[0].copyto(target)
            total = ndarray.add_n(*(a.copyto(target) for a in to_legacy(arrays)))
            return in_mode(total / len(arrays))
        trainer = self._live_trainer()
        if trainer is None:
            raise RuntimeError("Cannot reduce row_sparse Parameter '%s' without a Trainer: "
                               "create a Trainer with it first." % self.name)
        row_ids = ndarray.arange(0, self.shape[0], dtype='int64', ctx=target)
        data = ndarray.zeros(self.shape, stype='row_sparse', ctx=target)
        trainer._row_sparse_pull(self, data, row_ids, full_idx=True)
        return data

    def reset_ctx(self, ctx):
        """Moves the parameter to `ctx` (a Context or a list of them)."""
        ctx = _as_ctx_list(ctx)
        if self._data:
            data = self._reduce()
            with autograd.pause():
                self._init_impl(data, ctx)
        elif self._deferred_init:
            self._deferred_init = self._deferred_init._replace(ctx=ctx)
        else:
            raise ValueError("Cannot reset context for Parameter '%s' because it has not been "
                             "initialized: call initialize(ctx=...) instead." % self.name)

    def set_data(self, data):
        """Sets the value on every context (kept for later while initialization is deferred)."""
        self.shape = data.shape
        if self._data is None:
            if not self._deferred_init:
                raise RuntimeError("Parameter '%s' has not been initialized: call initialize() "
                                   "before set_data()." % self.name)
            self._deferred_init = self._deferred_init._replace(data=data)
            return
        trainer = self._live_trainer()
        if (trainer is not None and trainer._kv_initialized and trainer._update_on_kvstore
                and self not in trainer._params_to_init):
            trainer._reset_kvstore()
        for arr in self._check_and_get(self._data, list):
            arr[:] = in_mode(data)

    def _load_init(self, data, ctx, cast_dtype=False, dtype_source='current'):
        """(Re)initializes from a loaded array; callers check compatibility first."""
        if cast_dtype and dtype_source not in ('current', 'saved'):
            raise ValueError("dtype_source must be 'current' or 'saved', got %r"
                             % (dtype_source,))
        problem = self._load_problem(data, cast_dtype)
        if problem:
            raise ValueError("Failed loading Parameter '%s' from saved params: %s"
                             % (self.name, problem.message))
        if self._shape is None:
            self._shape = tuple(data.shape)
        else:
            self._shape = tuple(d if d > 0 else s for d, s in zip(self._shape, data.shape))
        if self.dtype is not None and np.dtype(self.dtype) != np.dtype(data.dtype):
            if dtype_source == 'saved':
                self.cast(data.dtype)
            else:
                data = data.astype(self.dtype, copy=False)
        if self._stype != data.stype:
            data = data.tostype(self._stype)
        if isinstance(ctx, Context):
            ctx = [ctx]
        if self._data is None:
            if self._deferred_init:
                pending = self._deferred_init.ctx
                if ctx is not None and set(ctx) != set(pending):
                    raise ValueError("Failed to load Parameter '%s' on %s because it was "
                                     "previously initialized on %s." % (self.name, ctx, pending))
                ctx = pending
            elif ctx is None:
                ctx = [cpu()]
            self._init_impl(data, ctx)
        else:
            if ctx is not None and set(ctx) != set(self.list_ctx()):
                raise ValueError("Failed to load Parameter '%s' on %s because it was previously "
                                 "initialized on %s." % (self.name, ctx, self.list_ctx()))
            self.set_data(data)
        self._deferred_init = None

    def _load_problem(self, data, cast_dtype):
        """A LoadProblem saying why `data` cannot be loaded into this Parameter, or None."""
        if self.shape:
            if len(self.shape) != len(data.shape) or any(
                    d > 0 and d != s for d, s in zip(self.shape, data.shape)):
                return LoadProblem('shape', 'shape incompatible: the model expects %s, the '
                                            'saved array has %s' % (self.shape, data.shape))
        if (not cast_dtype and self.dtype is not None
                and np.dtype(self.dtype) != np.dtype(data.dtype)):
            return LoadProblem('dtype', 'dtype incompatible: the model expects %s, the saved '
                                        'array has %s (set cast_dtype=True to cast)'
                               % (np.dtype(self.dtype), np.dtype(data.dtype)))
        return None

    def _check_and_setattr(self, **kwargs):
        """Merges attributes (SymbolBlock reuse, S1.22): unset ones are assigned."""
        for key, value in kwargs.items():
            stored = getattr(self, key, None)
            if stored is None or value is None:
                if value is not None:
                    setattr(self, key, value)
                continue
            if key == 'shape':
                if len(stored) == len(value) and all(
                        a in (0, -1, b) or b in (0, -1) for a, b in zip(stored, value)):
                    self._shape = tuple(a if a > 0 else b for a, b in zip(stored, value))
                    continue
            elif key == 'dtype':
                if np.dtype(stored) == np.dtype(value):
                    continue
            elif stored == value:
                continue
            raise ValueError("Cannot retrieve Parameter '%s' because desired attribute does not "
                             "match with stored for attribute '%s': desired '%s' vs stored '%s'."
                             % (self.name, key, value, stored))

    def var(self):
        """The graph variable for this parameter, named `self.name`."""
        if self._var is None:
            self._var = symbol.var(self.name, shape=self.shape, dtype=self.dtype,
                                   lr_mult=self.lr_mult, wd_mult=self.wd_mult,
                                   init=self.init, stype=self._stype)
        # A numpy symbol in numpy mode (spec S13.4), the legacy one otherwise.
        return in_mode(self._var)

    def cast(self, dtype):
        """Casts value and gradient to `dtype`."""
        self._dtype = dtype
        self._var = None
        if self._data is None:
            return
        with autograd.pause():
            self._data = [d.astype(dtype) for d in self._data]
            if self._grad is None:
                return
            self._grad = [g.astype(dtype) for g in self._grad]
            autograd.mark_variables(self._data, self._grad, self.grad_req)


class Constant(Parameter):
    """A parameter that is never trained (`grad_req` is always 'null').

    Parameters
    ----------
    value : array-like or NDArray
        The constant value; shape and dtype are taken from it.
    """

    def __init__(self, value):
        if not isinstance(value, ndarray.NDArray):
            value = (mx.np.array if is_np_array() else ndarray.array)(value)
        self.value = value
        # The registered initializer class lives for the whole process in MXNet's registry: it
        # must reach the value through a weak reference to this Constant, or every Constant's
        # array would stay alive forever (stock 1.9.1 leaks it that way).
        constant = weakref.ref(self)

        class _CopyValue(initializer.Initializer):
            def _init_weight(self, _, arr):
                owner = constant()
                if owner is None:
                    raise RuntimeError('The Constant this initializer was created for no '
                                       'longer exists; create a new Constant instead.')
                to_legacy(owner.value).copyto(to_legacy(arr))

        # Unique for the process: an id() could be reused and re-register the alias.
        init_name = 'Constant_{}'.format(uuid.uuid4().hex)
        initializer.alias(init_name)(_CopyValue)
        super().__init__('const', grad_req='null', shape=value.shape, dtype=value.dtype,
                         init=init_name)

    def __repr__(self):
        return 'Constant (shape={}, dtype={})'.format(self.shape, self.dtype)

    @property
    def grad_req(self):
        return 'null'

    @grad_req.setter
    def grad_req(self, req):
        if req != 'null':
            warnings.warn('Constant parameter "{}" does not support grad_req other than "null", '
                          'and new value "{}" is ignored.'.format(self.name, req))
        self._grad_req = 'null'
