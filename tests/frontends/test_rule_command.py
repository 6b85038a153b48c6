"""`gluon-codemod rule`: each rule's documentation, from its own module, as text or JSON."""
from __future__ import annotations

import json

import pytest

from gluon_codemod.engine.rule import all_rules


@pytest.mark.parametrize("rule", all_rules(), ids=lambda rule: rule.code)
def test_rule_prints_its_module_documentation(cli, rule):
    run = cli("rule", rule.code)
    assert run.status == 0
    assert run.out.startswith(f"# {rule.code} {rule.name}\n\nFix: ")
    assert rule.documentation() in run.out
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Fix safety"):
        assert section in run.out


def test_rule_by_name_and_json(cli):
    by_name = cli("rule", "name-scope")
    assert by_name.status == 0 and by_name.out.startswith("# GLN001 name-scope\n")
    info = json.loads(cli("rule", "GLN001", "--output-format", "json").out)
    assert info["code"] == "GLN001" and info["name"] == "name-scope" and info["fix"] == "safe"
    assert info["example"].startswith("```python\nwith self.name_scope():")
    assert info["fix_safety"].startswith("Safe:")
    gln007 = json.loads(cli("rule", "GLN007", "--output-format", "json").out)
    assert "unsafe" in gln007["fix"]


def test_rule_all(cli):
    text = cli("rule", "--all").out
    assert [line for line in text.splitlines() if line.startswith("# GLN")] == \
        [f"# {rule.code} {rule.name}" for rule in all_rules()]
    data = json.loads(cli("rule", "--all", "--output-format", "json").out)
    assert [item["code"] for item in data] == [rule.code for rule in all_rules()]


def test_unknown_rule_suggests_the_closest(cli):
    run = cli("rule", "GLN0033")
    assert run.status == 2 and "did you mean GLN003?" in run.err and run.out == ""
    assert cli("rule").status == 2
