"""A Gluon 1.x training script: ParameterDict calls on `collect_params()`, save/load."""
import mxnet as mx
from mxnet import autograd, gluon
from mxnet.gluon import nn


def build_net():
    net = nn.HybridSequential(prefix='mlp_')
    with net.name_scope():
        net.add(nn.Dense(32, activation='relu'))
        net.add(nn.BatchNorm())
        net.add(nn.Dense(10))
    return net


def train(num_steps=5, ctx=(mx.cpu(0), mx.cpu(1))):
    net = build_net()
    net.collect_params().initialize(mx.init.Xavier(), ctx=list(ctx))
    # no weight decay on the batch-norm scale and shift
    net.collect_params('.*gamma|.*beta').setattr('wd_mult', 0.0)
    trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': 0.1, 'wd': 1e-4})
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    for step in range(num_steps):
        data = mx.nd.random.uniform(shape=(8, 20))
        label = mx.nd.array([i % 10 for i in range(8)])
        parts = gluon.utils.split_and_load(data, list(ctx))
        labels = gluon.utils.split_and_load(label, list(ctx))
        with autograd.record():
            losses = [loss_fn(net(x), y) for x, y in zip(parts, labels)]
        for loss in losses:
            loss.backward()
        trainer.step(data.shape[0])
        net.collect_params().zero_grad()
    net.collect_params().reset_ctx(mx.cpu())
    net.save_params('mlp.params')
    return net


if __name__ == '__main__':
    train()
