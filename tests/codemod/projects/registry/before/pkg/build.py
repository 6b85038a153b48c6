from .decoder import LAYERS, REGISTRY, SIDES, Plain


def build(kind, prefix=''):
    cls = REGISTRY[kind]
    return cls(4, prefix=prefix + 'head_')


def build_all():
    return [layer(2, prefix='tail_') for layer in LAYERS]


def plain():
    return Plain(3, prefix='plain_')


def sides():
    return list(SIDES)


def build_side():
    return sides()[0](2, prefix='side_')
