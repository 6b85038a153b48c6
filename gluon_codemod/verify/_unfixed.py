"""Point a failure of the rewrite at the findings the rewrite left in its way.

A rewrite left incomplete by reported findings (a `prefix=` the safe fixes could not remove) fails to
build with a stack trace; the user needs the finding, not the trace. Each frame of the rewrite's
traceback that lies in a rewritten file is widened to its statement (a call spread over lines is
one failing call), and the findings left there are named.
"""
from __future__ import annotations

import ast
import os
import re
from typing import Dict, List, Optional, Tuple

_FRAME = re.compile(r'^\s*File "(?P<path>[^"]+)", line (?P<line>\d+)', re.MULTILINE)


def _statement_span(tree: ast.AST, line: int) -> Tuple[int, int]:
    """The lines of the innermost statement holding `line` (the line alone where none does)."""
    best = (line, line)
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt) and node.lineno <= line <= (node.end_lineno or node.lineno):
            span = (node.lineno, node.end_lineno or node.lineno)
            if best == (line, line) or span[1] - span[0] < best[1] - best[0]:
                best = span
    return best


def _frames(traceback: str, tree_root: str) -> List[Tuple[str, int]]:
    """`(path relative to the rewritten tree, line)` of each frame in the rewrite's files, innermost last."""
    root = os.path.abspath(tree_root) + os.sep
    found = []
    for match in _FRAME.finditer(traceback or ""):
        path = os.path.abspath(match.group("path"))
        if path.startswith(root):
            found.append((os.path.relpath(path, root), int(match.group("line"))))
    return found


def blame(traceback: Optional[str], tree_root: str, findings: Dict[str, list]) -> Optional[str]:
    """`the rewrite still has GLN002 at dla.py:189 (reported, not fixed): ...`, or None when no frame of
    `traceback` (the rewrite's, in the tree at `tree_root`) holds a finding the rewrite left."""
    hits, trees = [], {}
    for rel, line in reversed(_frames(traceback, tree_root)):  # innermost first: closest to the failure
        left = findings.get(rel)
        if not left:
            continue
        if rel not in trees:
            try:
                with open(os.path.join(tree_root, rel), "rb") as handle:
                    trees[rel] = ast.parse(handle.read())
            except (OSError, SyntaxError, ValueError):
                trees[rel] = None
        start, end = _statement_span(trees[rel], line) if trees[rel] is not None else (line, line)
        for finding in left:
            if start <= finding.line <= end and (rel, finding) not in hits:
                hits.append((rel, finding))
    if not hits:
        return None
    where = ", ".join(f"{f.code} at {rel}:{f.line}" for rel, f in hits[:3])
    more = f" (and {len(hits) - 3} more)" if len(hits) > 3 else ""
    unsafe = any(f.fix_available and not f.fix_safe for _, f in hits)
    remedy = "fix it by hand or run with --unsafe-fixes" if unsafe else "fix it by hand"
    if len(hits) > 1:
        remedy = remedy.replace("fix it", "fix them")
    return f"the rewrite still has {where}{more} (reported, not fixed): {remedy}"
