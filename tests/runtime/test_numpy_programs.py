"""d2l-style programs in numpy mode (spec S13): Gluon 1.x on stock vs. migrated on the runtime.

Each program is written twice, the way the MXNet edition of *Dive into Deep Learning* writes it
for stock Gluon 1.x (`prefix`, `name_scope`, `params.get`, `params=` for tying) and migrated to
the simplified API. The stock model is initialized and saved; the runtime model loads that file
(so both start from the same weights and the checkpoint crosses over), then both train a few
steps with the same batches, and losses, outputs and parameters must agree. The last test
lets the codemod rewrite a 1.x program (`gluon-codemod fix --target runtime -`) and runs both.
"""
import subprocess
import sys

import mxnet as mx
import numpy as onp
import pytest
from mxnet import autograd, init, np, npx

import gluon_runtime as rt

stock = mx.gluon


def _batches(n, x_shape, classes, seed=0, integer_inputs=False):
    rng = onp.random.RandomState(seed)
    out = []
    for _ in range(n):
        if integer_inputs:
            x = np.array(rng.randint(0, classes, size=x_shape), dtype='int32')
        else:
            x = np.array(rng.uniform(-1, 1, size=x_shape).astype('float32'))
        y = np.array(rng.randint(0, classes, size=x_shape[:1] if not integer_inputs
                                 else x_shape), dtype='int32')
        out.append((x, y))
    return out


def _train(net, trainer, loss_fn, batches, call=None):
    call = call or (lambda net, x: net(x))
    losses = []
    for x, y in batches:
        with autograd.record():
            loss = loss_fn(call(net, x), y).mean()
        loss.backward()
        trainer.step(1)
        losses.append(float(loss.item()))
    return losses


def _run_both(tmp_path, stock_net, runtime_net, batches, lr=0.1, call=None, first=None):
    """Same weights (through a checkpoint), then the same training steps on both."""
    path = str(tmp_path / 'model.params')
    (call or (lambda net, x: net(x)))(stock_net, first if first is not None else batches[0][0])
    stock_net.save_parameters(path)
    runtime_net.load_parameters(path)
    results = []
    for net, gluon in ((stock_net, stock), (runtime_net, rt)):
        trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': lr})
        losses = _train(net, trainer, gluon.loss.SoftmaxCrossEntropyLoss(), batches, call)
        results.append(losses)
    onp.testing.assert_allclose(results[1], results[0], rtol=1e-4)
    stock_params = stock_net._collect_params_with_prefix()  # noqa: GLN009 (stock structural)
    ours = runtime_net.collect_params()
    for key, param in ours.items():
        if key in stock_params:
            onp.testing.assert_allclose(param.data().asnumpy(),
                                        stock_params[key].data().asnumpy(), rtol=1e-4,
                                        atol=1e-6, err_msg=key)
    return results


# -- an MLP, inspecting `net[0].weight.data()` and `collect_params('.*weight')` -------------

def _stock_mlp():
    net = stock.nn.Sequential()
    net.add(stock.nn.Dense(32, activation='relu'), stock.nn.Dense(10))
    net.initialize(init.Normal(sigma=0.01))
    return net


def _runtime_mlp():
    net = rt.nn.Sequential()
    net.add(rt.nn.Dense(32, activation='relu'), rt.nn.Dense(10))
    net.initialize(init.Normal(sigma=0.01))
    return net


def test_mlp_program(numpy_mode, tmp_path):
    stock_net, runtime_net = _stock_mlp(), _runtime_mlp()
    batches = _batches(3, (16, 20), 10)
    _run_both(tmp_path, stock_net, runtime_net, batches)
    weight = runtime_net[0].weight.data()
    assert isinstance(weight, np.ndarray) and weight.shape == (32, 20)
    onp.testing.assert_allclose(weight[0].asnumpy(), stock_net[0].weight.data()[0].asnumpy(),
                                rtol=1e-5)
    # 1.x keys are prefixed names; the runtime's are structural (spec S3.3).
    assert len(stock_net.collect_params('.*weight').keys()) == 2
    assert list(runtime_net.collect_params('.*weight')) == ['0.weight', '1.weight']


# -- LeNet, hybridized ---------------------------------------------------------------------

def _lenet(nn):
    net = nn.HybridSequential()
    net.add(nn.Conv2D(channels=6, kernel_size=5, padding=2, activation='sigmoid'),
            nn.AvgPool2D(pool_size=2, strides=2),
            nn.Conv2D(channels=16, kernel_size=5, activation='sigmoid'),
            nn.AvgPool2D(pool_size=2, strides=2),
            nn.Dense(120, activation='sigmoid'), nn.Dense(84, activation='sigmoid'),
            nn.Dense(10))
    net.initialize(init=init.Xavier())
    net.hybridize()
    return net


def test_lenet_program(numpy_mode, tmp_path):
    stock_net, runtime_net = _lenet(stock.nn), _lenet(rt.nn)
    batches = _batches(2, (4, 1, 28, 28), 10)
    _run_both(tmp_path, stock_net, runtime_net, batches, lr=0.3)
    assert runtime_net._cached_op is not None
    out = runtime_net(batches[0][0])
    assert isinstance(out, np.ndarray) and out.shape == (4, 10)


# -- an RNN language model with tied embedding/decoder weights -----------------------------

class StockRNNModel(stock.HybridBlock):
    def __init__(self, vocab_size, num_hiddens, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.embedding = stock.nn.Embedding(vocab_size, num_hiddens)
            self.rnn = stock.rnn.LSTM(num_hiddens, input_size=num_hiddens)
            # 1.x ties weights by handing the embedding's ParameterDict to the decoder.
            self.decoder = stock.nn.Dense(vocab_size, in_units=num_hiddens, flatten=False,
                                          params=self.embedding.params)

    def hybrid_forward(self, F, inputs, *state):
        embedded = self.embedding(inputs.T)
        out, state = self.rnn(embedded, list(state))
        return self.decoder(out), state


class RuntimeRNNModel(rt.HybridBlock):
    def __init__(self, vocab_size, num_hiddens):
        super().__init__()
        self.embedding = rt.nn.Embedding(vocab_size, num_hiddens)
        self.rnn = rt.rnn.LSTM(num_hiddens, input_size=num_hiddens)
        self.decoder = rt.nn.Dense(vocab_size, in_units=num_hiddens, flatten=False)
        self.decoder.share_parameters(self.embedding.params)

    def hybrid_forward(self, F, inputs, *state):
        embedded = self.embedding(inputs.T)
        out, state = self.rnn(embedded, list(state))
        return self.decoder(out), state


@pytest.mark.parametrize('hybridize', [False, True], ids=['eager', 'hybridized'])
def test_rnn_language_model_with_tied_weights(numpy_mode, tmp_path, hybridize):
    vocab, hidden, batch, steps = 12, 8, 3, 5
    stock_net, runtime_net = StockRNNModel(vocab, hidden), RuntimeRNNModel(vocab, hidden)
    assert runtime_net.decoder.weight is runtime_net.embedding.weight
    for net in (stock_net, runtime_net):
        net.initialize(init.Normal(0.1))
        if hybridize:
            net.hybridize()

    def call(net, x):
        state = net.rnn.begin_state(batch_size=x.shape[0])
        out, _ = net(x, *state)
        return out.swapaxes(0, 1)  # (batch, steps, vocab), labels are (batch, steps)

    batches = _batches(3, (batch, steps), vocab, integer_inputs=True)
    _run_both(tmp_path, stock_net, runtime_net, batches, lr=0.5, call=call)
    assert 'decoder.weight' in runtime_net.collect_params()
    onp.testing.assert_array_equal(runtime_net.decoder.weight.data().asnumpy(),
                                   runtime_net.embedding.weight.data().asnumpy())


# -- a custom block: Parameters as attributes (1.x: `self.params.get`) ----------------------

class StockMyDense(stock.nn.Block):
    def __init__(self, units, in_units, **kwargs):
        super().__init__(**kwargs)
        self.weight = self.params.get('weight', shape=(in_units, units))
        self.bias = self.params.get('bias', shape=(units,))

    def forward(self, x):
        linear = np.dot(x, self.weight.data(ctx=x.ctx)) + self.bias.data(ctx=x.ctx)
        return npx.relu(linear)


class RuntimeMyDense(rt.nn.Block):
    def __init__(self, units, in_units):
        super().__init__()
        self.weight = rt.Parameter('weight', shape=(in_units, units))
        self.bias = rt.Parameter('bias', shape=(units,))

    def forward(self, x):
        linear = np.dot(x, self.weight.data(ctx=x.ctx)) + self.bias.data(ctx=x.ctx)
        return npx.relu(linear)


def test_custom_block_with_parameters(numpy_mode, tmp_path):
    def build(gluon, dense):
        net = gluon.nn.Sequential()
        net.add(dense(8, in_units=6), gluon.nn.Dense(10))
        net.initialize()
        return net
    stock_net, runtime_net = build(stock, StockMyDense), build(rt, RuntimeMyDense)
    _run_both(tmp_path, stock_net, runtime_net, _batches(3, (5, 6), 10))
    assert list(runtime_net.collect_params()) == ['0.weight', '0.bias', '1.weight', '1.bias']


# -- a 1.x numpy-mode program, rewritten by the codemod, against the original on stock ------

PROGRAM_1X = '''
from mxnet import autograd, gluon, init, np, npx
from mxnet.gluon import nn, rnn


class RNNModel(gluon.HybridBlock):
    def __init__(self, vocab_size, num_hiddens, **kwargs):
        super(RNNModel, self).__init__(**kwargs)
        with self.name_scope():
            self.embedding = nn.Embedding(vocab_size, num_hiddens)
            self.rnn = rnn.GRU(num_hiddens, input_size=num_hiddens)
            self.decoder = nn.Dense(vocab_size, in_units=num_hiddens, flatten=False,
                                    params=self.embedding.params)
            self.scale = self.params.get('scale', shape=(1,), init=init.One())

    def hybrid_forward(self, F, inputs, state, scale):
        out, state = self.rnn(self.embedding(inputs.T), state)
        return F.np.multiply(self.decoder(out), scale), state


def run(params_file, load, batches):
    net = RNNModel(12, 8)
    net.initialize(init.Normal(0.1))
    net.hybridize()
    state = net.rnn.begin_state(batch_size=3)
    net(batches[0][0], state)
    if load:
        net.load_parameters(params_file)
    else:
        net.save_parameters(params_file)
    trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': 0.5})
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    losses = []
    for x, y in batches:
        with autograd.record():
            out, _ = net(x, state)
            loss = loss_fn(out.swapaxes(0, 1), y).mean()
        loss.backward()
        trainer.step(1)
        losses.append(float(loss.item()))
    return losses, net.embedding.weight.data().asnumpy()
'''


def test_codemod_rewrite_of_a_numpy_mode_program_runs_like_the_original(numpy_mode, tmp_path):
    rewritten = subprocess.run([sys.executable, '-m', 'gluon_codemod', 'fix', '--target',
                                'runtime', '-'], input=PROGRAM_1X, capture_output=True,
                               text=True, check=False).stdout
    assert 'gluon_runtime' in rewritten and 'name_scope' not in rewritten, rewritten
    results = []
    for source, load in ((PROGRAM_1X, False), (rewritten, True)):
        namespace = {}
        exec(compile(source, 'program.py', 'exec'), namespace)
        batches = _batches(3, (3, 5), 12, integer_inputs=True)
        results.append(namespace['run'](str(tmp_path / 'lm.params'), load, batches))
    (stock_losses, stock_embedding), (our_losses, our_embedding) = results
    onp.testing.assert_allclose(our_losses, stock_losses, rtol=1e-4)
    onp.testing.assert_allclose(our_embedding, stock_embedding, rtol=1e-4, atol=1e-6)
