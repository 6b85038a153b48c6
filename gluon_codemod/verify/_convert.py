"""Legacy 1.x checkpoints to structural keys: the map from every 1.x spelling of a Parameter's name.

The original model is built from the user's 1.x code on stock MXNet 1.9.1; each Parameter is known
there by its structural name (what `save_parameters` writes, and the key `gluon_runtime` and the new
API load) and by the spellings older files use for it:

- `save_params()` files: the full name with the model's prefix stripped (`dense0_weight`);
- `collect_params().save()` files: the full prefixed name (`resnetv10_conv0_weight`);
- `export()` files: `arg:` or `aux:` + the full prefixed name;
- fused RNN layers: 1.9.1's `_unfused.N.*` keys, as well as the runtime's `lN_*` ones.
"""
from __future__ import annotations

import json
import os
import re
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import mxnet as mx
import numpy as np

from ._arrays import fused_to_structural

FORMATS = {
    "structural": "save_parameters() (structural names, as the new API)",
    "prefixed": "collect_params().save() (full prefixed names)",
    "stripped": "save_params() (names with the model's prefix stripped)",
    "export": "export() (arg:/aux: + full prefixed names)",
    "fused": "save_parameters() with 1.9.1 fused-RNN keys (_unfused.N.*)",
}


class ConvertError(Exception):
    """The old file cannot be read, or does not fit the model (the message lists why)."""


@dataclass
class Plan:
    """How OLD's keys map to the model's structural names, and what does not fit."""
    format: str
    mapping: Dict[str, str] = field(default_factory=dict)  # old key -> structural key
    formats: Counter = field(default_factory=Counter)
    unused: List[str] = field(default_factory=list)
    deferred: int = 0  # parameters whose shape is not fully known (no forward yet)
    note: str = ""
    file_prefix: Optional[str] = None  # the file's top-level prefix, where it is not this build's
    missing: List[str] = field(default_factory=list)
    mismatched: List[str] = field(default_factory=list)

    def problems(self, allow_missing: bool, ignore_extra: bool) -> List[str]:
        lines = [f"mismatched: {m}" for m in self.mismatched]
        if not allow_missing:
            lines += [f"missing from the old file: {k} (--allow-missing keeps the model's value)" for k in self.missing]
        if not ignore_extra:
            lines += [f"unused key of the old file: {k} (--ignore-extra drops it)" for k in self.unused]
        return lines


def spellings(net, file_prefix: Optional[str] = None):
    """`(spelling -> (kind, id(param)), id -> structural keys, id -> param)` of a stock 1.9.1 model.

    `file_prefix` spells the full names with another top-level prefix (`resnetv11_` for `resnetv10_`).
    """
    by_spelling: Dict[str, Tuple[str, int]] = {}
    keys: Dict[int, List[str]] = {}
    params: Dict[int, object] = {}
    prefix = net.prefix
    # the stock model's own helper gives 1.9.1's structural keys: that is the reference here
    for stock_key, param in net._collect_params_with_prefix().items():  # noqa: GLN009
        pid = id(param)
        params[pid] = param
        canonical = fused_to_structural(stock_key) or stock_key
        keys.setdefault(pid, []).append(canonical)
        full = param.name
        if file_prefix and prefix and full.startswith(prefix):
            full = file_prefix + full[len(prefix):]
            prefix_used = file_prefix
        else:
            prefix_used = prefix
        candidates = [(canonical, "structural"), (stock_key, "fused" if canonical != stock_key else "structural"),
                      (full, "prefixed"), ("arg:" + full, "export"), ("aux:" + full, "export")]
        if prefix_used and full.startswith(prefix_used):
            candidates.append((full[len(prefix_used):], "stripped"))
        for spelling, kind in candidates:
            by_spelling.setdefault(spelling, (kind, pid))
    return by_spelling, keys, params


def load_old(path: str) -> Dict[str, mx.nd.NDArray]:
    if not os.path.isfile(path):
        raise ConvertError(f"{path}: no such file")
    try:
        loaded = mx.nd.load(path)
    except mx.base.MXNetError as exc:
        if "saved in np shape semantics" in str(exc):
            raise ConvertError(f"{path} was saved in numpy mode (npx.set_np()) and loads only in it: give --np")
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConvertError(f"{path}: not a readable MXNet .params file (truncated or corrupt?): {first}") from None
    if not isinstance(loaded, dict):
        raise ConvertError(f"{path} holds {len(loaded)} unnamed arrays: a parameter file has named arrays")
    return loaded


def other_prefix(net, old) -> Optional[str]:
    """The top-level prefix all of OLD's full names share, when it is the model's with another count.

    A 1.x model built after others of its kind in the same process is `resnetv11_`, not `resnetv10_`.
    """
    stem = net.prefix[:-1].rstrip("0123456789") if net.prefix.endswith("_") else ""
    if not stem:
        return None
    found = {m.group(0) if m else None
             for m in (re.match(re.escape(stem) + r"\d+_", k[4:] if k.startswith(("arg:", "aux:")) else k)
                       for k in old)}
    prefix = found.pop() if len(found) == 1 else None
    return prefix if prefix and prefix != net.prefix else None


def plan(net, old: Dict[str, mx.nd.NDArray]) -> Plan:
    result = _plan(net, old, None)
    prefix = None if result.formats.keys() & {"prefixed", "export"} else other_prefix(net, old)
    if prefix:
        renamed = _plan(net, old, prefix)
        if len(renamed.mapping) > len(result.mapping):
            renamed.file_prefix = prefix
            renamed.note = (f"the file's names start with {prefix!r}, this build's with {net.prefix!r} (in 1.x the "
                            "model was built after others of its kind): matched with the file's prefix")
            return renamed
    return result


def _plan(net, old, file_prefix) -> Plan:
    by_spelling, keys, params = spellings(net, file_prefix)
    result = Plan(format="")
    filled: Dict[int, str] = {}
    for old_key in sorted(old):
        hit = by_spelling.get(old_key)
        if hit is None:
            result.unused.append(old_key)
            continue
        kind, pid = hit
        result.formats[kind] += 1
        if pid in filled:
            result.unused.append(f"{old_key} (the same Parameter as {filled[pid]})")
            continue
        filled[pid] = old_key
        result.mapping[old_key] = keys[pid][0]
        problem = _mismatch(params[pid], old[old_key])
        result.deferred += not all(params[pid].shape or (0,))
        if problem:
            result.mismatched.append(f"{old_key} -> {keys[pid][0]}: {problem}")
    result.missing = [keys[pid][0] for pid in keys if pid not in filled]
    if result.formats["fused"] and result.formats["structural"]:
        # the fused layers' keys are the only ones that differ from structural names in such a file
        result.formats["fused"] += result.formats.pop("structural")
    if result.formats:
        result.format = " + ".join(FORMATS[k] for k, _ in result.formats.most_common())
    else:
        example = next(iter(by_spelling), "")
        result.format = (f"unknown: no key matches any spelling of the model's parameters (the file has "
                         f"{sorted(old)[:1]}, the model spells its first one {example!r})")
    return result


def _mismatch(param, array) -> str:
    shape = tuple(param.shape) if param.shape is not None else ()
    parts = []
    # a 0 is a size the model learns at its first forward (deferred): only the known sizes must agree
    if shape and (len(shape) != array.ndim or any(d and d != a for d, a in zip(shape, array.shape))):
        parts.append(f"shape {tuple(array.shape)} in the file, {shape} in the model")
    if np.dtype(array.dtype) != np.dtype(param.dtype):
        parts.append(f"dtype {np.dtype(array.dtype).name} in the file, {np.dtype(param.dtype).name} in the model")
    return "; ".join(parts)


def converted(net, old: Dict[str, mx.nd.NDArray], result: Plan) -> Dict[str, mx.nd.NDArray]:
    """The new file's arrays: every structural key of each filled Parameter (shared ones under each name)."""
    _, keys, _ = spellings(net)
    by_first = {names[0]: names for names in keys.values()}
    out = {}
    for old_key, key in result.mapping.items():
        for name in by_first[key]:
            out[name] = old[old_key]
    return out


def load_with_stock(net, path: str, result: Plan, allow_missing: bool, ignore_extra: bool, ctx) -> None:
    """Load OLD into the original with 1.9.1's own loader for its format (independent of our map).

    A file of a model built after others of its kind (`mobilenet3_`) gets only its top-level prefix
    renamed to this build's first: what building the model in the same order would have done.
    """
    kinds = set(result.formats)
    numpy = mx.util.is_np_array()
    if result.file_prefix or (numpy and not kinds <= {"structural", "fused", "stripped"}):
        # 1.9.1's ParameterDict.load reads with mx.nd.load, whose legacy arrays a numpy-mode Parameter refuses:
        # in numpy mode the file is read as mx.np arrays and handed to the same loader's load_dict
        renamed = {}
        for key, value in (mx.npx.load(path) if numpy else mx.nd.load(path)).items():
            tag, name = (key[:4], key[4:]) if key.startswith(("arg:", "aux:")) else ("", key)
            if result.file_prefix and name.startswith(result.file_prefix):
                name = net.prefix + name[len(result.file_prefix):]
            renamed[tag + name] = value
        net.collect_params().load_dict(  # noqa: GLN006 - the 1.x loader, on purpose
            renamed, ctx=ctx, allow_missing=allow_missing, ignore_extra=ignore_extra)
    elif kinds <= {"structural", "fused", "stripped"}:
        net.load_parameters(path, ctx=ctx, allow_missing=allow_missing, ignore_extra=ignore_extra)
    else:
        net.collect_params().load(  # noqa: GLN006 - the 1.x loader, on purpose
            path, ctx=ctx, allow_missing=allow_missing, ignore_extra=ignore_extra)


def write_params(path: str, arrays: Dict[str, mx.nd.NDArray]) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".convert-", suffix=".params", dir=folder)
    os.close(fd)
    try:
        mx.nd.save(tmp, arrays)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def write_map(path: str, result: Plan, old_path: str) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump({"old_file": os.path.abspath(old_path), "format": result.format, "map": result.mapping,
                   "unused": result.unused, "missing": result.missing}, handle, indent=2)
        handle.write("\n")


# -- Trainer states ---------------------------------------------------------------------------------
# `Trainer.save_states` pickles `({index: state}, optimizer)`. A 1.x Trainer built on
# `collect_params()` numbers the Parameters by sorted prefixed name; gluon_runtime's by sorted
# structural key (a shared Parameter once, under its first key). The states move to the new index
# of their Parameter, and so do the optimizer's per-index counters (Adam's bias correction reads them).

PICKLE_MAGIC = b"\x80"  # every pickle protocol >= 2 starts so; an MXNet .params file never does


def is_states_file(path: str) -> bool:
    with open(path, "rb") as handle:
        return handle.read(1) == PICKLE_MAGIC


@dataclass
class StatesPlan:
    """Where each state of OLD goes: `{old index: new index}`, and what does not fit."""
    index_map: Dict[int, int] = field(default_factory=dict)
    old_names: List[str] = field(default_factory=list)  # the 1.x Trainer's order: full prefixed names
    new_keys: List[str] = field(default_factory=list)  # gluon_runtime's Trainer order: structural keys
    problems: List[str] = field(default_factory=list)


def plan_states(net, states: Dict[object, object], optimizer) -> StatesPlan:
    """The 1.x Trainer's order (on `net.collect_params()`) against gluon_runtime's, and each state checked."""
    from gluon_runtime.trainer import state_mismatches

    _, keys, _ = spellings(net)
    old = sorted(net.collect_params().items())  # noqa: GLN009 - the 1.x Trainer's own order, on purpose
    ordered_keys = sorted((key, pid) for pid, names in keys.items() for key in names)
    seen, new_keys, new_pids = set(), [], []
    for key, pid in ordered_keys:
        if pid not in seen:
            seen.add(pid)
            new_keys.append(key)
            new_pids.append(pid)
    position = {pid: j for j, pid in enumerate(new_pids)}
    result = StatesPlan(old_names=[name for name, _ in old], new_keys=new_keys)
    old_params = [param for _, param in old]
    result.problems = state_mismatches(
        states, old_params, lambda i: f"Parameter `{result.old_names[i]}`", optimizer)
    for index, param in enumerate(old_params):
        if id(param) in position:
            result.index_map[index] = position[id(param)]
        elif index in states:
            # in collect_params() (1.x's ParameterDict) but held by no attribute: no structural key to go to
            result.problems.append(f"state {index} belongs to `{result.old_names[index]}`, which has no structural "
                                   "key (no Block attribute holds it): the new API neither saves nor trains it")
    return result


def reorder_states(states: Dict[int, object], optimizer, index_map: Dict[int, int]):
    """`(states, optimizer)` with every index moved by `index_map` (the optimizer's counters too, in place)."""
    moved = {index_map[index]: state for index, state in states.items()}
    if optimizer is not None:
        counts = getattr(optimizer, "_all_index_update_counts", {})
        for per_device in counts.values():  # `_index_update_count` aliases one of them: change them in place
            renumbered = {index_map.get(i, i): n for i, n in per_device.items()}
            per_device.clear()
            per_device.update(renumbered)
        for name in ("lr_mult", "wd_mult", "idx2name"):
            table = getattr(optimizer, name, None)
            if isinstance(table, dict):
                renumbered = {index_map.get(k, k) if isinstance(k, int) else k: v for k, v in table.items()}
                table.clear()
                table.update(renumbered)
    return moved, optimizer


def write_states(path: str, states: Dict[int, object], optimizer) -> None:
    """The bytes `Trainer.save_states` writes (`(states, optimizer)`, or the states alone), atomically."""
    import pickle

    payload = pickle.dumps((states, optimizer) if optimizer is not None else states)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".convert-", suffix=".states", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def load_states(path: str):
    """`(states, optimizer or None)` of a `Trainer.save_states` file."""
    from gluon_runtime.trainer import read_states

    with open(path, "rb") as handle:
        raw = handle.read()
    try:
        return read_states(raw, path)
    except ValueError as exc:
        raise ConvertError(str(exc)) from None


def write_states_map(path: str, result: StatesPlan, old_path: str) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump({"old_file": os.path.abspath(old_path), "format": "Trainer.save_states",
                   "map": {str(i): {"old": result.old_names[i], "new_index": j, "new": result.new_keys[j]}
                           for i, j in sorted(result.index_map.items())}}, handle, indent=2)
        handle.write("\n")
