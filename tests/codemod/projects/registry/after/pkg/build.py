from .decoder import LAYERS, REGISTRY, SIDES, Plain


def build(kind):
    cls = REGISTRY[kind]
    return cls(4)


def build_all():
    return [layer(2) for layer in LAYERS]


def plain():
    return Plain(3)


def sides():
    return list(SIDES)


def build_side():
    return sides()[0](2, prefix='side_')
