"""Side-by-side comparison of a stock MXNet 1.9.1 Gluon block and its `gluon_runtime` twin.

The runtime's promise for every layer (issue 4, spec S3.7, S7.5) is: built with the same
hyperparameters, a stock block and a runtime block have the same structural parameter names and
shapes, and with the same weights they compute the same outputs and gradients, eager and
hybridized. These helpers check exactly that and raise `EquivalenceError` (an AssertionError, so
pytest shows it as a failure) whose message names the first difference found.

API
---
`check_equivalent(make_stock, make_runtime, inputs, train_mode=True, hybridize=(False, True),
                  rtol=1e-5, atol=1e-6, init=None, ctx=None)`
    The whole check. `make_stock()` / `make_runtime()` build fresh blocks (called once per mode, so
    that hybridized runs also exercise deferred initialization inside the graph). `inputs` is one
    NDArray or a list of them (never modified). For each mode: initialize both blocks, run one
    inference forward to resolve deferred shapes, compare names/shapes/dtypes, copy the stock
    weights into the runtime block, then run forward+backward under `autograd.record(train_mode)`
    and compare outputs, every parameter gradient, every input gradient (float inputs), and the
    values of `grad_req='null'` parameters after the step (BatchNorm running statistics).
    Returns `{mode: (stock_outputs, runtime_outputs)}` as lists of numpy arrays, mode in
    `'eager'`/`'hybridized'`.
`assert_same_structure(stock_block, runtime_block)`
    Stock `_collect_params_with_prefix()` vs runtime `collect_params()`: same keys in the same
    order, same shapes, dtypes and grad_req. Both blocks must be initialized with known shapes.
`copy_stock_params(stock_block, runtime_block)`
    `set_data` of every runtime parameter from the stock parameter with the same structural name.
`assert_same_step(stock_block, runtime_block, inputs, train_mode=True, rtol=1e-5, atol=1e-6)`
    One forward+backward on both (blocks already initialized with equal weights); returns the
    outputs as two lists of numpy arrays.
`structure(block)`
    `[(structural name, shape, dtype name, grad_req)]` of a stock or runtime block.
`structural_params(block)`
    `{structural name: Parameter}` of a stock block (its `_collect_params_with_prefix()`) or of a
    runtime block (`collect_params()`).

Numpy mode (spec S13): `check_equivalent(..., numpy=True)` runs the runtime block under
`npx.set_np()` semantics with `mx.np` inputs; the stock block runs in numpy mode too, or, with
`stock_numpy=False`, in legacy mode (for the layers stock 1.9.1 cannot run in numpy mode, whose
runtime twins must then give the legacy values). `numpy_mode(active)` is the context manager used
for that; it always restores the previous mode.

Use `train_mode=False` for layers whose training mode is random (Dropout with p > 0); BatchNorm
is deterministic in training mode and is best compared there (batch statistics and running-stat
updates are both exercised).
"""
import warnings
from contextlib import contextmanager

import numpy as np
import mxnet as mx
from mxnet import autograd
from mxnet.util import is_np_array, np_array, np_shape

__all__ = ['EquivalenceError', 'check_equivalent', 'assert_same_structure', 'copy_stock_params',
           'assert_same_step', 'structure', 'structural_params', 'numpy_mode']


@contextmanager
def numpy_mode(active):
    """Numpy array and shape semantics on (`active`) or off inside the block, then restored."""
    if active:
        with np_shape(True), np_array(True):
            yield
    else:
        with np_array(False), np_shape(False):
            yield


class EquivalenceError(AssertionError):
    """The stock and the runtime block differ; the message says where."""


def structural_params(block):
    """`{structural name: Parameter}` for a stock block (1.9.1) or a runtime block."""
    if isinstance(block, mx.gluon.Block):
        # 1.9.1 collect_params() is keyed by prefixed names; this is its structural walk.
        return block._collect_params_with_prefix()  # noqa: GLN009
    return block.collect_params()


def structure(block):
    """`[(structural name, shape, dtype name, grad_req)]` in collection order."""
    return [(key, tuple(p.shape), np.dtype(p.dtype).name, p.grad_req)
            for key, p in structural_params(block).items()]


def assert_same_structure(stock_block, runtime_block):
    """Raises EquivalenceError unless names (with order), shapes, dtypes, grad_req all agree."""
    stock, ours = structure(stock_block), structure(runtime_block)
    stock_keys, our_keys = [s[0] for s in stock], [s[0] for s in ours]
    if stock_keys != our_keys:
        raise EquivalenceError(
            'structural parameter names differ:\n  stock   %s\n  runtime %s\n  only stock: %s\n'
            '  only runtime: %s' % (stock_keys, our_keys, sorted(set(stock_keys) - set(our_keys)),
                                    sorted(set(our_keys) - set(stock_keys))))
    for theirs, mine in zip(stock, ours):
        if theirs != mine:
            raise EquivalenceError('parameter %r differs: stock (shape, dtype, grad_req) = %s, '
                                   'runtime = %s' % (theirs[0], theirs[1:], mine[1:]))


def copy_stock_params(stock_block, runtime_block, stock_numpy=False, numpy=False):
    """Copies every stock parameter value into the runtime parameter of the same name."""
    ours = structural_params(runtime_block)
    with numpy_mode(stock_numpy):
        values = {key: param.list_data()[0].asnumpy()
                  for key, param in structural_params(stock_block).items()}
    with numpy_mode(numpy):
        array = mx.np.array if numpy else mx.nd.array
        for key, value in values.items():
            if key not in ours:
                raise EquivalenceError('cannot copy stock parameter %r: the runtime block has no '
                                       'such structural name (it has %s)' % (key, sorted(ours)))
            ours[key].set_data(array(value, dtype=value.dtype))


def _as_list(value):
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        out = []
        for item in value:
            out.extend(_as_list(item))
        return out
    return [value]


def _fresh_inputs(inputs):
    """Independent copies with their own gradient buffers (float inputs only)."""
    copies = []
    for x in _as_list(inputs):
        x = x.copy()
        if is_np_array():
            x = x.as_np_ndarray()
        if np.issubdtype(x.dtype, np.floating):
            x.attach_grad()
        copies.append(x)
    return copies


def _run(block, inputs, train_mode, head_seed):
    """Forward+backward with fixed random head gradients; returns numpy results."""
    xs = _fresh_inputs(inputs)
    with autograd.record(train_mode=train_mode):
        outputs = _as_list(block(*xs))
    rng = np.random.RandomState(head_seed)
    array = mx.np.array if is_np_array() else mx.nd.array
    heads = [array(rng.uniform(-1, 1, size=o.shape), ctx=o.ctx, dtype=o.dtype)
             for o in outputs]
    if is_np_array():
        bad = [type(o) for o in outputs if not isinstance(o, mx.np.ndarray)]
        if bad:
            raise EquivalenceError('numpy mode: outputs must be mx.np arrays, got %s' % bad)
    autograd.backward(outputs, heads)
    grads = {}
    values = {}
    for key, param in structural_params(block).items():
        if param.grad_req == 'null':
            values[key] = param.list_data()[0].asnumpy()
        else:
            grads[key] = param.list_grad()[0].asnumpy()
    input_grads = [x.grad.asnumpy() if x.grad is not None else None for x in xs]
    return [o.asnumpy() for o in outputs], grads, values, input_grads


def _close(what, stock, ours, rtol, atol):
    stock, ours = np.asarray(stock), np.asarray(ours)
    if stock.shape != ours.shape:
        raise EquivalenceError('%s: shape %s (stock) vs %s (runtime)'
                               % (what, stock.shape, ours.shape))
    if not np.allclose(stock, ours, rtol=rtol, atol=atol, equal_nan=True):
        worst = np.max(np.abs(stock.astype(np.float64) - ours.astype(np.float64)))
        raise EquivalenceError('%s differs: max abs difference %g (rtol=%g, atol=%g)'
                               % (what, worst, rtol, atol))


def assert_same_step(stock_block, runtime_block, inputs, train_mode=True, rtol=1e-5,
                     atol=1e-6, label='', stock_numpy=False, numpy=False):
    """One recorded forward+backward on both blocks; raises EquivalenceError on a difference."""
    with numpy_mode(stock_numpy):
        stock = _run(stock_block, inputs, train_mode, head_seed=7)
    with numpy_mode(numpy):
        ours = _run(runtime_block, inputs, train_mode, head_seed=7)
    prefix = label + ': ' if label else ''
    if len(stock[0]) != len(ours[0]):
        raise EquivalenceError('%snumber of outputs: %d (stock) vs %d (runtime)'
                               % (prefix, len(stock[0]), len(ours[0])))
    for i, (a, b) in enumerate(zip(stock[0], ours[0])):
        _close('%soutput %d' % (prefix, i), a, b, rtol, atol)
    for kind, theirs, mine in (('gradient', stock[1], ours[1]),
                               ('value after the step', stock[2], ours[2])):
        if sorted(theirs) != sorted(mine):
            raise EquivalenceError('%sparameters with a %s: %s (stock) vs %s (runtime)'
                                   % (prefix, kind, sorted(theirs), sorted(mine)))
        for key in theirs:
            _close('%s%s of parameter %r' % (prefix, kind, key), theirs[key], mine[key],
                   rtol, atol)
    for i, (a, b) in enumerate(zip(stock[3], ours[3])):
        if (a is None) != (b is None):
            raise EquivalenceError('%sinput %d has a gradient on one side only' % (prefix, i))
        if a is not None:
            _close('%sgradient of input %d' % (prefix, i), a, b, rtol, atol)
    return stock[0], ours[0]


def _build(make, inputs, hybridized, init, ctx, numpy):
    with numpy_mode(numpy):
        block = make()
        with warnings.catch_warnings():
            # Sequential warns that HybridSequential would be faster: irrelevant here.
            warnings.simplefilter('ignore')
            if hybridized:
                block.hybridize()
            block.initialize(init if init is not None else mx.init.Xavier(), ctx=ctx)
        # One inference forward resolves deferred shapes (and, hybridized, builds the graph).
        block(*_fresh_inputs(inputs))
    return block


def _prepare(make_stock, make_runtime, inputs, hybridized, init, ctx, stock_numpy, numpy):
    stock_block = _build(make_stock, inputs, hybridized, init, ctx, stock_numpy)
    runtime_block = _build(make_runtime, inputs, hybridized, init, ctx, numpy)
    if hybridized and hasattr(runtime_block, '_cached_op') and runtime_block._cached_op is None:
        raise EquivalenceError('hybridized: the runtime block ran without building its cached '
                               'graph, so the hybridized path was not exercised')
    return stock_block, runtime_block


def check_equivalent(make_stock, make_runtime, inputs, train_mode=True, hybridize=(False, True),
                     rtol=1e-5, atol=1e-6, init=None, ctx=None, numpy=False, stock_numpy=None):
    """Full stock-vs-runtime check of a layer (see the module docstring)."""
    stock_numpy = numpy if stock_numpy is None else stock_numpy
    results = {}
    for hybridized in hybridize:
        mode = 'hybridized' if hybridized else 'eager'
        label = mode + (' numpy' if numpy else '')
        stock_block, runtime_block = _prepare(make_stock, make_runtime, inputs, hybridized,
                                              init, ctx, stock_numpy, numpy)
        try:
            with numpy_mode(numpy):
                assert_same_structure(stock_block, runtime_block)
        except EquivalenceError as err:
            raise EquivalenceError('%s: %s' % (label, err)) from None
        copy_stock_params(stock_block, runtime_block, stock_numpy, numpy)
        results[mode] = assert_same_step(stock_block, runtime_block, inputs, train_mode, rtol,
                                         atol, label=label, stock_numpy=stock_numpy, numpy=numpy)
    return results
