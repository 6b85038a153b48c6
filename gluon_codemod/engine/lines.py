"""Lines as Python counts them: split at `\\n`, `\\r\\n` and `\\r` only.

`str.splitlines()` also splits at form feeds, vertical tabs, `\\x1c`-`\\x1e`, `\\x85`, `\\u2028` and
`\\u2029`, which Python's tokenizer treats as ordinary characters inside a line: a file with a form feed
(common in old GNU-style sources) would have every later line numbered one too high.
"""
from __future__ import annotations

import re
from typing import List

_BREAK = re.compile(r"(\r\n|\r|\n)")


def split_lines(text: str, keepends: bool = False) -> List[str]:
    """`text.splitlines(keepends)`, but breaking only where Python's tokenizer ends a line."""
    parts = _BREAK.split(text)
    # parts alternate: line, break, line, break, ..., last line (empty when text ends with a break)
    lines = [parts[i] + parts[i + 1] if keepends else parts[i] for i in range(0, len(parts) - 1, 2)]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def split_patch_lines(text: str) -> List[str]:
    """Lines as `patch` and `git apply` see them (ends kept): only `\\n` ends a line, so a file with
    `\\r`-only endings is one long line to them, and a `\\r\\n` line keeps its `\\r` as content."""
    lines = text.split("\n")
    out = [line + "\n" for line in lines[:-1]]
    if lines[-1]:
        out.append(lines[-1])
    return out
