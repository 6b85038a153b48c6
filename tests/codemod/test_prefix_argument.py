"""GLN002 prefix-argument: rewrites beyond the rule's examples, taken from MXNet 1.9.1's model zoo."""
import ast
import textwrap

import pytest

from gluon_codemod import check_code, fix_code


def fix(source, **kw):
    return fix_code(textwrap.dedent(source), select=["GLN002"], **kw)


def findings(source):
    return [f for f in check_code(textwrap.dedent(source)) if f.code == "GLN002"]


def test_resnet_make_layer_removes_the_stage_prefix_and_the_childs_prefix():
    # model_zoo/vision/resnet.py, ResNetV1._make_layer: `block` is a class handed in, known to be a
    # Block only because it is given to `layer.add`
    result = fix("""\
        from mxnet.gluon import nn
        class ResNetV1(nn.HybridBlock):
            def _make_layer(self, block, layers, channels, stride, stage_index, in_channels=0):
                layer = nn.HybridSequential(prefix='stage%d_'%stage_index)
                with layer.name_scope():
                    layer.add(block(channels, stride, channels != in_channels, in_channels=in_channels,
                                    prefix=''))
                    for _ in range(layers-1):
                        layer.add(block(channels, 1, False, in_channels=channels, prefix=''))
                return layer
        """)
    lines = result.code.splitlines()
    assert lines[3].strip() == "layer = nn.HybridSequential()"
    assert lines[5].strip() == "layer.add(block(channels, stride, channels != in_channels, in_channels=in_channels))"
    assert lines[7].strip() == "layer.add(block(channels, 1, False, in_channels=channels))"
    assert all(f.fixed for f in result.findings)


def test_bottleneck_body_prefix_is_removed_in_a_subclass_forwarding_kwargs():
    # model_zoo/vision/resnet.py, BottleneckV1
    result = fix("""\
        from mxnet.gluon import nn
        from mxnet.gluon.block import HybridBlock
        class BottleneckV1(HybridBlock):
            def __init__(self, channels, stride, downsample=False, in_channels=0, **kwargs):
                super(BottleneckV1, self).__init__(**kwargs)
                self.body = nn.HybridSequential(prefix='')
                self.body.add(nn.Conv2D(channels//4, kernel_size=1, strides=stride))
        net = BottleneckV1(64, 1, prefix='block0_')
        """)
    assert "nn.HybridSequential()" in result.code
    assert result.code.endswith("net = BottleneckV1(64, 1)\n")


def test_mobilenet_named_output_layers():
    # model_zoo/vision/mobilenet.py, MobileNetV2
    result = fix("""\
        from mxnet.gluon import nn
        output = nn.HybridSequential(prefix='output_')
        output.add(
            nn.Conv2D(classes, 1, use_bias=False, prefix='pred_'),
            nn.Flatten()
        )
        """)
    assert "prefix" not in result.code and "nn.Conv2D(classes, 1, use_bias=False)," in result.code


@pytest.mark.parametrize("call,expected", [
    ("nn.Sequential(prefix)", "nn.Sequential()"),
    ("nn.HybridSequential('a_', None)", "nn.HybridSequential()"),
    ("rnn.SequentialRNNCell('rnn_')", "rnn.SequentialRNNCell()"),
    ("rnn.HybridSequentialRNNCell(prefix='rnn_')", "rnn.HybridSequentialRNNCell()"),
    ("Concurrent(-1, 'c_')", "Concurrent(-1)"),
    ("nn.HybridLambda('tanh', 'act_')", "nn.HybridLambda('tanh')"),
    ("nn.Dense(3, prefix=f'{name}_')", "nn.Dense(3)"),
    ("nn.Dense(3, prefix=prefix)", "nn.Dense(3)"),
])
def test_prefixes_of_the_gluon_constructors_go(call, expected):
    header = "from mxnet.gluon import nn, rnn\nfrom mxnet.gluon.contrib.nn import Concurrent\n"
    result = fix_code(header + f"x = {call}\n", select=["GLN002"])
    assert result.code == header + f"x = {expected}\n"


def test_positional_arguments_after_the_prefix_shift_to_the_new_signature():
    # 1.9.1 LSTMCell(hidden_size, ..., input_size, prefix, params, activation): without prefix and params
    # the activation is the seventh positional argument
    result = fix("""\
        from mxnet.gluon import rnn
        c = rnn.LSTMCell(4, 'zeros', 'zeros', 'zeros', 'zeros', 0, 'l_', None, 'relu')
        """)
    assert "rnn.LSTMCell(4, 'zeros', 'zeros', 'zeros', 'zeros', 0, 'relu')" in result.code


def test_rnn_unfuse_cells_handed_to_a_bidirectional_cell():
    # gluon/rnn/rnn_layer.py, _RNNLayer._unfuse: `get_cell` is a lambda, a Block because a cell takes it
    result = fix("""\
        from mxnet.gluon import rnn
        stack = rnn.HybridSequentialRNNCell()
        stack.add(rnn.BidirectionalCell(get_cell(prefix='l0_', **kwargs), get_cell(prefix='r0_', **kwargs)))
        """)
    assert "rnn.BidirectionalCell(get_cell(**kwargs), get_cell(**kwargs))" in result.code


def test_a_computed_value_that_calls_something_is_an_unsafe_fix():
    source = "from mxnet.gluon import nn\nb = nn.Dense(8, prefix=make_name('b'))\n"
    assert fix_code(source, select=["GLN002"]).code == source
    result = fix_code(source, select=["GLN002"], unsafe_fixes=True)
    assert result.code.endswith("b = nn.Dense(8)\n") and not result.findings[0].fix_safe


def test_applies_after_params_sharing_chained_share_parameters():
    # GLN004 reports at `params=`, earlier on the line than `prefix=` here, so its edit runs first
    source = "from mxnet.gluon import nn\na = nn.Dense(8)\nb = nn.Dense(8, params=a.params, prefix='b_')\n"
    result = fix_code(source, select=["GLN002", "GLN004"], unsafe_fixes=True)
    assert result.code.splitlines()[2] == "b = nn.Dense(8).share_parameters(a.collect_params())"


def test_prefix_unpacked_from_a_dict_is_reported_not_fixed():
    source = """\
        import tempfile
        from mxnet.gluon import nn
        a = nn.Dense(3, **{'use_bias': False, 'prefix': 'fc_'})
        b = nn.HybridSequential(**dict(prefix='s_'))
        d = tempfile.mkdtemp(**{'prefix': 'run_'})
        """
    found = findings(source)
    assert [(f.line, f.col) for f in found] == [(3, 38), (4, 31)]
    assert all("inside `**{...}`" in f.message and not f.fix_available for f in found)
    assert fix(source).code == textwrap.dedent(source)


def test_class_using_its_prefix_for_something_else_is_reported_not_fixed():
    source = textwrap.dedent("""\
        from mxnet import gluon
        class Net(gluon.Block):
            def __init__(self, prefix=None):
                super().__init__()
                self.tag = prefix
        net = Net(prefix='a_')
        """)
    result = fix_code(source, select=["GLN002"])
    assert result.code == source
    assert [f.line for f in result.findings] == [6] and not result.findings[0].fix_available


@pytest.mark.parametrize("source", [
    # tempfile's own prefix
    "import tempfile\nfrom mxnet.gluon import nn\nd = tempfile.mkdtemp(prefix='x')\n",
    # a config object of the file
    "from mxnet.gluon import nn\nclass Cfg:\n    def __init__(self, prefix):\n        self.p = prefix\n"
    "c = Cfg(prefix='a')\n",
    # symbol operators take a name prefix of their own
    "import mxnet as mx\nfrom mxnet.gluon import nn\nx = mx.sym.FullyConnected(d, num_hidden=2, prefix='p')\n",
    # SymbolBlock has no prefix argument in 1.x or now
    "from mxnet import gluon\nb = gluon.SymbolBlock(out, inp, prefix='p')\n",
    # an unknown callable not handed to a Block
    "from mxnet.gluon import nn\nlog = make_logger(prefix='train')\n",
    # base constructor calls are GLN003's
    "from mxnet.gluon import nn\nclass N(nn.Block):\n    def __init__(self):\n        super().__init__(prefix='n_')\n",
])
def test_left_alone(source):
    assert findings(source) == []


def test_result_compiles_and_is_idempotent_with_comments_and_crlf():
    source = ("from mxnet.gluon import nn\r\n"
              "net = nn.HybridSequential(  # the stack\r\n"
              "    prefix='net_',\r\n"
              ")\r\n")
    result = fix_code(source, select=["GLN002"])
    assert "prefix" not in result.code and "nn.HybridSequential(  # the stack\r\n" in result.code
    assert "\n" not in result.code.replace("\r\n", "")
    ast.parse(result.code)
    assert fix_code(result.code, select=["GLN002"]).code == result.code


# -- the 1.x behaviour the fix safety relies on (stock mxnet 1.9.1) --------------------------------------
mx = pytest.importorskip("mxnet")


def test_1x_prefix_changes_prefixed_names_but_not_structural_keys(tmp_path):
    from mxnet.gluon import nn as nn1

    def build(prefix):
        net = nn1.HybridSequential(prefix=prefix)
        with net.name_scope():
            net.add(nn1.Dense(2, in_units=3, prefix='fc_' if prefix else None))
        return net
    named, plain = build('stage1_'), build(None)
    assert sorted(named.collect_params()) != sorted(plain.collect_params())  # 1.x names differ
    assert sorted(named._collect_params_with_prefix()) == sorted(plain._collect_params_with_prefix())


def test_1x_own_prefix_does_not_decide_what_params_shares():
    from mxnet.gluon import nn as nn1
    a = nn1.Dense(3)
    assert nn1.Dense(3, prefix='other_', params=a.params).weight is a.weight  # removing it keeps the tie
