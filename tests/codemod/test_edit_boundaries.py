"""Edits at the edges of what one rule's edit may touch: several `name_scope()` items of one `with`, a
comment on the neighbour of a removed argument or parameter, a selection loop for a statement that
shares its line. Each case once crashed, lost a comment or gave a misleading message."""
import ast

import pytest

from gluon_codemod import check_code, fix_code

HEAD = ("from mxnet.gluon import nn\n"
        "class Net(nn.HybridBlock):\n"
        "    def __init__(self, **kwargs):\n"
        "        super(Net, self).__init__(**kwargs)\n")


def _fixed_once(source, **options):
    result = fix_code(source, **options)
    ast.parse(result.code)
    assert fix_code(result.code, **options).code == result.code, "the fix is not idempotent"
    return result


def test_two_name_scopes_in_one_with_are_removed_by_one_edit():
    # Two edits on the same `with` used to pop an index the first had already removed (IndexError).
    source = HEAD + ("        with self.name_scope(), \\\n"
                     "             self.body.name_scope():  # scoped\n"
                     "            self.out = nn.Dense(1)\n")
    result = _fixed_once(source)
    assert result.code == HEAD + "        # scoped\n        self.out = nn.Dense(1)\n"
    assert [(f.code, f.fixed) for f in result.findings] == [("GLN001", True)]
    assert "`self.body.name_scope()`" in result.findings[0].message


def test_two_name_scopes_among_other_with_items_leave_the_others():
    source = HEAD + ("        with self.name_scope(), open('log') as log, self.body.name_scope():\n"
                     "            self.out = nn.Dense(1)\n")
    result = _fixed_once(source)
    assert result.code == HEAD + "        with open('log') as log:\n            self.out = nn.Dense(1)\n"


@pytest.mark.parametrize("items", [
    "(self.name_scope(),  # scoped\n              open('log') as log)",
    "(self.name_scope(),  # scoped\n              self.body.name_scope())",
])
def test_a_comment_among_with_items_is_never_dropped(items):
    source = HEAD + f"        with {items}:\n            self.out = nn.Dense(1)\n"
    result = _fixed_once(source)
    assert "# scoped" in result.code
    assert [f.code for f in result.findings] == ["GLN001"]


def test_a_comment_after_a_kept_with_item_stays():
    source = HEAD + ("        with (open('log') as log,  # scoped\n"
                     "              self.name_scope()):\n"
                     "            self.out = nn.Dense(1)\n")
    result = _fixed_once(source)
    assert "# scoped" in result.code and "name_scope" not in result.code


@pytest.mark.parametrize("argument,code", [("prefix='fc_'", "GLN002"), ("params=shared.params", "GLN004")])
def test_a_comment_on_the_argument_before_a_removed_one_stays(argument, code):
    # The removed argument's comma used to replace the kept one's, and its comment with it.
    source = ("from mxnet.gluon import nn\n"
              "shared = nn.Dense(8)\n"
              "b = nn.Dense(8, in_units=4,  # units\n"
              f"             {argument})\n")
    result = _fixed_once(source)
    assert "# units" in result.code
    assert argument not in result.code
    assert [(f.code, f.fixed) for f in result.findings] == [(code, True)]


def test_a_comment_on_a_kept_parameter_before_prefix_and_params_stays():
    source = ("from mxnet.gluon import nn\n"
              "class Net(nn.HybridBlock):\n"
              "    def __init__(self, units,  # width\n"
              "                 prefix=None, params=None):\n"
              "        super(Net, self).__init__(prefix=prefix, params=params)\n")
    result = _fixed_once(source)
    assert "# width" in result.code and "prefix" not in result.code and "params" not in result.code


SELECTION = "net.collect_params('.*beta|.*gamma').setattr('wd_mult', 0.0)"


def test_a_selection_at_module_level_becomes_a_loop():
    # `parents[-2].lineno` was read from the Module, which has none (AttributeError in `check`).
    source = f"from mxnet.gluon import nn\nnet = nn.HybridSequential()\n{SELECTION}\n"
    assert [f.code for f in check_code(source)] == ["GLN006"]
    result = _fixed_once(source)
    assert result.code.endswith("for param in net.collect_params('.*beta|.*gamma').values():\n"
                                "    param.wd_mult = 0.0\n")


@pytest.mark.parametrize("line", [f"x = 1; {SELECTION}", f"{SELECTION}; x = 1", f"if x: {SELECTION}"])
def test_a_selection_sharing_its_line_is_reported_without_a_fix(line):
    source = f"from mxnet.gluon import nn\nnet = nn.HybridSequential()\n{line}\n"
    result = fix_code(source)
    assert result.code == source
    [finding] = result.findings
    assert not finding.fix_available
    assert "on a selection" in finding.message and "loop over `.values()`" in finding.message


def test_an_unfixable_selection_never_suggests_the_block_method():
    # `net.setattr(...)` would reach every parameter, not the selected ones.
    source = "from mxnet.gluon import nn\nnet = nn.Dense(1)\nnet.collect_params('dense0_.*').setattr('lr_mult', 0)\n"
    [finding] = check_code(source)
    assert "net.setattr" not in finding.message and "on a selection" in finding.message
