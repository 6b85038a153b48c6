"""Every rule's VALID/INVALID examples, run through the public API: adding a rule adds its tests."""
import ast

import pytest

from gluon_codemod import check_code, fix_code
from gluon_codemod.engine.rule import Invalid, Valid, all_rules, example_source

RULES = all_rules()


def _cases(kind):
    for rule in RULES:
        for index, example in enumerate(getattr(rule, kind)):
            yield pytest.param(rule, example, id=f"{rule.code}-{rule.name}-{index}")


def test_rules_are_registered_with_unique_codes():
    codes = [rule.code for rule in RULES]
    assert len(codes) == len(set(codes))
    for rule in RULES:
        assert rule.VALID and rule.INVALID, rule.code
        # each Invalid example says where it is flagged, so the examples document positions too
        assert all(example.line is not None for example in rule.INVALID), (rule.code, "an Invalid without line=")
        for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Fix safety"):
            assert section in rule.documentation(), (rule.code, section)


@pytest.mark.parametrize("rule,example", list(_cases("VALID")))
def test_valid_example_is_left_alone(rule, example):
    assert [f for f in check_code(example.code, target=example.target) if f.code == rule.code] == []
    assert fix_code(example.code, target=example.target, select=[rule.code], unsafe_fixes=True).code == example.code


@pytest.mark.parametrize("rule,example", list(_cases("INVALID")))
def test_invalid_example_is_reported_and_fixed(rule, example):
    findings = [f for f in check_code(example.code, target=example.target) if f.code == rule.code]
    assert findings, f"{rule.code} did not report its own example"
    assert example.reported_by(findings), (
        f"{rule.code} reported its example at {[(f.line, f.col) for f in findings]}, "
        f"not at line={example.line} col={example.col}")
    result = fix_code(example.code, target=example.target, select=[rule.code], unsafe_fixes=example.unsafe_fixes)
    expected = example.code if example.expected is None else example.expected
    assert result.code == expected
    ast.parse(result.code)
    # idempotent: fixing the result again changes nothing
    again = fix_code(result.code, target=example.target, select=[rule.code], unsafe_fixes=example.unsafe_fixes)
    assert again.code == result.code


@pytest.mark.parametrize("rule,example", list(_cases("INVALID")))
def test_invalid_example_without_unsafe_fixes_only_applies_safe_fixes(rule, example):
    result = fix_code(example.code, target=example.target, select=[rule.code])
    assert all(f.fix_safe for f in result.findings if f.fixed)


# -- the example types ---------------------------------------------------------------------------------

def test_an_indented_triple_quoted_example_stands_for_its_dedented_code():
    example = Invalid(
        """
        with self.name_scope():
            self.dense = nn.Dense(3)

            self.out = nn.Dense(1)
        """,
        """
        self.dense = nn.Dense(3)
        """,
    )
    assert example.code == "with self.name_scope():\n    self.dense = nn.Dense(3)\n\n    self.out = nn.Dense(1)\n"
    assert example.expected == "self.dense = nn.Dense(3)\n"
    assert Valid("""
        x = 1
        """).code == "x = 1\n"


@pytest.mark.parametrize("text", [
    "import mxnet as mx\nwith net.name_scope():\n    pass\n",
    "import mxnet as mx\r\nx = 1\r\n",
    "x = 1",
    "",
])
def test_any_other_example_string_is_the_code_as_written(text):
    assert example_source(text) == text
    assert Valid(text).code == text and Invalid(text, text).expected == text


def test_whitespace_only_lines_keep_what_lies_beyond_the_margin():
    assert example_source("\n    x = 1\n      \n    y = 2\n    ") == "x = 1\n  \ny = 2\n"


def _name_scope_example():
    return """
        from mxnet.gluon import nn
        class Net(nn.Block):
            def __init__(self):
                super().__init__()
                with self.name_scope():
                    self.dense = nn.Dense(3)
        """


def test_an_invalid_example_pins_the_line_and_column_it_is_reported_at():
    findings = [f for f in check_code(Invalid(_name_scope_example()).code) if f.code == "GLN001"]
    assert [(f.line, f.col) for f in findings] == [(5, 8)]
    assert Invalid(_name_scope_example(), line=5).reported_by(findings)
    assert Invalid(_name_scope_example(), line=5, col=8).reported_by(findings)
    assert not Invalid(_name_scope_example(), line=4).reported_by(findings)
    assert not Invalid(_name_scope_example(), line=5, col=4).reported_by(findings)
    assert Invalid(_name_scope_example()).reported_by(findings)
    assert not Invalid(_name_scope_example()).reported_by([])


def test_a_column_needs_a_line():
    with pytest.raises(ValueError, match="col= given without line="):
        Invalid("x = 1\n", col=3)
