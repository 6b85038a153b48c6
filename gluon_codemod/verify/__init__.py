"""`gluon-codemod verify`: run Gluon 1.x code on stock MXNet and its rewrite on `gluon_runtime`, and diff them.

Front end only: MXNet and the runtime are imported by the child process that runs a file's models
(`_child`, watched by `_supervise`), never by this process nor the codemod's check/fix path. Use from
the CLI (`add_parser(subparsers)`, `run(args)`), as `python -m gluon_codemod.verify FILE ...`, or from
Python with `verify(path, build=..., inputs=...)`.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
import time
from typing import Callable, List, Optional, Sequence

from ._result import CHECKS

DESCRIPTION = (
    "Rewrite FILE for the new Block API (target runtime), then run the original on stock MXNet 1.9.1 Gluon "
    "and the rewrite on gluon_runtime, in a child process per file, and report every difference: parameter "
    "structure and attributes, initial values, eager and hybridized outputs, gradients, one Trainer step, a "
    "training-mode forward, checkpoints in both directions, and tied parameters; where outputs differ, the "
    "first Block whose output differs. WARNING: this imports and executes FILE and its package (the model "
    "code itself): run it only on code you trust. Files are written only to a temporary directory, unless "
    "--keep or --report is given.")
EPILOG = (
    "Exit status: 0 every check holds (or both sides fail alike); 1 a check differs; 2 a side failed, "
    "crashed, exited or ran past --timeout (the row says which side, model and check; its traceback is "
    "printed), or bad usage. A crash or hang costs only its check: the model is run again without it.")


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
    parser.add_argument("file", metavar="FILE", nargs="+",
                        help="Python source file with the Gluon 1.x model code (several files or folders with --all)")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--build", metavar="EXPR", action="append",
                      help="expression evaluated in FILE's namespace that builds the model, e.g. "
                           "'resnet18_v1()' (repeat for several models)")
    what.add_argument("--all", action="store_true",
                      help="check every Block class and model factory of each FILE callable without arguments")
    parser.add_argument("--input", metavar="SHAPE", type=_shape, action="append", required=True,
                        help="input shape such as 1,3,32,32; repeat for a model with several inputs")
    parser.add_argument("--dtype", default="float32", help="input dtype (default float32)")
    parser.add_argument("--input-range", metavar="LOW,HIGH", type=_range, default=(0.0, 1.0),
                        help="inputs are drawn uniformly from [LOW, HIGH) (default 0,1)")
    parser.add_argument("--int-values", action="store_true",
                        help="draw whole numbers (token ids for an Embedding), stored with --dtype")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--np", dest="numpy", action="store_const", const=True, default=None,
                      help="numpy mode: npx.set_np() before FILE is imported, inputs as mx.np arrays (by default "
                           "when FILE calls npx.set_np() or uses @use_np)")
    mode.add_argument("--no-np", dest="numpy", action="store_const", const=False,
                      help="ndarray mode even when FILE mentions npx.set_np()/@use_np (a file that turns numpy "
                           "mode on when imported still runs in it)")
    parser.add_argument("--ctx", default="cpu", help="context: cpu (default), cpu(1), gpu(0)")
    parser.add_argument("--rtol", type=float, default=1e-4, help="relative tolerance (default 1e-4)")
    parser.add_argument("--atol", type=float, default=1e-5, help="absolute tolerance (default 1e-5)")
    parser.add_argument("--seed", type=int, default=0, help="random seed for both sides (default 0)")
    parser.add_argument("--timeout", type=float, default=300.0,
                        help="seconds each side may run per model (default 300; 0 for none); a side that does "
                             "not stop is killed")
    parser.add_argument("--skip", metavar="CHECK", action="append", default=[],
                        help="leave a check out (repeat or comma-separate): " + ", ".join(CHECKS)
                             + " (hybridize = hybrid; training = train-step,train-forward)")
    parser.add_argument("--root", metavar="DIR",
                        help="package root FILE's imports need (default: the topmost folder with __init__.py "
                             "above FILE, else FILE's folder); it is copied to a temporary directory")
    parser.add_argument("--rewritten", metavar="FILE2",
                        help="run this hand-edited rewrite of FILE instead of the engine's rewrite")
    parser.add_argument("--unsafe-fixes", action="store_true", help="let the rewrite apply unsafe fixes too")
    parser.add_argument("--keep", metavar="DIR", help="copy the rewritten code that was run to DIR")
    parser.add_argument("--report", metavar="FILE.json",
                        help="write the table (and timings) as JSON, rewritten after each model")
    parser.add_argument("--onednn", action="store_true",
                        help="keep oneDNN kernels on (by default they are off unless the file builds a fused RNN "
                             "layer, which needs them in 1.9.1: their max-pooling gradients are not reproducible "
                             "outside training mode)")
    parser.add_argument("--quiet", action="store_true",
                        help="print nothing (no table, no progress); use the exit status or --report")
    return parser


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register `verify` on an argparse subparsers object (the `gluon-codemod` CLI)."""
    parser = subparsers.add_parser("verify", help="run the original and the rewrite and diff them (executes FILE)",
                                   description=DESCRIPTION, epilog=EPILOG)
    configure(parser)
    parser.set_defaults(handler=run)
    return parser


def verify(path, build: Optional[Sequence[str]] = None, inputs: Sequence[Sequence[int]] = (), *,
           all_models: bool = False, dtype: str = "float32", ctx: str = "cpu", rtol: float = 1e-4,
           atol: float = 1e-5, seed: int = 0, timeout: Optional[float] = 300.0, root: Optional[str] = None,
           rewritten: Optional[str] = None, unsafe_fixes: bool = False, keep: Optional[str] = None,
           input_range=(0.0, 1.0), int_values: bool = False, skip: Sequence[str] = (), onednn: bool = False,
           report_path: Optional[str] = None, progress: Optional[Callable[[str], None]] = None,
           numpy: Optional[bool] = None):
    """Verify the models of FILE (or of several files or folders, with `all_models`); returns a `Report`.

    One rewrite of the root serves every file and model; each file runs in a child process. `numpy`
    forces numpy mode on (True) or off (False); by default each file's source decides (`_mode.detect`).
    """
    from ._load import Workspace, locate
    from ._report import Report
    from ._result import Options, parse_skip
    from ._supervise import FileRun

    files = _expand([path] if isinstance(path, str) else list(path))
    if len(files) > 1 and not all_models:
        raise ValueError("--build applies to one FILE: give --all to verify several files or a folder")
    if len(files) > 1 and rewritten:
        raise ValueError("--rewritten replaces one FILE: give a single FILE with it")
    located = [locate(f, root) for f in files]
    copy_root, import_root = located[0][:2]
    if any(loc[:2] != (copy_root, import_root) for loc in located):
        raise ValueError("the files live in different packages: give --root, the folder that holds them all")
    options = Options(inputs=[], dtype=dtype, ctx=ctx, rtol=rtol, atol=atol, seed=seed,
                      timeout=timeout or None, input_range=tuple(input_range), int_values=int_values,
                      skip=tuple(parse_skip(skip)))
    report = Report(os.path.abspath(files[0]), located[0][2])
    report.files = [os.path.abspath(f) for f in files]
    say = progress or (lambda text: None)
    save = (lambda: report.write_json(report_path)) if report_path else (lambda: None)
    tmpdir = tempfile.mkdtemp(prefix="gluon-codemod-verify-")
    try:
        workspace = Workspace(files[0], copy_root, import_root, located[0][2], tmpdir, rewritten, unsafe_fixes)
        report.findings, report.rewrite_errors = workspace.findings, workspace.errors
        report.timings["rewrite"] = round(workspace.rewrite_seconds, 6)
        if keep:
            workspace.keep(keep)
        for label in ("orig", "new"):
            os.makedirs(workspace.entries[label] + "-cwd", exist_ok=True)
        env = _child_env(onednn, files)
        for index, (file, (_, _, module_name)) in enumerate(zip(files, located)):
            # `inputs` may map each file to its own shapes (the benchmark's families need different sizes)
            shapes = inputs.get(file, ()) if isinstance(inputs, dict) else inputs
            options.inputs = [tuple(s) for s in shapes]
            _verify_file(FileRun, report, workspace, file, module_name, None if all_models else list(build or []),
                         options, env, os.path.join(tmpdir, f"child-{index}.log"), say, save, numpy)
        save()
        return report
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


def _verify_file(file_run, report, workspace, file, module_name, exprs, options, env, log, say, save,
                 numpy: Optional[bool]) -> None:
    from ._unfixed import blame

    name = os.path.basename(file)
    why = _numpy_reason(file, numpy)
    plan = {"count": len(exprs) if exprs is not None else 0, "done": 0, "start": time.perf_counter()}

    def on_plan(models):
        plan["count"] = len(models)

    def on_result(result):
        for check in result.checks:
            if check.status == "error":
                hint = blame(check.traceback, workspace.entries["new"], workspace.findings)
                if hint:
                    check.detail += "; " + hint
            check.traceback = _real_paths(check.traceback, workspace)
        plan["done"] += 1
        report.models.append(result)
        say(f"verify: {name} [{plan['done']}/{plan['count']}] {result.expr}: {result.status} "
            f"({time.perf_counter() - plan['start']:.1f}s)")
        plan["start"] = time.perf_counter()
        save()

    def on_skip(expr, reason):
        report.skipped.append({"model": expr, "reason": reason, "file": os.path.abspath(file)})
        save()

    unparsable = workspace.parse_errors.get(os.path.relpath(os.path.abspath(file), workspace.import_root))
    if unparsable is not None:  # nothing to import: say where it does not parse, as `check` does
        rel = os.path.relpath(os.path.abspath(file), workspace.import_root)
        report.setup_errors.append({"file": os.path.abspath(file), "message": unparsable.message,
                                    "where": f"{rel}:{unparsable.line}:{unparsable.col + 1}"})
        say(f"verify: {report.setup_errors[-1]['where']}: error: {unparsable.message}")
        save()
        return
    job = {"entries": workspace.entries, "top_names": workspace.top_names, "module": module_name,
           "path": os.path.abspath(file), "all": exprs is None, "exprs": exprs, "options": options.to_dict(),
           "numpy": bool(why)}
    say(f"verify: {name}: importing both sides")
    run = file_run(job, log, env, options.timeout, on_result, on_skip, on_plan)
    run.run()
    report.modes[os.path.abspath(file)] = _mode_row(why, run.numpy, numpy)
    report.timings["import"] = round(report.timings.get("import", 0.0) + run.import_seconds, 6)
    report.notes.extend(f"{name}: {note}" for note in run.notes)
    if run.setup_error:
        hint = blame(run.setup_error, workspace.entries["new"], workspace.findings)
        message = run.setup_error if not hint else run.setup_error.replace("\n", f"\n{hint}\n", 1)
        report.setup_errors.append({"file": os.path.abspath(file), "message": message})
        say(f"verify: {name}: {run.setup_error.splitlines()[0]}")
        save()


def _numpy_reason(file: str, numpy: Optional[bool]) -> Optional[str]:
    """Why FILE is to run in numpy mode (`--np`, or what its source does), or None for ndarray mode."""
    from ._mode import detect_file

    if numpy is not None:
        return "--np" if numpy else None
    found = detect_file(file)
    return f"the file {found}" if found else None


def _mode_row(why: Optional[str], ran_numpy: Optional[bool], forced: Optional[bool]) -> dict:
    """`{"mode": "numpy" | "ndarray", "why": ...}`: the mode the models ran in, and what decided it."""
    if ran_numpy is None or ran_numpy == bool(why):  # None: the import failed; the mode it was to run in
        default = "--no-np" if forced is False else "nothing in the file turns numpy mode on"
        return {"mode": "numpy" if why else "ndarray", "why": why or default}
    if ran_numpy:
        return {"mode": "numpy", "why": "the file's import turned numpy mode on"
                + (" (despite --no-np)" if forced is False else "")}
    return {"mode": "ndarray", "why": f"the file's import turned numpy mode off (despite: {why})"}


def _real_paths(text: Optional[str], workspace) -> Optional[str]:
    """Tracebacks name the temporary copies, gone after the run: the user's files and the kept rewrite instead."""
    if not text:
        return text
    text = text.replace(workspace.entries["orig"] + os.sep, workspace.import_root + os.sep)
    if workspace.kept:
        text = text.replace(workspace.new_tree + os.sep, workspace.kept + os.sep)
    return text.replace(workspace.entries["new"] + os.sep, "<rewrite>" + os.sep)


def _expand(paths: List[str]) -> List[str]:
    """Files as given; folders as the `.py` files under them that mention gluon (tool folders skipped)."""
    from ..run.files import SKIP_DIRS

    files = []
    for path in paths:
        if not os.path.isdir(path):
            files.append(path)
            continue
        found = []
        for folder, dirs, names in os.walk(path):
            dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info"))
            found.extend(os.path.join(folder, f) for f in sorted(names)
                         if f.endswith(".py") and _mentions_gluon(os.path.join(folder, f)))
        if not found:
            raise ValueError(f"{path!r} holds no Python file that uses Gluon")
        files.extend(found)
    return files


def _mentions_gluon(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            return b"gluon" in handle.read()
    except OSError:
        return True  # kept: verify reports why it cannot be read


_FUSED_RNN = re.compile(r"\b(?:LSTM|GRU|RNN)\s*\(")


def _child_env(keep_onednn: bool, paths: Sequence[str]) -> dict:
    # Stock 1.9.1's oneDNN max-pooling backward outside training mode reads a workspace the forward did
    # not fill, so gradients below a max-pool change from run to run. MXNet reads this switch once, on
    # import, which each child process does afresh. Without oneDNN, though, stock 1.9.1's fused
    # RNN/LSTM/GRU kernel on CPU fails ("in_data.size() == num_inputs"): keep oneDNN for files that
    # build fused recurrent layers.
    env = dict(os.environ)
    if keep_onednn:
        return env
    for path in paths:
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                if _FUSED_RNN.search(handle.read()):
                    return env
        except OSError:
            pass  # the verifier reports the unreadable file itself
    env.setdefault("MXNET_MKLDNN_ENABLED", "0")
    env.setdefault("MXNET_STORAGE_FALLBACK_LOG_VERBOSE", "0")
    return env


def run(args: argparse.Namespace) -> int:
    """Run `verify` for parsed arguments; prints the table and returns the exit status."""
    if args.report:
        folder = os.path.dirname(os.path.abspath(args.report))
        if not os.path.isdir(folder):
            print(f"gluon-codemod verify: error: --report {args.report!r}: folder {folder!r} does not exist; "
                  "create it or give another path", file=sys.stderr)
            return 2
    say = None if args.quiet else (lambda text: print(text, file=sys.stderr, flush=True))
    try:
        report = verify(args.file, args.build, args.input, all_models=args.all, dtype=args.dtype, ctx=args.ctx,
                        rtol=args.rtol, atol=args.atol, seed=args.seed, timeout=args.timeout, root=args.root,
                        rewritten=args.rewritten, unsafe_fixes=args.unsafe_fixes, keep=args.keep,
                        input_range=args.input_range, int_values=args.int_values, skip=args.skip,
                        onednn=args.onednn, report_path=args.report, progress=say, numpy=args.numpy)
    except (ValueError, OSError) as exc:
        print(f"gluon-codemod verify: error: {exc}", file=sys.stderr)
        return 2
    if not args.quiet:
        sys.stdout.write(report.format(per_model=args.all or len(report.files) > 1))
    return report.exit_code


def main(argv: Optional[List[str]] = None) -> int:
    parser = configure(argparse.ArgumentParser(prog="gluon-codemod verify", description=DESCRIPTION,
                                               epilog=EPILOG))
    return run(parser.parse_args(argv))


__all__ = ["add_parser", "configure", "main", "run", "verify"]
