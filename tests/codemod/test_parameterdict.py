"""GLN008 parameterdict: every spelling of the class, its uses, and what is left alone."""
import pytest

from gluon_codemod import check_code, fix_code


def gln008(source, **kw):
    return [f for f in check_code(source, **kw) if f.code == "GLN008"]


@pytest.mark.parametrize("source,line", [
    ("from mxnet.gluon import ParameterDict\n", 1),
    ("from mxnet.gluon.parameter import ParameterDict as PD\n", 1),
    ("from mxnet import gluon\nd = gluon.ParameterDict('x_')\n", 2),
    ("import mxnet as mx\nd = mx.gluon.ParameterDict()\n", 2),
    ("import mxnet\nd = mxnet.gluon.parameter.ParameterDict()\n", 2),
    ("import mxnet.gluon.parameter as P\ndef f(d: P.ParameterDict):\n    pass\n", 2),
    ("from mxnet.gluon import *\nd = ParameterDict('net_')\n", 2),
])
def test_the_class_is_reported_however_it_is_spelled(source, line):
    assert [f.line for f in gln008(source)] == [line]


def test_relative_import_inside_mxnet_is_resolved():
    source = "from ..parameter import ParameterDict\n"
    assert len(gln008(source, module_name="mxnet.gluon.nn.basic_layers")) == 1


def test_construction_message_says_a_prefix_has_no_equivalent():
    (finding,) = gln008("from mxnet import gluon\nd = gluon.ParameterDict('net_')\n")
    assert "`gluon.ParameterDict('net_')`" in finding.message and "prefix has no equivalent" in finding.message


@pytest.mark.parametrize("use,words", [
    ("d.get('w', shape=(2,))", "assign `Parameter('w', ...)`"),
    ("d.get_constant('c', [1])", "`Constant(value)`"),
    ("d.update(other)", "share_parameters"),
    ("d.prefix", "has no prefix"),
    ("d.get('w')", "`d[name]`"),
    ("d.initialize()", "on each Parameter"),
])
def test_methods_of_a_constructed_parameterdict(use, words):
    source = f"from mxnet import gluon\nd = gluon.ParameterDict('net_')\nx = {use}\n"
    messages = [f.message for f in gln008(source) if f.line == 3]
    assert len(messages) == 1 and words in messages[0]


def test_params_of_a_block_is_a_plain_dict_keyed_by_attribute():
    source = "from mxnet import gluon\nnet = gluon.nn.Dense(2)\nb = net.params.get('dense0_bias')\n"
    (finding,) = gln008(source)
    assert "`'bias'`" in finding.message and "returns None" in finding.message


@pytest.mark.parametrize("source", [
    "from mxnet import gluon\nclass Net(gluon.Block):\n    def f(self):\n        self.params.update(other.params)\n",
    "from mxnet import gluon\ndef f(block):\n    return block.params.get('w', shape=(2,), init='zeros')\n",
    "from mxnet import gluon\ndef f(block):\n    block.params.zero_grad()\n",
    "from mxnet import gluon\nnet = gluon.nn.Dense(2)\nprint(net.collect_params().prefix)\n",
    "from mxnet import gluon\nnet = gluon.nn.Dense(2)\np = net.collect_params()\nc = p.get_constant('c', [1])\n",
])
def test_parameterdict_uses_are_reported(source):
    assert len(gln008(source)) == 1


@pytest.mark.parametrize("source", [
    # a Block class's own `self.params.get` is GLN005's
    "from mxnet import gluon\nclass Net(gluon.Block):\n    def __init__(self):\n        super().__init__()\n"
    "        self.w = self.params.get('w', shape=(2,))\n",
    # unresolved receivers: dict methods any object may have
    "from mxnet import gluon\ndef f(cfg):\n    cfg.params.update(a=1)\n    return cfg.params.get('lr', 0.1)\n",
    # collect_params() is a dict in the new API: lookups and updates on it are fine
    "from mxnet import gluon\nnet = gluon.nn.Dense(2)\np = net.collect_params()\nw = p.get('weight')\n",
    # a user's own ParameterDict class, rooted at another package
    "from mxnet import gluon\nfrom mylib import ParameterDict\nd = ParameterDict('x')\nd.update(y)\n",
    # a non-Block object's params
    "from mxnet import gluon\nimport argparse\nargs = argparse.Namespace()\nargs.params.get('dense0_w')\n",
])
def test_left_alone(source):
    assert gln008(source) == []


def test_report_only():
    source = "from mxnet.gluon import ParameterDict\nd = ParameterDict('x_')\nd.get('w', shape=(1,))\n"
    result = fix_code(source, unsafe_fixes=True, select=["GLN008"])
    assert result.code == source
    assert len(result.findings) == 3 and not any(f.fix_available for f in result.findings)


@pytest.mark.parametrize("use", [
    "self.params.update(other.params)", "self.params.initialize()", "net.params.zero_grad()",
    "net.params.get('w', shape=(2,))", "net.params.get_constant('c', [1, 2])",
])
def test_a_blocks_params_is_not_said_to_be_removed(use):
    # issue 17.8: the new Block keeps `params` (its own Parameters, without its children's; RFC), so a
    # finding on a ParameterDict method called on it must not say it is removed
    source = ("from mxnet import gluon\n"
              "class Net(gluon.HybridBlock):\n"
              "    def __init__(self, other, **kwargs):\n"
              "        super().__init__(**kwargs)\n"
              "        net = gluon.nn.Dense(2)\n"
              f"        {use}\n")
    (finding,) = gln008(source)
    assert "removes" not in finding.message and "removed" not in finding.message, finding.message
    assert "keeps only as a plain dict of the Block's own Parameters (not its children's)" in finding.message


def test_a_constructed_parameterdict_is_still_said_to_be_removed():
    (construction, method) = gln008("from mxnet import gluon\nd = gluon.ParameterDict('x_')\nd.zero_grad()\n")
    assert "is a method of a ParameterDict, which the new Block API removes" in method.message
