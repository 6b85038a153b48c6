"""Another module of the project, parsed on demand: the project index keeps names, not trees.

A rule that must look inside another module (a child Block's `__init__`, a constant it defines)
reads it here, once per version of the file (modification time and size) and per process. Only the most
recently used trees are kept, so that a long run over a large project does not hold a tree per module
(the project's own memory stays flat: see `run/project.py`).
"""
from __future__ import annotations

import ast
import os
from collections import OrderedDict
from typing import Optional, Tuple

#: How many parsed modules are kept (a few are read again and again: the constants module, a base's file).
KEPT = 32
_PARSED: "OrderedDict[str, Tuple[Tuple[int, int], Optional[ast.Module]]]" = OrderedDict()


def parse_file(path: str) -> Optional[ast.Module]:
    """The module at `path`, or None when it cannot be read or parsed (its own run reports that)."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    stamp = (status.st_mtime_ns, status.st_size)
    kept = _PARSED.get(path)
    if kept is not None and kept[0] == stamp:
        _PARSED.move_to_end(path)
        return kept[1]
    try:
        with open(path, "rb") as handle:
            tree = ast.parse(handle.read())  # bytes: the coding cookie and a BOM are honoured
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
        tree = None
    _PARSED[path] = (stamp, tree)
    _PARSED.move_to_end(path)
    while len(_PARSED) > KEPT:
        _PARSED.popitem(last=False)
    return tree
