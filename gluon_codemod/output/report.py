"""The end-of-run summary (stderr) and the `--report FILE.json` document: the same facts, two forms.

Honest by construction: every count is computed from the per-file results, a fix is counted only when
it was applied (or would be, with --diff), and whatever was not fixed is listed for manual review.
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from typing import Dict, List, Optional, Sequence, Tuple

from ..atomic_write import write_new_atomic
from ..vocabulary import FileResult, Finding, Mode, Options, SourceError

REPORT_VERSION = 1
SUMMARY_LISTING_LIMIT = 20  # file:line entries per rule on the terminal; the JSON report has them all


def summarize(results: Sequence[FileResult], options: Options) -> dict:
    fixed: Counter = Counter()
    remaining: Counter = Counter()
    for result in results:
        for finding in result.findings:
            (fixed if finding.fixed else remaining)[finding.code] += 1
    return {
        "files_scanned": len(results),
        # in place: what was written; with --diff: what the diff changes; check computes no fixes
        "files_changed": sum(1 for r in results if (r.written if options.mode is Mode.FIX else r.changed)),
        "files_with_findings": sum(1 for r in results if r.open_findings()),
        "files_failed": sum(1 for r in results if r.errors),
        "files_skipped": sum(1 for r in results if r.skipped),
        "fixes_applied": dict(sorted(fixed.items())),
        "findings_remaining": dict(sorted(remaining.items())),
    }


def statistics(results: Sequence[FileResult], fmt: str = "text") -> str:
    """`--statistics`: per rule, the findings left, and whether `fix` can fix them: `[*]` some safely,
    `[-]` only with --unsafe-fixes; most frequent first."""
    counts: Counter = Counter()
    fixes: Dict[str, set] = defaultdict(set)
    for result in results:
        for finding in result.open_findings():
            counts[finding.code] += 1
            if finding.fix_available:
                fixes[finding.code].add(finding.applicability)
    names = _rule_names() if counts else {}
    rows = []
    for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        applicability = "safe" if "safe" in fixes[code] else ("unsafe" if fixes[code] else "none")
        rows.append({"code": code, "name": names.get(code, ""), "count": count,
                     "fixable": applicability != "none", "applicability": applicability})
    if fmt in ("json", "json-lines", "sarif", "gitlab", "junit", "github"):
        return json.dumps(rows, indent=2) + "\n"
    width = max((len(str(row["count"])) for row in rows), default=1)
    marker = {"safe": "[*]", "unsafe": "[-]", "none": "   "}
    return "".join(f"{row['count']:>{width}}  {row['code']}  {marker[row['applicability']]} {row['name']}\n"
                   for row in rows)


def _rule_names() -> Dict[str, str]:
    from ..engine.rule_index import rule_index

    return rule_index()


def format_summary(results: Sequence[FileResult], options: Options, interrupted: Optional[int] = None) -> str:
    """`interrupted`: the number of files never started because of Ctrl-C (None: the run finished)."""
    summary = summarize(results, options)
    names = _rule_names() if any(r.findings for r in results) else {}
    out: List[str] = []
    if interrupted is not None:
        out.append(f"gluon-codemod: interrupted: {_files(interrupted)} not started, left as they were; the files "
                   "counted below were processed completely")
    out.append(_headline(summary, options.mode))
    out += _fixes_applied(summary, options.mode, names)
    out += _findings_left(results, options.mode, names)
    out += _files_failed(results)
    return "\n".join(out) + "\n"


def _files(count: int) -> str:
    return f"{count} file{'s' if count != 1 else ''}"


def _headline(summary: dict, mode: Mode) -> str:
    """What the run did, in counts of files."""
    command = "fix --diff" if mode is Mode.DIFF else mode.value
    head = f"gluon-codemod {command}: {_files(summary['files_scanned'])} scanned"
    if mode is Mode.FIX:
        head += f", {summary['files_changed']} rewritten"
    elif mode is Mode.DIFF:
        head += f", {summary['files_changed']} would be rewritten (nothing written)"
    left = "with findings" if mode is Mode.CHECK else "with findings left"
    head += f", {summary['files_with_findings']} {left}, {summary['files_failed']} failed"
    if summary["files_skipped"]:
        head += f", {summary['files_skipped']} skipped (not regular files)"
    return head


def _fixes_applied(summary: dict, mode: Mode, names: Dict[str, str]) -> List[str]:
    if not summary["fixes_applied"]:
        return []
    verb = "fixes applied" if mode is Mode.FIX else "fixes in the diff"
    return [f"{verb}:"] + [f"  {code} {names.get(code, '')}: {count}"
                           for code, count in summary["fixes_applied"].items()]


def _open_by_rule(results: Sequence[FileResult]) -> Dict[str, List[Tuple[str, Finding]]]:
    """rule code -> (path, finding) for each finding left, in the order of the results."""
    by_rule: Dict[str, List[Tuple[str, Finding]]] = defaultdict(list)
    for result in results:
        for finding in result.open_findings():
            by_rule[finding.code].append((result.path, finding))
    return by_rule


def _fixability(findings: Sequence[Finding]) -> str:
    """` (N fixable by `fix`, M fixable with `fix --unsafe-fixes`)`, or "" when no fix applies. In fix mode a
    safe fix left over was refused or suppressed by select."""
    counts = Counter(f.applicability for f in findings)
    notes = []
    if counts["safe"]:
        notes.append(f"{counts['safe']} fixable by `fix`")
    if counts["unsafe"]:
        notes.append(f"{counts['unsafe']} fixable with `fix --unsafe-fixes`")
    return f" ({', '.join(notes)})" if notes else ""


def _findings_left(results: Sequence[FileResult], mode: Mode, names: Dict[str, str]) -> List[str]:
    """Per rule, the findings left and where (the first `SUMMARY_LISTING_LIMIT` places)."""
    by_rule = _open_by_rule(results)
    if not by_rule:
        return []
    out = ["findings:" if mode is Mode.CHECK else "left for manual review:"]
    for code, found in sorted(by_rule.items()):
        out.append(f"  {code} {names.get(code, '')}: {len(found)}{_fixability([f for _, f in found])}")
        out += [f"    {finding.where(path)}" for path, finding in found[:SUMMARY_LISTING_LIMIT]]
        if len(found) > SUMMARY_LISTING_LIMIT:
            out.append(f"    ... and {len(found) - SUMMARY_LISTING_LIMIT} more (see the findings above "
                       "or --report FILE.json)")
    return out


def _files_failed(results: Sequence[FileResult]) -> List[str]:
    failed = [r for r in results if r.errors]
    if not failed:
        return []
    out = ["files that failed:"]
    for result in failed:
        state = "the rest of it rewritten" if result.written else (
            "the rest of it would be rewritten" if result.changed else "left unchanged")
        out.append(f"  {result.path} ({state}):")
        out += [f"    {error.format(result.path)}" for error in result.errors]
    return out


def _finding_json(finding: Finding) -> dict:
    return dict(finding.to_dict(), cell=finding.cell)


def _error_json(error: SourceError) -> dict:
    return {"line": error.line, "col": error.column, "cell": error.cell, "message": error.message}


def build_report(results: Sequence[FileResult], options: Options) -> dict:
    from .. import __version__

    return {
        "version": REPORT_VERSION,
        "tool": {"name": "gluon-codemod", "version": __version__},
        "mode": options.mode.value,
        "target": options.target,
        "unsafe_fixes": options.unsafe_fixes,
        "select": list(options.select) if options.select is not None else None,
        "ignore": list(options.ignore),
        "summary": summarize(results, options),
        "files": [{
            "path": r.path,
            "changed": r.changed,
            "written": r.written,
            "findings": [_finding_json(f) for f in r.findings],
            "errors": [_error_json(e) for e in r.errors],
            "skipped": r.skipped,
        } for r in results],
    }


def write_report(path: str, results: Sequence[FileResult], options: Options) -> None:
    """Written in one rename: a full disk or a Ctrl-C leaves the previous report, never half of one."""
    text = json.dumps(build_report(results, options), indent=2, ensure_ascii=False) + "\n"
    write_new_atomic(path, text.encode("utf-8"))
