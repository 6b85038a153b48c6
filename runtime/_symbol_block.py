"""`SymbolBlock`: a HybridBlock around an existing symbol graph (e.g. an exported model)."""
import copy

import numpy as np
from mxnet import ndarray, symbol

from . import _nest
from ._hybrid import HybridBlock
from .parameter import Parameter

# BatchNorm statistics stay float32 when the rest of the model is cast to float16.
_KEEP_FP32_SUFFIXES = ('running_mean', 'running_var', 'moving_mean', 'moving_var')


class SymbolBlock(HybridBlock):
    """Runs `outputs` (Symbol or list of Symbols) as a function of the variables `inputs`.

    Every other variable of the graph becomes a Parameter named like the variable. With
    `params` (e.g. `net.collect_params()`), Parameters whose `name` matches a variable are
    reused, and keys are structural when `params` has structural (dotted) keys.
    """

    @staticmethod
    def imports(symbol_file, input_names, param_file=None, ctx=None):
        """Loads a `-symbol.json` (and optional `.params`) written by `export`, ours or 1.x."""
        sym = symbol.load(symbol_file)
        if isinstance(input_names, str):
            input_names = [input_names]
        if param_file is None:
            inputs = [symbol.var(name, dtype='float32') for name in input_names]
        else:
            inputs = [symbol.var(name) for name in input_names]
        block = SymbolBlock(sym, inputs)
        if param_file is not None:
            block.load_parameters(param_file, ctx=ctx, cast_dtype=True, dtype_source='saved')
        return block

    def __init__(self, outputs, inputs, params=None):
        super().__init__()
        if isinstance(inputs, symbol.Symbol) and len(inputs.list_outputs()) == 1:
            inputs = [inputs]
        if isinstance(outputs, (list, tuple)) and len(outputs) == 1:
            outputs = outputs[0]
        in_syms, in_fmt = _nest.flatten(inputs, strict=True)
        out_syms, out_fmt = _nest.flatten(outputs, strict=True, what='output')
        out = out_syms[0] if len(out_syms) == 1 else symbol.Group(out_syms)
        input_names = []
        for sym in in_syms:
            if sym.get_children() is not None or len(sym.list_outputs()) != 1:
                raise ValueError('Input symbols must be variable, but %s is an output of '
                                 'operators. Pass symbol.var(...) objects as inputs.' % sym.name)
            input_names.append(sym.name)
        attrs = out.attr_dict()
        for name, var_attrs in attrs.items():
            if var_attrs.get('__storage_type__') == str(2):  # row_sparse
                raise ValueError("SymbolBlock doesn't support Parameter '%s' because its "
                                 "storage type is 'row_sparse'." % name)

        dtypes = self._infer_param_dtypes(out, in_syms)
        by_name = {}
        structural = {}
        if params:
            for key, param in params.items():
                by_name.setdefault(param.name, param)
                structural.setdefault(param.name, []).append(key)
        use_structural = bool(params) and any('.' in key for key in params)
        aux = set(out.list_auxiliary_states())
        for name in out.list_inputs():
            if name in input_names:
                continue
            param = by_name.get(name)
            if param is None:
                param = Parameter(name, allow_deferred_init=True, dtype=dtypes.get(name),
                                  grad_req='null' if name in aux else 'write')
                param._name = name
            else:
                param._check_and_setattr(dtype=dtypes.get(name))
            if use_structural:
                if name not in structural:
                    raise ValueError("Can not find structured name for Parameter %s in 'params': "
                                     "the graph uses it but 'params' has no structural key for "
                                     "it. Pass the complete net.collect_params()." % name)
                for key in structural[name]:
                    self._reg_params[key] = param
            else:
                self._reg_params[name] = param
        self._cached_graph = (in_syms, out)
        self._in_format = in_fmt
        self._out_format = out_fmt

    @staticmethod
    def _infer_param_dtypes(out, in_syms):
        given = {}
        for sym in in_syms:
            if '__dtype__' not in (sym.list_attr() or {}):
                given[sym.name] = np.float32
        arg_types, _, aux_types = out.infer_type_partial(**given)
        found = dict(zip(out.list_arguments(), arg_types or []))
        found.update(zip(out.list_auxiliary_states(), aux_types or []))
        return {k: (v if v is not None else np.float32) for k, v in found.items()}

    def __repr__(self):
        data_vars, out = self._cached_graph
        return 'SymbolBlock(\n{} : {} -> {}\n)'.format(out.name, len(data_vars),
                                                       len(out.list_outputs()))

    def _clear_cached_op(self):
        # The graph is this block's definition, not a trace: only the compiled op goes (S8.5).
        self._drop_compiled_op()

    def forward(self, x, *args):
        leaves, fmt = _nest.flatten([x] + list(args), strict=True)
        if leaves and isinstance(leaves[0], ndarray.NDArray):
            return self._call_cached_op(x, *args)
        if _nest.strip_trailing_none(fmt) != _nest.strip_trailing_none(self._in_format):
            raise ValueError('Invalid input format: expected %s, got %s. Pass the inputs nested '
                             'as the graph was built.' % (self._in_format, fmt))
        data_vars, out = self._cached_graph
        composed = copy.copy(out)
        composed._compose(**{v.name: s for v, s in zip(data_vars, leaves)})
        outs = [composed[i] for i in range(len(composed.list_outputs()))]
        return _nest.regroup(outs if len(outs) > 1 else [composed], self._out_format)

    def _get_graph(self, *args):
        return self._cached_graph

    def cast(self, dtype):
        self._clear_cached_op()
        for key, param in self._reg_params.items():
            keep = np.dtype(dtype) == np.float16 and key.endswith(_KEEP_FP32_SUFFIXES)
            param.cast('float32' if keep else dtype)

    def hybrid_forward(self, F, x, *args, **kwargs):
        raise NotImplementedError('SymbolBlock runs its stored graph; call it directly.')
