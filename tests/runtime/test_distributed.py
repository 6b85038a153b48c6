"""Data-parallel training with the 'dist_sync' kvstore on localhost (S9.5, @slow).

A scheduler, one server and two workers run as separate processes (DMLC_* environment, loopback
only). Each worker trains gluon_runtime Parameters on its half of the batch; both must end with
the parameters that a single process gets on the whole batch.
"""
import os
import socket
import subprocess
import sys
import textwrap

import mxnet as mx
import numpy as np
import pytest

import gluon_runtime as gluon

STEPS = 3
BATCH = 8

WORKER = textwrap.dedent('''
    import sys
    import mxnet as mx
    import numpy as np
    import gluon_runtime as gluon
    sys.path.insert(0, sys.argv[2])
    from test_distributed import make_net, train

    workdir = sys.argv[1]
    kv = mx.kv.create('dist_sync')
    arrays = np.load(workdir + '/batch.npz')
    half = arrays['data'].shape[0] // kv.num_workers
    rows = slice(kv.rank * half, (kv.rank + 1) * half)
    net = make_net()
    net.load_parameters(workdir + '/init.params')
    train(net, kv, arrays['data'][rows], arrays['label'][rows])
    net.save_parameters('%s/worker%d.params' % (workdir, kv.rank))
''')


class _Dense(gluon.HybridBlock):
    def __init__(self, units, activation=None):
        super().__init__()
        self.units, self.activation = units, activation
        self.weight = gluon.Parameter('weight', shape=(units, 0), allow_deferred_init=True)
        self.bias = gluon.Parameter('bias', shape=(units,), init='zeros',
                                    allow_deferred_init=True)

    def hybrid_forward(self, F, x, weight, bias):
        out = F.FullyConnected(x, weight, bias, num_hidden=self.units)
        return F.Activation(out, act_type=self.activation) if self.activation else out


class _Net(gluon.HybridBlock):
    def __init__(self):
        super().__init__()
        self.hidden = _Dense(6, 'tanh')
        self.output = _Dense(2)

    def hybrid_forward(self, F, x):
        return self.output(self.hidden(x))


def make_net():
    return _Net()


def train(net, kvstore, data, label):
    """SGD steps; the step size is the whole (all-worker) batch so that updates agree."""
    trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': 0.5},
                            kvstore=kvstore)
    loss_fn = mx.gluon.loss.L2Loss()
    for _ in range(STEPS):
        with mx.autograd.record():
            loss = loss_fn(net(mx.nd.array(data)), mx.nd.array(label))
        loss.backward()
        trainer.step(BATCH)


def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.mark.isolated
@pytest.mark.slow
def test_s9_5_dist_sync_workers_match_single_process(tmp_path):
    rng = np.random.RandomState(0)
    data = rng.uniform(size=(BATCH, 4)).astype('float32')
    label = rng.uniform(size=(BATCH, 2)).astype('float32')
    np.savez(tmp_path / 'batch.npz', data=data, label=label)
    reference = make_net()
    reference.initialize(mx.init.Xavier())
    reference(mx.nd.array(data))
    reference.save_parameters(str(tmp_path / 'init.params'))
    train(reference, 'device', data, label)

    env = dict(os.environ, DMLC_PS_ROOT_URI='127.0.0.1', DMLC_PS_ROOT_PORT=str(_free_port()),
               DMLC_NUM_SERVER='1', DMLC_NUM_WORKER='2', DMLC_INTERFACE='lo', PS_VERBOSE='0')
    script = tmp_path / 'worker.py'
    script.write_text(WORKER)
    here = os.path.dirname(os.path.abspath(__file__))
    procs = []
    try:
        for role in ('scheduler', 'server'):
            procs.append(subprocess.Popen([sys.executable, '-c', 'import mxnet'],
                                          env=dict(env, DMLC_ROLE=role)))
        workers = [subprocess.Popen([sys.executable, str(script), str(tmp_path), here],
                                    env=dict(env, DMLC_ROLE='worker'),
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                   for _ in range(2)]
        procs += workers
        for worker in workers:
            out, _ = worker.communicate(timeout=120)
            assert worker.returncode == 0, out.decode(errors='replace')[-3000:]
        for proc in procs[:2]:
            proc.wait(timeout=30)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)

    expected = {k: p.data().asnumpy() for k, p in reference.collect_params().items()}
    for rank in (0, 1):
        saved = mx.nd.load(str(tmp_path / ('worker%d.params' % rank)))
        assert sorted(saved) == sorted(expected)
        for key, value in expected.items():
            assert np.allclose(saved[key].asnumpy(), value, atol=1e-5), (rank, key)
