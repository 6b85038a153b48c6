"""Neural network layers (`gluon_runtime.nn`), mirroring `mxnet.gluon.nn` of MXNet 1.9.1.

Same layer classes, constructor arguments (minus `prefix`/`params`), parameter attribute names,
shapes and outputs as stock 1.9.1, on the simplified Block API: children and Parameters are
attributes, `collect_params()` is keyed by structural names (`'0.weight'`).
"""
from ..block import Block, HybridBlock, SymbolBlock  # noqa: F401 (as stock nn re-exports)
from .activations import *  # noqa: F401,F403
from .activations import __all__ as _activations_all
from .basic_layers import *  # noqa: F401,F403
from .basic_layers import __all__ as _basic_all
from .conv_layers import *  # noqa: F401,F403
from .conv_layers import __all__ as _conv_all

__all__ = ['Block', 'HybridBlock', 'SymbolBlock'] + _basic_all + _conv_all + _activations_all
