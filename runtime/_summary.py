"""`Block.summary`: per-layer output shapes and parameter counts, 1.x table layout."""
from collections import OrderedDict

from mxnet import ndarray

from .parameter import unique_parameters

_ROW = '{:>20}  {:>42} {:>15}'


def _shapes(value):
    if isinstance(value, (list, tuple)):
        return [_shapes(v) for v in value]
    return value.shape if isinstance(value, ndarray.NDArray) else value


def _shape_str(value):
    result = _shapes(value)
    if isinstance(result, list) and len(result) == 1:
        result = result[0]
    return str(result)[1:-1] if isinstance(result, list) else str(result)


def print_summary(block, *inputs):
    """Prints the table of `block.summary(*inputs)` (spec S10.1)."""
    rows = OrderedDict()
    rows['Input'] = dict(shape=_shape_str(list(inputs)), n=0, trainable=0)
    used = []  # (row, Parameter) for every use in the forward pass, shared ones repeated
    hooks = []

    def record(blk, _, outputs):
        row = dict(shape=_shape_str(outputs), n=0, trainable=0)
        name = '%s-%i' % (type(blk).__name__, len(rows))
        for param in blk.params.values():
            size = param.data().size
            row['n'] += size
            row['trainable'] += 0 if param.grad_req == 'null' else size
            used.append((name, param))
        rows[name] = row

    def attach(blk):
        if getattr(blk, '_active', False):  # a hybridized HybridBlock
            raise RuntimeError('"{}" must not be hybridized to print summary. Call '
                               'hybridize(active=False) first.'.format(blk.name))
        if not blk._is_container:  # a container's rows would repeat its children's
            hooks.append(blk.register_forward_hook(record))

    try:
        block.apply(attach)
        block(*inputs)
        total = sum(r['n'] for r in rows.values())
        trainable = sum(r['trainable'] for r in rows.values())
        unique = sum(param.data().size for _, param in unique_parameters(used))
        print('-' * 80)
        print(_ROW.format('Layer (type)', 'Output Shape', 'Param #'))
        print('=' * 80)
        for name, row in rows.items():
            print(_ROW.format(name, row['shape'], row['n']))
        print('=' * 80)
        print('Parameters in forward computation graph, duplicate included')
        print('   Total params: %d' % total)
        print('   Trainable params: %d' % trainable)
        print('   Non-trainable params: %d' % (total - trainable))
        print('Shared params in forward computation graph: %d' % (total - unique))
        print('Unique parameters in model: %d' % unique)
        print('-' * 80)
    finally:
        for handle in hooks:
            handle.detach()
