"""The pipeline: cheap text pre-filter, one `ast` traversal for all rules, libcst only to rewrite.

Detection is `detect`, the edits' application `apply`, and the narrowing of libcst's position pass to the
statements that hold edits `positions`; this module is their public face: `check_code` and `fix_code`.
"""
from __future__ import annotations

import ast
import difflib
from typing import Dict, List, Optional, Tuple, Union

from .detect import TARGETS, _analyze, analyze  # noqa: F401 (re-exported)
from ..vocabulary import Finding, FixResult, SourceError
from .lines import split_lines
from .rule import FixContext
from .source import decode_source
from ..analysis.plan import ProjectView

Source = Union[str, bytes]


def _decode(source: Source):
    if isinstance(source, bytes):
        decoded = decode_source(source)
        return decoded.text, decoded
    if source.startswith("\ufeff"):
        return source[1:], "bom"
    return source, None


def _encode(text: str, how) -> Source:
    if how is None:
        return text
    if how == "bom":
        return "\ufeff" + text
    return how.encode(text)


def check_code(source: Source, *, target: str = "mxnet", select=None, ignore=None,
               module_name: Optional[str] = None, project: Optional[ProjectView] = None,
               tree: Optional[ast.Module] = None) -> List[Finding]:
    """Findings for `source` (str, or bytes decoded as Python would). Raises SourceError if it cannot parse.

    With `project`, the findings are those of a check of the whole project (see `gluon_codemod.project`)."""
    text, _ = _decode(source)
    return [finding for finding, _ in analyze(text, select=select, ignore=ignore, target=target,
                                              module_name=module_name, project=project, tree=tree)]


def fix_code(source: Source, *, target: str = "mxnet", select=None, ignore=None, unsafe_fixes: bool = False,
             module_name: Optional[str] = None, positions: str = "fixed", project: Optional[ProjectView] = None,
             tree: Optional[ast.Module] = None) -> FixResult:
    """Apply the safe fixes (and the unsafe ones with `unsafe_fixes=True`); returns code and findings.

    The code has the input's type; bytes keep their encoding, BOM and line endings. The findings left are
    those a check of the new code reports (a construct a fix removed is gone); fixed findings point into
    `source`, the ones left into the new code, or into `source` with `positions="original"`.
    """
    if positions not in ("fixed", "original"):
        raise ValueError(f"unknown positions {positions!r}: expected 'fixed' or 'original'")
    text, how = _decode(source)
    results, tree = _analyze(text, tree=tree, select=select, ignore=ignore, target=target, module_name=module_name,
                             project=project, unsafe_fixes=unsafe_fixes)
    edits = [edit for finding, edit in results if edit is not None and (edit.safe or unsafe_fixes)]
    findings = [finding for finding, _ in results]
    if not edits:
        return FixResult(source, findings)
    # (libcst, and what applies edits with it, only now: see `libcst_on_demand`)
    import libcst as cst
    from libcst.metadata import MetadataWrapper

    from .apply import Fixer, add_imports

    fix_context = FixContext(target=target)
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        raise SourceError(f"cannot parse: {exc.message}", exc.raw_line, exc.raw_column)
    fixer = Fixer(edits, fix_context)
    new_module = _transform_statements(module, tree, edits, fixer)
    if new_module is None:  # the statements could not be lined up with the `ast` tree: transform it all
        new_module = MetadataWrapper(module, unsafe_skip_copy=True).visit(fixer)
    if fix_context.imports and fixer.applied:
        new_module = add_imports(new_module, fix_context.imports)
    new_text = new_module.code
    try:
        new_tree = ast.parse(new_text)
    except SyntaxError as exc:  # never hand back code that no longer compiles
        raise SourceError(f"internal error: the rewrite would not compile ({exc.msg} at line {exc.lineno}); "
                          "file left unchanged, please report this", 1)
    for finding, edit in results:
        finding.fixed = edit is not None and id(edit) in fixer.applied
    if new_text != text:
        findings = _restate_left(findings, text, new_text, new_tree, positions == "fixed", select=select,
                                 ignore=ignore, target=target, module_name=module_name,
                                 project=project.after_fix() if project is not None else None)
    for finding, edit in results:  # after restating, which matches findings by their messages as detected
        if edit is not None and id(edit) in fixer.refused:
            finding.fix_available = False
            finding.message += f" (not fixed: {fixer.refused[id(edit)]})"
    return FixResult(_encode(new_text, how) if new_text != text else source, findings)


def _transform_statements(module, tree: ast.Module, edits, fixer):
    """`positions.transform_statements`, imported by the first fix (it brings libcst)."""
    from .positions import transform_statements

    return transform_statements(module, tree, edits, fixer)


def _restate_left(findings: List[Finding], text: str, new_text: str, new_tree: ast.Module, move: bool,
                  **analysis) -> List[Finding]:
    """The findings not fixed, as a check of the rewritten code reports them: one whose code a fix removed
    (a `.prefix` read inside a removed `prefix=` argument) is gone; with `move`, the others point into the
    rewritten code. Only the rules with findings left run again: most rewritten files have none."""
    left_codes = sorted({finding.code for finding in findings if not finding.fixed})
    if not left_codes:
        return findings
    again, _ = _analyze(new_text, tree=new_tree, **dict(analysis, select=left_codes))
    waiting: Dict[Tuple[str, str], List[Finding]] = {}
    for finding in findings:
        if not finding.fixed:
            waiting.setdefault((finding.code, finding.message), []).append(finding)
    now_of: Dict[int, Finding] = {}
    added = []  # only the rewritten code has these (a fix that does not settle in one pass)
    old_line = None
    for now, _ in again:
        candidates = waiting.get((now.code, now.message))
        if not candidates:
            added.append(now)
            continue
        if len(candidates) > 1:  # the same message twice (two calls of one class): the one at this line
            old_line = old_line or _old_lines(text, new_text)
            line = old_line(now.line)
            candidates.sort(key=lambda f: (abs(f.line - line), f.line))
        now_of[id(candidates.pop(0))] = now
    restated = []
    for finding in findings:
        if not finding.fixed:
            now = now_of.get(id(finding))
            if now is None:
                continue
            if move:
                finding.line, finding.col = now.line, now.col
                finding.end_line, finding.end_col = now.end_line, now.end_col
        restated.append(finding)
    return restated + added


def _old_lines(text: str, new_text: str):
    """new line number -> the line of `text` it comes from (or, when rewritten or inserted, the first line
    of the old code it takes the place of)."""
    matcher = difflib.SequenceMatcher(None, split_lines(text), split_lines(new_text), autojunk=False)
    blocks = matcher.get_opcodes()

    def old_line(line: int) -> int:
        for tag, i1, _i2, j1, j2 in blocks:
            if j1 < line <= j2:  # (every new line is in one block; a deletion holds none)
                return i1 + (line - j1) if tag == "equal" else i1 + 1
        return line
    return old_line
