import gluon_runtime
import numpy as np
import pytest

from conftest import digest
from toolkit import inference
from toolkit.config import ModelConfig
from toolkit.decoder import Decoder, get_decoder
from toolkit.encoder import ENCODERS
from toolkit.model import Seq2Seq, create_model


@pytest.mark.parametrize('kind', sorted(ENCODERS))
def test_every_registered_encoder_builds_and_runs(kind, batches, record):
    model = create_model(ModelConfig(encoder=kind))
    source, target, _ = batches[0]
    logits = model(source, target)
    assert logits.shape == (3, 5, 12)
    record('logits', digest(logits))


def test_hybridized_forward_matches_imperative(batches, record):
    model = create_model(ModelConfig(encoder='conv'))
    source, target, _ = batches[0]
    imperative = model(source, target)
    model.hybridize()
    hybridized = model(source, target)
    np.testing.assert_allclose(imperative.asnumpy(), hybridized.asnumpy(), rtol=1e-5, atol=1e-6)
    record('imperative', digest(imperative))
    record('hybridized', digest(hybridized))


def test_tied_embeddings_are_one_parameter(batches, record):
    model = create_model(ModelConfig(share_embed=True))
    assert model.src_w is model.tgt_w
    assert model.embed_src.embed_weight is model.decoder.output_layer.weight
    record('embedding', digest(model.src_w.data()))


def test_untied_embeddings_are_two_parameters(batches, record):
    model = create_model(ModelConfig(share_embed=False))
    assert model.src_w is not model.tgt_w
    assert model.decoder.output_layer.weight is model.tgt_w
    source, target, _ = batches[1]
    record('logits', digest(model(source, target)))


def test_decoder_from_the_factory_holds_the_output_weight():
    config = ModelConfig()
    weight = gluon_runtime.Parameter('output_weight', shape=(config.vocab_size, config.num_hidden))
    decoder = get_decoder(config, weight)
    assert isinstance(decoder, Decoder)
    assert decoder.collect_params()['output_layer.weight'] is weight


def test_parameter_names():
    model = Seq2Seq(ModelConfig(lhuc=True))
    names = model.collect_params().keys()
    assert 'src_w' in names
    assert 'decoder.lhuc.weight' in names


def test_greedy_decoding_and_scores(batches, record):
    config = ModelConfig()
    model = create_model(config)
    model.hybridize()
    source = batches[2][0]
    decoded = inference.greedy_decode(model, source, max_length=4)
    scores = inference.score(model, inference.make_scorer(config), source, decoded)
    assert decoded.shape == (3, 5)
    record('decoded', decoded.asnumpy().astype('int64').tolist())
    record('scores', digest(scores))
