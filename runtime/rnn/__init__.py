"""Recurrent layers and cells (`gluon_runtime.rnn`), mirroring `mxnet.gluon.rnn` of MXNet 1.9.1.

Fused layers `RNN`, `LSTM`, `GRU` and the cells with `unroll`/`begin_state`, on the simplified
Block API: constructors without `prefix`/`params`, structural parameter names such as
`l0_i2h_weight` and `0.i2h_weight`. Stock 1.9.1 checkpoints of fused layers (`_unfused.*` keys)
load unchanged.
"""
from .rnn_cell import *  # noqa: F401,F403
from .rnn_cell import __all__ as _cell_all
from .rnn_layer import *  # noqa: F401,F403
from .rnn_layer import __all__ as _layer_all

__all__ = _cell_all + _layer_all
