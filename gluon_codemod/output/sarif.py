"""SARIF 2.1.0 (`--output-format sarif`), as GitHub code scanning and IDEs read it.

The `rules` section carries each rule's documentation (from its module docstring); a result whose fix
was computed carries it as `fixes[].artifactChanges`: replacements by character offset into the file,
which say exactly what the fix deletes and inserts, line endings included.
"""
from __future__ import annotations

import os
import re
from typing import Dict, List, Sequence

from . import TOOL
from ..vocabulary import FileResult, Finding

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/apache/mxnet/issues/18412"


def _first_paragraph(doc: str) -> str:
    return doc.split("\n\n", 1)[0].replace("\n", " ").strip()


def _section(doc: str, title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", doc, re.DOTALL | re.MULTILINE)
    return match.group(1).strip() if match else ""


def fix_safety(rule) -> str:
    """`safe`, `unsafe`, `safe / unsafe` or `none`, from the rule's examples (what its fixes do)."""
    fixed = [ex for ex in rule.INVALID if ex.expected is not None]
    if not fixed:
        return "none"
    return " / ".join(sorted({"unsafe" if ex.unsafe_fixes else "safe" for ex in fixed}))


def rule_descriptor(rule) -> dict:
    doc = rule.documentation()
    what = _section(doc, "What it does") or _first_paragraph(doc)
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": _first_paragraph(doc).replace("`", "")},
        "fullDescription": {"text": what.replace("\n", " ")},
        "help": {"text": doc, "markdown": doc},
        "helpUri": INFORMATION_URI,
        "defaultConfiguration": {"level": "warning"},
        "properties": {"fixSafety": fix_safety(rule), "targets": list(rule.targets)},
    }


def _uri(path: str) -> str:
    """A relative path as a relative URI reference (`my dir/a.py` -> `my%20dir/a.py`), an absolute one as a
    `file://` URI."""
    from urllib.parse import quote

    if os.path.isabs(path):
        import pathlib

        return pathlib.Path(path).as_uri()
    return quote(path.replace(os.sep, "/"))


def _result(result: FileResult, index: int, finding: Finding, rule_index: Dict[str, int],
            names: Dict[str, str]) -> dict:
    region = {"startLine": finding.line, "startColumn": finding.column}
    if finding.end_line is not None:  # once the engine reports where a construct ends
        region.update(endLine=finding.end_line, endColumn=finding.end_column)
    message = finding.message if finding.cell is None else f"cell {finding.cell}: {finding.message}"
    location = {"artifactLocation": {"uri": _uri(result.path)}}
    if finding.cell is None:  # lines in a notebook count inside a cell, not in the file
        location["region"] = region
    out = {
        "ruleId": finding.code,
        "ruleIndex": rule_index[finding.code],
        "level": "warning",
        "message": {"text": message},
        "locations": [{"physicalLocation": location}],
        "properties": {"rule": names.get(finding.code, ""), "applicability": finding.applicability},
    }
    edits = (result.edits or {}).get(index)
    if edits:
        out["fixes"] = [{
            "description": {"text": finding.fix_title or "apply the fix"},
            "artifactChanges": [{
                "artifactLocation": {"uri": _uri(result.path)},
                "replacements": [{"deletedRegion": {"charOffset": e["offset"], "charLength": e["length"]},
                                  "insertedContent": {"text": e["text"]}} for e in edits],
            }],
        }]
    return out


def sarif(results: Sequence[FileResult], rules: List[type]) -> dict:
    from .. import __version__

    names = {rule.code: rule.name for rule in rules}
    rule_index = {rule.code: number for number, rule in enumerate(rules)}
    out_results = [_result(r, i, f, rule_index, names) for r in results for i, f in enumerate(r.findings)
                   if not f.fixed and f.code in rule_index]
    notifications = [{
        "level": "error",
        "message": {"text": e.message},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": _uri(r.path)},
                                            **({"region": {"startLine": e.line, "startColumn": e.column}}
                                               if e.cell is None else {})}}],
    } for r in results for e in r.errors]
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": TOOL, "version": __version__, "informationUri": INFORMATION_URI,
                                "rules": [rule_descriptor(rule) for rule in rules]}},
            "columnKind": "unicodeCodePoints",  # columns and charOffset count characters, as editors do
            "invocations": [{"executionSuccessful": not notifications,
                             "toolExecutionNotifications": notifications}],
            "results": out_results,
        }],
    }
