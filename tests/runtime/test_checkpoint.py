"""save_parameters / load_parameters / load_dict and 1.9.1 interop (section 7)."""
import mxnet as mx
import numpy as np
import pytest

import gluon_runtime as gluon
from gluon_runtime import Block, HybridBlock, Parameter, nn
from gluon_runtime._checkpoint import ParameterLoadError


class TinyConv(HybridBlock):
    def __init__(self, channels, kernel, in_channels=0):
        super().__init__()
        self.channels, self.kernel = channels, kernel
        self.weight = Parameter('weight', shape=(channels, in_channels, kernel, kernel),
                                allow_deferred_init=True)
        self.bias = Parameter('bias', shape=(channels,), init='zeros', allow_deferred_init=True)

    def hybrid_forward(self, F, x, weight, bias):
        return F.Convolution(x, weight, bias, kernel=(self.kernel, self.kernel),
                             num_filter=self.channels, name='fwd')


def _ours(tiny):
    return tiny.Chain(TinyConv(4, 3), tiny.Dense(6, activation='relu'), tiny.Dense(2))


def _stock():
    net = mx.gluon.nn.HybridSequential()
    net.add(mx.gluon.nn.Conv2D(4, 3), mx.gluon.nn.Dense(6, activation='relu'),
            mx.gluon.nn.Dense(2))
    return net


@pytest.fixture
def img():
    return mx.nd.random.uniform(shape=(2, 3, 6, 6))


def _close(a, b):
    return np.allclose(a.asnumpy(), b.asnumpy(), atol=1e-5)


def test_s7_1_keys_are_structural(tiny, x, tmp_path):
    net = tiny.MLP()
    net.initialize()
    net(x)
    path = str(tmp_path / 'p.params')
    net.save_parameters(path)
    assert list(mx.nd.load(path)) == ['hidden.weight', 'hidden.bias', 'output.weight',
                                      'output.bias']


def test_s7_1_uninitialized_save_fails(tiny, tmp_path):
    with pytest.raises(RuntimeError, match='has not been initialized'):
        tiny.MLP().save_parameters(str(tmp_path / 'p.params'))


def test_s7_2_deduplicate_keeps_last_name(tiny, tmp_path):
    d = tiny.Dense(2, in_units=2)
    net = tiny.Chain(d, d)
    net.initialize()
    path = str(tmp_path / 'p.params')
    net.save_parameters(path, deduplicate=True)
    assert sorted(mx.nd.load(path)) == ['1.bias', '1.weight']
    other_d = tiny.Dense(2, in_units=2)
    other = tiny.Chain(other_d, other_d)
    other.load_parameters(path)  # S7.4: a shared parameter needs only one of its names
    assert _close(other_d.weight.data(), d.weight.data())


def test_s7_3_empty_file_is_ignored(tiny, tmp_path):
    path = str(tmp_path / 'empty.params')
    mx.nd.save(path, {})
    tiny.MLP().load_parameters(path)


@pytest.mark.isolated
def test_s7_4_load_into_uninitialized_model_on_cpu(tiny, x, tmp_path):
    src = tiny.MLP()
    src.initialize()
    expected = src(x)
    path = str(tmp_path / 'p.params')
    src.save_parameters(path)
    dst = tiny.MLP()
    dst.load_parameters(path)
    assert dst.hidden.weight.list_ctx() == [mx.cpu()]
    assert _close(dst(x), expected)
    dst.hybridize()
    assert _close(dst(x), expected)
    two = tiny.MLP()
    two.load_parameters(path, ctx=[mx.cpu(0), mx.cpu(1)])
    assert two.output.bias.list_ctx() == [mx.cpu(0), mx.cpu(1)]


def test_s7_4_all_problems_in_one_error(tiny, x, tmp_path):
    src = tiny.MLP(hidden=8)
    src.initialize()
    src(x)
    arrays = {k: p.data() for k, p in src.collect_params().items()}
    del arrays['output.bias']
    arrays['stray.weight'] = mx.nd.ones((1,))
    arrays['output.weight'] = arrays['output.weight'].astype('float64')
    dst = tiny.MLP(hidden=9)
    with pytest.raises(ParameterLoadError) as err:
        dst.load_dict(arrays)
    text = str(err.value)
    assert "Parameter 'output.bias' is missing" in text
    assert "Parameter 'stray.weight' loaded from 'param_dict' is not present" in text
    assert ("'hidden.weight': shape incompatible: the model expects (9, 0), the saved array "
            "has (8, 5)" in text)
    assert ("'output.weight': dtype incompatible: the model expects float32, the saved array "
            "has float64" in text)
    assert 'allow_missing=True' in text and 'ignore_extra=True' in text
    assert 'cast_dtype=True' in text
    assert isinstance(err.value, AssertionError) and isinstance(err.value, ValueError)
    assert dst.hidden.weight._data is None  # nothing was loaded


def test_s7_4_allow_missing_ignore_extra_cast_dtype(tiny, x):
    src = tiny.MLP()
    src.initialize()
    src(x)
    arrays = {'arg:' + k: p.data().astype('float64') for k, p in src.collect_params().items()}
    del arrays['arg:output.bias']
    arrays['aux:stray'] = mx.nd.ones((1,))
    dst = tiny.MLP()
    dst.initialize()
    dst.load_dict(arrays, allow_missing=True, ignore_extra=True, cast_dtype=True)
    assert dst.hidden.weight.data().dtype == np.float32
    assert _close(dst.output.weight.data(), src.output.weight.data())


def test_s7_4_checkpoint_aliases(tiny, tmp_path):
    class Fused(HybridBlock):
        def __init__(self):
            super().__init__()
            self.l0_i2h_weight = Parameter('l0_i2h_weight', shape=(2, 2))

        def _checkpoint_aliases(self):
            return {'_unfused.0.i2h_weight': 'l0_i2h_weight'}

        def hybrid_forward(self, F, x, l0_i2h_weight):
            return F.dot(x, l0_i2h_weight)

    class Outer(Block):
        def __init__(self):
            super().__init__()
            self.enc = Fused()

    net = Outer()
    net.load_dict({'enc._unfused.0.i2h_weight': mx.nd.ones((2, 2))})
    assert net.enc.l0_i2h_weight.data().asnumpy().sum() == 4
    with pytest.raises(ParameterLoadError, match="'_unfused.0.i2h_weight' loaded from"):
        Outer().load_dict({'_unfused.0.i2h_weight': mx.nd.ones((2, 2))})


def test_s7_5_stock_checkpoint_loads_into_ours(tiny, img, tmp_path):
    stock = _stock()
    stock.initialize(mx.init.Xavier())
    expected = stock(img)
    path = str(tmp_path / 'stock.params')
    stock.save_parameters(path)
    ours = _ours(tiny)
    ours.load_parameters(path)
    assert _close(ours(img), expected)


def test_s7_5_our_checkpoint_loads_into_stock(tiny, img, tmp_path):
    ours = _ours(tiny)
    ours.initialize(mx.init.Xavier())
    expected = ours(img)
    path = str(tmp_path / 'ours.params')
    ours.save_parameters(path)
    stock = _stock()
    stock.load_parameters(path)
    assert _close(stock(img), expected)
    stock.hybridize()
    assert _close(stock(img), expected)


def test_s7_6_prefixed_legacy_file_does_not_load(tiny, tmp_path):
    path = str(tmp_path / 'legacy.params')
    mx.nd.save(path, {'dense0_weight': mx.nd.ones((3, 5)), 'dense0_bias': mx.nd.ones((3,))})
    with pytest.raises(ParameterLoadError, match="'dense0_weight' loaded from 'file: "):
        tiny.Dense(3).load_parameters(path)


def test_s1_21_wrong_ctx_reported_before_anything_loads(tiny, x):
    net = tiny.MLP()
    net.initialize(ctx=mx.cpu(0))
    net(x)
    arrays = {k: mx.nd.zeros(p.shape) for k, p in net.collect_params().items()}
    with pytest.raises(ParameterLoadError, match='not on the requested ctx'):
        net.load_dict(arrays, ctx=mx.cpu(1))
    assert net.hidden.weight.data().abs().sum().asscalar() > 0


def test_s2_1_forgetting_super_init_is_explained():
    class Broken(Block):
        def __init__(self):
            self.w = Parameter('w')

    with pytest.raises(RuntimeError, match='call super\\(\\).__init__\\(\\) first'):
        Broken()


@pytest.mark.parametrize('prepare, error', [
    (lambda net: None, RuntimeError),
    (lambda net: net.initialize(), gluon.DeferredInitializationError),
])
def test_save_parameters_names_the_uninitialized_key(tmp_path, prepare, error):
    """S7.1: saving uninitialized parameters fails with the same exception types, and the
    message names the structural key (the Parameter's own message only has its uuid name)."""
    net = nn.HybridSequential()
    net.add(nn.Dense(3), nn.Dense(2))
    prepare(net)
    with pytest.raises(error, match=r"Parameter '0\.weight' could not be read"):
        net.save_parameters(str(tmp_path / 'net.params'))


@pytest.mark.isolated
def test_load_context_mismatch_says_how_to_fix(tmp_path):
    """S1.21 / S7.4: a ctx mismatch is reported with a fix, not an empty 'To fix: .'."""
    net = nn.Dense(2, in_units=3)
    net.initialize(ctx=mx.cpu(1))
    path = str(tmp_path / 'dense.params')
    net.save_parameters(path)
    with pytest.raises(ValueError) as info:
        net.load_parameters(path, ctx=mx.cpu(0))
    message = str(info.value)
    assert "Parameter 'weight'" in message and "Parameter 'bias'" in message
    assert 'To fix: .' not in message
    assert 'reset_ctx' in message


@pytest.mark.parametrize('change,kind,hint,not_hints', [
    (lambda a: a.reshape((5, 8)), 'shape', 'different architecture',
     ['cast_dtype', 'reset_ctx']),
    (lambda a: a.astype('float16'), 'dtype', 'cast_dtype=True', ['architecture', 'reset_ctx']),
    (None, 'ctx', 'reset_ctx(ctx)', ['cast_dtype', 'architecture']),
])
def test_s7_4_hints_follow_the_kind_of_problem(tiny, x, change, kind, hint, not_hints):
    src = tiny.MLP(hidden=8)
    src.initialize()
    src(x)
    arrays = {k: p.data() for k, p in src.collect_params().items()}
    if change is not None:
        arrays['hidden.weight'] = change(arrays['hidden.weight'])
    param = src.hidden.weight
    problem = param._load_problem(arrays['hidden.weight'], cast_dtype=False)
    assert (problem.kind if problem else 'ctx') == kind
    with pytest.raises(ParameterLoadError) as err:
        src.load_dict(arrays, ctx=mx.cpu(1) if kind == 'ctx' else None)
    fixes = str(err.value).split('To fix:')[1]
    assert hint in fixes and not any(other in fixes for other in not_hints)
