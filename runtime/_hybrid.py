"""`HybridBlock`: eager `hybrid_forward(mx.nd, ...)`, or one cached graph when hybridized."""
import json
import warnings

import mxnet as mx
from mxnet import ndarray, symbol
from mxnet.util import is_np_array

from . import _checkpoint, _nest, _np
from ._block import Block
from .parameter import DeferredInitializationError

# Flags of Gluon 1.x's explicit hybridize() signature that are not CachedOp flags.
_NOT_CACHEDOP_FLAGS = ('clear', 'partition_if_dynamic')
# The input format of a graph traced from one tensor argument (`_nest.flatten([x])`).
_ONE_TENSOR = [_nest.LEAF]


def _decode(value):
    return value.decode() if isinstance(value, bytes) else value


class HybridBlock(Block):
    """A Block whose `hybrid_forward(F, x, *args, **params)` runs with F = mx.nd or mx.sym.

    After `hybridize()`, the first call traces the whole subtree into one symbol graph and later
    calls run it through `mx.nd.CachedOp` with the flags given to `hybridize`.
    """

    def __init__(self):
        super().__init__()
        self._active = False
        self._flags = []
        self._backend = None
        self._backend_opts = None
        self._op_hook = None
        # Two states: the traced graph (a definition: inputs, output symbol, nesting formats,
        # array mode) and the op compiled from it (CachedOp and its argument binding).
        self._cached_graph = ()
        self._graph_np_mode = None
        self._in_format = None
        self._out_format = None
        self._cached_op = None
        self._cached_op_args = []

    def _clear_cached_op(self):
        """Forgets the traced graph and the compiled op: the next call traces again."""
        self._cached_graph = ()
        self._graph_np_mode = None
        self._in_format = None
        self._out_format = None
        self._drop_compiled_op()

    def _drop_compiled_op(self):
        """Forgets the compiled op only; the graph stays and is compiled again when needed."""
        self._cached_op = None
        self._cached_op_args = []

    def _deactivate(self, reason):
        if self._active:
            warnings.warn('Currently the model has been hybridized. Automatically deactivate '
                          'the hybridization when {}. Call hybridize() again to re-enable it.'
                          .format(reason), stacklevel=4)
            self._active = False
        self._clear_cached_op()

    def register_child(self, block, name=None):
        """Registers a HybridBlock child; a hybridized block is deactivated (warning)."""
        if not isinstance(block, HybridBlock):
            raise ValueError(
                "Children of HybridBlock must also be HybridBlock, but %s has type %s. Make it a "
                "HybridBlock (hybrid_forward), or use Sequential/Block as the parent; for a "
                "stack of layers use HybridSequential." % (block, type(block).__name__))
        super().register_child(block, name)
        if hasattr(self, '_active'):
            self._deactivate('changing the children blocks')
            self._invalidate_ancestor_graphs()

    def _structure_changed(self, reason):
        # Upstream keeps running a stale Parameter in the cached graph (spec S2.5); we do not:
        # this block is deactivated and every ancestor rebuilds its graph at its next call.
        if hasattr(self, '_active'):
            self._deactivate(reason)
            self._invalidate_ancestor_graphs()

    def cast(self, dtype):
        """Casts parameters; a hybridized block is deactivated (warning)."""
        self._deactivate('cast the block to use another data type')
        self._invalidate_ancestor_graphs()
        super().cast(dtype)

    def hybridize(self, active=True, backend=None, backend_opts=None, **kwargs):
        """Turns graph execution on/off for this block and its descendants.

        Keyword arguments (`static_alloc`, `static_shape`, `inline_limit`, ...) are handed to
        `mx.nd.CachedOp` as flags.
        """
        clear = kwargs.pop('clear', True)
        self._active = active
        self._backend = backend
        self._backend_opts = backend_opts
        self._flags = [(k, v) for k, v in kwargs.items() if k not in _NOT_CACHEDOP_FLAGS]
        if clear or not active:
            self._clear_cached_op()
        if (active and self._forward_hooks) or self._forward_pre_hooks:
            warnings.warn('"{block}" is being hybridized while still having forward hook/'
                          'pre-hook. If "{block}" is a child of HybridBlock, the hooks will not '
                          'take effect.'.format(block=self), stacklevel=2)
        for child in self._children.values():
            child.hybridize(active, backend=backend, backend_opts=backend_opts, clear=clear,
                            **kwargs)

    def register_op_hook(self, callback, monitor_all=False):
        """Installs `callback(name: str, op_name: str, array: NDArray)` on the cached graphs."""
        def decoded(name, op_name, handle):
            array = ndarray.NDArray(mx.base.NDArrayHandle(handle), writable=False)
            callback(_decode(name), _decode(op_name), array)
        self._op_hook = (decoded, monitor_all)
        if self._cached_op is not None:
            self._cached_op._register_op_hook(decoded, monitor_all)
        if self._flags and any(k in ('static_alloc', 'static_shape') and v
                               for k, v in self._flags):
            warnings.warn('register_op_hook is experimental with static_alloc=True or '
                          'static_shape=True: the callback may miss operators. Hybridize '
                          'without them to monitor every operator.', stacklevel=2)
        super().register_op_hook(callback, monitor_all)

    # -- forward ------------------------------------------------------------------------------
    def hybrid_forward(self, F, x, *args, **kwargs):
        """Computation with F = mx.nd or mx.sym; own Parameters arrive as keyword arguments."""
        raise NotImplementedError('%s must override hybrid_forward()' % type(self).__name__)

    def forward(self, x, *args):
        if not args and isinstance(x, ndarray.NDArray):
            # The usual call, one array: no nesting to flatten or check (forward is on the
            # path of every layer call, so its overhead is the runtime's overhead).
            if self._active:
                return self._call_cached_op(x)
            return self._eager_forward(x.ctx, x)
        leaves = _nest.leaves_of([x, list(args)])
        has_nd = any(isinstance(a, ndarray.NDArray) for a in leaves)
        has_sym = any(isinstance(a, symbol.Symbol) for a in leaves)
        if has_nd and has_sym:
            raise ValueError('%s got mixed NDArrays and Symbols as inputs (%s); pass only '
                             'NDArrays (to compute) or only Symbols (to build a graph).'
                             % (type(self).__name__, [type(a).__name__ for a in leaves]))
        if has_sym:
            return self._symbolic_forward(x, *args)
        if not has_nd:
            raise ValueError('In HybridBlock, there must be one NDArray or one Symbol in the '
                             'input of %s; got %s. Pass the data as an NDArray (mx.nd.array(...) '
                             'or mx.np.array(...)).'
                             % (type(self).__name__, [type(a).__name__ for a in leaves]))
        if self._active:
            return self._call_cached_op(x, *args)
        ctx = next(a.ctx for a in leaves if isinstance(a, ndarray.NDArray))
        return self._eager_forward(ctx, x, *args)

    def _eager_forward(self, ctx, x, *args):
        """`hybrid_forward(mx.nd, ...)` with the Parameters' values on `ctx` (deferred
        initialization done here at the first call)."""
        numpy = is_np_array()
        with ctx:
            try:
                params = {k: p._data_in(ctx, numpy) for k, p in self._reg_params.items()}
            except DeferredInitializationError:
                self._infer_and_finish(x, *args)
                params = {k: p._data_in(ctx, numpy) for k, p in self._reg_params.items()}
            return self.hybrid_forward(ndarray, x, *args, **params)

    def _symbolic_forward(self, *args):
        # Only this block's name as prefix (not nested in the parent's): op `dense0_fwd`.
        with mx.name.Prefix(self.name + '_'):
            params = {k: p.var() for k, p in self._reg_params.items()}
            return self.hybrid_forward(symbol, *args, **params)

    # -- graph --------------------------------------------------------------------------------
    def _trace(self, args, strict):
        """Builds the symbol graph for `args`: `(data vars, output symbol, in fmt, out fmt)`."""
        leaves, in_fmt = _nest.flatten(list(args), strict)
        tensors = [a for a in leaves if isinstance(a, ndarray.NDArray)]
        if strict and not tensors:
            raise ValueError('%s was called with no tensor (args=%s): a hybridized block needs at '
                             'least one NDArray input.' % (type(self).__name__, args))
        if len(tensors) == 1:
            names = ['data']
        else:
            names = ['data%d' % i for i in range(len(tensors))]
        data_vars, inputs, it = [], [], iter(names)
        for leaf in leaves:
            if isinstance(leaf, ndarray.NDArray):
                var = symbol.var(next(it))
                if is_np_array():  # numpy mode: `F.np` ops take numpy symbols (as `Parameter.var()`)
                    var = var.as_np_ndarray()
                data_vars.append(var)
                inputs.append(var)
            else:
                inputs.append(leaf)
        grouped = _nest.regroup(inputs, in_fmt)
        out = self._symbolic_forward(*grouped)
        outs, out_fmt = _nest.flatten(out, strict=True, what='output')
        out_sym = outs[0] if len(outs) == 1 else symbol.Group(outs)
        return data_vars, out_sym, in_fmt, out_fmt

    def _get_graph(self, *args):
        if not self._cached_graph:
            data_vars, out, self._in_format, self._out_format = self._trace(args, strict=True)
            self._cached_graph = (data_vars, out)
            self._graph_np_mode = is_np_array()
        return self._cached_graph

    def _infer_attrs(self, graph, args, method):
        data_vars, out = graph
        tensors = [a for a in _nest.leaves_of(list(args)) if isinstance(a, ndarray.NDArray)]
        attr = 'shape' if method == 'infer_shape' else 'dtype'
        given = {v.name: getattr(t, attr) for v, t in zip(data_vars, tensors)}
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            arg_attrs, _, aux_attrs = getattr(out, method)(**given)
        if arg_attrs is None:
            raise ValueError('%s of %s could not be completed from the inputs %s: give the '
                             'layers their input sizes (in_units, in_channels, ...).'
                             % (method, self.name, given))
        found = dict(zip(out.list_arguments(), arg_attrs))
        found.update(zip(out.list_auxiliary_states(), aux_attrs))
        for param in self._unique_params():
            if param.name in found:
                if attr == 'shape':
                    param.shape = found[param.name]
                else:
                    param._dtype = found[param.name]
                    param._var = None

    def _infer_and_finish(self, *args):
        """Deferred init: infer shapes over this block's graph, then create the values."""
        graph = self._cached_graph or self._trace(args, strict=False)[:2]
        try:
            self._infer_attrs(graph, args, 'infer_shape')
        except Exception as err:
            raise ValueError('Deferred initialization failed because shape cannot be inferred. '
                             '{}'.format(err)) from err
        used = set(graph[1].list_inputs())
        for param in self._unique_params():
            if param.name in used:
                param._finish_deferred_init()

    def infer_shape(self, *args):
        """Infers and sets the shapes of all Parameters from example inputs."""
        self._infer_attrs(self._get_graph(*args), args, 'infer_shape')

    def infer_type(self, *args):
        """Infers and sets the dtypes of all Parameters from example inputs."""
        self._infer_attrs(self._get_graph(*args), args, 'infer_type')

    def _build_cache(self, *args):
        data_vars, out = self._get_graph(*args)
        data_pos = {v.name: i for i, v in enumerate(data_vars)}
        params, keys = {}, {}
        for key, param in self._collect_params_with_prefix().items():
            params.setdefault(param.name, param)
            keys.setdefault(param.name, []).append(key)
        inputs = out.list_inputs()
        used = set(inputs)
        unused_data = [name for name in data_pos if name not in used]
        if unused_data:
            warnings.warn('The %s input to HybridBlock is not used by any computation. Is '
                          'this intended?' % ', '.join(unused_data), stacklevel=4)
        # One warning per graph naming the structural keys, as stock names its prefixed names:
        # the uuid names differ per object, so one warning each would defeat the warnings
        # filter's deduplication and flood the log on every rebuilt graph.
        unused = sorted(key for name in params if name not in used for key in keys[name])
        if unused:
            warnings.warn('Parameter %s is not used by any computation. Is this intended?'
                          % ', '.join(unused), stacklevel=4)
        call_args, data_indices, param_indices = [], [], []
        for i, name in enumerate(inputs):
            if name in data_pos:
                data_indices.append(i)
                call_args.append((True, data_pos[name]))
            elif name in params:
                param_indices.append(i)
                call_args.append((False, params[name]))
            else:
                raise ValueError('Unknown input to HybridBlock: %s. Every graph input must be a '
                                 'data input or a Parameter of this block or its children: '
                                 'assign the Parameter to an attribute of one of them.' % name)
        if any(p._deferred_init for is_data, p in call_args if not is_data):
            self._infer_and_finish(*args)
        flags = [('data_indices', data_indices), ('param_indices', param_indices)]
        self._cached_op = ndarray.CachedOp(out, flags + list(self._flags))
        self._cached_op_args = call_args
        if self._op_hook is not None:
            self._cached_op._register_op_hook(*self._op_hook)

    def _call_cached_op(self, *args):
        numpy = is_np_array()
        if self._graph_np_mode is not None and self._graph_np_mode != numpy:
            # Traced in the other array mode: its operators would refuse these arrays (S13.4).
            self._clear_cached_op()
        if self._cached_op is None:
            self._build_cache(*args)
        if (len(args) == 1 and self._in_format == _ONE_TENSOR
                and isinstance(args[0], ndarray.NDArray)):
            leaves, ctx = args, args[0].ctx  # the usual call: nothing to flatten or compare
        else:
            leaves, ctx = self._checked_leaves(args)
        call = [leaves[ref] if is_data else ref._data_in(ctx, numpy)
                for is_data, ref in self._cached_op_args]
        with ctx:
            out = self._cached_op(*call)
        if isinstance(out, ndarray.NDArray):
            out = [out]
        if numpy and not isinstance(out[0], mx.np.ndarray):
            out = _np.to_numpy(out)  # a legacy graph (SymbolBlock, legacy island) in numpy mode
        return _nest.regroup(out, self._out_format)

    def _checked_leaves(self, args):
        """The tensors of `args` and their one context; the nesting must be the traced one."""
        leaves, fmt = _nest.flatten(list(args), strict=True)
        if _nest.strip_trailing_none(fmt) != _nest.strip_trailing_none(self._in_format):
            raise ValueError('The argument structure of HybridBlock does not match the cached '
                             'version. Stored format = {}, input format = {}. Call hybridize() '
                             'again to rebuild the graph for the new structure.'
                             .format(self._in_format, fmt))
        ctxs = {a.ctx for a in leaves}
        if len(ctxs) > 1:
            raise ValueError('The inputs of hybridized {} live on multiple contexts {}; a '
                             'hybridized block takes inputs on one context. Move them with '
                             'as_in_context(ctx).'.format(type(self).__name__, sorted(map(str, ctxs))))
        return leaves, leaves[0].ctx

    def optimize_for(self, x, *args, backend=None, backend_opts=None, **kwargs):
        """Hybridizes and builds the cached graph for the given inputs without running it."""
        self.hybridize(True, backend=backend, backend_opts=backend_opts, **kwargs)
        self._build_cache(x, *args)

    # -- export -------------------------------------------------------------------------------
    def export(self, path, epoch=0, remove_amp_cast=True):
        """Writes `path-symbol.json` and `path-%04d.params`; returns both file names.

        Parameter variables are renamed to their structural names, so the files are the same
        for every export of the same model (unlike the per-object uuid names).
        """
        if not self._cached_graph:
            raise RuntimeError('Please first call block.hybridize() and then run forward with '
                               'this block at least once before calling export.')
        data_vars, out = self._cached_graph
        if remove_amp_cast and hasattr(out, 'remove_amp_cast'):
            out = out.remove_amp_cast()
        structural = {}
        for key, param in self._collect_params_with_prefix().items():
            structural.setdefault(param.name, (key, param))
        taken = {v.name for v in data_vars}
        clash = [key for key, _ in structural.values() if key in taken]
        if clash:
            raise ValueError('Cannot export: Parameter names %s collide with data input names. '
                             'Rename those attributes.' % clash)
        graph = json.loads(out.tojson())
        for node in graph['nodes']:
            if node['op'] == 'null' and node['name'] in structural:
                node['name'] = structural[node['name']][0]
        renamed = symbol.load_json(json.dumps(graph))
        sym_file = '%s-symbol.json' % path
        renamed.save(sym_file, remove_amp_cast=False)
        aux = set(out.list_auxiliary_states())
        arrays = {}
        for name in out.list_inputs():
            if name in structural:
                key, param = structural[name]
                arrays[('aux:' if name in aux else 'arg:') + key] = param._reduce()
        params_file = '%s-%04d.params' % (path, epoch)
        _checkpoint.save_arrays(params_file, {k: arrays[k] for k in sorted(arrays)})
        return sym_file, params_file
