"""HybridBlock eager/hybridized execution, export and SymbolBlock (sections 2.3, 6, 8)."""
import filecmp
import json

import mxnet as mx
import numpy as np
import pytest

from gluon_runtime import HybridBlock, Parameter, SymbolBlock


class TwoInputs(HybridBlock):
    """Nested and optional inputs, nested outputs."""

    def __init__(self):
        super().__init__()
        self.scale = Parameter('scale', shape=(1,), init=mx.init.One(),
                               allow_deferred_init=True)

    def hybrid_forward(self, F, pair, extra=None, scale=None):
        a, b = pair
        total = F.broadcast_mul(a + b, scale)
        if extra is not None:
            total = total + extra
        return [total, (a * 2, b)]


def _close(a, b):
    return np.allclose(a.asnumpy(), b.asnumpy(), atol=1e-6)


def test_s6_2_eager_and_hybridized_agree(tiny, x):
    net = tiny.MLP()
    net.initialize()
    eager = net(x)
    net.hybridize()
    assert _close(net(x), eager)
    assert net._cached_op is not None


def test_s6_2_input_type_errors(tiny, x):
    net = tiny.Dense(2)
    net.initialize()
    with pytest.raises(ValueError, match='mixed NDArrays and Symbols'):
        TwoInputs()([x, mx.sym.var('b')])
    with pytest.raises(ValueError, match='there must be one NDArray or one Symbol'):
        net(1)


def test_s6_3_hybridized_input_rules(x):
    net = TwoInputs()
    net.initialize()
    net.hybridize()
    with pytest.raises(ValueError, match="must be \\(nested\\) list of Symbol or NDArray, "
                                         "but got 1 of type <class 'int'>"):
        net([x, x], 1)
    net([x, x])
    net([x, x], None)  # a trailing defaulted None matches the cached structure
    with pytest.raises(ValueError, match='argument structure of HybridBlock does not match'):
        net([x, x], x)


class Either(HybridBlock):
    """Takes one array or a one-array list (the one-array call has a fast path)."""

    def hybrid_forward(self, F, x):
        return (x[0] if isinstance(x, list) else x) * 2


def test_s6_3_one_array_and_one_array_list_are_different_structures(x):
    for traced, other in ((x, [x]), ([x], x)):
        net = Either()
        net.hybridize()
        net(traced)
        with pytest.raises(ValueError, match='argument structure of HybridBlock does not match'):
            net(other)


@pytest.mark.parametrize('hybridize', [False, True], ids=['eager', 'hybridized'])
def test_s6_6_input_on_a_context_without_the_parameters(tiny, hybridize):
    net = tiny.Dense(2, in_units=5)
    net.initialize(ctx=mx.cpu(0))
    net.hybridize(active=hybridize)
    assert net(mx.nd.ones((1, 5), ctx=mx.cpu(0))).shape == (1, 2)
    with pytest.raises(RuntimeError, match='was not initialized on context cpu\\(1\\)'):
        net(mx.nd.ones((1, 5), ctx=mx.cpu(1)))


def test_s6_3_nested_and_none_inputs_and_outputs_both_modes(x):
    net = TwoInputs()
    net.initialize()
    eager = net([x, x + 1], None)
    eager_extra = net([x, x + 1], x)
    net.hybridize()
    hyb = net([x, x + 1], None)
    assert isinstance(hyb, list) and isinstance(hyb[1], list)
    assert _close(hyb[0], eager[0]) and _close(hyb[1][0], eager[1][0])
    net.hybridize()  # rebuild for the other structure
    assert _close(net([x, x + 1], x)[0], eager_extra[0])


def test_s6_4_s2_3_graph_names(tiny, x):
    net = tiny.Chain(tiny.Dense(3))
    net.initialize()
    net.hybridize()
    net(x)
    data_vars, out = net._cached_graph
    assert [v.name for v in data_vars] == ['data']
    dense = net._children['0']
    assert dense.name + '_fwd_output' in out.list_outputs()
    assert set(out.list_arguments()) == {'data', dense.weight.name, dense.bias.name}


def test_s6_5_flags_go_to_cached_op(tiny, x):
    net = tiny.MLP()
    net.initialize()
    net.hybridize(static_alloc=True, static_shape=True, inline_limit=0)
    assert net._flags == [('static_alloc', True), ('static_shape', True), ('inline_limit', 0)]
    out = net(x)
    assert out.shape == (4, 3)
    net.hybridize(not_a_cachedop_flag=1)
    with pytest.raises(mx.base.MXNetError, match='not_a_cachedop_flag'):
        net(x)


def test_s6_5_unused_parameter_warns(x):
    class Unused(HybridBlock):
        def __init__(self):
            super().__init__()
            self.w = Parameter('w', shape=(1,))

        def hybrid_forward(self, F, x, w):
            return x * 2

    net = Unused()
    net.initialize()
    net.hybridize()
    with pytest.warns(UserWarning, match='is not used by any computation'):
        net(x)


def test_s6_6_autograd_and_grad_req_add_through_cached_op(tiny, x):
    eager, hyb = tiny.MLP(), tiny.MLP()
    eager.initialize()
    eager(x)
    hyb.share_parameters(eager.collect_params())
    hyb.hybridize()
    hyb.setattr('grad_req', 'add')
    for _ in range(2):
        with mx.autograd.record():
            hyb(x).sum().backward()
    summed = hyb.hidden.weight.grad().copy()
    hyb.setattr('grad_req', 'write')
    with mx.autograd.record():
        eager(x).sum().backward()
    assert np.allclose(summed.asnumpy(), 2 * eager.hidden.weight.grad().asnumpy(), atol=1e-5)


def test_s6_7_whole_subtree_is_one_graph(tiny, x):
    net = tiny.MLP()
    net.initialize()
    seen = []
    net.hidden.register_forward_hook(lambda b, args, out: seen.append(type(out).__name__))
    with pytest.warns(UserWarning, match='hooks will not take effect'):
        net.hybridize()
    net(x)
    net(x)
    assert seen == ['Symbol']  # the child ran once, symbolically, while building the graph
    assert net.hidden._cached_op is None


def test_s6_10_deferred_init_both_orders(tiny, x):
    before = tiny.MLP()
    before.initialize()
    before.hybridize()
    assert before(x).shape == (4, 3) and before.hidden.weight.shape == (8, 5)
    after = tiny.MLP()
    after.hybridize()
    after.initialize()
    assert after(x).shape == (4, 3) and after.output.weight.shape == (3, 8)


def test_s6_9_infer_shape_and_type(tiny, x):
    net = tiny.MLP()
    net.infer_shape(x)
    assert net.hidden.weight.shape == (8, 5) and net.output.weight.shape == (3, 8)
    net2 = tiny.MLP()
    net2.cast('float64')
    net2.infer_type(x.astype('float64'))
    assert net2.hidden.weight.dtype == np.float64


def test_s6_9_failed_inference_is_value_error(x):
    class Unknowable(HybridBlock):
        def __init__(self):
            super().__init__()
            self.scale = Parameter('scale', shape=(0,), allow_deferred_init=True)

        def hybrid_forward(self, F, x, scale):
            return F.broadcast_mul(x, scale)  # broadcasting does not determine `scale`

    net = Unknowable()
    net.initialize()
    with pytest.raises(ValueError, match='Deferred initialization failed because shape cannot '
                                         'be inferred'):
        net(x)


def test_s6_11_op_hook_gets_str_names(tiny, x):
    net = tiny.Chain(tiny.Dense(3))
    net.initialize()
    net.hybridize()
    seen = []
    net.register_op_hook(lambda name, op, arr: seen.append((name, op, type(arr))))
    net(x)
    dense = net._children['0']
    assert (dense.name + '_fwd_output', 'FullyConnected', mx.nd.NDArray) in seen


def test_s2_6_s6_12_child_change_deactivates(tiny, x):
    net = tiny.MLP()
    net.initialize()
    net.hybridize()
    net(x)
    with pytest.warns(UserWarning, match='deactivate the hybridization'):
        net.output = tiny.Dense(2)
    net.output.initialize()
    assert not net._active and net._cached_op is None
    assert net(x).shape == (4, 2)


def test_s2_5_parameter_override_on_hybridized_block_uses_new_parameter(tiny, x):
    net = tiny.Chain(tiny.Dense(5, in_units=5), tiny.Dense(5, in_units=5))
    net.initialize()
    net.hybridize()
    first, second = net._children['0'], net._children['1']
    net(x)
    with pytest.warns(UserWarning, match='replacing Parameter "weight"'):
        second.weight = first.weight
    assert not second._active and net._active and net._cached_op is None
    second.weight.set_data(mx.nd.ones((5, 5)))
    # the parent stays hybridized and rebuilds its graph with the tied parameter
    expected = mx.nd.dot(mx.nd.dot(x, mx.nd.ones((5, 5))), mx.nd.ones((5, 5)))
    assert _close(net(x), expected)


def test_s2_7_grandchild_change_rebuilds_ancestor_graph(tiny, x):
    net = tiny.Chain(tiny.MLP())
    net.initialize()
    net.hybridize()
    net(x)
    with pytest.warns(UserWarning, match='deactivate'):
        net._children['0'].output = tiny.Dense(2)
    net._children['0'].output.initialize()
    assert net._active and net(x).shape == (4, 2)


def test_s5_5_cast_deactivates(tiny, x):
    net = tiny.MLP()
    net.initialize()
    net.hybridize()
    net(x)
    with pytest.warns(UserWarning, match='cast the block'):
        net.cast('float64')
    assert not net._active
    assert net(x.astype('float64')).dtype == np.float64


def test_s6_13_optimize_for_builds_without_running(tiny, x):
    net = tiny.MLP()
    net.initialize()
    net.optimize_for(x, static_alloc=True)
    assert net._cached_op is not None and net.hidden.weight.shape == (8, 5)


@pytest.mark.isolated
def test_hybridize_multi_context_input_rejected(tiny):
    net = tiny.Dense(2, in_units=2)
    net.initialize(ctx=[mx.cpu(0), mx.cpu(1)])
    net.hybridize()
    assert net(mx.nd.ones((1, 2), ctx=mx.cpu(1))).ctx == mx.cpu(1)
    two = TwoInputs()
    two.initialize(ctx=[mx.cpu(0), mx.cpu(1)])
    two.hybridize()
    with pytest.raises(ValueError, match='multiple contexts'):
        two([mx.nd.ones((2,), ctx=mx.cpu(0)), mx.nd.ones((2,), ctx=mx.cpu(1))])


def test_s8_1_export_requires_graph(tiny, tmp_path):
    with pytest.raises(RuntimeError, match='Please first call block.hybridize'):
        tiny.Dense(2).export(str(tmp_path / 'm'))


def test_s8_2_export_is_deterministic_with_structural_names(tiny, x, tmp_path):
    net = tiny.MLP()
    net.initialize()
    net.hybridize()
    net(x)
    first = net.export(str(tmp_path / 'a'), epoch=3)
    second = net.export(str(tmp_path / 'b'), epoch=3)
    assert first == (str(tmp_path / 'a-symbol.json'), str(tmp_path / 'a-0003.params'))
    assert filecmp.cmp(first[0], second[0], shallow=False)
    assert filecmp.cmp(first[1], second[1], shallow=False)
    graph = json.load(open(first[0]))
    names = {n['name'] for n in graph['nodes'] if n['op'] == 'null'}
    assert names == {'data', 'hidden.weight', 'hidden.bias', 'output.weight', 'output.bias'}
    assert sorted(mx.nd.load(first[1])) == ['arg:hidden.bias', 'arg:hidden.weight',
                                            'arg:output.bias', 'arg:output.weight']


def test_s8_3_imports_own_export_and_stock_imports_it(tiny, x, tmp_path):
    net = tiny.MLP()
    net.initialize()
    net.hybridize()
    expected = net(x)
    sym_file, params_file = net.export(str(tmp_path / 'm'))
    ours = SymbolBlock.imports(sym_file, ['data'], params_file)
    assert sorted(ours.collect_params()) == ['hidden.bias', 'hidden.weight', 'output.bias',
                                             'output.weight']
    assert _close(ours(x), expected)
    stock = mx.gluon.SymbolBlock.imports(sym_file, ['data'], params_file)
    assert _close(stock(x), expected)


def test_s8_3_imports_stock_export(x, tmp_path):
    stock = mx.gluon.nn.HybridSequential()
    stock.add(mx.gluon.nn.Dense(4, activation='relu'), mx.gluon.nn.BatchNorm(),
              mx.gluon.nn.Dense(2))
    stock.initialize()
    stock.hybridize()
    expected = stock(x)
    stock.export(str(tmp_path / 'stock'))  # 1.9.1 returns None
    sym_file, params_file = str(tmp_path / 'stock-symbol.json'), str(tmp_path / 'stock-0000.params')
    ours = SymbolBlock.imports(sym_file, 'data', params_file)
    assert _close(ours(x), expected)
    aux = [k for k in ours.collect_params() if k.endswith('running_var')]
    assert aux and ours.collect_params()[aux[0]].grad_req == 'null'


def test_s8_4_symbol_block_from_symbols_and_shared_params(tiny, x):
    net = tiny.MLP()
    net.initialize()
    expected = net(x)
    data = mx.sym.var('data')
    block = SymbolBlock(net(data), data, params=net.collect_params())
    assert block.collect_params()['hidden.weight'] is net.hidden.weight
    assert _close(block(x), expected)
    with pytest.raises(ValueError, match='Input symbols must be variable'):
        SymbolBlock(net(data), data * 2)


def test_s8_4_symbol_block_deferred_init():
    data = mx.sym.var('data')
    out = mx.sym.FullyConnected(data, num_hidden=3, name='fc')
    block = SymbolBlock(out, data)
    assert sorted(block.collect_params()) == ['fc_bias', 'fc_weight']
    block.initialize()
    assert block(mx.nd.ones((2, 7))).shape == (2, 3)
    assert block.collect_params()['fc_weight'].shape == (3, 7)


def test_s8_5_symbol_block_inside_hybridized_parent(x):
    data = mx.sym.var('data')
    inner = SymbolBlock(mx.sym.FullyConnected(data, num_hidden=3, name='fc'), data)

    class Wrap(HybridBlock):
        def __init__(self):
            super().__init__()
            self.inner = inner

        def hybrid_forward(self, F, x):
            return F.relu(self.inner(x))

    net = Wrap()
    net.initialize()
    eager = net(x)
    net.hybridize()
    assert _close(net(x), eager)
    assert list(net.collect_params()) == ['inner.fc_weight', 'inner.fc_bias']


def test_s6_14_forward_only_hybrid_block_runs_imperatively(x):
    class Gluon2Style(HybridBlock):
        def forward(self, x):
            return x.asnumpy().sum()  # not traceable: must never see a Symbol

    blk = Gluon2Style()
    blk.hybridize()
    assert np.isclose(blk(x), x.asnumpy().sum())


def test_hybridize_accepts_1x_clear_flag(tiny, x):
    net = tiny.MLP()
    net.initialize()
    net.hybridize(clear=False, static_alloc=True)
    assert net._flags == [('static_alloc', True)]
    assert net(x).shape == (4, 3)


def test_s6_4_multi_output_symbol_comes_back_as_a_list_of_all_outputs():
    """A multi-output Symbol (`F.split`) returned by a hybridized block gives every output, as eager
    mode and stock 1.9.1 do, also nested inside another output list."""
    class Split(HybridBlock):
        def hybrid_forward(self, F, x):
            return F.split(x, num_outputs=3), x + 1

    x = mx.nd.arange(12).reshape((2, 6))
    blk = Split()
    (eager_parts, eager_plus) = blk(x)
    blk.hybridize()
    for _ in range(2):  # the first call builds the graph, the second runs the cache
        parts, plus = blk(x)
        assert isinstance(parts, list) and len(parts) == 3
        for got, want in zip(parts, eager_parts):
            assert _close(got, want)
        assert _close(plus, eager_plus)


def test_numpy_mode_block_hybridizes_with_numpy_symbols():
    """In `npx.set_np()` mode the graph's data variables are numpy symbols, like the parameters'
    (S6.4), so `F.np` operators trace."""
    class WeightedSum(HybridBlock):
        def __init__(self):
            super().__init__()
            self.w = Parameter('w', shape=(4,), init=mx.init.Constant(2.0))

        def hybrid_forward(self, F, x, w):
            return F.np.sum(x * w, axis=1)

    mx.npx.set_np()
    try:
        blk = WeightedSum()
        blk.initialize()
        x = mx.np.ones((2, 4))
        eager = blk(x).asnumpy()
        blk.hybridize()
        assert np.allclose(blk(x).asnumpy(), eager) and np.allclose(eager, [8.0, 8.0])
        assert np.allclose(blk(x).asnumpy(), eager)
    finally:
        mx.npx.reset_np()


def test_s8_5_graph_and_compiled_op_are_separate_states(x, tiny):
    data = mx.sym.var('data')
    block = SymbolBlock(mx.sym.FullyConnected(data, num_hidden=3, name='fc'), data)
    block.initialize()
    expected = block(x)
    graph = block._cached_graph
    assert block._cached_op is not None
    block._clear_cached_op()  # a SymbolBlock's graph is its definition: only the op goes
    assert block._cached_op is None and block._cached_graph is graph
    block.cast('float64')
    assert block._cached_graph is graph
    assert _close(block(x.astype('float64')), expected)
    # A HybridBlock's traced graph goes with clearing; dropping the compiled op keeps it.
    net = tiny.MLP()
    net.initialize()
    net.hybridize()
    net(x)
    traced = net._cached_graph
    net._drop_compiled_op()
    assert net._cached_op is None and net._cached_graph is traced
    net(x)
    assert net._cached_op is not None and net._cached_graph is traced
    net._clear_cached_op()
    assert net._cached_graph == () and net._in_format is None
