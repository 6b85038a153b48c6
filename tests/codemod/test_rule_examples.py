"""Every rule's VALID/INVALID examples, run through the public API: adding a rule adds its tests."""
import ast

import pytest

from gluon_codemod import check_code, fix_code
from gluon_codemod.engine.rule import all_rules

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
