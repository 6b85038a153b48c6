"""`--output-format` for CI: every format checked field by field against its documented shape, and SARIF
validated against the official SARIF 2.1.0 schema (a copy is kept beside this file)."""
from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ElementTree

import jsonschema
import pytest

from .conftest import NEW_NET, OLD_NET, UNFIXABLE, write

HERE = os.path.dirname(os.path.abspath(__file__))
# An unsafe fix (GLN007: renames checkpoint keys) and a report-only finding (GLN001 entered by hand).
UNSAFE = "from mxnet import gluon\nnet = gluon.nn.HybridSequential()\nnet.save_params('model.params')\n"


@pytest.fixture
def mixed(project):
    write(project / "net.py", OLD_NET)
    write(project / "manual.py", UNFIXABLE)
    write(project / "unsafe.py", UNSAFE)
    write(project / "broken.py", "from mxnet import gluon\ndef f(:\n")
    return project


def _apply(text: str, replacements) -> str:
    for item in sorted(replacements, key=lambda r: r["deletedRegion"]["charOffset"], reverse=True):
        start, length = item["deletedRegion"]["charOffset"], item["deletedRegion"]["charLength"]
        text = text[:start] + item["insertedContent"]["text"] + text[start + length:]
    return text


# -- SARIF -------------------------------------------------------------------------------------------------
def _sarif_schema():
    with open(os.path.join(HERE, "sarif-schema-2.1.0.json"), encoding="utf-8") as handle:
        return json.load(handle)


def test_sarif_is_valid_2_1_0_with_rules_and_fixes(cli, mixed):
    run = cli("check", "--output-format", "sarif", "-q", ".")
    assert run.status == 2  # broken.py
    document = json.loads(run.out)
    jsonschema.Draft4Validator(_sarif_schema()).validate(document)
    assert document["version"] == "2.1.0"
    sarif_run = document["runs"][0]
    rules = sarif_run["tool"]["driver"]["rules"]
    from gluon_codemod.engine.rule import all_rules

    assert [rule["id"] for rule in rules] == [rule.code for rule in all_rules()]
    for rule in rules:
        assert rule["name"] and rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert "## Fix safety" in rule["help"]["text"]
    results = {(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], r["ruleId"]): r
               for r in sarif_run["results"]}
    assert set(results) == {("net.py", "GLN001"), ("manual.py", "GLN001"), ("unsafe.py", "GLN007")}
    for result in sarif_run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    net = results[("net.py", "GLN001")]
    assert net["properties"] == {"rule": "name-scope", "applicability": "safe"}
    # (the `with` statement the finding is about ends at the end of its body)
    assert net["locations"][0]["physicalLocation"]["region"] == {"startLine": 7, "startColumn": 9, "endLine": 8,
                                                                 "endColumn": 37}
    change = net["fixes"][0]["artifactChanges"][0]
    assert change["artifactLocation"]["uri"] == "net.py"
    assert _apply(OLD_NET, change["replacements"]) == NEW_NET  # the fix, applied, is `fix`'s rewrite
    assert results[("unsafe.py", "GLN007")]["properties"]["applicability"] == "unsafe"
    assert "fixes" in results[("unsafe.py", "GLN007")]
    manual = results[("manual.py", "GLN001")]
    assert manual["properties"]["applicability"] == "none" and "fixes" not in manual
    notes = sarif_run["invocations"][0]["toolExecutionNotifications"]
    assert [n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for n in notes] == ["broken.py"]
    assert sarif_run["invocations"][0]["executionSuccessful"] is False


def test_fix_sarif_carries_the_fixes_left_against_the_written_file(cli, project):
    # a safe fix applied (the `with` dedented: every later line moves) and an unsafe one left in the same
    # file: the replacement of the one left applies to the file as written, and gives what
    # `fix --unsafe-fixes` writes
    old = OLD_NET.replace("            self.dense = nn.Dense(3)\n",
                          "            self.dense = nn.Dense(3)\n        self.collect_params().save('x.params')\n")
    write(project / "net.py", old)
    write(project / "unsafe.py", UNSAFE)
    write(project / "manual.py", UNFIXABLE)
    run = cli("fix", "--output-format", "sarif", "-q", ".")
    assert run.status == 1
    document = json.loads(run.out)
    jsonschema.Draft4Validator(_sarif_schema()).validate(document)
    results = {(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], r["ruleId"]): r
               for r in document["runs"][0]["results"]}
    assert set(results) == {("net.py", "GLN006"), ("unsafe.py", "GLN007"), ("manual.py", "GLN001")}
    assert "fixes" not in results[("manual.py", "GLN001")]
    written = (project / "net.py").read_text()
    assert "name_scope" not in written  # the safe fix was written
    left = results[("net.py", "GLN006")]
    assert left["properties"]["applicability"] == "unsafe"
    assert left["locations"][0]["physicalLocation"]["region"]["startLine"] == 8  # in the written file
    change = left["fixes"][0]["artifactChanges"][0]
    expected = {}
    for name in ("net.py", "unsafe.py"):
        write(project / "copy" / name, (project / name).read_text())
    cli("fix", "--unsafe-fixes", "-q", "copy")
    for name in ("net.py", "unsafe.py"):
        expected[name] = (project / "copy" / name).read_text()
    assert _apply(written, change["replacements"]) == expected["net.py"]
    change = results[("unsafe.py", "GLN007")]["fixes"][0]["artifactChanges"][0]
    assert _apply((project / "unsafe.py").read_text(), change["replacements"]) == expected["unsafe.py"]


# -- GitHub ------------------------------------------------------------------------------------------------
GITHUB = re.compile(r"^::error (?P<props>[^:]*)::(?P<message>.*)$")


def _github(line: str) -> dict:
    match = GITHUB.match(line)
    assert match, line
    props = dict(item.split("=", 1) for item in match.group("props").split(","))
    props["message"] = match.group("message")
    return props


def test_github_annotations_field_by_field(cli, mixed):
    run = cli("check", "--output-format", "github", "-q", ".")
    annotations = [_github(line) for line in run.out.splitlines()]
    by_file = {a["file"]: a for a in annotations}
    assert by_file["net.py"] == {"title": "gluon-codemod (GLN001)", "file": "net.py", "line": "7", "col": "9",
                                 "endLine": "8", "endColumn": "37", "message": by_file["net.py"]["message"]}
    assert by_file["net.py"]["message"].startswith("net.py:7:9: GLN001 `self.name_scope()` is removed")
    assert by_file["broken.py"]["title"] == "gluon-codemod (error)" and by_file["broken.py"]["line"] == "2"
    assert len(annotations) == 4


def test_github_escapes_separators_in_properties_and_newlines_in_data(cli, project):
    write(project / "a,b:c%.py", OLD_NET)
    run = cli("check", "--output-format", "github", "-q", ".")
    props = _github(run.out.strip())
    assert props["file"] == "a%2Cb%3Ac%25.py"
    assert props["message"].startswith("a,b:c%25.py:7:9: GLN001")


# -- GitLab ------------------------------------------------------------------------------------------------
def test_gitlab_code_quality_fields_and_stable_fingerprints(cli, project):
    twice = OLD_NET + OLD_NET.split("\n\n\n", 1)[1].replace("class Net", "class Net2")
    write(project / "net.py", twice)
    first = json.loads(cli("check", "--output-format", "gitlab", "-q", ".").out)
    assert len(first) == 2
    for issue in first:
        assert set(issue) == {"type", "check_name", "description", "categories", "severity", "fingerprint",
                              "location"}
        assert issue["type"] == "issue" and issue["check_name"] == "GLN001"
        assert issue["severity"] in ("info", "minor", "major", "critical", "blocker")
        assert re.fullmatch(r"[0-9a-f]{64}", issue["fingerprint"])
        assert issue["location"]["path"] == "net.py" and isinstance(issue["location"]["lines"]["begin"], int)
        assert issue["description"].startswith("GLN001 ")
    assert len({issue["fingerprint"] for issue in first}) == 2  # identical findings still differ
    write(project / "net.py", "# a new comment on top\n\n" + twice)  # the findings move down two lines
    moved = json.loads(cli("check", "--output-format", "gitlab", "-q", ".").out)
    assert [i["fingerprint"] for i in moved] == [i["fingerprint"] for i in first]
    assert [i["location"]["lines"]["begin"] for i in moved] == [i["location"]["lines"]["begin"] + 2 for i in first]


# -- JUnit -------------------------------------------------------------------------------------------------
def test_junit_one_test_case_per_finding(cli, mixed):
    run = cli("check", "--output-format", "junit", "-q", ".")
    root = ElementTree.fromstring(run.out)
    assert root.tag == "testsuites" and (root.get("tests"), root.get("failures"), root.get("errors")) == ("4", "3", "1")
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == 4
    failures = {case.get("classname"): case.find("failure") for case in cases if case.find("failure") is not None}
    assert set(failures) == {"net.py", "manual.py", "unsafe.py"}
    assert failures["net.py"].get("type") == "GLN001"
    assert [c.get("name") for c in cases if c.get("classname") == "net.py"] == ["GLN001 net.py:7:9"]
    assert cases[0].get("line").isdigit()
    clean = ElementTree.fromstring(cli("check", "--output-format", "junit", "-q", "net.py", "--select",
                                       "GLN009").out)
    assert clean.get("tests") == "0"


# -- JSON and the human formats ----------------------------------------------------------------------------
def test_json_and_json_lines_carry_rule_name_and_applicability(cli, mixed):
    items = json.loads(cli("check", "--output-format", "json", "-q", ".").out)
    lines = [json.loads(line) for line in cli("check", "--output-format", "json-lines", "-q", ".").out.splitlines()]
    assert sorted(map(json.dumps, items)) == sorted(map(json.dumps, lines))
    by_file = {item["filename"]: item for item in items}
    assert by_file["net.py"]["rule"] == "name-scope" and by_file["net.py"]["applicability"] == "safe"
    assert by_file["net.py"]["location"] == {"row": 7, "column": 9}
    assert by_file["unsafe.py"]["applicability"] == "unsafe" and by_file["unsafe.py"]["fix"]["title"]
    assert by_file["manual.py"]["applicability"] == "none" and by_file["manual.py"]["fix"] is None
    assert by_file["broken.py"]["error"] is True and by_file["broken.py"]["code"] is None


def test_fix_lists_only_what_is_left_and_output_file_takes_it(cli, mixed):
    run = cli("fix", "--output-format", "json", "--output-file", "left.json", "-q", ".")
    assert run.out == ""
    left = json.loads((mixed / "left.json").read_text())
    assert sorted((item["filename"], item["code"]) for item in left) == [
        ("broken.py", None), ("manual.py", "GLN001"), ("unsafe.py", "GLN007")]
    assert (mixed / "net.py").read_text() == NEW_NET


def test_concise_and_grouped(cli, mixed):
    concise = cli("check", "--output-format", "concise", "-q", ".").out.splitlines()
    assert "net.py:7:9: GLN001 [*] `self.name_scope()` is removed in the new Block API; children are named by " \
           "attribute" in concise
    assert any(line.startswith("unsafe.py:3:1: GLN007 [-] ") for line in concise)
    grouped = cli("check", "--output-format", "grouped", "-q", ".").out
    assert "net.py:\n  7:9 GLN001 [*] " in grouped and "broken.py:\n  2:" in grouped


def test_statistics_counts_per_rule_most_frequent_first(cli, project):
    write(project / "a.py", OLD_NET)
    write(project / "b.py", OLD_NET)
    write(project / "unsafe.py", UNSAFE)
    write(project / "manual.py", UNFIXABLE)
    run = cli("check", "--statistics", "-q", ".")
    assert run.out == "3  GLN001  [*] name-scope\n1  GLN007  [-] deprecated-save-load-params\n"
    rows = json.loads(cli("check", "--statistics", "--output-format", "json", "-q", ".").out)
    assert rows[0] == {"code": "GLN001", "name": "name-scope", "count": 3, "fixable": True, "applicability": "safe"}


def test_unwritable_output_file_is_an_error(cli, mixed):
    run = cli("check", "--output-format", "json", "--output-file", "no/such/folder/out.json", "-q", ".")
    assert run.status == 2 and "cannot write no/such/folder/out.json: No such file or directory" in run.err


def test_sarif_uris_are_uri_references(cli, project):
    write(project / "my dir" / "net.py", OLD_NET)
    relative = json.loads(cli("check", "--output-format", "sarif", "-q", ".").out)
    absolute = json.loads(cli("check", "--output-format", "sarif", "-q", str(project / "my dir")).out)
    uri = relative["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "my%20dir/net.py"
    uri = absolute["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri.startswith("file:///") and uri.endswith("/my%20dir/net.py")


def test_end_positions_are_used_when_a_finding_has_them():
    from gluon_codemod.output.formats import github_line
    from gluon_codemod.output.sarif import sarif
    from gluon_codemod.vocabulary import FileResult, Finding

    # (0-based columns, as the engine reports them; the formats show them 1-based)
    finding = Finding("GLN001", 7, 8, "m", end_line=8, end_col=36)
    assert ",line=7,col=9,endLine=8,endColumn=37::" in github_line("net.py", finding)
    from gluon_codemod.engine.rule import all_rules

    document = sarif([FileResult("net.py", findings=[finding])], all_rules())
    region = document["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 7, "startColumn": 9, "endLine": 8, "endColumn": 37}


def test_findings_and_errors_are_located_alike_in_files_and_notebook_cells():
    from gluon_codemod.vocabulary import Finding, SourceError

    finding = Finding("GLN001", 3, 4, "`name_scope` ...")
    error = SourceError("cannot parse: invalid syntax", 5, 0)
    assert finding.format("a.py") == "a.py:3:5: GLN001 `name_scope` ..."
    assert error.format("a.py") == "a.py:5:1: error: cannot parse: invalid syntax"
    finding.cell = error.cell = 2  # (set by the notebook's cell outcome)
    assert finding.format("nb.ipynb") == "nb.ipynb:cell 2:3:5: GLN001 `name_scope` ..."
    assert error.format("nb.ipynb") == "nb.ipynb:cell 2:5:1: error: cannot parse: invalid syntax"
