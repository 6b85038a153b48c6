"""Block registration, collect_params, sharing and block-level operations (sections 2-5, 10-12)."""
import gc
import re
import warnings
import weakref

import mxnet as mx
import numpy as np
import pytest

import gluon_runtime as gluon
from gluon_runtime import Block, Parameter, nn


class Holder(Block):
    def __init__(self, body=None):
        super().__init__()
        self.a = Parameter('a', shape=(1,))
        if body is not None:
            self.body = body
        self.b = Parameter('b', shape=(2,))

    def forward(self, x):
        return self.body(x) if hasattr(self, 'body') else x


def test_s2_1_no_prefix_params_or_name_scope():
    with pytest.raises(TypeError):
        Block(prefix='x_')
    assert not hasattr(Block(), 'name_scope') and not hasattr(Block(), 'prefix')


def test_s2_2_name_is_alias_plus_global_counter(tiny):
    first, second = tiny.Dense(2), tiny.Dense(2)
    n1, n2 = int(first.name[len('tinydense'):]), int(second.name[len('tinydense'):])
    assert first.name.startswith('tinydense') and n2 == n1 + 1
    with pytest.raises(AttributeError):
        first.name = 'x'


def test_s2_4_registration_by_attribute(tiny):
    h = Holder(tiny.Dense(3))
    assert list(h._children) == ['body'] and h._children['body'] is h.body
    assert list(h.params) == ['a', 'b']
    h.plain = 5
    h.maybe = None  # None registers nothing
    assert 'maybe' not in h.params and 'maybe' not in h._children


def test_s2_4_type_change_is_rejected(tiny):
    h = Holder(tiny.Dense(3))
    with pytest.raises(TypeError, match='Changing attribute type for body'):
        h.body = Holder()
    with pytest.raises(TypeError, match='Changing attribute type for a'):
        h.a = None
    h.body = tiny.Dense(4)  # same class: replaced in place, same key
    assert list(h._children) == ['body'] and h.body.units == 4


def test_s2_4_parameter_override_ties(tiny):
    net = tiny.MLP()
    net.hidden.weight = net.output.weight
    params = net.collect_params()
    assert params['hidden.weight'] is params['output.weight']


def test_s2_7_register_child_default_keys(tiny):
    chain = tiny.Chain(tiny.Dense(2), tiny.Dense(3))
    assert list(chain._children) == ['0', '1']
    with pytest.raises(ValueError, match='Children of HybridBlock must also be HybridBlock'):
        chain.register_child(Holder())


def test_s2_8_unregistered_container_warns(tiny):
    class Hidden(Block):
        def __init__(self):
            super().__init__()
            self.layers = [tiny.Dense(2)]

    with pytest.warns(UserWarning, match='"Hidden.layers" is an unregistered container'):
        Hidden().collect_params()


def test_s2_10_repr_lists_attribute_children(tiny):
    text = repr(Holder(tiny.Dense(3)))
    assert text.startswith('Holder(\n  (body): TinyDense(')


def test_s3_1_s3_2_structural_keys_and_order(tiny):
    h = Holder(tiny.Chain(tiny.Dense(2), tiny.Dense(3)))
    params = h.collect_params()
    assert type(params) is dict
    assert list(params) == ['a', 'b', 'body.0.weight', 'body.0.bias', 'body.1.weight',
                            'body.1.bias']


def test_s3_3_select_is_anchored_match(tiny):
    h = Holder(tiny.Chain(tiny.Dense(2), tiny.Dense(3)))
    assert list(h.collect_params('.*weight')) == ['body.0.weight', 'body.1.weight']
    assert list(h.collect_params('a')) == ['a']
    assert list(h.collect_params('0')) == []
    assert list(h.collect_params('body.0.bias|body.1.bias')) == ['body.0.bias', 'body.1.bias']


def test_s3_4_shared_parameter_listed_per_path(tiny):
    d = tiny.Dense(2)
    chain = tiny.Chain(d, d)
    params = chain.collect_params()
    assert list(params) == ['0.weight', '0.bias', '1.weight', '1.bias']
    assert params['0.weight'] is params['1.weight']


def test_s3_5_str_is_plain_dict_repr(tiny):
    text = str(tiny.Dense(10, in_units=5).collect_params())
    assert re.fullmatch(r"\{'weight': Parameter \(shape=\(10, 5\), dtype=.*\), 'bias': .*\}",
                        text)


def test_s4_share_parameters(tiny):
    net1, net2 = tiny.MLP(), tiny.MLP()
    assert net2.share_parameters(net1.collect_params()) is net2
    assert net2.hidden.weight is net1.hidden.weight
    assert net2.share_parameters(None) is net2
    with pytest.raises(ValueError, match="'shared' should be in type of Dict"):
        net2.share_parameters([1])
    net3 = tiny.MLP()
    with pytest.warns(UserWarning, match='Parameter name nope is not in the current model'):
        net3.share_parameters({'hidden.bias': net1.hidden.bias, 'nope': net1.hidden.weight})
    assert net3.hidden.bias is net1.hidden.bias and net3.hidden.weight is not net1.hidden.weight


def test_s4_5_share_child_params(tiny):
    src = tiny.Dense(4)
    dst = tiny.Dense(4).share_parameters(src.params)
    assert dst.weight is src.weight


def test_s5_1_initialize_default_and_own_init(tiny, x):
    net = tiny.MLP()
    net.initialize(mx.init.One())
    net(x)
    assert net.hidden.weight.data().asnumpy().min() == 1
    assert net.hidden.bias.data().asnumpy().max() == 0  # its own 'zeros' init wins


def test_s5_1_initialize_shared_once_without_warning(tiny, recwarn):
    d = tiny.Dense(2, in_units=3)
    tiny.Chain(d, d).initialize()
    assert not [w for w in recwarn if 'already initialized' in str(w.message)]


@pytest.mark.isolated
def test_s5_2_zero_grad(tiny, x):
    net = tiny.MLP()
    net.initialize(ctx=[mx.cpu(0), mx.cpu(1)])
    with mx.autograd.record():
        net(x).sum().backward()
    assert net.hidden.weight.grad(mx.cpu(0)).abs().sum().asscalar() > 0
    net.zero_grad()
    for p in net.collect_params().values():
        assert all(g.abs().sum().asscalar() == 0 for g in p.list_grad())


@pytest.mark.isolated
def test_s5_3_s5_4_reset_ctx_and_setattr(tiny, x):
    net = tiny.MLP()
    net.initialize()
    net(x)
    net.reset_ctx([mx.cpu(0), mx.cpu(1)])
    assert net.output.bias.list_ctx() == [mx.cpu(0), mx.cpu(1)]
    net.setattr('grad_req', 'null')
    net.setattr('lr_mult', 0.1)
    assert all(p.grad_req == 'null' and p.lr_mult == 0.1
               for p in net.collect_params().values())


def test_s5_5_cast(tiny, x):
    net = tiny.MLP()
    net.initialize()
    net(x)
    net.cast('float64')
    assert net(x.astype('float64')).dtype == np.float64
    assert net.output.weight.data().dtype == np.float64


def test_s2_11_apply_children_first(tiny):
    net = tiny.MLP()
    order = []
    assert net.apply(lambda b: order.append(b)) is net
    assert order == [net.hidden, net.output, net]


def test_s6_1_s11_1_hooks_order_and_detach(tiny, x):
    net = tiny.Dense(3)
    net.initialize()
    calls = []
    h1 = net.register_forward_pre_hook(lambda b, args: calls.append(('pre', len(args))))
    h2 = net.register_forward_hook(lambda b, args, out: calls.append(('post', out.shape)))
    net.register_forward_hook(lambda b, args, out: calls.append('second'))
    net(x)
    assert calls == [('pre', 1), ('post', (4, 3)), 'second']
    h1.detach()
    h2.detach()
    calls.clear()
    net(x)
    assert calls == ['second']


def test_s6_2_block_forward_any_arguments():
    class Add(Block):
        def forward(self, x, k, scale=1):
            return x * scale + k

    assert Add()(mx.nd.ones((2,)), 2, 3).asnumpy().tolist() == [5, 5]


def test_s10_1_summary(tiny, x, capsys):
    net = tiny.MLP()
    net.initialize()
    net.summary(x)
    out = capsys.readouterr().out
    assert 'TinyDense-1' in out and 'TinyMLP-3' in out
    assert 'Total params: %d' % (8 * 5 + 8 + 3 * 8 + 3) in out
    assert not net.hidden._forward_hooks  # always detached
    net.hybridize()
    with pytest.raises(RuntimeError, match='must not be hybridized'):
        net.summary(x)


def test_s10_1_summary_counts_shared(tiny, x, capsys):
    d = tiny.Dense(5, in_units=5)
    net = tiny.Chain(d, d)
    net.initialize()
    net.summary(x)
    assert 'Shared params in forward computation graph: 30' in capsys.readouterr().out


def test_s12_1_no_cycles_keep_ndarrays(tiny, x, no_ndarray_cycles):
    net = tiny.MLP()
    net.initialize()
    net(x)
    net.hybridize()
    with mx.autograd.record():
        net(x).sum().backward()
    from gluon_runtime import Trainer
    Trainer(net.collect_params(), 'sgd').step(1)
    ref = weakref.ref(net)
    del net
    assert ref() is None  # freed by reference counting alone


def test_s12_1_block_freed_without_gc(tiny):
    net = tiny.Chain(tiny.Dense(2, in_units=2))
    net.initialize()
    ref = weakref.ref(net._children['0'])
    gc.disable()
    try:
        del net
        assert ref() is None
    finally:
        gc.enable()


def test_s2_4_unhashable_block_as_child(x):
    # a user Block defining __eq__ without __hash__ is unhashable; stock 1.9.1 takes it as a child
    class Same(gluon.HybridBlock):
        __eq__ = lambda self, other: True  # noqa: E731

        def __init__(self):
            super().__init__()
            self.dense = nn.Dense(2)

        def hybrid_forward(self, F, x):
            return self.dense(x)

    class Pair(gluon.HybridBlock):
        def __init__(self):
            super().__init__()
            self.left, self.right = Same(), Same()

        def hybrid_forward(self, F, x):
            return self.left(x) + self.right(x)

    net = Pair()
    net.initialize()
    eager = net(x).asnumpy()
    net.hybridize()
    np.testing.assert_allclose(net(x).asnumpy(), eager, rtol=1e-6)
    with pytest.warns(UserWarning, match="deactivate the hybridization"):  # the parents' graphs are found
        net.left.dense.weight = net.right.dense.weight
    assert not np.allclose(net(x).asnumpy(), eager)
    assert list(net.collect_params()) == ['left.dense.weight', 'left.dense.bias', 'right.dense.weight',
                                          'right.dense.bias']
    ref = weakref.ref(net)
    del net
    assert ref() is None


def test_building_layers_emits_no_deprecation_warning():
    """S2.2: block names come from the current NameManager without using the deprecated
    `NameManager.current` accessor (a DeprecationWarning per block, an error under -W error)."""
    with warnings.catch_warnings():
        warnings.simplefilter('error', DeprecationWarning)
        first, second = nn.Dense(2), nn.Dense(2)
    assert first.name.startswith('dense') and second.name.startswith('dense')
    assert first.name != second.name
    with mx.name.NameManager():
        # inside a fresh manager the counter restarts, as for any mxnet naming
        assert nn.Dense(2).name == 'dense0'


@pytest.mark.parametrize('container', [
    lambda: [[nn.Dense(2)]],
    lambda: {'a': (nn.Dense(2),)},
    lambda: ({'deep': [nn.Dense(2)]},),
])
def test_blocks_in_nested_containers_are_warned_about(container):
    """S2.8: Blocks hidden in nested lists/tuples/dicts are not registered and collect_params()
    warns about them (cb54a4a searches containers recursively)."""
    class Holder(gluon.Block):
        def __init__(self):
            super().__init__()
            self.layers = container()

    with pytest.warns(UserWarning, match=r'"Holder\.layers" is an unregistered container'):
        assert Holder().collect_params() == {}


def test_registered_blocks_in_nested_containers_do_not_warn():
    """S2.8: no warning when every Block of the container is registered."""

    class Holder(gluon.Block):
        def __init__(self):
            super().__init__()
            self.first = nn.Dense(2)
            self.layers = [[self.first]]

    with warnings.catch_warnings():
        warnings.simplefilter('error', UserWarning)
        assert list(Holder().collect_params()) == ['first.weight', 'first.bias']


# -- del and replacement (S2.12) --------------------------------------------------------------

def test_s2_12_del_child_unregisters_it(tiny, x, tmp_path):
    net = tiny.MLP()
    net.initialize()
    net(x)
    output = net.output
    del net.output
    assert not hasattr(net, 'output') and 'output' not in net._children
    assert list(net.collect_params()) == ['hidden.weight', 'hidden.bias']
    assert id(net) not in output._parents
    net.save_parameters(str(tmp_path / 'net.params'))
    assert sorted(mx.nd.load(str(tmp_path / 'net.params'))) == ['hidden.bias', 'hidden.weight']


def test_s2_12_del_parameter_unregisters_it():
    holder = Holder()
    del holder.a
    assert list(holder.collect_params()) == ['b']
    holder.initialize()
    holder.a = Parameter('a2', shape=(3,))  # the name is free again, for any kind of value
    assert list(holder.collect_params()) == ['b', 'a']


def test_s2_12_del_plain_attribute_and_missing_attribute():
    holder = Holder()
    holder.note = 'x'
    del holder.note
    assert not hasattr(holder, 'note')
    with pytest.raises(AttributeError):
        del holder.never_set


def test_s2_12_del_child_of_hybridized_block_deactivates(tiny, x):
    class MaybeExtra(gluon.HybridBlock):
        def __init__(self):
            super().__init__()
            self.body = tiny.Dense(8)
            self.extra = tiny.Dense(3)

        def hybrid_forward(self, F, x):
            x = self.body(x)
            return self.extra(x) if hasattr(self, 'extra') else x

    outer = tiny.Chain(MaybeExtra())
    outer.initialize()
    outer.hybridize()
    assert outer(x).shape == (4, 3)
    inner = outer._children['0']
    with pytest.warns(UserWarning, match='deactivate'):
        del inner.extra
    assert outer._cached_op is None  # the ancestor rebuilds its graph too
    assert outer(x).shape == (4, 8)


def test_s2_12_replaced_child_loses_parent_link(tiny):
    net = tiny.MLP()
    old = net.output
    net.output = tiny.Dense(2)
    assert id(net) not in old._parents and id(net) in net.output._parents
    # Still registered under another key: the link stays.
    chain = tiny.Chain(old)
    chain.register_child(old, 'again')
    chain.register_child(tiny.Dense(1), 'again')
    assert id(chain) in old._parents


# -- one walker for "once per Parameter" (S5.1) ------------------------------------------------

def test_s5_1_named_unique_params_first_or_last_name(tiny):
    net = tiny.Chain(tiny.Dense(2, in_units=2), tiny.Dense(2, in_units=2))
    net._children['1'].weight = net._children['0'].weight
    assert [k for k, _ in net._named_unique_params()] == ['0.weight', '0.bias', '1.bias']
    assert [k for k, _ in net._named_unique_params(keep='last')] == [
        '0.bias', '1.weight', '1.bias']
    with warnings.catch_warnings():
        warnings.simplefilter('error')  # once per Parameter: no "already initialized" warning
        net.initialize()


def test_s2_4_type_change_error_says_given_expected_and_fix(tiny):
    net = tiny.MLP()
    with pytest.raises(TypeError) as err:
        net.output = None
    text = str(err.value)
    assert "from <class 'conftest.TinyDense'> to <class 'NoneType'> is not allowed" in text
    assert 'a TinyDense attribute can only be replaced by an instance of' in text
    assert 'del block.output' in text
