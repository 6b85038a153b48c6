import mxnet as mx
from mxnet import autograd, gluon

from toolkit.decoders import get_decoder
from toolkit.model import Seq2Seq


def _tokens():
    return mx.nd.array([[1, 2, 3, 4], [5, 6, 7, 8]])


def test_builds_and_runs_hybridized():
    net = Seq2Seq()
    net.initialize()
    net.hybridize()
    assert net(_tokens()).shape == (2, 4, 3)


def test_trains_a_step():
    net = Seq2Seq()
    net.initialize()
    trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': 0.1})
    with autograd.record():
        loss = (net(_tokens()) ** 2).mean()
    loss.backward()
    trainer.step(1)
    assert float(loss.asscalar()) >= 0


def test_checkpoint_round_trip(tmp_path):
    net = Seq2Seq()
    net.initialize()
    before = net(_tokens())
    path = str(tmp_path / 'model.params')
    net.save_parameters(path)
    again = Seq2Seq()
    again.load_parameters(path)
    assert (again(_tokens()) - before).abs().sum().asscalar() == 0


def test_decoder_prefix():
    decoder = get_decoder(4, 2)
    assert decoder.prefix == 'decoder_'
