"""The checks: build both sides, copy weights by structural name, and compare what each side computes."""
from __future__ import annotations

import ast
import gc
import inspect
import os
import random
import re
import time
import warnings
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import mxnet as mx
import numpy as np
from mxnet import autograd
from mxnet.gluon.block import Block as StockBlock

from ._load import Side, SideError

CHECKS = ("structure", "init", "eager", "grad", "hybrid", "checkpoint", "sharing")
_FUSED = re.compile(r"(?P<head>(?:.*\.)?)_unfused\.(?P<layer>\d+)\.(?:(?P<dir>[lr])_cell\.)?(?P<rest>\w+)\Z")


@dataclass
class Options:
    inputs: Sequence[Tuple[int, ...]]
    dtype: str = "float32"
    ctx: str = "cpu"
    rtol: float = 1e-4
    atol: float = 1e-5
    seed: int = 0
    timeout: Optional[float] = 300.0
    input_range: Tuple[float, float] = (0.0, 1.0)
    int_values: bool = False
    workdir: str = "."


@dataclass
class Check:
    name: str
    status: str  # ok | differs | error | skipped
    max_diff: Optional[float] = None
    detail: str = ""
    traceback: Optional[str] = None

    def to_dict(self) -> dict:
        return {"check": self.name, "status": self.status, "max_diff": self.max_diff, "detail": self.detail,
                "traceback": self.traceback}


@dataclass
class ModelResult:
    expr: str
    checks: List[Check] = field(default_factory=list)
    timings: Dict[str, Dict[str, float]] = field(default_factory=dict)

    @property
    def status(self) -> str:
        states = {c.status for c in self.checks}
        for state in ("error", "differs"):
            if state in states:
                return state
        return "ok" if "ok" in states else "skipped"

    def to_dict(self) -> dict:
        return {"model": self.expr, "status": self.status, "checks": [c.to_dict() for c in self.checks],
                "timings": self.timings}


def parse_ctx(text: str):
    match = re.fullmatch(r"\s*(cpu|gpu)\s*(?:\(\s*(\d*)\s*\))?\s*", text)
    if not match:
        raise ValueError(f"--ctx {text!r} is not a context: use cpu, cpu(1), gpu or gpu(0)")
    return getattr(mx, match.group(1))(int(match.group(2) or 0))


def seed_all(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    mx.random.seed(seed)


def structural_params(net) -> Dict[str, object]:
    """Stock blocks: the keys `save_parameters` writes; runtime blocks: `collect_params()` (structural)."""
    if isinstance(net, StockBlock):
        # the stock original is 1.x code by definition: its private helper is the reference here
        return net._collect_params_with_prefix()  # noqa: GLN009
    return dict(net.collect_params())


def normalize_stock_names(params: Dict[str, object]) -> Tuple[Dict[str, object], int]:
    """Map 1.9.1's fused-RNN checkpoint keys (`_unfused.0.i2h_weight`) to structural ones (`l0_i2h_weight`)."""
    out, aliased = {}, 0
    for key, param in params.items():
        match = _FUSED.match(key)
        if match:
            key = f"{match.group('head')}{match.group('dir') or 'l'}{match.group('layer')}_{match.group('rest')}"
            aliased += 1
        out[key] = param
    return out, aliased


def _leaves(out) -> list:
    if isinstance(out, mx.nd.NDArray):
        return [out]
    if isinstance(out, (list, tuple)):
        return [leaf for item in out for leaf in _leaves(item)]
    return []


def _numpy(out) -> List[np.ndarray]:
    return [leaf.asnumpy() for leaf in _leaves(out)]


def compare(reference: List[np.ndarray], other: List[np.ndarray], rtol: float, atol: float,
            what: str = "output") -> Tuple[bool, Optional[float], str]:
    """`(all close, largest |difference|, what differs)`; the original is the reference."""
    if len(reference) != len(other):
        return False, None, f"{len(reference)} {what}s in the original, {len(other)} in the rewrite"
    worst, bad = 0.0, []
    for index, (a, b) in enumerate(zip(reference, other)):
        if a.shape != b.shape:
            return False, None, f"{what} {index}: shape {a.shape} in the original, {b.shape} in the rewrite"
        if a.size:
            diff = np.abs(a.astype(np.float64) - b.astype(np.float64))
            worst = max(worst, float(np.nanmax(diff)) if not np.isnan(diff).all() else 0.0)
        if not np.allclose(b, a, rtol=rtol, atol=atol, equal_nan=True):
            bad.append(str(index))
    if bad:
        return False, worst, f"{what} {', '.join(bad[:5])} differ{'s' if len(bad) == 1 else ''}"
    return True, worst, ""


def _build(module_name: str, expr: str, ctx, seed: int):
    import importlib

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


def _values(params: Dict[str, object], names: List[str], ctx, grad: bool = False) -> List[np.ndarray]:
    return [(params[n].grad(ctx) if grad else params[n].data(ctx)).asnumpy() for n in names]


def _copy(src: Dict[str, object], dst: Dict[str, object], names: List[str], ctx) -> None:
    for name in names:
        dst[name].set_data(src[name].data(ctx).copyto(ctx))


def _perturb(params: Dict[str, object], names: List[str], ctx, seed: int) -> None:
    """New values, so a checkpoint that fails to load cannot pass by leaving the old weights in place."""
    rng, seen = np.random.RandomState(seed), set()
    for name in names:
        param = params[name]
        if id(param) in seen:
            continue
        seen.add(id(param))
        value = param.data(ctx).asnumpy()
        if not np.issubdtype(value.dtype, np.floating):
            continue
        value = value * (1 + 0.1 * rng.uniform(-1, 1, value.shape)) + 0.01 * rng.uniform(-1, 1, value.shape)
        if name.endswith("var"):
            value = np.abs(value) + 1e-3
        param.set_data(mx.nd.array(value, ctx=ctx, dtype=param.data(ctx).dtype))


def _backward(net, inputs, weights, params, names, ctx):
    with autograd.record(train_mode=False):
        leaves = _leaves(net(*inputs))
        if len(leaves) != len(weights):
            raise ValueError(f"{len(leaves)} outputs, expected {len(weights)}")
        loss = sum((leaf * mx.nd.array(w, ctx=ctx, dtype=leaf.dtype)).sum() for leaf, w in zip(leaves, weights))
    loss.backward()
    return _values(params, names, ctx, grad=True)


def _groups(params: Dict[str, object], names: List[str]) -> Dict[str, frozenset]:
    by_id: Dict[int, set] = {}
    for name in names:
        by_id.setdefault(id(params[name]), set()).add(name)
    return {name: frozenset(by_id[id(params[name])]) for name in names}


class _Run:
    """One model through every check."""

    def __init__(self, orig: Side, new: Side, module_name: str, expr: str, opts: Options):
        self.orig, self.new, self.module_name, self.expr, self.opts = orig, new, module_name, expr, opts
        self.result = ModelResult(expr)
        self.ctx = parse_ctx(opts.ctx)
        self.compare_seconds = 0.0

    def add(self, name, status, max_diff=None, detail="", tb=None) -> None:
        self.result.checks.append(Check(name, status, max_diff, detail, tb))

    def both(self, phase, fn_orig, fn_new):
        return self.orig.call(phase, *fn_orig), self.new.call(phase, *fn_new)

    def close(self, name, reference, other, what="output", extra=""):
        start = time.perf_counter()
        ok, worst, detail = compare(reference, other, self.opts.rtol, self.opts.atol, what)
        self.compare_seconds += time.perf_counter() - start
        self.add(name, "ok" if ok else "differs", worst, "; ".join(x for x in (detail, extra) if x))
        return ok

    def guarded(self, name, fn) -> None:
        try:
            fn()
        except SideError as exc:
            self.add(name, "error", None, str(exc), exc.traceback)

    def run(self) -> ModelResult:
        start = time.perf_counter()
        before_o, before_n = dict(self.orig.timings), dict(self.new.timings)
        try:
            self._run()
        finally:
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
            values = rng.randint(int(low), int(high), shape) if self.opts.int_values else rng.uniform(low, high, shape)
            arrays.append(mx.nd.array(values, ctx=self.ctx, dtype=self.opts.dtype))
        return arrays

    def _run(self) -> None:
        opts, ctx = self.opts, self.ctx
        self.inputs = inputs = self._inputs()
        try:
            # each side seeds, builds and runs once before the other starts: deferred initialization draws
            # its random values during that first forward
            self.net_o = self.orig.call("build", _build, self.module_name, self.expr, ctx, opts.seed)
            first_o = self.orig.call("forward", lambda: _numpy(self.net_o(*inputs)))
            self.net_n = self.new.call("build", _build, self.module_name, self.expr, ctx, opts.seed)
            self.new.call("forward", lambda: _numpy(self.net_n(*inputs)))
            self.po, aliased = normalize_stock_names(self.orig.call("build", structural_params, self.net_o))
            self.pn = self.new.call("build", structural_params, self.net_n)
        except SideError as exc:
            self.add("build", "error", None, str(exc), exc.traceback)
            return
        self.first_o = first_o
        self.common = [n for n in self.po if n in self.pn]
        self._structure(aliased)
        self.guarded("init", self._init)
        self.guarded("eager", self._eager)
        self.guarded("grad", self._grad)
        self.guarded("hybrid", self._hybrid)
        self.guarded("checkpoint", self._checkpoint)
        self._sharing()

    def _structure(self, aliased: int) -> None:
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
        if aliased:
            parts.append(f"{aliased} fused-RNN names of the original matched as `_unfused.N.*` = `lN_*` "
                         "(1.9.1 checkpoint keys)")
        ok = not (only_o or only_n or shapes)
        self.add("structure", "ok" if ok else "differs", None,
                 "; ".join(parts) if parts else f"{len(self.common)} parameters")
        # shapes that differ cannot be copied or compared: leave those names out of the value checks
        self.common = [n for n in self.common if tuple(self.po[n].shape) == tuple(self.pn[n].shape)]

    def _init(self) -> None:
        names = self.common
        ref = self.orig.call("init", _values, self.po, names, self.ctx)
        other = self.new.call("init", _values, self.pn, names, self.ctx)
        ok, worst, detail = compare(ref, other, self.opts.rtol, self.opts.atol, "parameter")
        if ok:
            self.add("init", "ok", worst, f"{len(names)} parameters equal with the same seed")
            return
        # Random draws may come in another order: re-draw each parameter from its own seed and retry.
        self.orig.call("init", _reinit, self.po, names, self.ctx, self.opts.seed)
        self.new.call("init", _reinit, self.pn, names, self.ctx, self.opts.seed)
        ref = self.orig.call("init", _values, self.po, names, self.ctx)
        other = self.new.call("init", _values, self.pn, names, self.ctx)
        bad = [n for n, a, b in zip(names, ref, other)
               if not np.allclose(b, a, rtol=self.opts.rtol, atol=self.opts.atol, equal_nan=True)]
        ok, worst, _ = compare(ref, other, self.opts.rtol, self.opts.atol, "parameter")
        self.add("init", "ok" if ok else "differs", worst,
                 "initial values differ: " + ", ".join(bad[:8]) if bad else
                 "equal once each parameter is drawn from its own seed (the sides draw in another order)")

    def _eager(self) -> None:
        self.new.call("copy", _copy, self.po, self.pn, self.common, self.ctx)
        ref = self.orig.call("forward", lambda: _numpy(self.net_o(*self.inputs)))
        other = self.new.call("forward", lambda: _numpy(self.net_n(*self.inputs)))
        self.close("eager", ref, other)

    def _grad(self) -> None:
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
        ref = self.orig.call("grad", _backward, self.net_o, self.inputs, weights, self.po, names, self.ctx)
        other = self.new.call("grad", _backward, self.net_n, self.inputs, weights, self.pn, names, self.ctx)
        close = self._close_each(names, ref, other)
        unstable = []
        if not all(close.values()):
            # Stock 1.9.1 with oneDNN: max-pooling backward outside training mode reads a workspace that
            # forward did not fill, so gradients below it change from run to run. Judge only what the
            # original reproduces.
            again = self.orig.call("grad", _backward, self.net_o, self.inputs, weights, self.po, names, self.ctx)
            unstable = [n for n, ok in self._close_each(names, ref, again).items() if not ok]
        bad = [n for n, ok in close.items() if not ok and n not in unstable]
        stable = [i for i, n in enumerate(names) if n not in unstable]
        _, worst, detail = compare([ref[i] for i in stable], [other[i] for i in stable],
                                   self.opts.rtol, self.opts.atol, "gradient")
        if bad:
            detail = "gradients differ: " + ", ".join(bad[:8]) + (" ..." if len(bad) > 8 else "")
        notes = [detail or f"{len(stable)} gradients"]
        if unstable:
            notes.append(f"not compared, as stock MXNet does not reproduce them itself: {', '.join(unstable[:8])}")
        self.add("grad", "differs" if bad or detail else "ok", worst, "; ".join(notes))

    def _close_each(self, names, ref, other) -> Dict[str, bool]:
        return {n: a.shape == b.shape and np.allclose(b, a, rtol=self.opts.rtol, atol=self.opts.atol, equal_nan=True)
                for n, a, b in zip(names, ref, other)}

    def _hybrid(self) -> None:
        def call_o():
            return _numpy(self.net_o(*self.inputs))

        def call_n():
            return _numpy(self.net_n(*self.inputs))

        self.orig.call("hybridize", self.net_o.hybridize)
        self.new.call("hybridize", self.net_n.hybridize)
        first = self.orig.call("hybridize", call_o), self.new.call("hybridize", call_n)
        second = self.orig.call("hybridize", call_o), self.new.call("hybridize", call_n)
        ok1, worst1, detail1 = compare(first[0], first[1], self.opts.rtol, self.opts.atol)
        ok2, worst2, detail2 = compare(second[0], second[1], self.opts.rtol, self.opts.atol)
        worst = max((w for w in (worst1, worst2) if w is not None), default=None)
        detail = "; ".join(f"{call} call: {d}" for call, d in (("first", detail1), ("second", detail2)) if d)
        self.add("hybrid", "ok" if ok1 and ok2 else "differs", worst, detail)

    def _checkpoint(self) -> None:
        parts, worst, ok = [], None, True
        for direction, writer, reader in (("original -> rewrite", self.orig, self.new),
                                          ("rewrite -> original", self.new, self.orig)):
            w_net, r_net = (self.net_o, self.net_n) if writer is self.orig else (self.net_n, self.net_o)
            w_params = self.po if writer is self.orig else self.pn
            path = os.path.join(self.opts.workdir, f"{writer.label}.params")
            writer.call("checkpoint", _perturb, w_params, list(w_params), self.ctx,
                        self.opts.seed + (2 if writer is self.orig else 3))
            writer.call("checkpoint", w_net.save_parameters, path)
            try:
                reader.call("checkpoint", r_net.load_parameters, path, ctx=self.ctx)
            except SideError as exc:
                ok = False
                parts.append(f"{direction}: loading failed: {type(exc.exc).__name__}: {exc.exc}")
                continue
            outs = {s.label: s.call("checkpoint", lambda n=n: _numpy(n(*self.inputs)))
                    for s, n in ((self.orig, self.net_o), (self.new, self.net_n))}
            same, diff, detail = compare(outs["orig"], outs["new"], self.opts.rtol, self.opts.atol)
            worst = diff if worst is None or (diff is not None and diff > worst) else worst
            if not same:
                ok = False
                parts.append(f"{direction}: {detail}")
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


def verify_model(orig: Side, new: Side, module_name: str, expr: str, opts: Options) -> ModelResult:
    """Every check for the model `expr` builds; side failures become `error` rows with the traceback."""
    return _Run(orig, new, module_name, expr, opts).run()


def candidates(path: str, module) -> List[Tuple[str, Optional[str]]]:
    """`--all`: `(expression, reason to skip or None)` for each Block class and model factory of the file.

    A factory is a public top-level function of the file that returns a value; classes and factories
    must be callable without arguments. Factories are only known to build a Block once called.
    """
    with open(path, "rb") as handle:
        tree = ast.parse(handle.read())
    found = []
    for node in tree.body:
        if node.name.startswith("_") if isinstance(node, (ast.FunctionDef, ast.ClassDef)) else True:
            continue
        obj = getattr(module, node.name, None)
        if obj is None or getattr(obj, "__module__", None) != module.__name__:
            continue
        if isinstance(node, ast.ClassDef):
            if not (inspect.isclass(obj) and issubclass(obj, StockBlock)):
                continue
        elif not any(isinstance(n, ast.Return) and n.value is not None for n in _own_nodes(node)):
            continue
        found.append((f"{node.name}()", None if _no_arg_callable(obj) else "needs arguments"))
    return found


def _own_nodes(func):
    stack = list(func.body)
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            stack.extend(ast.iter_child_nodes(node))


def _no_arg_callable(obj) -> bool:
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return False
    return all(p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
               for p in signature.parameters.values())
