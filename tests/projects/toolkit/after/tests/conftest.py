"""Seeds, data, and the record of computed numbers (written as JSON to $TOOLKIT_RESULTS, to compare runs)."""
import hashlib
import json
import os

import mxnet as mx
import numpy as np
import pytest

_RESULTS = {}


def digest(array):
    """An NDArray as numbers that compare bitwise: its bytes' SHA-256, its shape, and its sum."""
    values = array.asnumpy()
    return {'sha256': hashlib.sha256(values.tobytes()).hexdigest(), 'shape': list(values.shape),
            'sum': float(values.astype('float64').sum())}


@pytest.fixture
def record(request):
    """`record(key, value)`: keeps a JSON value computed by this test."""
    def keep(key, value):
        _RESULTS['%s/%s' % (request.node.name, key)] = value
    return keep


@pytest.fixture(autouse=True)
def seeded():
    mx.random.seed(7)
    np.random.seed(7)


@pytest.fixture
def batches():
    """Four batches of (source, target input, target labels): 3 sentences of 5 tokens."""
    rng = np.random.RandomState(0)
    made = []
    for _ in range(4):
        source = rng.randint(2, 12, size=(3, 5))
        labels = rng.randint(2, 12, size=(3, 5))
        target = np.concatenate([np.ones((3, 1), dtype=labels.dtype), labels[:, :-1]], axis=1)
        made.append(tuple(mx.nd.array(a) for a in (source, target, labels)))
    return made


def pytest_sessionfinish(session):
    path = os.environ.get('TOOLKIT_RESULTS')
    if path:
        with open(path, 'w') as out:
            json.dump(_RESULTS, out, indent=1, sort_keys=True)
