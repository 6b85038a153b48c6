"""The replacements a fix makes, per finding, for formats that carry fixes (SARIF's artifactChanges).

The engine rewrites a whole file at once; here the rewrite is compared with the original, line by
line, and each changed stretch is handed to the finding on its first line (a stretch with no finding
in it, such as an added import, goes to the first finding that was fixed). Changes on adjacent lines
form one stretch, and a stretch that holds several findings is part of each one's fix (applied alone,
such a fix fixes them all). Offsets count characters of the decoded file, as SARIF's `charOffset` does.
"""
from __future__ import annotations

import difflib
from typing import Dict, List, Optional

from ..engine.lines import split_lines
from ..engine.source import decode_source
from ..vocabulary import Finding, Options


def fix_edits(data: bytes, findings: List[Finding], options: Options, module_name: Optional[str],
              project=None) -> Dict[int, List[dict]]:
    """finding index -> [{"offset", "length", "text"}], for the findings left in `data` (not `fixed`) whose
    fix the engine applies (unsafe ones included: the format says which is which). `project`: the file's
    `ProjectView`, as the findings were made with."""
    from ..engine.pipeline import fix_code

    fixed = fix_code(data, target=options.target, select=options.select, ignore=options.ignore,
                     unsafe_fixes=True, module_name=module_name, positions="original", project=project)
    applied = {(f.code, f.line, f.col) for f in fixed.findings if f.fixed}
    owners = [i for i, f in enumerate(findings) if not f.fixed and (f.code, f.line, f.col) in applied]
    if not owners or fixed.code == data:
        return {}
    old, new = decode_source(data).text, decode_source(fixed.code).text
    old_lines, new_lines = split_lines(old, keepends=True), split_lines(new, keepends=True)
    starts = [0]
    for line in old_lines:
        starts.append(starts[-1] + len(line))
    stretches: List[List[int]] = []  # [i1, i2, j1, j2], adjacent changes merged
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if stretches and stretches[-1][1] == i1:
            stretches[-1][1], stretches[-1][3] = i2, j2
        else:
            stretches.append([i1, i2, j1, j2])
    edits: Dict[int, List[dict]] = {}
    for i1, i2, j1, j2 in stretches:
        inside = [i for i in owners if i1 + 1 <= findings[i].line <= max(i2, i1 + 1)]
        for owner in inside or owners[:1]:
            edits.setdefault(owner, []).append({"offset": starts[i1], "length": starts[i2] - starts[i1],
                                                "text": "".join(new_lines[j1:j2])})
    return edits
