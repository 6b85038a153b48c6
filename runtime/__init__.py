"""`gluon_runtime`: the simplified Gluon Block/Parameter API on stock MXNet 1.9.1.

A drop-in for `mxnet.gluon` (`import gluon_runtime as gluon`): `Parameter`/`Block` have no
prefixes or name scopes, `collect_params()` returns a dict keyed by structural names, and
checkpoints stay compatible with stock 1.9.1 `save_parameters`.
"""
import sys as _sys

from mxnet import metric
from mxnet.gluon import data, utils

from . import block, parameter, trainer
from .parameter import Constant, DeferredInitializationError, Parameter, tensor_types
from .block import Block, HybridBlock, SymbolBlock
from .trainer import Trainer
from . import nn, rnn, loss, contrib

__all__ = ['Parameter', 'Constant', 'DeferredInitializationError', 'tensor_types', 'Block',
           'HybridBlock', 'SymbolBlock', 'Trainer', 'nn', 'rnn', 'loss', 'contrib', 'data',
           'utils', 'metric', 'block', 'parameter', 'trainer']


def _alias_stock_modules():
    # `from gluon_runtime.data.vision import ...` must reach the very same stock modules, not
    # a second copy imported under our name.
    for stock_name, module in list(_sys.modules.items()):
        for part in ('data', 'utils'):
            stock_root = 'mxnet.gluon.' + part
            if module is not None and (stock_name == stock_root
                                       or stock_name.startswith(stock_root + '.')):
                _sys.modules[__name__ + stock_name[len('mxnet.gluon'):]] = module


_alias_stock_modules()
