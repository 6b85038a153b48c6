"""Numpy mode (`npx.set_np()`): arrays and symbols in the current mode, and legacy islands.

MXNet 1.9.1 has two array modes; the legacy operators (`FullyConnected`, `InstanceNorm`, ...)
refuse `mx.np` arrays and numpy symbols. Layers with an `npx` operator call it in numpy mode, as
stock Gluon does. Layers whose operator exists only in legacy form run inside a *legacy island*
(`legacy_operators`): their inputs are turned into legacy views of the same memory, the layer runs
with numpy mode switched off, and its outputs come back as `mx.np` values (spec S13.1). Views are
shallow: no copy, and autograd sees through them.
"""
import functools

from mxnet import ndarray, symbol
from mxnet.numpy import ndarray as _NpArray
from mxnet.symbol.numpy import _Symbol as _NpSymbol
from mxnet.util import is_np_array, np_array

__all__ = ['in_mode', 'to_legacy', 'to_numpy', 'call_legacy', 'legacy_operators', 'is_np_array']


def _is_numpy(value):
    return isinstance(value, (_NpArray, _NpSymbol))


def _convert(value, numpy):
    """`value` (nested lists/tuples of arrays or symbols) as numpy (True) or legacy values."""
    if isinstance(value, (ndarray.NDArray, symbol.Symbol)):
        if _is_numpy(value) == numpy:
            return value
        return value.as_np_ndarray() if numpy else value.as_nd_ndarray()
    if isinstance(value, (list, tuple)):
        return type(value)(_convert(item, numpy) for item in value)
    return value


def to_legacy(value):
    """Legacy views of the arrays/symbols in `value` (nested lists and tuples kept)."""
    return _convert(value, False)


def to_numpy(value):
    """Numpy views of the arrays/symbols in `value` (nested lists and tuples kept)."""
    return _convert(value, True)


def in_mode(value, numpy=None):
    """One array or symbol as the current mode wants it (a view when the mode differs).

    `numpy` is the mode, when the caller already knows it (forward paths read it once per call).
    """
    if numpy is None:
        numpy = is_np_array()
    if isinstance(value, (_NpArray, _NpSymbol)) == numpy:
        return value
    return value.as_np_ndarray() if numpy else value.as_nd_ndarray()


def call_legacy(function, *args, **kwargs):
    """`function(*args, **kwargs)` with legacy operators; numpy values in and out (S13.1)."""
    if not is_np_array():
        return function(*args, **kwargs)
    kwargs = {key: to_legacy(value) for key, value in kwargs.items()}
    with np_array(False):
        out = function(*to_legacy(args), **kwargs)
    return to_numpy(out)


def legacy_operators(method):
    """Runs `method(self, *args)` with legacy operators when numpy mode is on (spec S13.1).

    For a layer method (`forward`, `unroll`) written only with legacy operators. In legacy mode,
    or inside another island, the method runs unchanged.
    """
    @functools.wraps(method)
    def run(self, *args, **kwargs):
        return call_legacy(functools.partial(method, self), *args, **kwargs)
    return run
