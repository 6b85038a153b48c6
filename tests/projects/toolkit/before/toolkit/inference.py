"""Greedy decoding and length-normalised scoring."""
import mxnet as mx

from . import constants as C
from .layers import LengthPenalty


def make_scorer(config):
    return LengthPenalty(config.length_alpha, prefix='scorer_')


def greedy_decode(model, source, max_length):
    """Token ids, `BOS_ID` first, each next token the most likely one."""
    target = mx.nd.full((source.shape[0], 1), C.BOS_ID)
    for _ in range(max_length):
        logits = model(source, target)
        best = mx.nd.argmax(logits[:, -1, :], axis=-1).expand_dims(axis=1)
        target = mx.nd.concat(target, best, dim=1)
    return target


def score(model, scorer, source, target):
    """Length-normalised log-probability of `target` (BOS first) given `source`, one per sentence."""
    logits = model(source, target[:, :-1])
    log_probs = mx.nd.pick(mx.nd.log_softmax(logits, axis=-1), target[:, 1:], axis=-1)
    lengths = mx.nd.full((source.shape[0],), target.shape[1] - 1)
    return scorer(log_probs.sum(axis=1), lengths)
