"""`Trainer`: stock MXNet 1.9.1's Trainer, fed with our Parameters."""
from mxnet.gluon import trainer as _stock

from .parameter import Parameter, unique_parameters

__all__ = ['Trainer']


class Trainer(_stock.Trainer):
    """Applies an optimizer to Parameters (see `mxnet.gluon.Trainer` for the arguments).

    `params` is a dict (usually `block.collect_params()`, taken in sorted key order) or a
    list/tuple of Parameters. A Parameter shared under several structural names is trained
    once: feeding it twice would apply every update twice.
    """

    def __init__(self, params, optimizer, optimizer_params=None, kvstore='device',
                 compression_params=None, update_on_kvstore=None):
        if isinstance(params, dict):
            params = [params[key] for key in sorted(params)]
        if not isinstance(params, (list, tuple)):
            raise ValueError("First argument must be a list or dict of Parameters, got %s. Pass "
                             "block.collect_params()." % type(params))
        for param in params:
            if not isinstance(param, Parameter):
                raise ValueError("First argument must be a list or dict of Parameters, got list "
                                 "of %s. Use gluon_runtime.Parameter." % type(param))
        unique = [param for _, param in unique_parameters(enumerate(params))]
        super().__init__(unique, optimizer, optimizer_params, kvstore, compression_params,
                         update_on_kvstore)
