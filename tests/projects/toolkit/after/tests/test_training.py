import hashlib
import os

import mxnet as mx
import numpy as np

from conftest import digest
from toolkit import average, training
from toolkit.config import ModelConfig
from toolkit.model import create_model


def test_training_lowers_the_loss(batches, record):
    model = create_model(ModelConfig(dropout=0.1))
    model.hybridize()
    trainer = training.make_trainer(model, learning_rate=0.05)
    losses = training.train(model, trainer, batches * 3)
    assert losses[-1] < losses[0]
    record('losses', [float(x) for x in losses])
    record('embedding', digest(model.src_w.data()))


def test_lhuc_only_trains_the_lhuc_weights(batches, record):
    model = create_model(ModelConfig(lhuc=True))
    frozen = model.encoder.ff.weight.data().copy()
    lhuc = model.decoder.lhuc.weight.data().copy()
    trainer = training.make_trainer(model, learning_rate=0.05, lhuc_only=True)
    losses = training.train(model, trainer, batches)
    assert (model.encoder.ff.weight.data() == frozen).asnumpy().all()
    assert not (model.decoder.lhuc.weight.data() == lhuc).asnumpy().all()
    record('losses', [float(x) for x in losses])
    record('lhuc', digest(model.decoder.lhuc.weight.data()))


def test_checkpoint_round_trip(batches, record, tmp_path):
    config = ModelConfig(encoder='conv', share_embed=False)
    model = create_model(config)
    trainer = training.make_trainer(model)
    training.train(model, trainer, batches[:2])
    path = str(tmp_path / 'model.params')
    model.save_parameters(path)
    restored = create_model(config)
    restored.load_parameters(path)
    source, target, _ = batches[3]
    expected = model(source, target)
    assert (restored(source, target) == expected).asnumpy().all()
    with open(path, 'rb') as saved:
        record('file_sha256', hashlib.sha256(saved.read()).hexdigest())
    record('logits', digest(expected))
    record('saved', {name: digest(value) for name, value in sorted(mx.nd.load(path).items())})


def test_checkpoint_averaging(batches, record, tmp_path):
    config = ModelConfig()
    model = create_model(config)
    trainer = training.make_trainer(model, learning_rate=0.05)
    paths = []
    for step, batch in enumerate(batches[:3]):
        training.train(model, trainer, [batch])
        training.save_checkpoint(model, trainer, str(tmp_path), step)
        paths.append(os.path.join(str(tmp_path), 'params.%05d' % step))
    averaged = average.average_checkpoints(paths, str(tmp_path / 'params.avg'))
    model.load_parameters(averaged)
    loaded = [mx.nd.load(path)['src_w'].asnumpy() for path in paths]
    np.testing.assert_allclose(model.src_w.data().asnumpy(), sum(loaded) / 3, rtol=1e-6)
    source, target, _ = batches[3]
    record('averaged', digest(model.src_w.data()))
    record('logits', digest(model(source, target)))


def test_training_resumes_from_saved_states(batches, record, tmp_path):
    config = ModelConfig(encoder='conv', lhuc=True)
    model = create_model(config)
    model.hybridize()
    trainer = training.make_trainer(model, learning_rate=0.05)
    training.train(model, trainer, batches[:2])
    training.save_checkpoint(model, trainer, str(tmp_path), 2)
    straight = training.train(model, trainer, batches[2:])

    resumed_model = create_model(config)
    resumed_model.hybridize()
    resumed_trainer = training.make_trainer(resumed_model, learning_rate=0.05)
    training.load_checkpoint(resumed_model, resumed_trainer, str(tmp_path), 2)
    resumed = training.train(resumed_model, resumed_trainer, batches[2:])
    assert resumed == straight
    record('losses', [float(x) for x in resumed])
    record('embedding', digest(resumed_model.src_w.data()))
