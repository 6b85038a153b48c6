"""GLN011 params-update (issue 18, idiom 2): `self.params.update({w.name: w})` next to `self.w = w`."""
import pytest

from gluon_codemod import check_code, fix_code

HEAD = ("from mxnet import gluon\n"
        "class Embed(gluon.HybridBlock):\n"
        "    def __init__(self, vocab, embed_weight=None, **kwargs):\n"
        "        super().__init__(**kwargs)\n")


def fix(source, **kw):
    return fix_code(source, select=["GLN011"], **kw)


@pytest.mark.parametrize("unsafe", [False, True])
def test_update_of_a_parameter_the_method_assigns_to_an_attribute_is_removed(unsafe):
    source = (HEAD + "        self.embed_weight = embed_weight\n"
              "        self.params.update({self.embed_weight.name: self.embed_weight})\n"
              "        w = embed_weight\n"
              "        self.tied = w\n"
              "        self.params.update({w.name: w})\n"
              "        self.vocab = vocab\n")
    expected = (HEAD + "        self.embed_weight = embed_weight\n"
                "        w = embed_weight\n"
                "        self.tied = w\n"
                "        self.vocab = vocab\n")
    result = fix(source, unsafe_fixes=unsafe)
    assert result.code == expected
    assert [f.fix_safe for f in result.findings] == [True, True]
    assert fix(expected).code == expected


def test_the_assignment_may_come_after_the_update():
    source = HEAD + "        self.params.update({embed_weight.name: embed_weight})\n        self.w = embed_weight\n"
    assert fix(source).code == HEAD + "        self.w = embed_weight\n"


@pytest.mark.parametrize("body,why", [
    ("        self.params.update({embed_weight.name: embed_weight})\n        self.vocab = vocab\n",
     "no attribute holds it: the update is its only registration"),
    ("        self.w = embed_weight\n    def register(self, embed_weight):\n"
     "        self.params.update({embed_weight.name: embed_weight})\n        self.n = 1\n",
     "assigned in another method: not the same object beyond doubt"),
    ("        self.w = embed_weight\n        self.params.update({embed_weight.name: embed_weight})  # dup\n",
     "a comment on the line would be lost"),
    ("        self.w = embed_weight\n        if vocab:\n"
     "            self.params.update({embed_weight.name: embed_weight})\n",
     "the only statement of its block"),
    ("        self.w = embed_weight\n        self.params.update({embed_weight.name: embed_weight, **extra})\n",
     "`**extra` merges a dict we cannot see"),
])
def test_reported_not_removed(body, why):
    source = HEAD + body
    for unsafe in (False, True):
        result = fix(source, unsafe_fixes=unsafe)
        assert result.code == source, why
        assert [f.code for f in result.findings] == ["GLN011"], why


def test_a_parameterdict_merge_stays_gln008s():
    source = HEAD + "        self.params.update(other.params)\n"
    codes = [f.code for f in check_code(source) if f.code in ("GLN008", "GLN011")]
    assert codes == ["GLN008"]


def test_a_dict_literal_update_is_reported_once():
    source = HEAD + "        self.w = embed_weight\n        self.params.update({embed_weight.name: embed_weight})\n"
    codes = [f.code for f in check_code(source) if f.code in ("GLN008", "GLN011")]
    assert codes == ["GLN011"]


@pytest.mark.parametrize("source", [
    # not a Block: a plain dict
    "class Cfg:\n    def __init__(self, w):\n        self.params = {}\n        self.w = w\n"
    "        self.params.update({w.name: w})\n",
    # another object's params: not this block's registration
    HEAD + "        self.w = embed_weight\n        other.params.update({embed_weight.name: embed_weight})\n",
])
def test_left_alone(source):
    assert [f for f in check_code(source) if f.code == "GLN011"] == []
