"""Whether a call still binds a callable's signature once this run's edits are made (issue 17).

The plan removes parameters from signatures and the rules drop arguments from calls; each is decided
on its own. Before anything is written, every call the project index resolves is bound, as Python
would bind it, to the callable's final signature with the call's final arguments: too many positional
arguments, a keyword the callable no longer takes, an argument given twice, a required parameter left
without a value. A call whose arguments cannot be counted (`*args`, `**kwargs` that are not literal)
binds as far as what it spells out.
"""
from __future__ import annotations

import ast
from typing import AbstractSet, Iterable, Optional, Tuple

from .mappings import carried_keys
from .project import Signature


def final_signature(signature: Signature, removed: AbstractSet[str]) -> Signature:
    """`signature` without the parameters `removed` (their defaults go with them)."""
    if not removed:
        return signature
    required = signature.positional[:len(signature.positional) - signature.defaults]
    positional = tuple(n for n in signature.positional if n not in removed)
    defaults = len(positional) - len([n for n in required if n not in removed])
    return Signature(positional, tuple(n for n in signature.keyword_only if n not in removed), signature.varargs,
                     signature.varkw, signature.line, defaults,
                     tuple(n for n in signature.keyword_required if n not in removed))


def literal_keywords(call: ast.Call) -> Tuple[Tuple[str, ...], bool]:
    """(the keyword names `call` spells out, also inside a literal `**{...}`/`**dict(...)`, and the
    `prefix`/`params` a `**cfg` is known to carry; whether it also unpacks a mapping whose keys cannot all
    be read)."""
    names, opaque = [], False
    for keyword in call.keywords:
        value = keyword.value
        if keyword.arg is not None:
            names.append(keyword.arg)
        elif isinstance(value, ast.Dict) and all(isinstance(k, ast.Constant) and isinstance(k.value, str)
                                                 for k in value.keys):
            names += [k.value for k in value.keys]
        elif isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "dict" \
                and not value.args and all(k.arg is not None for k in value.keywords):
            names += [k.arg for k in value.keywords]
        else:  # (`**cfg`: what its scope puts in it of `prefix`/`params` is known, the rest is not)
            names += list(carried_keys(keyword))
            opaque = True
    return tuple(names), opaque


def unbound(call: ast.Call, signature: Signature, skip: int = 0, dropped_keywords: Iterable[str] = (),
            dropped_slots: Iterable[int] = ()) -> Optional[str]:
    """Why `call`, less the keywords and positional slots (counted after `skip` explicit `self`
    arguments) that this run drops from it, does not bind `signature`; None when it binds."""
    dropped_keywords = set(dropped_keywords)
    dropped_slots = set(dropped_slots)
    starred = next((i for i, a in enumerate(call.args) if isinstance(a, ast.Starred)), None)
    leading = len(call.args) if starred is None else starred
    given = [i for i in range(skip, leading) if i - skip not in dropped_slots]
    count = len(given)
    if starred is None and count > len(signature.positional) and not signature.varargs:
        return (f"it takes {len(signature.positional)} positional argument"
                f"{'s' if len(signature.positional) != 1 else ''} but would be given {count}")
    filled = set(signature.positional[:count])
    keywords, opaque = literal_keywords(call)
    keywords = [k for k in keywords if k not in dropped_keywords]
    for name in keywords:
        if name in filled:
            return f"`{name}` would be given twice"
        if not signature.declares(name) and not signature.varkw:
            return f"it would not take `{name}=` any more"
    if starred is not None or opaque:
        return None  # what `*args`/`**kwargs` fill cannot be told: the rest may come from them
    required = signature.positional[count:len(signature.positional) - signature.defaults]
    missing = [n for n in (*required, *signature.keyword_required) if n not in keywords]
    if missing:
        return f"`{missing[0]}` would be left without a value"
    return None
