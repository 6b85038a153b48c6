"""GLN003 (issue 17.6 remainder): the 1.x pair handed on by position as `kwargs.pop('prefix', None)`,
`kwargs.pop('params', None)` is the pair only where removing the pops changes nothing else."""
import pytest

from gluon_codemod import check_code, fix_code

HEAD = "from mxnet.gluon import HybridBlock\n\n\nclass Net(HybridBlock):\n    def __init__(self, units, **kwargs):\n"
PAIR = "        super(Net, self).__init__(kwargs.pop('prefix', None), kwargs.pop('params', None))\n"


def gln003(source):
    return [f for f in check_code(source) if f.code == "GLN003"]


def test_popped_pair_not_read_again_is_removed_together_as_an_unsafe_fix():
    source = HEAD + PAIR + "        self.units = units\n"
    [finding] = gln003(source)
    assert not finding.fix_safe and "hands on the `prefix` and `params`" in finding.message
    assert "would move" not in finding.message and "passed by position" not in finding.message
    assert fix_code(source).code == source  # `params` may carry Parameters a caller shares: unsafe
    fixed = fix_code(source, unsafe_fixes=True).code
    assert fixed == HEAD + "        super(Net, self).__init__()\n        self.units = units\n"
    assert gln003(fixed) == []


@pytest.mark.parametrize("after,line", [
    ("        self.options = dict(kwargs)\n", 7),  # read again: the keys would still be in it
    ("        self.out = Dense(units, **kwargs)\n", 7),
])
def test_popped_pair_read_again_is_reported_with_what_removing_the_pops_would_change(after, line):
    source = HEAD + PAIR + after
    [finding] = gln003(source)
    assert not finding.fix_available
    assert "it pops from `**kwargs`" in finding.message and f"read again at line {line}" in finding.message
    assert "would move" not in finding.message and "passed by position" not in finding.message
    assert fix_code(source, unsafe_fixes=True).code == source


def test_a_popped_prefix_handed_on_with_the_rest_of_kwargs_is_reported():
    source = HEAD + "        super(Net, self).__init__(kwargs.pop('prefix', None), **kwargs)\n"
    [finding] = gln003(source)
    assert "read again at line 6" in finding.message and not finding.fix_available
    assert fix_code(source, unsafe_fixes=True).code == source
