"""Random token data, reproducible from a seed."""
import mxnet as mx
import numpy as np

from . import constants as C


def random_batches(count, batch_size=3, length=5, vocab_size=12, seed=0):
    """`count` batches of (source, target input, target labels); the target input is the labels shifted
    right behind `BOS_ID`."""
    rng = np.random.RandomState(seed)
    made = []
    for _ in range(count):
        source = rng.randint(2, vocab_size, size=(batch_size, length))
        labels = rng.randint(2, vocab_size, size=(batch_size, length))
        target = np.concatenate([np.full((batch_size, 1), C.BOS_ID, dtype=labels.dtype), labels[:, :-1]], axis=1)
        made.append(tuple(mx.nd.array(array) for array in (source, target, labels)))
    return made
