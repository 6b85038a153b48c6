"""Array helpers shared by the checks and `convert-params`: seeds, outputs as numpy, comparisons, names."""
from __future__ import annotations

import random
import re
from typing import Dict, List, Optional, Tuple

import mxnet as mx
import numpy as np
from mxnet.gluon.block import Block as StockBlock

_FUSED = re.compile(r"(?P<head>(?:.*\.)?)_unfused\.(?P<layer>\d+)\.(?:(?P<dir>[lr])_cell\.)?(?P<rest>\w+)\Z")


def parse_ctx(text: str):
    match = re.fullmatch(r"\s*(cpu|gpu)\s*(?:\(\s*(\d*)\s*\))?\s*", text)
    if not match:
        raise ValueError(f"--ctx {text!r} is not a context: use cpu, cpu(1), gpu or gpu(0)")
    return getattr(mx, match.group(1))(int(match.group(2) or 0))


def seed_all(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    mx.random.seed(seed)


def structural_params(net) -> Dict[str, object]:
    """Stock blocks: the keys `save_parameters` writes; runtime blocks: `collect_params()` (structural)."""
    if isinstance(net, StockBlock):
        # the stock original is 1.x code by definition: its private helper is the reference here
        return net._collect_params_with_prefix()  # noqa: GLN009
    return dict(net.collect_params())


def fused_to_structural(key: str) -> Optional[str]:
    """1.9.1's fused-RNN checkpoint key (`_unfused.0.i2h_weight`) as the structural one (`l0_i2h_weight`)."""
    match = _FUSED.match(key)
    if not match:
        return None
    return f"{match.group('head')}{match.group('dir') or 'l'}{match.group('layer')}_{match.group('rest')}"


def normalize_stock_names(params: Dict[str, object]) -> Tuple[Dict[str, object], int]:
    """Stock structural keys with fused-RNN keys spelled as the runtime spells them; and how many were."""
    out, aliased = {}, 0
    for key, param in params.items():
        fused = fused_to_structural(key)
        aliased += fused is not None
        out[fused or key] = param
    return out, aliased


def leaves(out) -> list:
    if isinstance(out, mx.nd.NDArray):
        return [out]
    if isinstance(out, (list, tuple)):
        return [leaf for item in out for leaf in leaves(item)]
    return []


def to_numpy(out) -> List[np.ndarray]:
    return [leaf.asnumpy() for leaf in leaves(out)]


def largest_diff(a: np.ndarray, b: np.ndarray) -> float:
    if not a.size or np.array_equal(a, b):  # the common case, and far cheaper than the subtraction
        return 0.0
    diff = np.abs(a.astype(np.float64) - b.astype(np.float64))
    return 0.0 if np.isnan(diff).all() else float(np.nanmax(diff))


def compare(reference: List[np.ndarray], other: List[np.ndarray], rtol: float, atol: float,
            what: str = "output") -> Tuple[bool, Optional[float], str]:
    """`(all close, largest |difference|, what differs)`; the original is the reference."""
    if len(reference) != len(other):
        return False, None, f"{len(reference)} {what}s in the original, {len(other)} in the rewrite"
    worst, bad = 0.0, []
    for index, (a, b) in enumerate(zip(reference, other)):
        if a.shape != b.shape:
            return False, None, f"{what} {index}: shape {a.shape} in the original, {b.shape} in the rewrite"
        diff = largest_diff(a, b)
        worst = max(worst, diff)
        if diff and not np.allclose(b, a, rtol=rtol, atol=atol, equal_nan=True):
            bad.append(str(index))
    if bad:
        return False, worst, f"{what} {', '.join(bad[:5])} differ{'s' if len(bad) == 1 else ''}"
    return True, worst, ""


def close_each(names, reference, other, rtol, atol) -> Dict[str, bool]:
    return {n: a.shape == b.shape and (np.array_equal(a, b) or np.allclose(b, a, rtol=rtol, atol=atol, equal_nan=True))
            for n, a, b in zip(names, reference, other)}


def array_like(template, value: np.ndarray, ctx=None):
    """`value` as an MXNet array of `template`'s kind (`mx.np` in numpy mode, else `mx.nd`), dtype and context."""
    make = mx.np.array if isinstance(template, mx.np.ndarray) else mx.nd.array
    return make(value, ctx=ctx or template.context, dtype=template.dtype)


def values(params: Dict[str, object], names: List[str], ctx, grad: bool = False) -> List[np.ndarray]:
    # MXNet's BatchNorm with a fixed gamma writes 1 into it without telling the engine: a read right
    # after a forward may see the old value (spec S6.15), unless every pending write has finished
    mx.nd.waitall()
    return [(params[n].grad(ctx) if grad else params[n].data(ctx)).asnumpy() for n in names]


def set_values(params: Dict[str, object], names: List[str], arrays: List[np.ndarray], ctx) -> None:
    for name, value in zip(names, arrays):
        params[name].set_data(array_like(params[name].data(ctx), value, ctx))


def walk_blocks(net, path: str = ""):
    """`(structural path, block)` for `net` and every Block under it, parents first; shared ones once."""
    seen, stack = set(), [(path, net)]
    while stack:
        name, block = stack.pop()
        if id(block) in seen:
            continue
        seen.add(id(block))
        yield name, block
        children = list(getattr(block, "_children", {}).items())
        for key, child in reversed(children):
            child = child() if callable(child) and not hasattr(child, "collect_params") else child
            stack.append((f"{name}.{key}" if name else str(key), child))
