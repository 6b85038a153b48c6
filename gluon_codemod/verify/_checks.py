"""The checks: build both sides, copy weights by structural name, and compare what each side computes.

Each phase runs on both sides even when the original fails in it, so that "both fail alike" (same
exception type and message) is told apart from "only the rewrite fails"; weights are copied again
from the original before each check that compares values, so one check's failure does not cascade.
"""
from __future__ import annotations

import contextlib
import gc
import importlib
import os
import re
import tempfile
import time
import warnings
from typing import Callable, Dict, List, Optional

import mxnet as mx
import numpy as np
from mxnet import autograd

from . import _deep
from ._arrays import (array_like, close_each, compare, largest_diff, leaves, normalize_stock_names, parse_ctx, seed_all,
                      structural_params, to_numpy, values)
from ._load import Side, SideError
from ._result import Check, ModelResult, Options


# What differs between the sides' error messages without being a difference: names MXNet or the runtime
# generate. 1.x prefixes every operator and Parameter (`rnnmodel0_lstm0_rnn0`, `dense0_weight`), the
# rewrite has structural names (`lstm0_rnn0`, `embedding.weight`) and uuid Parameter names; counters,
# object addresses and the two sides' temporary copies differ too. Order matters: the most specific first.
_GENERATED = [
    (re.compile(r"\bparam_[0-9a-f]{8}(?:_[0-9a-f]{4}){3}_[0-9a-f]{12}_\w+"), "<name>"),  # runtime Parameter names
    (re.compile(r"\b[0-9a-f]{8}(?:[-_][0-9a-f]{4}){3}[-_][0-9a-f]{12}\b|\b[0-9a-f]{32}\b"), "<uuid>"),
    (re.compile(r"\b0x[0-9a-fA-F]+\b"), "<address>"),
    (re.compile(r"(?:/[^\s/'\"`:,()]+)*/gluon-codemod-verify-[^\s'\"`:,()]*"), "<path>"),  # the sides' copies
    (re.compile(r"(?:/tmp|/var/folders|/private/var)/[^\s'\"`:,()]*"), "<path>"),
    # the name after the word that says it is one (an operator, Parameter, node, variable, symbol)
    (re.compile(r"\b(operator|[Pp]arameter|node|variable|symbol)(s?)\s+(['\"`]?)[\w.]+\3"),
     r"\1\2 \3<name>\3"),
    (re.compile(r"\b[A-Za-z_]*[A-Za-z]\d+_\w*"), "<name>"),  # prefixed names with a counter: dense0_weight
    (re.compile(r"\b([A-Za-z]\w*?)_\d+\b"), r"\1_<N>"),  # `_N` counters
]


def generic(message: str) -> str:
    """`message` with the names MXNet and the runtime generate replaced by placeholders."""
    for pattern, placeholder in _GENERATED:
        message = pattern.sub(placeholder, message)
    return message


def fail_alike(o: BaseException, n: BaseException) -> bool:
    """Both sides failed the same way: same exception type, same message once generated names are set aside."""
    return type(o).__name__ == type(n).__name__ and (str(o) == str(n) or generic(str(o)) == generic(str(n)))


class PairFailure(Exception):
    """A phase failed on one side or both: carries each side's SideError (or None)."""

    def __init__(self, orig: Optional[SideError], new: Optional[SideError]):
        super().__init__(str(orig or new))
        self.orig, self.new = orig, new

    def row(self, name: str) -> Check:
        o, n = self.orig, self.new
        if o and n:
            if fail_alike(o.exc, n.exc):
                names = "" if str(o.exc) == str(n.exc) else " (the messages differ only in generated names)"
                return Check(name, "alike", None, f"both fail alike: {type(o.exc).__name__}: {o.exc}{names}")
            return Check(name, "error", None, f"both fail, differently: original {type(o.exc).__name__}: {o.exc}"
                         f"; rewrite {type(n.exc).__name__}: {n.exc}", n.traceback)
        if n:
            return Check(name, "error", None, f"only the rewrite fails: {n}", n.traceback)
        return Check(name, "error", None, f"only the original fails: {o}", o.traceback)


def build(module_name: str, expr: str, ctx, seed: int):
    module = importlib.import_module(module_name)
    seed_all(seed)
    net = eval(expr, dict(vars(module)))  # noqa: S307 - running the user's code is the point
    if not (callable(net) and hasattr(net, "collect_params")):
        raise TypeError(f"--build {expr!r} returned {type(net).__name__}, not a Block: give an expression that "
                        "builds the model, such as `resnet18_v1()` or `Net(units=16)`")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # parameters the factory initialized already
        net.initialize(ctx=ctx)
    return net


def _reinit(params: Dict[str, object], names: List[str], ctx, seed: int) -> None:
    seen = set()
    for index, name in enumerate(names):
        param = params[name]
        if id(param) in seen:
            continue
        seen.add(id(param))
        seed_all(seed + index)
        param.initialize(ctx=[ctx], force_reinit=True)


def _copy(src: Dict[str, object], dst: Dict[str, object], names: List[str], ctx) -> None:
    for name in names:
        dst[name].set_data(src[name].data(ctx).copyto(ctx))


def perturb(params: Dict[str, object], names: List[str], ctx, scale: float, shift: float = 1e-3) -> None:
    """New values, so a checkpoint that fails to load cannot pass by leaving the old weights in place.

    An affine change keeps every parameter distinct from the others (a swapped key still shows) and
    runs in MXNet, without a round trip through numpy.
    """
    seen = set()
    for name in names:
        param = params[name]
        if id(param) in seen:
            continue
        seen.add(id(param))
        data = param.data(ctx)
        if not np.issubdtype(np.dtype(data.dtype), np.floating):
            continue
        data = (abs(data) if name.endswith("var") else data) * scale + shift
        param.set_data(data)


def weighted_loss(net, inputs, weights, ctx):
    out = leaves(net(*inputs))
    if len(out) != len(weights):
        raise ValueError(f"{len(out)} outputs, expected {len(weights)}")
    return sum((leaf * array_like(leaf, w, ctx)).sum() for leaf, w in zip(out, weights))


def _backward(net, inputs, weights, params, names, ctx):
    with autograd.record(train_mode=False):
        loss = weighted_loss(net, inputs, weights, ctx)
    loss.backward()
    return values(params, names, ctx, grad=True)


def _hybrid_calls(net, inputs):
    net.hybridize()
    return to_numpy(net(*inputs)), to_numpy(net(*inputs))


@contextlib.contextmanager
def memory_file(label: str):
    """A path whose content lives in memory (memfd on Linux; a temporary file elsewhere)."""
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create(f"verify-{label}")
        try:
            yield f"/proc/self/fd/{fd}"
        finally:
            os.close(fd)
        return
    with tempfile.TemporaryDirectory(prefix="gluon-codemod-verify-") as folder:
        yield os.path.join(folder, f"{label}.params")


def _groups(params: Dict[str, object], names: List[str]) -> Dict[str, frozenset]:
    by_id: Dict[int, set] = {}
    for name in names:
        by_id.setdefault(id(params[name]), set()).add(name)
    return {name: frozenset(by_id[id(params[name])]) for name in names}


class _Run:
    """One model through every check."""

    def __init__(self, orig: Side, new: Side, module_name: str, expr: str, opts: Options,
                 progress: Optional[Callable[[str], None]] = None):
        self.orig, self.new, self.module_name, self.expr, self.opts = orig, new, module_name, expr, opts
        self.result = ModelResult(expr)
        self.ctx = parse_ctx(opts.ctx)
        self.compare_seconds = 0.0
        self.progress = progress or (lambda name: None)
        self.net_o = self.net_n = None

    def add(self, name, status, max_diff=None, detail="", tb=None) -> None:
        self.result.checks.append(Check(name, status, max_diff, detail, tb))

    def pair(self, phase, call_o, call_n):
        """Run a phase on both sides (the rewrite's even when the original fails); PairFailure if any failed."""
        results, errors = [None, None], [None, None]
        for index, (side, call) in enumerate(((self.orig, call_o), (self.new, call_n))):
            try:
                results[index] = side.call(phase, *call)
            except SideError as exc:
                errors[index] = exc
        if any(errors):
            raise PairFailure(*errors)
        return results

    def close(self, name, reference, other, what="output", extra=""):
        start = time.perf_counter()
        ok, worst, detail = compare(reference, other, self.opts.rtol, self.opts.atol, what)
        self.compare_seconds += time.perf_counter() - start
        self.add(name, "ok" if ok else "differs", worst, "; ".join(x for x in (detail, extra) if x))
        return ok

    def guarded(self, name, fn) -> None:
        if name in self.opts.skip:
            self.add(name, "skipped", None, "--skip")
            return
        self.progress(name)
        try:
            fn()
        except PairFailure as exc:
            self.result.checks.append(exc.row(name))
        except SideError as exc:
            self.add(name, "error", None, str(exc), exc.traceback)

    def sync(self) -> None:
        """The original's current values into the rewrite, by structural name."""
        self.new.call("copy", _copy, self.po, self.pn, self.common, self.ctx)

    def run(self) -> ModelResult:
        start = time.perf_counter()
        before_o, before_n = dict(self.orig.timings), dict(self.new.timings)
        try:
            self._run()
        finally:
            self.used_modules = _deep.used_modules(self.net_n) if self.net_n is not None else set()
            self.net_o = self.net_n = self.po = self.pn = None
            gc.collect()
        for phase in set(self.orig.timings) | set(self.new.timings):
            self.result.timings[phase] = {
                "orig": round(self.orig.timings.get(phase, 0.0) - before_o.get(phase, 0.0), 6),
                "new": round(self.new.timings.get(phase, 0.0) - before_n.get(phase, 0.0), 6)}
        self.result.timings["compare"] = {"harness": round(self.compare_seconds, 6)}
        self.result.timings["total"] = {"harness": round(time.perf_counter() - start, 6)}
        return self.result

    def _inputs(self):
        rng = np.random.RandomState(self.opts.seed)
        low, high = self.opts.input_range
        arrays = []
        for shape in self.opts.inputs:
            values_ = rng.randint(int(low), int(high), shape) if self.opts.int_values else rng.uniform(low, high, shape)
            make = mx.np.array if self.opts.numpy else mx.nd.array  # numpy mode: what the file's models take
            arrays.append(make(values_, ctx=self.ctx, dtype=self.opts.dtype))
        return arrays

    def _build(self) -> bool:
        opts, ctx, inputs = self.opts, self.ctx, self.inputs
        self.progress("build")
        # each side seeds, builds and runs once before the other starts: deferred initialization draws
        # its random values during that first forward
        errors = []
        for side, attr in ((self.orig, "net_o"), (self.new, "net_n")):
            try:
                net = side.call("build", build, self.module_name, self.expr, ctx, opts.seed)
                setattr(self, attr, net)
                first = side.call("forward", lambda: to_numpy(net(*inputs)))
                if side is self.orig:
                    self.first_o = first
                errors.append(None)
            except SideError as exc:
                errors.append(exc)
        if any(errors):
            row = PairFailure(*errors).row("build")
            row.status = "error"  # nothing can be compared without both models
            self.result.checks.append(row)
            return False
        try:
            self.po, self.aliased = normalize_stock_names(self.orig.call("build", structural_params, self.net_o))
            self.pn = self.new.call("build", structural_params, self.net_n)
        except SideError as exc:
            self.add("build", "error", None, str(exc), exc.traceback)
            return False
        return True

    def _run(self) -> None:
        self.inputs = self._inputs()
        if not self._build():
            return
        self.common = [n for n in self.po if n in self.pn]
        self.guarded("structure", self._structure)
        self.guarded("attributes", lambda: _deep.attributes(self))
        self.guarded("init", self._init)
        self.guarded("eager", self._eager)
        self.guarded("grad", self._grad)
        self.guarded("checkpoint", self._checkpoint)
        self.guarded("train-step", lambda: _deep.train_step(self))
        self.guarded("train-forward", lambda: _deep.train_forward(self))
        self.guarded("sharing", self._sharing)
        # last: a hybridized (or half-hybridized) model is left as it is
        self.guarded("hybrid", self._hybrid)

    def _structure(self) -> None:
        only_o = [n for n in self.po if n not in self.pn]
        only_n = [n for n in self.pn if n not in self.po]
        shapes = [f"{n} {tuple(self.po[n].shape)} vs {tuple(self.pn[n].shape)}" for n in self.common
                  if tuple(self.po[n].shape) != tuple(self.pn[n].shape)]
        parts = []
        if only_o:
            parts.append("only in the original: " + ", ".join(only_o))
        if only_n:
            parts.append("only in the rewrite: " + ", ".join(only_n))
        if shapes:
            parts.append("shapes differ: " + ", ".join(shapes))
        if self.aliased:
            parts.append(f"{self.aliased} fused-RNN names of the original matched as `_unfused.N.*` = `lN_*` "
                         "(1.9.1 checkpoint keys)")
        ok = not (only_o or only_n or shapes)
        self.add("structure", "ok" if ok else "differs", None,
                 "; ".join(parts) if parts else f"{len(self.common)} parameters")
        # shapes that differ cannot be copied or compared: leave those names out of the value checks
        self.common = [n for n in self.common if tuple(self.po[n].shape) == tuple(self.pn[n].shape)]

    def _init(self) -> None:
        names, ctx = self.common, self.ctx
        ref, other = self.pair("init", (values, self.po, names, ctx), (values, self.pn, names, ctx))
        ok, worst, detail = compare(ref, other, self.opts.rtol, self.opts.atol, "parameter")
        if ok:
            self.add("init", "ok", worst, f"{len(names)} parameters equal with the same seed")
            return
        # Random draws may come in another order: re-draw each parameter from its own seed and retry.
        seed = self.opts.seed
        self.pair("init", (_reinit, self.po, names, ctx, seed), (_reinit, self.pn, names, ctx, seed))
        ref, other = self.pair("init", (values, self.po, names, ctx), (values, self.pn, names, ctx))
        bad = [n for n, same in close_each(names, ref, other, self.opts.rtol, self.opts.atol).items() if not same]
        ok, worst, _ = compare(ref, other, self.opts.rtol, self.opts.atol, "parameter")
        self.add("init", "ok" if ok else "differs", worst,
                 "initial values differ: " + ", ".join(bad[:8]) if bad else
                 "equal once each parameter is drawn from its own seed (the sides draw in another order)")

    def _eager(self) -> None:
        self.sync()
        ref, other = self.pair("forward", (lambda: to_numpy(self.net_o(*self.inputs)),),
                               (lambda: to_numpy(self.net_n(*self.inputs)),))
        if not self.close("eager", ref, other):
            _deep.localise(self, self.result.checks[-1], train=False)

    def _grad(self) -> None:
        self.sync()
        rng = np.random.RandomState(self.opts.seed + 1)
        weights = [rng.uniform(-1, 1, a.shape) for a in self.first_o]
        names = [n for n in self.common if self.po[n].grad_req != "null" or self.pn[n].grad_req != "null"]
        req = [f"{n} ({self.po[n].grad_req} vs {self.pn[n].grad_req})" for n in names
               if self.po[n].grad_req != self.pn[n].grad_req]
        if req:
            self.add("grad", "differs", None, "grad_req differs: " + ", ".join(req))
            return
        if not names:
            self.add("grad", "skipped", None, "no parameter takes a gradient")
            return
        args_o = (self.net_o, self.inputs, weights, self.po, names, self.ctx)
        args_n = (self.net_n, self.inputs, weights, self.pn, names, self.ctx)
        ref, other = self.pair("grad", (_backward,) + args_o, (_backward,) + args_n)
        rtol, atol = self.opts.rtol, self.opts.atol
        close = close_each(names, ref, other, rtol, atol)
        unstable = []
        if not all(close.values()):
            # Stock 1.9.1 with oneDNN: max-pooling backward outside training mode reads a workspace that
            # forward did not fill, so gradients below it change from run to run. Judge only what the
            # original reproduces.
            again = self.orig.call("grad", _backward, *args_o)
            unstable = [n for n, ok in close_each(names, ref, again, rtol, atol).items() if not ok]
        bad = [n for n, ok in close.items() if not ok and n not in unstable]
        stable = [i for i, n in enumerate(names) if n not in unstable]
        _, worst, detail = compare([ref[i] for i in stable], [other[i] for i in stable], rtol, atol, "gradient")
        if bad:
            detail = "gradients differ: " + ", ".join(bad[:8]) + (" ..." if len(bad) > 8 else "")
        notes = [detail or f"{len(stable)} gradients"]
        if unstable:
            notes.append(f"not compared, as stock MXNet does not reproduce them itself: {', '.join(unstable[:8])}")
        self.add("grad", "differs" if bad or detail else "ok", worst, "; ".join(notes))

    def _hybrid(self) -> None:
        self.sync()
        try:
            first, second = zip(*self.pair("hybridize", (_hybrid_calls, self.net_o, self.inputs),
                                           (_hybrid_calls, self.net_n, self.inputs)))
        finally:
            for side, net in ((self.orig, self.net_o), (self.new, self.net_n)):
                with contextlib.suppress(SideError):
                    side.call("hybridize", net.hybridize, False)
        ok1, worst1, detail1 = compare(first[0], first[1], self.opts.rtol, self.opts.atol)
        ok2, worst2, detail2 = compare(second[0], second[1], self.opts.rtol, self.opts.atol)
        worst = max((w for w in (worst1, worst2) if w is not None), default=None)
        detail = "; ".join(f"{call} call: {d}" for call, d in (("first", detail1), ("second", detail2)) if d)
        self.add("hybrid", "ok" if ok1 and ok2 else "differs", worst, detail)

    def _checkpoint(self) -> None:
        """save_parameters on one side, load_parameters on the other, in memory; loaded values must be exact."""
        start = self.orig.call("checkpoint", _deep.snapshot, self.po, self.common, self.ctx)
        try:
            self._round_trips()
        finally:  # the next checks start from the original's values again (a fixed BatchNorm gamma stays 1)
            self.orig.call("checkpoint", _deep.restore, self.po, self.common, start)

    def _round_trips(self) -> None:
        parts, worst, ok = [], 0.0, True
        for direction, writer, reader in (("original -> rewrite", self.orig, self.new),
                                          ("rewrite -> original", self.new, self.orig)):
            w_net, r_net = (self.net_o, self.net_n) if writer is self.orig else (self.net_n, self.net_o)
            w_params, r_params = (self.po, self.pn) if writer is self.orig else (self.pn, self.po)
            writer.call("checkpoint", perturb, w_params, list(w_params), self.ctx,
                        1.03 if writer is self.orig else 0.97)
            with memory_file(writer.label) as path:
                writer.call("checkpoint", w_net.save_parameters, path)
                try:
                    reader.call("checkpoint", r_net.load_parameters, path, ctx=self.ctx)
                except SideError as exc:
                    ok = False
                    parts.append(f"{direction}: loading failed: {type(exc.exc).__name__}: {exc.exc}")
                    continue
            written = writer.call("checkpoint", values, w_params, self.common, self.ctx)
            read = reader.call("checkpoint", values, r_params, self.common, self.ctx)
            bad = [n for n, a, b in zip(self.common, written, read) if not np.array_equal(a, b)]
            if bad:
                worst = max([worst] + [largest_diff(a, b) for n, a, b in zip(self.common, written, read)
                                       if n in bad and a.shape == b.shape])
            if bad:
                ok = False
                parts.append(f"{direction}: loaded values differ: {', '.join(bad[:8])}")
        if ok:
            parts.append(f"{len(self.common)} parameters round-trip exactly both ways")
        self.add("checkpoint", "ok" if ok else "differs", worst, "; ".join(parts))

    def _sharing(self) -> None:
        names = [n for n in self.po if n in self.pn]
        go, gn = _groups(self.po, names), _groups(self.pn, names)
        lost = sorted({" = ".join(sorted(go[n])) for n in names if len(go[n]) > 1 and go[n] != gn[n]})
        extra = sorted({" = ".join(sorted(gn[n])) for n in names if len(gn[n]) > 1 and gn[n] != go[n]})
        parts = []
        if lost:
            parts.append("tied in the original only: " + "; ".join(lost))
        if extra:
            parts.append("tied in the rewrite only: " + "; ".join(extra))
        groups = {g for g in go.values() if len(g) > 1}
        self.add("sharing", "differs" if parts else "ok", None,
                 "; ".join(parts) if parts else f"{len(groups)} tied group(s)")


def verify_model(orig: Side, new: Side, module_name: str, expr: str, opts: Options,
                 progress: Optional[Callable[[str], None]] = None):
    """Every check for the model `expr` builds; returns `(ModelResult, module names its Blocks come from)`."""
    run = _Run(orig, new, module_name, expr, opts, progress)
    result = run.run()
    return result, run.used_modules
