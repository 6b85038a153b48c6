"""Rule codes and names without importing the rules (each rule module imports libcst, ~0.1-0.4 s).

Validating `select = [...]` or naming rules in a summary must not make every run pay for libcst: the
codes and names are read from the rule modules' source text. A module this reading cannot make sense
of (not exactly one `code = "..."` and one `name = "..."`) falls back to importing the rules; a test
checks that both ways agree.
"""
from __future__ import annotations

import os
import re
from typing import Dict, Optional

_CODE = re.compile(r'^    code = "([A-Z]+[0-9]+)"$', re.MULTILINE)
_NAME = re.compile(r'^    name = "([a-z0-9-]+)"$', re.MULTILINE)
_INDEX: Optional[Dict[str, str]] = None


def _from_sources() -> Optional[Dict[str, str]]:
    from .. import rules

    found = {}
    for folder in rules.__path__:
        try:
            filenames = sorted(os.listdir(folder))
        except OSError:  # not a folder (a zip import): import the rules instead
            return None
        for filename in filenames:
            if not filename.endswith(".py") or filename.startswith("_"):
                continue
            with open(os.path.join(folder, filename), encoding="utf-8") as handle:
                text = handle.read()
            codes, names = _CODE.findall(text), _NAME.findall(text)
            if len(codes) != 1 or len(names) != 1:
                return None
            found[codes[0]] = names[0]
    return found or None


def rule_index() -> Dict[str, str]:
    """code -> name of every rule, ordered by code."""
    global _INDEX
    if _INDEX is None:
        found = _from_sources()
        if found is None:
            from .rule import all_rules

            found = {rule.code: rule.name for rule in all_rules()}
        _INDEX = dict(sorted(found.items()))
    return _INDEX
