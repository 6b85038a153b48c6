"""GLN009 on literal 1.x auto-generated names (issue 10, defect 8): names compared with parameter keys or
symbol names, given as symbol arguments or as output names; and the structural names it derives,
checked against what MXNet 1.9.1 and gluon_runtime actually name the same Blocks."""
import ast
import re
import textwrap

import pytest

from gluon_codemod import check_code, fix_code

HEAD = "import mxnet as mx\nfrom mxnet import gluon\n"


def gln009(body):
    return [f for f in check_code(HEAD + textwrap.dedent(body)) if f.code == "GLN009"]


def suggested(message):
    """The collection after 'compare with' in a finding."""
    return ast.literal_eval(re.search(r"compare with `(.+?)`", message).group(1))


# -- the derived names are the real ones ---------------------------------------------------------------
BUILDS = {
    "cell": "cell = gluon.rnn.RNNCell(20, prefix='rnn_', input_size=8)\n",
    "residual": "cell = gluon.rnn.ResidualCell(gluon.rnn.GRUCell(8, prefix='rnn_', input_size=8))\n",
    "sequential": ("net = gluon.nn.HybridSequential()\nwith net.name_scope():\n"
                   "    net.add(gluon.nn.Dense(10, in_units=4), gluon.nn.BatchNorm(in_channels=10))\n"
                   "    net.add(gluon.nn.Dense(2, in_units=10))\n"),
    "prefixed sequential": ("net = gluon.nn.HybridSequential(prefix='model_')\nwith net.name_scope():\n"
                            "    net.add(gluon.nn.Dense(3, in_units=2, prefix='fc_'))\n"
                            "    net.add(gluon.nn.Dense(3, in_units=3))\n"),
    "unscoped sequential": "net = gluon.nn.Sequential()\nnet.add(gluon.nn.Dense(3, in_units=2))\n",
    "bidirectional": ("cell = gluon.rnn.BidirectionalCell(gluon.rnn.LSTMCell(4, prefix='l0_', input_size=3),\n"
                      "                                  gluon.rnn.LSTMCell(4, prefix='r0_', input_size=3))\n"),
    "zoneout": "cell = gluon.rnn.ZoneoutCell(gluon.rnn.RNNCell(4, input_size=3), zoneout_states=0.5)\n",
    "file class": ("class Net(gluon.HybridBlock):\n"
                   "    def __init__(self, **kwargs):\n"
                   "        super().__init__(**kwargs)\n"
                   "        with self.name_scope():\n"
                   "            self.embed = gluon.nn.Embedding(10, 4)\n"
                   "            self.body = gluon.nn.HybridSequential()\n"
                   "            with self.body.name_scope():\n"
                   "                self.body.add(gluon.nn.Dense(4, in_units=4), gluon.nn.Dense(4, in_units=4))\n"
                   "            self.out = gluon.nn.Dense(2, in_units=4, prefix='out_')\n"
                   "net = Net(prefix='net_')\n"),
    "stack": ("stack = gluon.rnn.SequentialRNNCell()\n"
              "stack.add(gluon.rnn.LSTMCell(6, prefix='l0_', input_size=4))\n"
              "stack.add(gluon.rnn.LSTMCell(6, prefix='l1_', input_size=6))\n"),
}


@pytest.mark.parametrize("name", list(BUILDS))
def test_derived_keys_are_the_keys_gluon_runtime_gives_the_migrated_blocks(name):
    """1.9.1 names the Blocks; GLN009 maps the asserted 1.x names; the migrated code, run on
    gluon_runtime, must have exactly the mapped keys."""
    pytest.importorskip("mxnet")
    pytest.importorskip("gluon_runtime")
    import warnings

    build = HEAD + BUILDS[name]
    receiver = next(line for line in build.splitlines() if re.match(r"\w+ = ", line)).split(" = ")[0]
    old = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(build, old)
    old_keys = sorted(old[receiver].collect_params().keys())
    assert all("." not in k for k in old_keys)  # 1.x prefixed names

    source = build + f"assert sorted({receiver}.collect_params().keys()) == {old_keys!r}\n"
    (finding,) = [f for f in check_code(source) if f.code == "GLN009" and "compare with" in f.message]
    assert "<path>" not in finding.message

    new = {}
    exec(fix_code(build, unsafe_fixes=True, target="runtime").code, new)
    assert suggested(finding.message) == sorted(new[receiver].collect_params().keys())


# -- the three shapes of the defect -------------------------------------------------------------------
def test_rnn_test_style_assertions():
    """Modelled on MXNet's tests/python/unittest/test_gluon_rnn.py."""
    keys, outputs = gln009("""\
        def test_rnn():
            cell = gluon.rnn.RNNCell(100, prefix='rnn_')
            inputs = [mx.sym.Variable('rnn_t%d_data' % i) for i in range(3)]
            outputs, _ = cell.unroll(3, inputs)
            outputs = mx.sym.Group(outputs)
            assert sorted(cell.collect_params().keys()) == ['rnn_h2h_bias', 'rnn_h2h_weight',
                                                            'rnn_i2h_bias', 'rnn_i2h_weight']
            assert outputs.list_outputs() == ['rnn_t0_out_output', 'rnn_t1_out_output', 'rnn_t2_out_output']
            args, outs, auxs = outputs.infer_shape(rnn_t0_data=(10, 50), rnn_t1_data=(10, 50), rnn_t2_data=(10, 50))
        """)
    assert keys.line == 8 and suggested(keys.message) == ['h2h_bias', 'h2h_weight', 'i2h_bias', 'i2h_weight']
    assert outputs.line == 10 and "`[cell.name + '_t0_out_output', cell.name + '_t1_out_output'" in outputs.message
    assert "process-wide counter" in outputs.message


def test_symbol_argument_names_are_traced_to_the_parameters():
    (evaluated,) = gln009("""\
        def test_residual():
            cell = gluon.rnn.ResidualCell(gluon.rnn.GRUCell(50, prefix='rnn_'))
            inputs = [mx.sym.Variable('rnn_t%d_data' % i) for i in range(2)]
            outputs, _ = cell.unroll(2, inputs)
            outputs = mx.sym.Group(outputs).eval(rnn_t0_data=mx.nd.ones((10, 50)),
                                                 rnn_t1_data=mx.nd.ones((10, 50)),
                                                 rnn_i2h_weight=mx.nd.zeros((150, 50)),
                                                 rnn_h2h_bias=mx.nd.zeros((150,)))
        """)
    assert "`rnn_i2h_weight` -> `**{cell.base_cell.i2h_weight.name: ...}`" in evaluated.message
    assert "`rnn_h2h_bias` -> `**{cell.base_cell.h2h_bias.name: ...}`" in evaluated.message
    assert "rnn_t0_data" not in evaluated.message  # a symbol variable the test names itself
    assert "param_<uuid>_weight" in evaluated.message


def test_bind_dict_keys_and_list_arguments():
    bind, arguments = gln009("""\
        net = gluon.nn.HybridSequential()
        with net.name_scope():
            net.add(gluon.nn.Dense(10), gluon.nn.Dense(2))
        y = net(mx.sym.var('data'))
        exe = y.bind(mx.cpu(), args={'data': x, 'hybridsequential0_dense1_weight': w})
        assert y.list_arguments() == ['data', 'hybridsequential0_dense0_weight', 'hybridsequential0_dense0_bias']
        """)
    assert "`'hybridsequential0_dense1_weight'` -> `net[1].weight.name`" in bind.message
    assert "'data'" not in bind.message
    assert "`['data', net[0].weight.name, net[0].bias.name]`" in arguments.message


def test_output_names_given_with_a_block():
    (finding,) = gln009("""\
        def check_name(net, names):
            assert net(mx.sym.var('data')).list_outputs() == names
        def test_names():
            net = gluon.nn.HybridSequential(prefix='dense_')
            with net.name_scope():
                net.add(gluon.nn.Dense(3))
            check_name(net, ['dense_dense0_fwd_output'])
        """)
    assert finding.line == 9 and "`[net[0].name + '_fwd_output']`" in finding.message


@pytest.mark.parametrize("assertion", [
    "self.assertEqual(set(net.collect_params()), {'dense0_weight', 'dense0_bias'})",
    "self.assertCountEqual(list(params.keys()), ('dense0_weight', 'dense0_bias'))",
    "assert expected != sorted(params)",
])
def test_assert_equal_forms_and_variables(assertion):
    (finding,) = gln009(f"""\
        class T:
            def test(self):
                net = gluon.nn.Dense(2, in_units=2)
                params = net.collect_params()
                expected = ['dense0_bias', 'dense0_weight']
                {assertion}
        """)
    assert "lists 1.x prefixed parameter names" in finding.message


def test_names_the_file_cannot_trace_get_a_placeholder_and_their_own_key():
    (finding,) = gln009("""\
        def test_zoo(net):
            assert sorted(net.collect_params().keys()) == ['resnetv10_conv0_weight', 'resnetv10_dense0_bias']
        """)
    assert "`['<path>.weight', '<path>.bias']`" in finding.message and "`<path>`: the attribute path" in finding.message


def test_prefixed_key_after_a_literal_prefix_names_the_attribute():
    (finding,) = gln009("""\
        cell = gluon.rnn.LSTMCell(10, prefix='rnn_')
        bias = cell.collect_params()['rnn_i2h_bias']
        """)
    assert "use `'i2h_bias'` (`cell.i2h_bias`)" in finding.message


@pytest.mark.parametrize("body", [
    # a config dict keyed like parameters, not parameter keys
    "lr_mult = {'dense0_weight': 2.0}\nassert sorted(lr_mult) == ['dense0_weight']\n",
    # logging text and a data variable named by the test
    "logging.info('%s', ['dense0_weight'])\nx = mx.sym.var('rnn_t0_data')\ny.eval(rnn_t0_data=x)\n",
    # structural keys already
    "net = gluon.nn.Dense(2)\nassert sorted(net.collect_params()) == ['bias', 'weight']\n",
    # a non-symbol eval with keywords that are not parameter names
    "model.eval(dense0_units=3, rnn_layers=2)\n",
    # the file's own parameter, named like a 1.x name
    "class B(gluon.Block):\n    def __init__(self):\n        super().__init__()\n"
    "        self.w = self.params.get('layer1_weight', shape=(2,))\n"
    "b = B()\nassert list(b.collect_params()) == ['layer1_weight']\n",
    # a comparison of two lists of strings, no keys involved
    "assert ['dense0_weight'] == names\n",
])
def test_left_alone(body):
    assert gln009("import logging\n" + body) == []


# -- after `fix --unsafe-fixes` removed the prefixes and name scopes, the names are still reported -------
RNN_TESTS = """\
    def test_rnn():
        cell = gluon.rnn.RNNCell(100, prefix='rnn_')
        assert sorted(cell.collect_params().keys()) == ['rnn_h2h_bias', 'rnn_h2h_weight', 'rnn_i2h_bias',
                                                        'rnn_i2h_weight']
        assert cell.collect_params()['rnn_i2h_bias'] is cell.i2h_bias
    def test_residual():
        cell = gluon.rnn.ResidualCell(gluon.rnn.GRUCell(50, prefix='rnn_'))
        assert sorted(cell.collect_params().keys()) == ['rnn_h2h_bias', 'rnn_h2h_weight']
        mx.sym.Group(cell.unroll(2, data)[0]).eval(rnn_i2h_weight=w)
    def test_sequential():
        net = gluon.nn.HybridSequential()
        with net.name_scope():
            net.add(gluon.nn.Dense(10), gluon.nn.Dense(2))
        assert sorted(net.collect_params()) == ['hybridsequential0_dense0_bias', 'hybridsequential0_dense1_weight']
    """


def test_literal_names_stay_reported_once_a_fix_removed_prefixes_and_name_scopes():
    source = HEAD + textwrap.dedent(RNN_TESTS)
    before = [f for f in check_code(source) if f.code == "GLN009"]
    result = fix_code(source, unsafe_fixes=True)
    assert "prefix=" not in result.code and "name_scope" not in result.code
    after = [f for f in result.findings if f.code == "GLN009"]
    assert len(after) == len(before) == 5
    messages = {f.line: f.message for f in after}
    # a leaf cell, and a Sequential whose names show the removed name scope: still derived
    assert "`['h2h_bias', 'h2h_weight', 'i2h_bias', 'i2h_weight']`" in messages[5]
    assert "use `'i2h_bias'` (`cell.i2h_bias`)" in messages[7]
    assert "`['0.bias', '1.weight']`" in messages[15]  # lines of the rewritten file
    # the cell inside the ResidualCell lost its prefix: which child owned the names is no longer known
    assert "`['<path>.h2h_bias', '<path>.h2h_weight']`" in messages[10]
    assert "`**{<Block>.i2h_weight.name: ...}`" in messages[11]


@pytest.mark.parametrize("body", [
    # names ending in a parameter key, but the dict holds no parameters
    "d = {'fc_weight': 1}\nassert sorted(d.keys()) == ['fc_weight']\n",
    # output-like strings with a Block, but no 1.x prefix in them
    "net = gluon.nn.Dense(2)\nplot(net, ['fwd_output', 'loss_output'])\n",
])
def test_prefix_free_names_count_only_where_only_parameters_can_be(body):
    assert gln009(body) == []
