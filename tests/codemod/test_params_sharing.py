"""GLN004 params-sharing: rewrites beyond the rule's examples, and the 1.x facts its fix safety rests on."""
import textwrap

import pytest

from gluon_codemod import check_code, fix_code


def fix(source, **kw):
    return fix_code(textwrap.dedent(source), select=["GLN004"], **kw)


def findings(source):
    return [f for f in check_code(textwrap.dedent(source)) if f.code == "GLN004"]


def test_params_on_its_own_line_is_removed_with_its_comma():
    result = fix("""\
        from mxnet.gluon import nn
        a = nn.Dense(8)
        b = nn.Dense(8,
                     params=a.params)
        """)
    assert result.code.splitlines()[2] == "b = nn.Dense(8).share_parameters(a.collect_params())"


def test_comment_inside_the_removed_argument_refuses_the_fix():
    source = "from mxnet.gluon import nn\na = nn.Dense(8)\nb = nn.Dense(8, params=a.params  # tie\n  )\n"
    result = fix_code(source, select=["GLN004"])
    assert result.code == source
    assert "not fixed" in result.findings[0].message


def test_composes_with_the_prefix_rule_on_the_same_call():
    source = "from mxnet.gluon import nn\na = nn.Dense(8)\nb = nn.Dense(8, prefix='b_', params=a.params)\n"
    result = fix_code(source, select=["GLN002", "GLN004"], unsafe_fixes=True)
    line = result.code.splitlines()[2]
    assert "params=" not in line and line.endswith(".share_parameters(a.collect_params())")


def test_runtime_target_rewrites_the_same_way():
    source = "from mxnet.gluon import nn\na = nn.Dense(8)\nb = nn.Dense(8, params=a.params)\n"
    result = fix_code(source, select=["GLN004"], target="runtime")
    assert "nn.Dense(8).share_parameters(a.collect_params())" in result.code


def test_same_class_built_as_an_attribute_is_shared():
    result = fix("""\
        from mxnet import gluon
        class Enc(gluon.Block):
            def __init__(self, **kwargs):
                super().__init__(**kwargs)
                with self.name_scope():
                    self.fc = gluon.nn.Dense(2)
        class Siamese(gluon.Block):
            def __init__(self):
                super().__init__()
                with self.name_scope():
                    self.left = Enc()
                    self.right = Enc(params=self.left.collect_params())
        """)
    assert "self.right = Enc().share_parameters(self.left.collect_params())" in result.code


@pytest.mark.parametrize("source", [
    # a different argument builds a different structure
    "a = Enc(2)\nb = Enc(3, params=a.collect_params())\n",
    # assigned twice: which construction it holds is unknown
    "a = Enc(2)\na = Enc(3)\nb = Enc(3, params=a.collect_params())\n",
    # built-in composite: children are added later
    "a = nn.HybridSequential()\nb = nn.HybridSequential(params=a.collect_params())\n",
    # a leaf source for a block with children: 1.x could pair crafted child prefixes
    "a = nn.Dense(2)\nb = Enc(2, params=a.collect_params())\n",
])
def test_unproven_sources_are_reported_not_fixed(source):
    header = ("from mxnet.gluon import nn\nclass Enc(nn.Block):\n    def __init__(self, n, **kwargs):\n"
              "        super().__init__(**kwargs)\n        with self.name_scope():\n"
              "            self.fc = nn.Dense(n)\n")
    result = fix_code(header + source, select=["GLN004"])
    assert result.code == header + source
    assert [f for f in result.findings if not f.fix_available]


@pytest.mark.parametrize("source", [
    # a class of the file whose own `params` argument is not Gluon's
    "from mxnet.gluon import nn\nclass Net(nn.Block):\n    def __init__(self, params):\n"
    "        super().__init__()\n        self.hp = params\nnet = Net(params={'lr': 1})\n",
    # SymbolBlock subclasses keep SymbolBlock's `params`
    "from mxnet import gluon\nclass Feat(gluon.SymbolBlock):\n    pass\nf = Feat(out, data, params=p)\n",
    # not a Block constructor
    "from mxnet import gluon\nopt = make_optimizer(params=net.collect_params())\n",
])
def test_left_alone(source):
    assert findings(source) == []


def test_forwarded_params_argument_is_handled():
    result = fix("""\
        from mxnet.gluon import nn
        class Net(nn.Block):
            def __init__(self, prefix=None, params=None):
                super(Net, self).__init__(prefix=prefix, params=params)
        a = Net()
        b = Net(params=a.collect_params())
        """)
    assert "b = Net().share_parameters(a.collect_params())" in result.code


# -- the 1.x behaviour the fix safety relies on (stock mxnet 1.9.1) --------------------------------------
mx = pytest.importorskip("mxnet")
from mxnet.gluon import nn as nn1  # noqa: E402


class _Scoped(mx.gluon.Block):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.fc = nn1.Dense(2)


class _Unscoped(mx.gluon.Block):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.fc = nn1.Dense(2)


def test_1x_same_scoped_class_ties_every_parameter_as_structural_keys_would():
    a = _Scoped()
    b = _Scoped(params=a.collect_params())
    assert b.fc.weight is a.fc.weight and b.fc.bias is a.fc.bias


def test_1x_does_not_tie_children_created_outside_name_scope():
    a = _Unscoped()
    b = _Unscoped(params=a.collect_params())
    assert b.fc.weight is not a.fc.weight  # share_parameters would tie it: reported, not rewritten


def test_1x_leaf_params_and_collect_params_tie_the_same():
    a = nn1.Dense(3)
    assert nn1.Dense(3, params=a.params).weight is a.weight
    assert nn1.Dense(3, params=a.collect_params()).bias is a.bias


# -- a regex selection shared with a block of another class (GluonNLP's Transformer-XL) ---------------
TRANSFORMER_XL = """\
    from mxnet import gluon
    from .adaptive import AdaptiveEmbedding, ProjectedAdaptiveLogSoftmaxWithLoss

    class TransformerXL(gluon.Block):
        def __init__(self, vocab_size, units, tie_embeddings, tie_projections, **kwargs):
            super(TransformerXL, self).__init__(**kwargs)
            with self.name_scope():
                self.embed = AdaptiveEmbedding(vocab_size, units)
                if tie_embeddings and tie_projections:
                    self.crit = ProjectedAdaptiveLogSoftmaxWithLoss(
                        vocab_size, units, params=self.embed.collect_params('(.*_embed|.*_inter_proj)'))
                elif tie_embeddings:
                    crit_params = self.embed.collect_params(r'.*_embed\\d+_weight')
                    self.crit = ProjectedAdaptiveLogSoftmaxWithLoss(vocab_size, units, params=crit_params)
    """


def test_regex_tie_between_classes_says_no_regex_can_restore_it():
    direct, through_variable = findings(TRANSFORMER_XL)
    assert direct.line == 11 and through_variable.line == 14  # the `params=` arguments themselves
    assert "`(.*_embed|.*_inter_proj)`" in direct.message  # the alternation shown intact
    assert "no regex can restore this tie" in direct.message
    assert "`self.crit.<child>.<param> = self.embed.<child>.<param>`" in direct.message
    assert "(`AdaptiveEmbedding`)" in direct.message and not direct.fix_available
    # the raw string's regex as written, single backslash
    assert "`.*_embed\\d+_weight`" in through_variable.message
    assert "`params=crit_params`" in through_variable.message
    # the regex names the tied parameter key: it goes into the remedy
    assert "`self.crit.<child>.weight = self.embed.<child>.weight`" in through_variable.message


def test_regex_tie_is_not_reported_again_as_a_selection_by_gln009():
    codes = [f.code for f in check_code(textwrap.dedent(TRANSFORMER_XL))]
    assert "GLN009" not in codes


def test_regex_tie_between_blocks_of_the_same_class_points_at_a_structural_regex():
    (finding,) = findings("""\
        from mxnet import gluon
        class Enc(gluon.Block):
            def __init__(self, **kwargs):
                super().__init__(**kwargs)
                with self.name_scope():
                    self.fc = gluon.nn.Dense(2)
        a = Enc()
        b = Enc(params=a.collect_params('enc0_dense0_.*|.*_bias'))
        """)
    assert "both blocks are `Enc`" in finding.message
    assert "`enc0_dense0_.*|.*_bias`" in finding.message
    assert "`'enc0_dense0_.*'` matched the 1.x prefix" in finding.message
    assert "`'.*_bias'` expects an underscore" in finding.message


def test_regex_tie_to_an_unknown_source_does_not_claim_its_class():
    (finding,) = findings("""\
        from mxnet.gluon import nn
        def tied(encoder):
            return nn.Dense(4, params=encoder.collect_params('.*dense0_weight'))
        """)
    assert "not known to have the structure of `encoder`" in finding.message
    assert "`params=encoder.collect_params('.*dense0_weight')`" in finding.message
    assert "`<the nn.Dense>.<child>.weight = encoder.<child>.weight`" in finding.message


def test_regex_tie_is_reported_when_the_relative_import_resolves_to_a_project_module():
    """flake8 and the hooks name the module (`pkg.model`): `.adaptive` then resolves to `pkg.adaptive`."""
    found = [f for f in check_code(textwrap.dedent(TRANSFORMER_XL), module_name="pkg.model") if f.code == "GLN004"]
    assert [f.line for f in found] == [11, 14]
