"""`--output-format`: the findings of `check` and `fix` for people (text, concise, grouped) and for CI
(json, json-lines, github, gitlab, sarif, junit).

Streaming formats print each file's findings as soon as it is done; whole-document formats (a JSON
array, SARIF, JUnit XML, grouped) print once, at the end. Every format lists what is left to do: in
`fix`, the findings a fix removed are not listed. File errors (cannot decode, cannot parse) are listed
too, in each format's own way, so that a CI job never reads "clean" for a file that was not checked.
"""
from __future__ import annotations

import hashlib
import json
from typing import Dict, List, Optional, Sequence

from . import TOOL
from ..vocabulary import FileResult, Finding, SourceError, position

FORMATS = ("text", "concise", "grouped", "json", "json-lines", "github", "gitlab", "sarif", "junit")
STREAMING = ("text", "concise", "json-lines", "github")


def _marker(finding: Finding) -> str:
    return {"safe": "[*] ", "unsafe": "[-] "}.get(finding.applicability, "")


def rule_names() -> Dict[str, str]:
    from ..engine.rule_index import rule_index

    return rule_index()


# -- streaming ---------------------------------------------------------------------------------------------
def stream(fmt: str, result: FileResult, names: Dict[str, str]) -> str:
    """What `fmt` prints for one finished file ("" for whole-document formats)."""
    findings = result.open_findings()
    if fmt == "text":
        return "".join(f.format(result.path) + "\n" for f in findings)
    if fmt == "concise":
        return "".join(f"{f.where(result.path)}: {f.code} {_marker(f)}{f.message}\n" for f in findings)
    if fmt == "json-lines":
        items = [json_item(result.path, f, names) for f in findings]
        items += [json_error(result.path, e) for e in result.errors]
        return "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items)
    if fmt == "github":
        return "".join(github_line(result.path, f) for f in findings) + \
            "".join(github_error(result.path, e) for e in result.errors)
    return ""


def json_item(path: str, finding: Finding, names: Dict[str, str]) -> dict:
    return {
        "filename": path,
        "code": finding.code,
        "rule": names.get(finding.code, ""),
        "message": finding.message,
        "location": {"row": finding.line, "column": finding.column},
        "cell": finding.cell,
        "fix": None if not finding.fix_available else {"title": finding.fix_title,
                                                       "applicability": finding.applicability},
        "applicability": finding.applicability,
        "fixed": finding.fixed,
    }


def json_error(path: str, error: SourceError) -> dict:
    """A file error in the JSON formats: `code` and `rule` null, `error` true."""
    return {"filename": path, "code": None, "rule": None, "message": error.message,
            "location": {"row": error.line, "column": error.column}, "cell": error.cell,
            "fix": None, "applicability": "none", "fixed": False, "error": True}


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def _github_command(path: str, code: str, item, region: List[str], text: str) -> str:
    """A GitHub Actions workflow command: `::error title=...,file=...,line=...,col=...::message`.

    In a notebook, lines count inside a cell, not in the file: the annotation names the file only and
    the message says where."""
    props = [f"title={_gh_property(f'{TOOL} ({code})')}", f"file={_gh_property(path)}"]
    if item.cell is None:
        props += [f"line={item.line}", f"col={item.column}"] + region
    return f"::error {','.join(props)}::{_gh_data(text)}\n"


def github_line(path: str, finding: Finding) -> str:
    # where the construct ends, when the engine reports it
    end = [f"endLine={finding.end_line}", f"endColumn={finding.end_column}"] if finding.end_line is not None else []
    return _github_command(path, finding.code, finding, end, finding.format(path))


def github_error(path: str, error: SourceError) -> str:
    return _github_command(path, "error", error, [], error.format(path))


# -- whole documents ---------------------------------------------------------------------------------------
def document(fmt: str, results: Sequence[FileResult], names: Dict[str, str], rules: Optional[list] = None) -> str:
    if fmt == "json":
        items = [json_item(r.path, f, names) for r in results for f in r.open_findings()]
        items += [json_error(r.path, e) for r in results for e in r.errors]
        return json.dumps(items, indent=2, ensure_ascii=False) + "\n"
    if fmt == "grouped":
        return grouped(results)
    if fmt == "gitlab":
        return json.dumps(gitlab(results), indent=2, ensure_ascii=False) + "\n"
    if fmt == "junit":
        return junit(results)
    if fmt == "sarif":
        from .sarif import sarif

        return json.dumps(sarif(results, rules if rules is not None else _all_rules()), indent=2,
                          ensure_ascii=False) + "\n"
    return ""


def _all_rules() -> list:
    from ..engine.rule import all_rules

    return all_rules()


def grouped(results: Sequence[FileResult]) -> str:
    out: List[str] = []
    for result in results:
        findings, errors = result.open_findings(), result.errors
        if not (findings or errors):
            continue
        out.append(f"{result.path}:")
        out += [f"  {position(f.line, f.column, f.cell)} {f.code} {_marker(f)}{f.message}" for f in findings]
        out += [f"  {position(e.line, e.column, e.cell)} error: {e.message}" for e in errors]
        out.append("")
    return "\n".join(out) + ("\n" if out else "")


def gitlab(results: Sequence[FileResult]) -> List[dict]:
    """GitLab Code Quality (a Code Climate subset). The fingerprint hashes the file, the code, the
    message and the occurrence among identical ones, not the line: it survives edits elsewhere in the
    file, so GitLab does not report a moved finding as fixed plus new."""
    out = []
    for result in results:
        seen: Dict[tuple, int] = {}
        items = [(f.code, f) for f in result.open_findings()] + [("error", e) for e in result.errors]
        for code, item in items:
            key = (code, item.message, item.cell)
            seen[key] = seen.get(key, 0) + 1
            digest = hashlib.sha256("\0".join([result.path, code, item.message, str(item.cell),
                                               str(seen[key])]).encode("utf-8")).hexdigest()
            prefix = f"cell {item.cell}: " if item.cell is not None else ""
            out.append({
                "type": "issue",
                "check_name": code,
                "description": f"{code} {prefix}{item.message}",
                "categories": ["Compatibility"] if code != "error" else ["Bug Risk"],
                "severity": "major" if code == "error" else "minor",
                "fingerprint": digest,
                "location": {"path": result.path, "lines": {"begin": item.line if item.cell is None else 1}},
            })
    return out


def _testcase(path: str, item, kind: str, kind_type: str, text: str) -> str:
    """`item`: a Finding (a failure) or a SourceError (an error)."""
    from xml.sax.saxutils import escape, quoteattr  # imported here: it costs 10 ms of start-up (urllib)

    where = item.where(path)
    name = f"{kind_type} {where}"
    return (f"    <testcase name={quoteattr(name)} classname={quoteattr(path)} file={quoteattr(path)} "
            f"line=\"{item.line}\">\n"
            f"      <{kind} message={quoteattr(item.message)} type={quoteattr(kind_type)}>"
            f"{escape(where + ': ' + text)}</{kind}>\n    </testcase>")


def junit(results: Sequence[FileResult]) -> str:
    """JUnit XML: a test suite per file with something to report, a test case per finding (a failure) or
    per file error (an error). A clean run is one empty suite."""
    from xml.sax.saxutils import quoteattr

    suites = []
    total_failures = total_errors = 0
    for result in results:
        findings, errors = result.open_findings(), result.errors
        if not (findings or errors):
            continue
        cases = [_testcase(result.path, f, "failure", f.code, f"{f.code} {f.message}") for f in findings]
        cases += [_testcase(result.path, e, "error", "error", f"error: {e.message}") for e in errors]
        total_failures += len(findings)
        total_errors += len(errors)
        suites.append(f"  <testsuite name={quoteattr(result.path)} tests=\"{len(cases)}\" "
                      f"failures=\"{len(findings)}\" errors=\"{len(errors)}\">\n" + "\n".join(cases)
                      + "\n  </testsuite>")
    if not suites:
        suites.append(f'  <testsuite name="{TOOL}" tests="0" failures="0" errors="0"></testsuite>')
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<testsuites name="{TOOL}" tests="{total_failures + total_errors}" failures="{total_failures}" '
            f'errors="{total_errors}">\n' + "\n".join(suites) + "\n</testsuites>\n")
