"""Seeds, data, and the record of computed numbers (written as JSON to $TOOLKIT_RESULTS, to compare runs)."""
import hashlib
import json
import os

import mxnet as mx
import numpy as np
import pytest

from toolkit.data import random_batches

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
    return random_batches(4)


def pytest_sessionfinish(session):
    path = os.environ.get('TOOLKIT_RESULTS')
    if path:
        with open(path, 'w') as out:
            json.dump(_RESULTS, out, indent=1, sort_keys=True)
