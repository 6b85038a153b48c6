"""Flattening of nested block inputs/outputs (lists, tuples, `None`) and back."""
from mxnet import ndarray, symbol

NONE = -1  # format marker for a None leaf
LEAF = 0   # format marker for a tensor (or, when not strict, any other value)
# A positive int n marks a Symbol with n > 1 outputs (`F.split(x, num_outputs=3)`): one leaf while the
# graph is built, n consecutive outputs of the cached graph, regrouped as a list as stock 1.9.1 does.


def flatten(args, strict, what='input'):
    """Returns `(leaves, fmt)`; `None` leaves are dropped and marked in `fmt`.

    With `strict`, only NDArrays, Symbols, None and (nested) lists/tuples of them are accepted,
    which is what a cached graph can take.
    """
    if args is None:
        return [], NONE
    if isinstance(args, symbol.Symbol):
        outputs = len(args.list_outputs())
        return [args], outputs if outputs > 1 else LEAF
    if isinstance(args, ndarray.NDArray):
        return [args], LEAF
    if isinstance(args, (list, tuple)):
        leaves, fmts = [], []
        for item in args:
            sub_leaves, sub_fmt = flatten(item, strict, what)
            leaves.extend(sub_leaves)
            fmts.append(sub_fmt)
        return leaves, fmts
    if strict:
        raise ValueError("When hybridized, the %s of HybridBlock must be (nested) list of "
                         "Symbol or NDArray, but got %s of type %s. Pass tensors only, or "
                         "call hybridize(active=False) to run it imperatively."
                         % (what, args, type(args)))
    return [args], LEAF


def _take(leaves, pos, fmt):
    # Module-level on purpose: a recursive closure would form a cycle holding the NDArrays.
    if fmt == NONE:
        return None, pos
    if fmt == LEAF:
        return leaves[pos], pos + 1
    if isinstance(fmt, int):  # a multi-output Symbol's outputs
        return list(leaves[pos:pos + fmt]), pos + fmt
    out = []
    for sub in fmt:
        item, pos = _take(leaves, pos, sub)
        out.append(item)
    return out, pos


def regroup(leaves, fmt):
    """Inverse of `flatten`: rebuilds the nesting (lists) from the leaves in order."""
    return _take(leaves, 0, fmt)[0]


def leaves_of(args):
    """All non-list leaves of a nested structure, `None`s excluded."""
    return flatten(args, strict=False)[0]


def strip_trailing_none(fmt):
    """Top-level format without trailing `None`s (defaulted trailing arguments)."""
    if not isinstance(fmt, list):
        return fmt
    fmt = list(fmt)
    while fmt and fmt[-1] == NONE:
        fmt.pop()
    return fmt


def indent(text, spaces):
    """Indents every line of `text` but the first."""
    lines = text.split('\n')
    return '\n'.join([lines[0]] + [' ' * spaces + line for line in lines[1:]])
