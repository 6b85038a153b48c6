"""Contributed Gluon modules (`gluon_runtime.contrib`).

`contrib.nn` is rebuilt on the runtime's Block API. `contrib.data` has no Blocks and is stock
MXNet's own module. `contrib.rnn`, `contrib.cnn` and `contrib.estimator` are built on stock
Blocks and are not provided.
"""
from mxnet.gluon.contrib import data

from . import nn

__all__ = ['nn', 'data']
