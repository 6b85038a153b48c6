"""`# noqa` comments read exactly as flake8 reads them, so the command and the plugin agree.

flake8's rules (7.x), which this module reproduces:
- the comment is `# noqa` with exactly one space after `#` (`#noqa` is not a noqa comment), in any case;
- `# noqa` alone, or followed by anything but `:` plus at most one space plus codes, silences every
  code on the line (`# noqa : GLN001` and `# noqa:  GLN001` are blanket);
- codes are letters then digits, separated by commas or white space; they are compared as written,
  case-sensitively, and a code silences every code it is a prefix of (`GLN00` silences `GLN001`),
  so `# noqa: gln001` silences nothing;
- a finding on any line of a multi-line string or of a backslash-continued statement is silenced by a
  `noqa` on any of those lines (flake8 searches the token range as one text).
"""
from __future__ import annotations

import io
import re
import tokenize
from typing import Dict, List, Optional

from .lines import split_lines

NOQA = re.compile(r"# noqa(?::\s?(?P<codes>(?:[A-Z]+[0-9]+[,\s]*)+))?", re.IGNORECASE)
_SEPARATORS = re.compile(r"[,\s]+")


def noqa_codes(text: str) -> Optional[List[str]]:
    """None: no noqa comment in `text`; []: a blanket `# noqa`; else the codes as written."""
    match = NOQA.search(text)
    if match is None:
        return None
    codes = match.group("codes")
    return [] if codes is None else [code for code in _SEPARATORS.split(codes) if code]


def suppresses(text: str, code: str) -> bool:
    """Whether a noqa comment in `text` silences `code`, as flake8 decides."""
    codes = noqa_codes(text)
    if codes is None:
        return False
    return not codes or code.startswith(tuple(codes))


def noqa_texts(source: str) -> Dict[int, str]:
    """Line number -> the text flake8 searches for a noqa of a finding on that line.

    That is the line itself, or all the lines of a multi-line token range (a triple-quoted string, a
    backslash continuation) joined. A file that does not tokenize maps each line to itself.
    """
    lines = split_lines(source, keepends=True)
    texts = {number: line for number, line in enumerate(lines, start=1)}
    if "#" not in source:
        return texts
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source, newline="").readline))
    except (tokenize.TokenError, SyntaxError):
        return texts
    first, last = None, None
    for token in tokens:
        if token.type in (tokenize.ENDMARKER, tokenize.DEDENT):
            continue
        first = token.start[0] if first is None else min(first, token.start[0])
        last = token.end[0] if last is None else max(last, token.end[0])
        if token.type in (tokenize.NL, tokenize.NEWLINE):
            if last > first:
                joined = "".join(lines[first - 1:last])
                texts.update(dict.fromkeys(range(first, last + 1), joined))
            first, last = None, None
    return texts
