"""Parameter and Constant (spec section 1) and the package surface (section 0)."""
import gc
import re
import weakref

import mxnet as mx
import numpy as np
import pytest

import gluon_runtime as gluon
from gluon_runtime import Constant, DeferredInitializationError, Parameter


def test_s0_1_package_surface():
    for name in ('Parameter', 'Constant', 'DeferredInitializationError', 'tensor_types',
                 'Block', 'HybridBlock', 'SymbolBlock', 'Trainer', 'nn', 'rnn', 'loss',
                 'contrib', 'data', 'utils'):
        assert hasattr(gluon, name), name
    assert not hasattr(gluon, 'ParameterDict')
    from gluon_runtime.data import DataLoader
    assert DataLoader is mx.gluon.data.DataLoader


def test_s0_2_s0_3_error_and_tensor_types():
    assert issubclass(DeferredInitializationError, mx.base.MXNetError)
    assert gluon.tensor_types == (mx.sym.Symbol, mx.nd.NDArray)


def test_s1_1_s1_2_default_construction_and_unique_readonly_name():
    p, q = Parameter(), Parameter()
    assert re.fullmatch(r'param_[0-9a-f_]{36}_weight', p.name)
    assert p.name != q.name
    with pytest.raises(AttributeError):
        p.name = 'x'
    assert Parameter('bias').name.endswith('_bias')


def test_s9_2_subclasses_stock_parameter():
    assert isinstance(Parameter(), mx.gluon.parameter.Parameter)


def test_s1_3_repr_has_no_name():
    assert repr(Parameter('w', shape=(10, 5))) == \
        "Parameter (shape=(10, 5), dtype=<class 'numpy.float32'>)"
    assert repr(Parameter('w', shape=(2,), dtype='float32')) == \
        'Parameter (shape=(2,), dtype=float32)'


def test_s1_4_int_shape_and_compatibility():
    p = Parameter('w', shape=3)
    assert p.shape == (3,)
    q = Parameter('w', shape=(0, 4))
    q.shape = (2, 4)
    assert q.shape == (2, 4)
    with pytest.raises(ValueError, match='incompatible'):
        q.shape = (3, 4)
    with mx.util.np_shape(True):
        assert Parameter('w', shape=(0, 4)).shape == (-1, 4)


def test_s1_5_s1_6_invalid_stype_and_grad_req():
    with pytest.raises(ValueError, match="stype for Parameter must be one of"):
        Parameter(stype='dense')
    with pytest.raises(ValueError, match="grad_req must be one of"):
        Parameter(grad_req='sometimes')
    assert Parameter(differentiable=False).grad_req == 'null'


def test_s1_6_grad_req_null_drops_grads_and_back():
    p = Parameter('w', shape=(2, 2))
    p.initialize()
    p.grad_req = 'null'
    with pytest.raises(RuntimeError, match="grad_req='null'"):
        p.grad()
    p.grad_req = 'add'
    assert p.grad().sum().asscalar() == 0


def test_s1_8_initializer_precedence():
    p = Parameter('w', shape=(2, 2), init=mx.init.One())
    p.initialize(default_init=mx.init.Zero())
    assert p.data().asnumpy().sum() == 4
    p.initialize(init=mx.init.Constant(3), force_reinit=True)
    assert p.data().asnumpy().sum() == 12


def test_s1_9_already_initialized_warns():
    p = Parameter('w', shape=(2,))
    p.initialize()
    with pytest.warns(UserWarning, match='already initialized'):
        p.initialize()


def test_s1_10_unknown_shape_defers_or_fails():
    with pytest.raises(ValueError, match='invalid shape'):
        Parameter('w', shape=(0, 3)).initialize()
    p = Parameter('w', shape=(0, 3), allow_deferred_init=True)
    p.initialize(ctx=mx.cpu(0))
    with pytest.raises(DeferredInitializationError, match='deferred'):
        p.data()
    assert p.list_ctx() == [mx.cpu(0)]
    p.shape = (2, 3)
    p._finish_deferred_init()
    assert p.data().shape == (2, 3)


def test_s1_11_init_desc_has_structure_attribute():
    seen = {}

    class Spy(mx.init.Initializer):
        def _init_weight(self, desc, arr):
            seen['desc'] = desc
            arr[:] = 1

    p = Parameter('w', shape=(2,))
    p.initialize(init=Spy(), structural_name='body.w')
    assert seen['desc'] == p.name
    assert seen['desc'].attrs['structure'] == 'body.w'


def test_s1_13_data_errors():
    p = Parameter('w', shape=(2,))
    with pytest.raises(RuntimeError, match='has not been initialized'):
        p.data()
    p.initialize(ctx=mx.cpu(0))
    with pytest.raises(RuntimeError, match='was not initialized on context cpu\\(1\\)'):
        p.data(mx.cpu(1))
    sparse = Parameter('w', shape=(2, 2), stype='row_sparse')
    sparse.initialize()
    with pytest.raises(RuntimeError, match='storage type'):
        sparse.data()
    with pytest.raises(RuntimeError, match='no Trainer'):
        sparse.row_sparse_data(mx.nd.array([0]))


@pytest.mark.isolated
def test_s1_14_multiple_contexts():
    ctxs = [mx.cpu(0), mx.cpu(1)]
    p = Parameter('w', shape=(2, 3))
    p.initialize(ctx=ctxs)
    assert p.list_ctx() == ctxs
    assert [d.ctx for d in p.list_data()] == ctxs
    assert [g.ctx for g in p.list_grad()] == ctxs
    assert np.array_equal(p.data(mx.cpu(1)).asnumpy(), p.data(mx.cpu(0)).asnumpy())
    with mx.cpu(1):
        assert p.data().ctx == mx.cpu(1)
    p.list_grad()[1][:] = 5
    p.zero_grad()
    assert p.grad(mx.cpu(1)).asnumpy().sum() == 0


@pytest.mark.isolated
def test_s1_15_set_data_everywhere_and_while_deferred():
    p = Parameter('w', shape=(2,))
    p.initialize(ctx=[mx.cpu(0), mx.cpu(1)])
    p.set_data(mx.nd.array([1, 2]))
    assert all(d.asnumpy().tolist() == [1, 2] for d in p.list_data())
    q = Parameter('w', shape=(0,), allow_deferred_init=True)
    q.initialize()
    q.set_data(mx.nd.array([7, 8, 9]))
    q._finish_deferred_init()
    assert q.data().asnumpy().tolist() == [7, 8, 9]


@pytest.mark.isolated
def test_s1_16_reset_ctx():
    p = Parameter('w', shape=(2,))
    with pytest.raises(ValueError, match='Cannot reset context'):
        p.reset_ctx(mx.cpu(1))
    p.initialize(init=mx.init.One(), ctx=mx.cpu(0))
    p.reset_ctx([mx.cpu(0), mx.cpu(1)])
    assert p.list_ctx() == [mx.cpu(0), mx.cpu(1)]
    assert p.data(mx.cpu(1)).asnumpy().tolist() == [1, 1]
    d = Parameter('w', shape=(0,), allow_deferred_init=True)
    d.initialize(ctx=mx.cpu(0))
    d.reset_ctx(mx.cpu(1))
    assert d.list_ctx() == [mx.cpu(1)]


def test_s1_17_var_is_named_by_param_name():
    p = Parameter('w', shape=(2, 3), lr_mult=2.0)
    v = p.var()
    assert v.name == p.name
    assert v.list_attr()['__lr_mult__'] == '2.0'
    assert p.var() is v


def test_s1_18_cast_data_and_grad():
    p = Parameter('w', shape=(2,))
    p.initialize()
    p.cast('float64')
    assert p.data().dtype == np.float64 and p.grad().dtype == np.float64
    p.dtype = 'float16'
    assert p.data().dtype == np.float16


@pytest.mark.isolated
def test_s1_19_reduce_averages_over_contexts():
    p = Parameter('w', shape=(2,))
    p.initialize(ctx=[mx.cpu(0), mx.cpu(1)])
    p.list_data()[0][:] = 1
    p.list_data()[1][:] = 3
    reduced = p._reduce()
    assert reduced.ctx == mx.cpu() and reduced.asnumpy().tolist() == [2, 2]


def test_s1_20_trainer_reference_is_weak():
    p = Parameter('w', shape=(2,))
    p.initialize()
    trainer = gluon.Trainer([p], 'sgd')
    assert p._trainer() is trainer
    ref = weakref.ref(trainer)
    del trainer
    assert ref() is None
    p._set_trainer(None)
    assert p._trainer is None


def test_s1_21_load_init_fills_unknown_dims_and_checks_dtype():
    p = Parameter('w', shape=(0, 3), allow_deferred_init=True)
    p._load_init(mx.nd.ones((2, 3)), None)
    assert p.shape == (2, 3) and p.list_ctx() == [mx.cpu()]
    with pytest.raises(ValueError, match='shape incompatible'):
        p._load_init(mx.nd.ones((4, 3)), None)
    with pytest.raises(ValueError, match='dtype incompatible'):
        p._load_init(mx.nd.ones((2, 3), dtype='float64'), None)
    p._load_init(mx.nd.ones((2, 3), dtype='float64'), None, cast_dtype=True)
    assert p.data().dtype == np.float32
    p._load_init(mx.nd.ones((2, 3), dtype='float64'), None, cast_dtype=True,
                 dtype_source='saved')
    assert p.data().dtype == np.float64


def test_s1_22_check_and_setattr():
    p = Parameter('w', shape=(0, 3))
    p._check_and_setattr(shape=(2, 3), dtype=np.float32)
    assert p.shape == (2, 3)
    with pytest.raises(ValueError, match="attribute 'dtype'"):
        p._check_and_setattr(dtype='float16')


def test_s1_23_constant():
    c = Constant([[1, 2], [3, 4]])
    assert c.name.endswith('_const') and c.shape == (2, 2)
    assert repr(c) == 'Constant (shape=(2, 2), dtype=<class \'numpy.float32\'>)'
    c.initialize()
    assert c.data().asnumpy().tolist() == [[1, 2], [3, 4]]
    with pytest.raises(TypeError):
        Constant('c', [1])


def test_s1_24_constant_grad_req_is_null():
    c = Constant([1.0])
    with pytest.warns(UserWarning, match='does not support grad_req'):
        c.grad_req = 'write'
    assert c.grad_req == 'null'


def test_s9_3_trainer_updates_with_lr_mult():
    p = Parameter('w', shape=(2,), lr_mult=0.5)
    p.initialize(init=mx.init.Zero())
    trainer = mx.gluon.Trainer([p], 'sgd', {'learning_rate': 1.0})
    with mx.autograd.record():
        loss = (p.data() * mx.nd.array([1, 2])).sum()
    loss.backward()
    trainer.step(1)
    assert p.data().asnumpy().tolist() == [-0.5, -1.0]


def _live_ndarray_handles():
    return {arr.handle.value for arr in gc.get_objects() if isinstance(arr, mx.nd.NDArray)}


def test_constant_value_is_freed_with_the_constant():
    """S1.23 / S12.1: the initializer alias a Constant registers must not keep its value alive.

    MXNet's initializer registry lives for the whole process; a closure over the value there
    kept every Constant's array forever.
    """
    value = mx.nd.ones((7, 3))
    handle = value.handle.value
    const = gluon.Constant(value)
    del value
    gc.collect()
    assert handle in _live_ndarray_handles()  # held by the Constant itself
    del const
    gc.collect()
    assert handle not in _live_ndarray_handles()


def test_constant_still_initializes_from_its_value():
    """S1.23: the value is copied in at initialization (through the registered alias)."""
    class WithConstant(gluon.HybridBlock):
        def __init__(self):
            super().__init__()
            self.scale = gluon.Constant([[1.0, 2.0, 3.0]])

        def hybrid_forward(self, F, x, scale):
            return F.broadcast_mul(x, scale)

    net = WithConstant()
    net.initialize()
    assert net(mx.nd.ones((2, 3))).asnumpy().tolist() == [[1, 2, 3], [1, 2, 3]]


@pytest.mark.parametrize('name', [None, 3, b'w'])
def test_s1_1_name_must_be_a_string(name):
    with pytest.raises(TypeError, match=r"Parameter name must be a str, got .* of type"):
        Parameter(name)


@pytest.mark.parametrize('shape', ['abc', (2, 'x'), (-3,), 2.5, (True, 3), object()])
def test_s1_1_bad_shape_fails_at_construction(shape):
    with pytest.raises(ValueError, match=r'shape must be an int or a tuple of ints .*got'):
        Parameter('w', shape=shape)


@pytest.mark.parametrize('shape,stored', [(3, (3,)), ([2, 0], (2, 0)), ((4, -1), (4, -1)),
                                          (np.int64(5), (5,)), ((np.int32(2), 3), (2, 3))])
def test_s1_1_shapes_accepted(shape, stored):
    assert Parameter('w', shape=shape)._shape == stored


@pytest.mark.isolated
def test_s1_10_deferred_request_is_a_named_structure():
    p = Parameter('w', shape=(0, 3), allow_deferred_init=True, init='ones')
    p.initialize(ctx=mx.cpu(0), structural_name='layer.w')
    pending = p._deferred_init
    assert (pending.ctx, pending.data, pending.structure) == ([mx.cpu(0)], None, 'layer.w')
    p.reset_ctx([mx.cpu(1)])
    assert p._deferred_init.ctx == [mx.cpu(1)] and p.list_ctx() == [mx.cpu(1)]
    p.set_data(mx.nd.full((2, 3), 5))
    assert p._deferred_init.data.shape == (2, 3)
    p._finish_deferred_init()
    assert p._deferred_init is None
    np.testing.assert_array_equal(p.data(mx.cpu(1)).asnumpy(), np.full((2, 3), 5))
