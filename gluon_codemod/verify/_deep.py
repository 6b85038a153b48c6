"""The deeper checks: parameter attributes, one Trainer step, a training-mode forward, and where outputs diverge."""
from __future__ import annotations

import os
import tempfile
from typing import Dict, List

import mxnet as mx
import numpy as np
from mxnet import autograd
from mxnet.gluon.block import Block as StockBlock

from ._arrays import close_each, compare, largest_diff, seed_all, set_values, to_numpy, values, walk_blocks

ATTRIBUTES = ("grad_req", "lr_mult", "wd_mult", "dtype", "stype", "grad_stype", "init", "allow_deferred_init")
OPTIMIZERS = (("sgd", {"learning_rate": 0.1, "momentum": 0.9, "wd": 0.1}),
              ("adam", {"learning_rate": 0.01, "wd": 0.1}))


def _describe_init(init) -> str:
    if init is None or isinstance(init, str):
        return str(init)
    dumps = getattr(init, "dumps", None)
    return dumps() if callable(dumps) else type(init).__name__


def _attribute(param, name: str):
    if name == "dtype":
        return np.dtype(param.dtype).name
    if name == "init":
        # a Constant's initializer is registered under a generated name: its value is what the init check compares
        return "constant" if type(param).__name__ == "Constant" else _describe_init(param.init)
    if name in ("stype", "grad_stype", "allow_deferred_init"):
        return getattr(param, "_" + name)
    return getattr(param, name)


def _attribute_table(params: Dict[str, object], names: List[str]) -> Dict[str, tuple]:
    return {n: tuple(_attribute(params[n], a) for a in ATTRIBUTES) for n in names}


def attributes(run) -> None:
    """grad_req, lr_mult, wd_mult, dtype, stype/grad_stype, initializer and allow_deferred_init per name."""
    ref, other = run.pair("attributes", (_attribute_table, run.po, run.common), (_attribute_table, run.pn, run.common))
    diffs = []
    for name in run.common:
        for attr, a, b in zip(ATTRIBUTES, ref[name], other[name]):
            if a != b:
                diffs.append(f"{name}.{attr} {a!r} vs {b!r}")
    if diffs:
        shown = ", ".join(diffs[:8]) + (f" ... ({len(diffs)} in all)" if len(diffs) > 8 else "")
        run.add("attributes", "differs", None, "original vs rewrite: " + shown)
    else:
        run.add("attributes", "ok", None, f"{len(ATTRIBUTES)} attributes of {len(run.common)} parameters equal")


def _trainer_class(net):
    """The Trainer of the API the model is written for (stock Gluon, or gluon_runtime for a rewrite)."""
    if isinstance(net, StockBlock):
        return mx.gluon.Trainer
    import gluon_runtime

    return gluon_runtime.Trainer


def _step(net, optimizer, settings, inputs, weights, params, names, ctx, states=None):
    """One Trainer step (resumed from the `states` file, when given); the values after it, and the Trainer."""
    from ._checks import weighted_loss

    trainer = _trainer_class(net)(net.collect_params(), optimizer, dict(settings))
    if states is not None:
        trainer.load_states(states)
    with autograd.record(train_mode=False):
        loss = weighted_loss(net, inputs, weights, ctx)
    loss.backward()
    trainer.step(1, ignore_stale_grad=True)
    return values(params, names, ctx), trainer


def snapshot(params, names, ctx) -> list:
    return [params[n].data(ctx).copy() for n in names]


def restore(params, names, arrays) -> None:
    for name, array in zip(names, arrays):
        params[name].set_data(array.copyto(array.context))


def _save_states(trainer, path) -> None:
    trainer.save_states(path)


def convert_states(saved, converted, trainer_o, trainer_n, po, pn) -> None:
    """The original Trainer's states file, renumbered for the rewrite's Trainer by structural name (as
    `convert-params` renumbers a 1.x file for gluon_runtime's Trainer)."""
    from gluon_runtime.trainer import read_states

    from ._convert import reorder_states, write_states

    keys_o = {id(param): name for name, param in po.items()}
    names_n: Dict[int, List[str]] = {}
    for name, param in pn.items():
        names_n.setdefault(id(param), []).append(name)
    index_n = {name: j for j, param in enumerate(trainer_n._params) for name in names_n.get(id(param), [])}
    index_map = {}
    for i, param in enumerate(trainer_o._params):
        j = index_n.get(keys_o.get(id(param)))
        if j is not None:
            index_map[i] = j
    with open(saved, "rb") as handle:
        states, optimizer = read_states(handle.read(), "the original's states")
    missing = [keys_o.get(id(trainer_o._params[i]), str(i)) for i in states if i not in index_map]
    if missing:
        raise ValueError(f"the rewrite's Trainer has no Parameter for the original's states of {', '.join(missing)}")
    write_states(converted, *reorder_states(states, optimizer, index_map))


def train_step(run) -> None:
    """One Trainer step after the same loss (SGD with momentum and weight decay, then Adam), from the same values;
    then a second step by a new Trainer on each side, resumed from the original Trainer's saved states."""
    from ._checks import perturb

    names, ctx = run.common, run.ctx
    start = run.orig.call("train-step", snapshot, run.po, names, ctx)
    trained = [n for n in names if run.po[n].grad_req != "null"]
    rng = np.random.RandomState(run.opts.seed + 5)
    weights = [rng.uniform(-1, 1, a.shape) for a in run.first_o]
    parts, worst, ok = [], 0.0, True
    for optimizer, settings in OPTIMIZERS:
        run.pair("train-step", (restore, run.po, names, start), (restore, run.pn, names, start))
        # no trained parameter at zero (a fresh BatchNorm beta is): weight decay must have something to act on.
        # Parameters without gradient keep their values: a BatchNorm's fixed gamma must stay 1.
        run.pair("train-step", (perturb, run.po, trained, ctx, 1.1, 0.05), (perturb, run.pn, trained, ctx, 1.1, 0.05))
        (ref, trainer_o), (other, trainer_n) = run.pair(
            "train-step",
            (_step, run.net_o, optimizer, settings, run.inputs, weights, run.po, names, ctx),
            (_step, run.net_n, optimizer, settings, run.inputs, weights, run.pn, names, ctx))
        bad = [n for n, same in close_each(names, ref, other, run.opts.rtol, run.opts.atol).items() if not same]
        _, diff, _ = compare(ref, other, run.opts.rtol, run.opts.atol, "parameter")
        worst = max(worst, diff or 0.0)
        if bad:
            ok = False
            parts.append(f"{optimizer}: parameters differ after one step: {', '.join(bad[:8])}")
            continue
        # Resume: both sides from the original's values after the step, and from its saved optimizer states
        # (momentum, Adam's moments and update counts), renumbered for the rewrite's Trainer.
        after = run.orig.call("train-step", snapshot, run.po, names, ctx)
        run.pair("train-step", (restore, run.po, names, after), (restore, run.pn, names, after))
        with tempfile.TemporaryDirectory(prefix="gluon-codemod-verify-") as folder:
            saved, converted = os.path.join(folder, "orig.states"), os.path.join(folder, "new.states")
            run.orig.call("train-step", _save_states, trainer_o, saved)
            run.new.call("train-step", convert_states, saved, converted, trainer_o, trainer_n, run.po, run.pn)
            (ref, _), (other, _) = run.pair(
                "train-step",
                (_step, run.net_o, optimizer, settings, run.inputs, weights, run.po, names, ctx, saved),
                (_step, run.net_n, optimizer, settings, run.inputs, weights, run.pn, names, ctx, converted))
        bad = [n for n, same in close_each(names, ref, other, run.opts.rtol, run.opts.atol).items() if not same]
        _, diff, _ = compare(ref, other, run.opts.rtol, run.opts.atol, "parameter")
        worst = max(worst, diff or 0.0)
        if bad:
            ok = False
            parts.append(f"{optimizer}: parameters differ after a step resumed from the original's saved "
                         f"states: {', '.join(bad[:8])}")
    run.pair("train-step", (restore, run.po, names, start), (restore, run.pn, names, start))
    run.add("train-step", "ok" if ok else "differs", worst,
            "; ".join(parts) or f"{len(names)} parameters equal after one sgd and one adam step, and after a "
                                "second step of each resumed from saved states")


def _train_forward(net, inputs, weights, seed, params, names, ctx):
    from ._checks import weighted_loss

    seed_all(seed)
    with autograd.record(train_mode=True):
        out = net(*inputs)
        loss = weighted_loss(lambda *_: out, inputs, weights, ctx)
    loss.backward()  # stock 1.9.1 updates BatchNorm's running statistics in the backward pass on CPU
    return to_numpy(out), values(params, names, ctx)


def train_forward(run) -> None:
    """A training-mode forward and backward with the same seed: outputs (dropout masks, batch statistics), then
    the running statistics."""
    run.sync()
    names, ctx, seed = run.common, run.ctx, run.opts.seed + 7
    start = run.orig.call("train-forward", values, run.po, names, ctx)
    weights = [np.random.RandomState(run.opts.seed + 6).uniform(-1, 1, a.shape) for a in run.first_o]
    (out_o, after_o), (out_n, after_n) = run.pair(
        "train-forward", (_train_forward, run.net_o, run.inputs, weights, seed, run.po, names, ctx),
        (_train_forward, run.net_n, run.inputs, weights, seed, run.pn, names, ctx))
    same, worst, detail = compare(out_o, out_n, run.opts.rtol, run.opts.atol)
    bad = [n for n, ok in close_each(names, after_o, after_n, run.opts.rtol, run.opts.atol).items() if not ok]
    changed = sum(1 for a, b in zip(start, after_o) if a.shape == b.shape and not np.array_equal(a, b))
    parts = [detail] if detail else []
    if bad:
        parts.append("state after the forward differs: " + ", ".join(bad[:8]))
    if not parts:
        parts.append(f"outputs equal; {changed} running statistic(s) updated alike")
    run.add("train-forward", "ok" if same and not bad else "differs", worst, "; ".join(parts))
    if not same:
        run.pair("train-forward", (set_values, run.po, names, start, ctx), (set_values, run.pn, names, start, ctx))
        localise(run, run.result.checks[-1], train=True)
    run.pair("train-forward", (set_values, run.po, names, start, ctx), (set_values, run.pn, names, start, ctx))


def _trace(net, inputs, train: bool, seed: int):
    """Every Block's outputs, in the order the Blocks finish their forward: `[(path, class, [arrays])]`."""
    paths = {id(block): (path or "(the model)") for path, block in walk_blocks(net)}
    seen: List[tuple] = []
    handles = []
    for path, block in walk_blocks(net):
        def hook(block, args, output):
            seen.append((paths[id(block)], type(block).__name__, to_numpy(output)))
        handles.append(block.register_forward_hook(hook))
    try:
        seed_all(seed)
        if train:
            with autograd.record(train_mode=True):
                net(*inputs)
        else:
            net(*inputs)
    finally:
        for handle in handles:
            handle.detach()
    return seen


def localise(run, row, train: bool) -> None:
    """Add to `row` the first Block, in execution order, whose output differs between the sides."""
    run.sync()
    seed = run.opts.seed + 7
    try:
        trace_o, trace_n = run.pair("divergence", (_trace, run.net_o, run.inputs, train, seed),
                                    (_trace, run.net_n, run.inputs, train, seed))
    except Exception as exc:  # noqa: BLE001 - localisation is a hint; the row stands without it
        row.detail += f"; the diverging Block could not be traced ({type(exc).__name__})"
        return
    calls: Dict[tuple, list] = {}
    count: Dict[str, int] = {}
    for path, _, out in trace_n:
        count[path] = count.get(path, 0) + 1
        calls[(path, count[path])] = out
    count = {}
    for path, cls, out in trace_o:
        count[path] = count.get(path, 0) + 1
        other = calls.get((path, count[path]))
        if other is None:
            continue
        same, _, _ = compare(out, other, run.opts.rtol, run.opts.atol)
        if not same:
            worst = max((largest_diff(a, b) for a, b in zip(out, other) if a.shape == b.shape), default=None)
            call = f" (call {count[path]})" if count[path] > 1 else ""
            size = f", largest difference {worst:.3g}" if worst is not None else ", shapes differ"
            row.detail += f"; first Block whose output differs: {path} ({cls}){call}{size}"
            return
    row.detail += "; no single Block's output differs (the difference is in the code between Blocks)"


def used_modules(net) -> set:
    """Modules that define the classes of `net`'s Blocks (and their user-defined bases)."""
    found = set()
    for _, block in walk_blocks(net):
        for cls in type(block).__mro__:
            found.add(cls.__module__)
    return found
