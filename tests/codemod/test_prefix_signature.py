"""GLN003 prefix-params-signature: signatures, base calls and call sites; how it composes with GLN002."""
import ast
import re
import textwrap

import pytest

from gluon_codemod import check_code, fix_code


def fix(source, select=("GLN003",), **kw):
    return fix_code(textwrap.dedent(source), select=list(select), **kw)


def gln003(source):
    return [f for f in check_code(textwrap.dedent(source)) if f.code == "GLN003"]


def test_rnn_cell_chain_of_in_file_bases_is_removed_throughout():
    # gluon/rnn/rnn_cell.py: RecurrentCell <- HybridRecurrentCell <- DropoutCell (positional forwarding)
    result = fix("""\
        from mxnet.gluon import Block
        class RecurrentCell(Block):
            def __init__(self, prefix=None, params=None):
                super(RecurrentCell, self).__init__(prefix=prefix, params=params)
        class HybridRecurrentCell(RecurrentCell):
            def __init__(self, prefix=None, params=None):
                super(HybridRecurrentCell, self).__init__(prefix=prefix, params=params)
        class DropoutCell(HybridRecurrentCell):
            def __init__(self, rate, axes=(), prefix=None, params=None):
                super(DropoutCell, self).__init__(prefix, params)
                self._rate = rate
        class BidirectionalCell(HybridRecurrentCell):
            def __init__(self, l_cell, r_cell, output_prefix='bi_'):
                super(BidirectionalCell, self).__init__(prefix='', params=None)
        cell = DropoutCell(0.5, (), 'drop_')
        """)
    assert not re.search(r"\bprefix=", result.code) and "params" not in result.code
    assert "def __init__(self, rate, axes=()):\n        super(DropoutCell, self).__init__()" in result.code
    assert "super(BidirectionalCell, self).__init__()" in result.code
    assert result.code.endswith("cell = DropoutCell(0.5, ())\n")
    assert fix_code(result.code, select=["GLN003"]).code == result.code


def test_inception_factories_lose_their_prefix_and_call_sites_their_argument():
    # model_zoo/vision/inception.py: `_make_A(pool_features, prefix)` forwards to HybridConcurrent
    result = fix("""\
        from mxnet.gluon import nn
        from mxnet.gluon.contrib.nn import HybridConcurrent
        def _make_A(pool_features, prefix):
            out = HybridConcurrent(axis=1, prefix=prefix)
            return out
        def _make_B(prefix):
            return HybridConcurrent(axis=1, prefix=prefix)
        features = nn.HybridSequential(prefix='')
        features.add(_make_A(32, 'A1_'))
        features.add(_make_B(prefix='B_'))
        """, select=("GLN002", "GLN003"))
    assert "prefix" not in result.code
    assert "def _make_A(pool_features):" in result.code and "def _make_B():" in result.code
    assert "features.add(_make_A(32))" in result.code and "features.add(_make_B())" in result.code


def test_both_rules_together_give_valid_idempotent_code():
    source = textwrap.dedent("""\
        from mxnet.gluon import nn
        class Net(nn.HybridBlock):
            def __init__(self, units, prefix=None, params=None, **kwargs):
                super().__init__(prefix=prefix, params=params, **kwargs)
                self.fc = nn.Dense(units, prefix=prefix)

            @classmethod
            def small(cls, prefix=None):
                return cls(2, prefix=prefix)
        class Sub(Net):
            def __init__(self, prefix=None):
                super().__init__(4, prefix)
        def make(units, prefix='m_'):
            return Net(units, prefix=prefix)
        a = Net(3, prefix='a_')
        b = Net(3, 'b_')
        c = Net.small(prefix='c_')
        d = make(3, 'd_')
        f = Sub('f_')
        """)
    result = fix_code(source)
    assert "prefix" not in result.code and "params" not in result.code
    ast.parse(result.code)
    assert fix_code(result.code).code == result.code
    assert "def __init__(self, units, **kwargs):\n        super().__init__(**kwargs)" in result.code
    assert result.code.endswith("a = Net(3)\nb = Net(3)\nc = Net.small()\nd = make(3)\nf = Sub()\n")


def test_prefix_composed_into_child_prefixes_goes_in_one_pass():
    # gluoncv model_zoo/mobilenetv3.py: `prefix` only builds the children's prefixes, some of them through
    # a `norm_layer` parameter whose default is a Gluon Block class
    source = textwrap.dedent("""\
        from mxnet.gluon import nn
        from mxnet.gluon.nn import BatchNorm
        class SE(nn.HybridBlock):
            def __init__(self, num_out, prefix='', **kwargs):
                super(SE, self).__init__(**kwargs)
                self.conv1 = nn.Conv2D(num_out, 1, prefix=('%s_fc1_' % prefix))
                self.conv2 = nn.Conv2D(num_out, 1, prefix=f'{prefix}_fc2_')
        class Unit(nn.HybridBlock):
            def __init__(self, num_out, prefix='', norm_layer=BatchNorm, **kwargs):
                super(Unit, self).__init__(**kwargs)
                self.conv = nn.Conv2D(num_out, 3, prefix='%s-conv2d_' % prefix)
                self.bn = norm_layer(prefix='%s-batchnorm_' % prefix)
                self.se = SE(num_out, prefix=prefix + '-se')
        unit = Unit(8, prefix='u_')
        """)
    result = fix_code(source)
    assert "prefix" not in result.code, result.code
    assert "self.bn = norm_layer()" in result.code and result.code.endswith("unit = Unit(8)\n")
    assert all(f.fixed for f in result.findings)
    assert fix_code(result.code).code == result.code


def test_a_parameter_rebound_or_without_a_block_default_is_not_a_block_class():
    source = textwrap.dedent("""\
        from mxnet.gluon import nn
        class Unit(nn.HybridBlock):
            def __init__(self, make=print, norm_layer=nn.BatchNorm):
                super().__init__()
                norm_layer = pick(norm_layer)
                make(prefix='x')
                self.bn = norm_layer(prefix='bn_')
        """)
    assert fix_code(source, select=["GLN002"]).code == source


def test_positional_kwargs_get_pair_is_removed_together_and_only_unsafely():
    # gluoncv model_zoo/yolo/darknet.py (issue 17.6): both are the 1.x pair handed on from `**kwargs`, by
    # position; removing `prefix` alone would pass `params` as the prefix, and `params` may carry sharing
    source = textwrap.dedent("""\
        from mxnet.gluon import HybridBlock
        class DarknetV3(HybridBlock):
            def __init__(self, **kwargs):
                super(DarknetV3, self).__init__(kwargs.get('prefix', None), kwargs.get('params', None))
        """)
    findings = gln003(source)
    assert len(findings) == 1 and not findings[0].fix_safe, findings
    message = findings[0].message
    assert message.startswith("`prefix` and `params` are no longer accepted by the Block constructor")
    assert "`**kwargs`" in message and "remove both arguments" in message
    assert "into its place" not in message and "params=" not in message
    assert fix(source).code == source  # safe mode: reported only
    fixed = fix(source, unsafe_fixes=True)
    assert "super(DarknetV3, self).__init__()\n" in fixed.code
    assert fix(fixed.code, unsafe_fixes=True).code == fixed.code
    assert gln003(fixed.code) == []


@pytest.mark.parametrize("call, kept", [
    ("super().__init__(prefix=kwargs.get('prefix'), params=kwargs['params'])", "super().__init__()"),
    ("super().__init__(None, kwargs.get('params'))", "super().__init__()"),
])
def test_params_handed_on_from_kwargs_goes_with_the_prefix_under_unsafe_fixes(call, kept):
    source = ("from mxnet import gluon\nclass Net(gluon.HybridBlock):\n"
              f"    def __init__(self, **kwargs):\n        {call}\n")
    findings = gln003(source)
    assert len(findings) == 1 and not findings[0].fix_safe and "share_parameters" in findings[0].message
    assert f"        {kept}\n" in fix(source, unsafe_fixes=True).code


def test_positional_prefix_kept_before_a_reported_params_is_not_shifted():
    # a `params` that is not the caller's own (a shared ParameterDict) is reported, and so is the prefix
    # before it: removing it alone would pass `shared` as the prefix
    source = textwrap.dedent("""\
        from mxnet.gluon import HybridBlock
        class Net(HybridBlock):
            def __init__(self, shared, **kwargs):
                super(Net, self).__init__(kwargs.get('prefix', None), shared)
        """)
    result = fix_code(source, unsafe_fixes=True)
    assert result.code == source
    messages = sorted(f.message for f in result.findings if f.code == "GLN003")
    assert "would move `shared` into its place" in messages[1]
    assert messages[0].startswith("`params` (`shared`, passed by position) is no longer accepted")


def test_resnet_factory_forwarding_kwargs_needs_nothing():
    # model_zoo/vision/resnet.py: get_resnet(..., **kwargs) has no prefix parameter of its own
    assert gln003("""\
        from mxnet.gluon import HybridBlock
        class ResNetV1(HybridBlock):
            def __init__(self, block, layers, channels, classes=1000, thumbnail=False, **kwargs):
                super(ResNetV1, self).__init__(**kwargs)
        def get_resnet(version, num_layers, pretrained=False, **kwargs):
            return ResNetV1(None, [2], [64], **kwargs)
        """) == []


def test_explicit_base_init_call_drops_positional_prefix():
    result = fix("""\
        from mxnet.gluon import nn
        class Stack(nn.HybridSequential):
            def __init__(self, prefix=None, params=None):
                nn.HybridSequential.__init__(self, prefix, params)
        """)
    assert "def __init__(self):\n        nn.HybridSequential.__init__(self)" in result.code


def test_literal_base_prefix_that_calls_something_is_unsafe():
    source = textwrap.dedent("""\
        from mxnet.gluon import rnn
        class Modifier(rnn.HybridRecurrentCell):
            def __init__(self, base_cell):
                super().__init__(prefix=base_cell.prefix + self._alias(), params=None)
        """)
    assert fix_code(source, select=["GLN003"]).code == source
    assert "super().__init__()" in fix_code(source, select=["GLN003"], unsafe_fixes=True).code


def test_kwargs_pop_on_a_line_with_another_statement_keeps_it():
    result = fix("""\
        from mxnet import gluon
        class Net(gluon.Block):
            def __init__(self, **kwargs):
                self.n = 1; kwargs.pop('prefix', None)
                super().__init__(**kwargs)
        """)
    assert "        self.n = 1\n        super().__init__(**kwargs)" in result.code


@pytest.mark.parametrize("body,why", [
    ("        self._my_prefix = prefix\n", "kept on the block"),
    ("        self.name_ = '%sconv' % prefix\n", "formatted into another name"),
    ("        log(prefix)\n", "given to something that is not a Block"),
    ("        prefix = prefix or 'net_'\n", "reassigned"),
])
def test_prefix_used_for_something_else_is_reported_not_rewritten(body, why):
    source = ("from mxnet.gluon import nn\nclass Net(nn.Block):\n"
              "    def __init__(self, prefix=None, **kwargs):\n"
              "        super().__init__(prefix=prefix, **kwargs)\n" + body)
    result = fix_code(source, select=["GLN003"])
    assert result.code == source, why
    assert {f.line for f in result.findings} >= {3, 4}, why
    assert not any(f.fix_available for f in result.findings), why


@pytest.mark.parametrize("calls,problem", [
    ("net = Net(*args)\n", "*args"),
    ("net = Net(3, 'a_', shared.params)\n", "shares parameters by position"),
    ("net = Net(3, 'a_'  # its name\n          , None)\n", "comment"),
])
def test_call_sites_that_cannot_be_matched_keep_the_signature(calls, problem):
    source = ("from mxnet.gluon import nn\nclass Net(nn.Block):\n"
              "    def __init__(self, units, prefix=None, params=None):\n"
              "        super().__init__(prefix=prefix, params=params)\n" + calls)
    result = fix_code(source, select=["GLN003"])
    ast.parse(result.code)
    assert any(problem in f.message for f in result.findings)
    signature = result.code.splitlines()[2]
    for name in ("prefix", "params"):
        dropped = f" {name}=" not in signature
        # a parameter is removed only if every call site was rewritten with it
        assert not dropped or name not in calls.replace("shared.params", ""), (name, result.code)


def test_comment_inside_a_parameter_refuses_the_signature_and_its_call_sites():
    source = textwrap.dedent("""\
        from mxnet.gluon import nn
        class Net(nn.Block):
            def __init__(self, units, prefix=  # naming
                         None):
                super().__init__(prefix=prefix)
        net = Net(3, 'a_')
        """)
    result = fix_code(source, select=["GLN003"])
    assert result.code == source
    assert any("comment" in f.message for f in result.findings)


@pytest.mark.parametrize("source", [
    # not a Block
    "from mxnet import gluon\nclass Cfg:\n    def __init__(self, prefix=None, params=None):\n        self.p = params\n",
    # a helper whose prefix names files
    "from mxnet import gluon\nimport tempfile\ndef scratch(prefix):\n    return tempfile.mkdtemp(prefix=prefix)\n",
    # already migrated
    "from mxnet.gluon import nn\nclass N(nn.Block):\n    def __init__(self, **kwargs):\n"
    "        super().__init__(**kwargs)\n",
])
def test_left_alone(source):
    assert gln003(source) == []


def test_symbol_name_prefix_of_a_block_method_is_reported():
    # contrib/rnn/conv_rnn_cell.py: `_conv_forward(self, F, ..., prefix)` builds 1.x symbol names
    findings = gln003("""\
        from mxnet.gluon import HybridBlock
        class Cell(HybridBlock):
            def _conv_forward(self, F, inputs, prefix):
                return F.Convolution(inputs, name=prefix + 'i2h')
        """)
    assert [f.line for f in findings] == [3] and not findings[0].fix_available
