"""Training steps, parameter freezing, checkpoints."""
import os

from mxnet import autograd
import gluon_runtime as gluon

from . import constants as C


def fixed_param_names(params, lhuc_only):
    """The names of the parameters not to train: with `lhuc_only`, all but the LHUC weights."""
    if not lhuc_only:
        return []
    return [name for name in params if not name.endswith('lhuc.weight')]


def make_trainer(model, learning_rate=0.01, lhuc_only=False):
    params = model.collect_params()
    for name in fixed_param_names(params, lhuc_only):
        params[name].grad_req = 'null'
    trainable = {name: param for name, param in params.items() if param.grad_req != 'null'}
    return gluon.Trainer(trainable, 'adam', {'learning_rate': learning_rate})


def train(model, trainer, batches, loss=None):
    """One step per batch of (source, target input, target labels); the mean loss of each step."""
    loss = loss or gluon.loss.SoftmaxCrossEntropyLoss()
    losses = []
    for source, target, labels in batches:
        with autograd.record():
            value = loss(model(source, target), labels).mean()
        value.backward()
        trainer.step(1)
        losses.append(value.asscalar())
    return losses


def save_checkpoint(model, trainer, folder, step):
    model.save_parameters(os.path.join(folder, C.PARAMS_NAME % step))
    trainer.save_states(os.path.join(folder, C.STATES_NAME % step))


def load_checkpoint(model, trainer, folder, step):
    model.load_parameters(os.path.join(folder, C.PARAMS_NAME % step))
    trainer.load_states(os.path.join(folder, C.STATES_NAME % step))
