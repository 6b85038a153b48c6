"""`gluon-codemod verify`: run Gluon 1.x code on stock MXNet and its rewrite on `gluon_runtime`, and diff them.

Front end only: MXNet and the runtime are imported when a verification runs, never by the codemod's
check/fix path. Use from the CLI (`add_parser(subparsers)`, `run(args)`), as
`python -m gluon_codemod.verify FILE ...`, or from Python with `verify(path, build=..., inputs=...)`.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
import time
from typing import List, Optional, Sequence

DESCRIPTION = (
    "Rewrite FILE for the new Block API (target runtime), then run the original on stock MXNet 1.9.1 Gluon "
    "and the rewrite on gluon_runtime in this process, and report every difference: parameter structure, "
    "initial values, eager and hybridized outputs, gradients, checkpoints in both directions, and tied "
    "parameters. WARNING: this imports and executes FILE and its package (the model code itself): run it "
    "only on code you trust. Files are written only to a temporary directory, unless --keep or --report "
    "is given.")
EPILOG = (
    "Exit status: 0 every check holds; 1 a check differs; 2 a side failed to build or run (its traceback "
    "is printed), or bad usage. Each side runs under a time limit (--timeout, SIGALRM in the main thread; "
    "a limit cannot interrupt a long native MXNet call until it returns).")


def _shape(text: str):
    try:
        shape = tuple(int(part) for part in text.replace("x", ",").split(",") if part.strip())
    except ValueError:
        shape = ()
    if not shape or any(dim <= 0 for dim in shape):
        raise argparse.ArgumentTypeError(f"{text!r} is not a shape: give positive sizes such as 2,3,32,32")
    return shape


def _range(text: str):
    try:
        low, high = (float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a range: give LOW,HIGH such as 0,20") from None
    return low, high


def configure(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add verify's arguments to `parser`."""
    parser.add_argument("file", metavar="FILE", help="Python source file with the Gluon 1.x model code")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--build", metavar="EXPR", action="append",
                      help="expression evaluated in FILE's namespace that builds the model, e.g. "
                           "'resnet18_v1()' (repeat for several models)")
    what.add_argument("--all", action="store_true",
                      help="check every Block class and model factory of FILE callable without arguments")
    parser.add_argument("--input", metavar="SHAPE", type=_shape, action="append", required=True,
                        help="input shape such as 1,3,32,32; repeat for a model with several inputs")
    parser.add_argument("--dtype", default="float32", help="input dtype (default float32)")
    parser.add_argument("--input-range", metavar="LOW,HIGH", type=_range, default=(0.0, 1.0),
                        help="inputs are drawn uniformly from [LOW, HIGH) (default 0,1)")
    parser.add_argument("--int-values", action="store_true",
                        help="draw whole numbers (token ids for an Embedding), stored with --dtype")
    parser.add_argument("--ctx", default="cpu", help="context: cpu (default), cpu(1), gpu(0)")
    parser.add_argument("--rtol", type=float, default=1e-4, help="relative tolerance (default 1e-4)")
    parser.add_argument("--atol", type=float, default=1e-5, help="absolute tolerance (default 1e-5)")
    parser.add_argument("--seed", type=int, default=0, help="random seed for both sides (default 0)")
    parser.add_argument("--timeout", type=float, default=300.0,
                        help="seconds each side may run per model (default 300; 0 for none)")
    parser.add_argument("--root", metavar="DIR",
                        help="package root FILE's imports need (default: the topmost folder with __init__.py "
                             "above FILE, else FILE's folder); it is copied to a temporary directory")
    parser.add_argument("--rewritten", metavar="FILE2",
                        help="run this hand-edited rewrite of FILE instead of the engine's rewrite")
    parser.add_argument("--unsafe-fixes", action="store_true", help="let the rewrite apply unsafe fixes too")
    parser.add_argument("--keep", metavar="DIR", help="copy the rewritten code that was run to DIR")
    parser.add_argument("--report", metavar="FILE.json", help="write the table (and timings) as JSON")
    parser.add_argument("--onednn", action="store_true",
                        help="keep oneDNN kernels on (by default they are off when MXNet is not imported yet and "
                             "the file builds no fused RNN layer, which needs them in 1.9.1: their max-pooling "
                             "gradients are not reproducible outside training mode)")
    parser.add_argument("--quiet", action="store_true", help="print nothing; use the exit status or --report")
    return parser


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register `verify` on an argparse subparsers object (the `gluon-codemod` CLI)."""
    parser = subparsers.add_parser("verify", help="run the original and the rewrite and diff them (executes FILE)",
                                   description=DESCRIPTION, epilog=EPILOG)
    configure(parser)
    parser.set_defaults(handler=run)
    return parser


def verify(path: str, build: Optional[Sequence[str]] = None, inputs: Sequence[Sequence[int]] = (), *,
           all_models: bool = False, dtype: str = "float32", ctx: str = "cpu", rtol: float = 1e-4,
           atol: float = 1e-5, seed: int = 0, timeout: Optional[float] = 300.0, root: Optional[str] = None,
           rewritten: Optional[str] = None, unsafe_fixes: bool = False, keep: Optional[str] = None,
           input_range=(0.0, 1.0), int_values: bool = False):
    """Verify FILE's models; returns a `Report` (`.exit_code`, `.models`, `.to_dict()`, `.format()`)."""
    from ._checks import Options, candidates, verify_model
    from ._load import Side, SideError, Workspace, locate
    from ._report import Report

    copy_root, import_root, module_name = locate(path, root)
    report = Report(os.path.abspath(path), module_name)
    tmpdir = tempfile.mkdtemp(prefix="gluon-codemod-verify-")
    saved_path = list(sys.path)
    try:
        workspace = Workspace(path, copy_root, import_root, module_name, tmpdir, rewritten, unsafe_fixes)
        report.findings = workspace.findings
        report.timings["rewrite"] = round(workspace.rewrite_seconds, 6)
        if keep:
            workspace.keep(keep)
        limit = timeout if timeout else None
        orig = Side("orig", workspace.entries["orig"], workspace.top_names, limit)
        new = Side("new", workspace.entries["new"], workspace.top_names, limit)
        start = time.perf_counter()
        try:
            module = orig.import_module(module_name)
            new.import_module(module_name)
        except SideError as exc:
            report.setup_error = f"{exc}\n{exc.traceback}"
            return report
        report.timings["import"] = round(time.perf_counter() - start, 6)
        if all_models:
            exprs = []
            for expr, reason in candidates(path, module):
                if reason:
                    report.skipped.append({"model": expr, "reason": reason})
                else:
                    exprs.append(expr)
        else:
            exprs = list(build or [])
        workdir = os.path.join(tmpdir, "checkpoints")
        os.makedirs(workdir, exist_ok=True)
        for expr in exprs:
            orig.elapsed = new.elapsed = 0.0  # the time limit is per side and model
            opts = Options(inputs=[tuple(s) for s in inputs], dtype=dtype, ctx=ctx, rtol=rtol, atol=atol,
                           seed=seed, timeout=limit, input_range=tuple(input_range), int_values=int_values,
                           workdir=workdir)
            result = verify_model(orig, new, module_name, expr, opts)
            if all_models and _not_a_block(result):
                report.skipped.append({"model": expr, "reason": "does not return a Block"})
                continue
            report.models.append(result)
        report.findings = _imported_only(workspace, new)
        return report
    finally:
        sys.path[:] = saved_path
        shutil.rmtree(tmpdir, ignore_errors=True)


def _imported_only(workspace, side) -> dict:
    """Findings of the files the rewritten side actually imported (the rest of the root is noise)."""
    used = {os.path.relpath(os.path.abspath(m.__file__), side.entry) for m in side.modules.values()
            if getattr(m, "__file__", None)}
    return {path: items for path, items in workspace.findings.items() if path in used}


def _not_a_block(result) -> bool:
    return (len(result.checks) == 1 and result.checks[0].status == "error"
            and "not a Block" in result.checks[0].detail and "TypeError" in result.checks[0].detail)


_FUSED_RNN = re.compile(r"\b(?:LSTM|GRU|RNN)\s*\(")


def _deterministic_kernels(keep_onednn: bool, path: str) -> None:
    # Stock 1.9.1's oneDNN max-pooling backward outside training mode reads a workspace the forward did
    # not fill, so gradients below a max-pool change from run to run. MXNet reads this switch once, on
    # import: only a process that has not imported it yet can turn oneDNN off. Without oneDNN, though,
    # stock 1.9.1's fused RNN/LSTM/GRU kernel on CPU fails ("in_data.size() == num_inputs"): keep oneDNN
    # for files that build fused recurrent layers.
    if keep_onednn or "mxnet" in sys.modules:
        return
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            if _FUSED_RNN.search(handle.read()):
                return
    except OSError:
        pass  # the verifier reports the unreadable file itself
    os.environ.setdefault("MXNET_MKLDNN_ENABLED", "0")
    os.environ.setdefault("MXNET_STORAGE_FALLBACK_LOG_VERBOSE", "0")


def run(args: argparse.Namespace) -> int:
    """Run `verify` for parsed arguments; prints the table and returns the exit status."""
    _deterministic_kernels(args.onednn, args.file)
    try:
        report = verify(args.file, args.build, args.input, all_models=args.all, dtype=args.dtype, ctx=args.ctx,
                        rtol=args.rtol, atol=args.atol, seed=args.seed, timeout=args.timeout, root=args.root,
                        rewritten=args.rewritten, unsafe_fixes=args.unsafe_fixes, keep=args.keep,
                        input_range=args.input_range, int_values=args.int_values)
    except (ValueError, OSError) as exc:
        print(f"gluon-codemod verify: error: {exc}", file=sys.stderr)
        return 2
    if args.report:
        report.write_json(args.report)
    if not args.quiet:
        sys.stdout.write(report.format(per_model=args.all))
    return report.exit_code


def main(argv: Optional[List[str]] = None) -> int:
    parser = configure(argparse.ArgumentParser(prog="gluon-codemod verify", description=DESCRIPTION,
                                               epilog=EPILOG))
    return run(parser.parse_args(argv))


__all__ = ["add_parser", "configure", "main", "run", "verify"]
