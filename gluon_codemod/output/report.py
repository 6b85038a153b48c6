"""The end-of-run summary (stderr) and the `--report FILE.json` document: the same facts, two forms.

Honest by construction: every count is computed from the per-file results, a fix is counted only when
it was applied (or would be, with --diff), and whatever was not fixed is listed for manual review.
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from typing import Dict, List, Optional, Sequence

from ..run.batch import CHECK, DIFF, FIX, FileResult, Options
from ..run.files import write_new_atomic

REPORT_VERSION = 1
SUMMARY_LISTING_LIMIT = 20  # file:line entries per rule on the terminal; the JSON report has them all


def location(path: str, line: int, col: int, cell: Optional[int] = None) -> str:
    """`path:line:col`, or `nb.ipynb:cell N:line:col` inside a notebook (1-based col)."""
    cell_part = f"cell {cell}:" if cell is not None else ""
    return f"{path}:{cell_part}{line}:{col}"


def format_finding(path: str, finding: dict) -> str:
    return f"{location(path, finding['line'], finding['col'], finding['cell'])}: {finding['code']} {finding['message']}"


def format_error(path: str, error: dict) -> str:
    return f"{location(path, error['line'], error['col'], error['cell'])}: error: {error['message']}"


def summarize(results: Sequence[FileResult], options: Options) -> dict:
    fixed: Counter = Counter()
    remaining: Counter = Counter()
    for result in results:
        for finding in result.findings:
            (fixed if finding["fixed"] else remaining)[finding["code"]] += 1
    return {
        "files_scanned": len(results),
        # in place: what was written; with --diff: what the diff changes; check computes no fixes
        "files_changed": sum(1 for r in results if (r.written if options.mode == FIX else r.changed)),
        "files_with_findings": sum(1 for r in results if any(not f["fixed"] for f in r.findings)),
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
        for finding in result.findings:
            if not finding["fixed"]:
                counts[finding["code"]] += 1
                if finding["fix_available"]:
                    fixes[finding["code"]].add(finding["safety"])
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
        out.append(f"gluon-codemod: interrupted: {interrupted} file{'s' if interrupted != 1 else ''} not "
                   "started, left as they were; the files counted below were processed completely")
    scanned = summary["files_scanned"]
    head = f"gluon-codemod {options.mode if options.mode != DIFF else 'fix --diff'}: " \
           f"{scanned} file{'s' if scanned != 1 else ''} scanned"
    if options.mode == FIX:
        head += f", {summary['files_changed']} rewritten"
    elif options.mode == DIFF:
        head += f", {summary['files_changed']} would be rewritten (nothing written)"
    left = "with findings" if options.mode == CHECK else "with findings left"
    head += f", {summary['files_with_findings']} {left}, {summary['files_failed']} failed"
    if summary["files_skipped"]:
        head += f", {summary['files_skipped']} skipped (not regular files)"
    out.append(head)

    if summary["fixes_applied"]:
        verb = "fixes applied" if options.mode == FIX else "fixes in the diff"
        out.append(f"{verb}:")
        out += [f"  {code} {names.get(code, '')}: {count}" for code, count in summary["fixes_applied"].items()]

    if summary["findings_remaining"]:
        by_rule: Dict[str, List[str]] = defaultdict(list)
        safe_fixable, unsafe_fixable = Counter(), Counter()
        for result in results:
            for finding in result.findings:
                if not finding["fixed"]:
                    by_rule[finding["code"]].append(location(result.path, finding["line"], finding["col"],
                                                             finding["cell"]))
                    if finding["fix_available"]:
                        (safe_fixable if finding["safety"] == "safe" else unsafe_fixable)[finding["code"]] += 1
        title = "findings" if options.mode == CHECK else "left for manual review"
        out.append(f"{title}:")
        for code, places in sorted(by_rule.items()):
            notes = []
            if safe_fixable[code]:  # in fix mode a safe fix left over was refused or suppressed by select
                notes.append(f"{safe_fixable[code]} fixable by `fix`")
            if unsafe_fixable[code]:
                notes.append(f"{unsafe_fixable[code]} fixable with `fix --unsafe-fixes`")
            note = f" ({', '.join(notes)})" if notes else ""
            out.append(f"  {code} {names.get(code, '')}: {len(places)}{note}")
            out += [f"    {place}" for place in places[:SUMMARY_LISTING_LIMIT]]
            if len(places) > SUMMARY_LISTING_LIMIT:
                out.append(f"    ... and {len(places) - SUMMARY_LISTING_LIMIT} more (see the findings above "
                           "or --report FILE.json)")

    failed = [r for r in results if r.errors]
    if failed:
        out.append("files that failed:")
        for result in failed:
            state = "the rest of it rewritten" if result.written else (
                "the rest of it would be rewritten" if result.changed else "left unchanged")
            out.append(f"  {result.path} ({state}):")
            out += [f"    {format_error(result.path, error)}" for error in result.errors]
    return "\n".join(out) + "\n"


def build_report(results: Sequence[FileResult], options: Options) -> dict:
    from .. import __version__

    return {
        "version": REPORT_VERSION,
        "tool": {"name": "gluon-codemod", "version": __version__},
        "mode": options.mode,
        "target": options.target,
        "unsafe_fixes": options.unsafe_fixes,
        "select": list(options.select) if options.select is not None else None,
        "ignore": list(options.ignore),
        "summary": summarize(results, options),
        "files": [{
            "path": r.path,
            "changed": r.changed,
            "written": r.written,
            "findings": r.findings,
            "errors": r.errors,
            "skipped": r.skipped,
        } for r in results],
    }


def write_report(path: str, results: Sequence[FileResult], options: Options) -> None:
    """Written in one rename: a full disk or a Ctrl-C leaves the previous report, never half of one."""
    text = json.dumps(build_report(results, options), indent=2, ensure_ascii=False) + "\n"
    write_new_atomic(path, text.encode("utf-8"))
