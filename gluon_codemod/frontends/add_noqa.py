"""`check --add-noqa[=REASON]`: silence every reported finding with a `# noqa: CODE` comment, so a large
repository can turn the hook on today and migrate module by module.

An existing `noqa` comment gets the new codes merged into its list, in the list's own separator style;
a line with another comment gets `  # noqa: CODE` after it; running it twice changes nothing (the
second check finds nothing). The comment goes where flake8 looks for it: on the reported line, or, for
a line inside a multi-line string or a backslash continuation, on the last line of that statement.
"""
from __future__ import annotations

import io
import sys
import tokenize
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from ..atomic_write import write_atomic
from ..vocabulary import FileResult, Finding, SourceError
from ..engine.lines import split_lines
from ..engine.noqa import NOQA
from ..engine.source import decode_source


def _comment_lines(text: str, count: int) -> Dict[int, int]:
    """Reported line -> the line that can carry its comment (the last line of a multi-line token range)."""
    target = {line: line for line in range(1, count + 1)}
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text, newline="").readline))
    except (tokenize.TokenError, SyntaxError):
        return target
    first: Optional[int] = None
    last = 0
    for token in tokens:
        if token.type in (tokenize.ENDMARKER, tokenize.DEDENT):
            continue
        first = token.start[0] if first is None else min(first, token.start[0])
        last = max(last, token.end[0])
        if token.type in (tokenize.NL, tokenize.NEWLINE):
            for line in range(first, last + 1):
                target[line] = last
            first, last = None, 0
    return target


def _separator(codes: str) -> str:
    body = codes.rstrip(", \t")
    if "," in body:
        return ", " if ", " in body else ","
    return " " if " " in body.strip() else ", "


def with_codes(line: str, codes: Sequence[str], reason: Optional[str]) -> str:
    """`line` (its ending kept) with `codes` silenced by its noqa comment."""
    body = line.rstrip("\r\n")
    ending = line[len(body):]
    match = NOQA.search(body)
    if match is not None and match.group("codes") is None:
        return line  # a blanket `# noqa` silences everything already
    if match is not None:
        written = match.group("codes")
        present = [c for c in written.replace(",", " ").split() if c]
        new = [c for c in codes if not c.startswith(tuple(present))]
        if not new:
            return line
        end = match.start("codes") + len(written.rstrip(", \t"))
        return body[:end] + _separator(written) + _separator(written).join(new) + body[end:] + ending
    comment = f"# noqa: {', '.join(codes)}" + (f" {reason}" if reason else "")
    return body.rstrip(" \t") + "  " + comment + ending


def add_noqa(data: bytes, findings: List[Finding], reason: Optional[str]) -> bytes:
    """`data` with a noqa comment for each finding (file positions, not notebook cells)."""
    decoded = decode_source(data)
    return decoded.encode(_with_comments(decoded.text, findings, reason))


def add_noqa_notebook(data: bytes, findings: List[Finding], reason: Optional[str]) -> bytes:
    """The notebook `data` with a noqa comment for each finding, in its cell's source line (cells are
    analysed as one module, where the comment silences the finding as in a file)."""
    from ..run.notebook import edit_cells

    by_cell: Dict[int, List[Finding]] = {}
    for finding in findings:
        by_cell.setdefault(finding.cell, []).append(finding)

    def edit(index: int, source: str, masked: str) -> str:
        # (masked: IPython lines are `pass` placeholders there, so that the statements can be tokenized)
        return _with_comments(source, by_cell[index], reason, masked) if index in by_cell else source
    return edit_cells(data, edit)


def _with_comments(text: str, findings: List[Finding], reason: Optional[str], python: Optional[str] = None) -> str:
    """`text` with the reported lines commented; `python`: the same lines as Python, to find statements in."""
    lines = split_lines(text, keepends=True)
    targets = _comment_lines(text if python is None else python, len(lines))
    wanted: Dict[int, List[str]] = {}
    for finding in findings:
        line = targets.get(finding.line, finding.line)
        if 1 <= line <= len(lines) and finding.code not in wanted.setdefault(line, []):
            wanted[line].append(finding.code)
    for line, codes in wanted.items():
        lines[line - 1] = with_codes(lines[line - 1], sorted(codes), reason)
    return "".join(lines)


def run_add_noqa(results: Sequence[FileResult], reason: Optional[str], status: int,
                 check_again: Optional[Callable[[], Sequence[FileResult]]] = None) -> int:
    """After `check --add-noqa`: write the comments; status 0 unless a file failed.

    A `noqa` that keeps a fix out can make the project keep a parameter, which is then reported on
    another line: with `check_again`, the check runs again (a few times at most) until nothing new is
    reported."""
    comments, files = 0, set()
    failed = status == 2
    for _ in range(_ROUNDS):
        added, failed_now = _comment(results, reason, files)
        comments += added
        failed = failed or failed_now
        if not added or check_again is None:
            break
        results = check_again()
    print(f"gluon-codemod: added noqa comments to {comments} line{'s' if comments != 1 else ''} in {len(files)} "
          f"file{'s' if len(files) != 1 else ''}", file=sys.stderr)
    return 2 if failed else 0


_ROUNDS = 4


def _comment(results: Sequence[FileResult], reason: Optional[str], files: set) -> Tuple[int, bool]:
    """Comment the reported lines of `results`; (lines commented, whether a file failed)."""
    comments = 0
    failed = any(r.errors for r in results)
    for result in results:
        notebook = result.path.endswith(".ipynb")
        findings = [f for f in result.open_findings() if (f.cell is not None) == notebook]
        if not findings or (result.errors and not notebook):  # (a notebook's error is one cell's)
            continue
        try:
            with open(result.path, "rb") as handle:
                data = handle.read()
            new = (add_noqa_notebook if notebook else add_noqa)(data, findings, reason)
            if new != data:
                write_atomic(result.path, new)
                files.add(result.path)
                comments += len({(f.cell, f.line) for f in findings})
        except (OSError, SourceError) as exc:
            print(f"gluon-codemod: error: {result.path}: cannot add noqa comments: "
                  f"{getattr(exc, 'strerror', None) or exc}", file=sys.stderr)
            failed = True
    return comments, failed
