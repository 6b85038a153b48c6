"""`gluon-codemod convert-params OLD NEW --model FILE --build EXPR`: legacy 1.x checkpoints to structural keys.

Front end only; MXNet is imported when a conversion runs. Builds the original model from FILE on stock
MXNet 1.9.1 (as `verify` does: FILE and its package are imported and executed), maps every key of OLD
to a structural name, and writes NEW only when everything fits (and, with `--input`, when the original
loaded with OLD and the rewrite loaded with NEW compute the same outputs).
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from typing import List, Optional

DESCRIPTION = (
    "Convert a 1.x parameter file whose keys are prefixed names (save_params, collect_params().save(), "
    "export(), fused-RNN _unfused keys) to structural keys, which gluon_runtime and the new Block API "
    "load. FILE's original model is built on stock MXNet 1.9.1 to learn every spelling of each "
    "Parameter's name. OLD may also be a Trainer.save_states file of a 1.x Trainer built on the model's "
    "collect_params(): its optimizer states are renumbered for gluon_runtime's Trainer (which orders the "
    "Parameters by structural key) and each is checked against its Parameter's shape. "
    "WARNING: this imports and executes FILE and its package.")
EPILOG = (
    "Exit status: 0 NEW written; 1 OLD does not fit the model (missing, unused or mismatched keys; or, with "
    "--input, outputs differ), nothing written; 2 bad usage, an unreadable file, or the model fails.")


def configure(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    from . import _range, _shape

    parser.add_argument("old", metavar="OLD.params", help="the 1.x parameter file (or Trainer states file)")
    parser.add_argument("new", metavar="NEW.params", help="where to write the file with structural keys "
                        "(or the renumbered states)")
    parser.add_argument("--model", metavar="FILE", required=True, help="Python file with the 1.x model code")
    parser.add_argument("--build", metavar="EXPR", required=True,
                        help="expression evaluated in FILE's namespace that builds the model, e.g. 'resnet18_v1()'")
    parser.add_argument("--input", metavar="SHAPE", type=_shape, action="append",
                        help="prove the conversion: run OLD in the original and NEW in the rewrite on an input "
                             "of this shape and compare (repeat for several inputs); also settles deferred shapes")
    parser.add_argument("--input-range", metavar="LOW,HIGH", type=_range, default=(0.0, 1.0))
    parser.add_argument("--int-values", action="store_true", help="draw whole numbers (token ids)")
    parser.add_argument("--dtype", default="float32", help="input dtype (default float32)")
    parser.add_argument("--map", metavar="FILE.json", dest="map_file", help="write the key map (old -> new) here")
    parser.add_argument("--allow-missing", action="store_true",
                        help="parameters OLD lacks are left out of NEW (instead of an error)")
    parser.add_argument("--ignore-extra", action="store_true", help="keys of OLD the model lacks are dropped")
    parser.add_argument("--root", metavar="DIR", help="package root FILE's imports need (as for verify)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--np", dest="numpy", action="store_const", const=True, default=None,
                      help="numpy mode: npx.set_np() before OLD is read and FILE imported, inputs as mx.np arrays "
                           "(by default when FILE calls npx.set_np() or uses @use_np, as for verify)")
    mode.add_argument("--no-np", dest="numpy", action="store_const", const=False,
                      help="ndarray mode even when FILE mentions npx.set_np()/@use_np")
    parser.add_argument("--rtol", type=float, default=1e-4)
    parser.add_argument("--atol", type=float, default=1e-5)
    parser.add_argument("--seed", type=int, default=0)
    return parser


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register `convert-params` on the `gluon-codemod` subparsers (the command's dispatch calls `handler`)."""
    parser = subparsers.add_parser("convert-params", help="convert a 1.x .params file to structural keys "
                                   "(executes FILE)", description=DESCRIPTION, epilog=EPILOG)
    configure(parser)
    parser.set_defaults(handler=run)
    return parser


def run(args: argparse.Namespace) -> int:
    os.environ.setdefault("MXNET_STORAGE_FALLBACK_LOG_VERBOSE", "0")
    for what, path in (("NEW", args.new), ("--map", args.map_file)):
        if path and not os.path.isdir(os.path.dirname(os.path.abspath(path))):
            return _error(f"{what} {path!r}: its folder does not exist")
    from ._convert import ConvertError

    tmpdir = tempfile.mkdtemp(prefix="gluon-codemod-convert-")
    try:
        return _convert(args, tmpdir)
    except (ConvertError, ValueError, OSError) as exc:
        return _error(str(exc))
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


def _error(message: str) -> int:
    print(f"gluon-codemod convert-params: error: {message}", file=sys.stderr)
    return 2


def _fresh_names(build, *args):
    """Build as a fresh 1.x process would: block prefixes counted from 0 (`resnetv10_`), as in the old file."""
    import mxnet as mx

    with mx.name.NameManager():
        return build(*args)


def _convert(args, tmpdir: str) -> int:
    args.old, args.new = os.path.abspath(args.old), os.path.abspath(args.new)  # the model runs in another folder
    from . import _convert as conv
    from ._arrays import parse_ctx
    from ._checks import build
    from ._load import Side, SideError, Workspace, locate

    copy_root, import_root, module_name = locate(args.model, args.root)
    workspace = Workspace(args.model, copy_root, import_root, module_name, tmpdir)
    orig = Side("orig", workspace.entries["orig"], workspace.top_names, None)
    ctx = parse_ctx("cpu")
    _numpy_mode(args)
    states_file = conv.is_states_file(args.old) if os.path.isfile(args.old) else False
    old = conv.load_states(args.old) if states_file else conv.load_old(args.old)
    try:
        net_o = orig.call("build", _fresh_names, build, module_name, args.build, ctx, args.seed)
        inputs = _inputs(args, ctx) if args.input else None  # after the import, which may turn numpy mode on
        if inputs:
            orig.call("forward", net_o, *inputs)  # settles deferred shapes
    except SideError as exc:
        return _error(f"{exc}\n{exc.traceback}")
    if states_file:
        return _convert_states(args, net_o, *old, workspace, module_name, inputs, ctx, tmpdir)
    result = conv.plan(net_o, old)
    say = lambda text: print(text, file=sys.stderr)  # noqa: E731
    say(f"{args.old}: {len(old)} keys, format: {result.format}")
    if result.note:
        say("note: " + result.note)
    if result.deferred:
        say(f"note: {result.deferred} parameters get their full shape at the first forward; give --input to "
            "check every size")
    problems = result.problems(args.allow_missing, args.ignore_extra)
    if problems:
        say(f"{args.old} does not fit {args.build} ({len(problems)} problem(s)); nothing written:")
        for line in problems:
            say("  " + line)
        return 1
    arrays = conv.converted(net_o, old, result)
    if inputs:
        status = _prove(args, workspace, module_name, orig, net_o, arrays, inputs, ctx, result, tmpdir)
        if status:
            return status
    conv.write_params(args.new, arrays)
    if args.map_file:
        conv.write_map(args.map_file, result, args.old)
    dropped = f", {len(result.unused)} unused keys dropped" if result.unused else ""
    kept = f", {len(result.missing)} parameters missing" if result.missing else ""
    say(f"wrote {args.new}: {len(arrays)} arrays under structural keys{dropped}{kept}")
    return 0


def _convert_states(args, net_o, states, optimizer, workspace, module_name, inputs, ctx, tmpdir) -> int:
    """OLD.states of a 1.x Trainer on `collect_params()`, renumbered for gluon_runtime's Trainer."""
    from . import _convert as conv

    say = lambda text: print(text, file=sys.stderr)  # noqa: E731
    result = conv.plan_states(net_o, states, optimizer)
    say(f"{args.old}: optimizer states of {len(states)} Parameters (Trainer.save_states), for the "
        f"{len(result.old_names)} Parameters of {args.build}")
    if result.problems:
        say(f"{args.old} does not fit {args.build} ({len(result.problems)} problem(s)); nothing written:")
        for line in result.problems:
            say("  " + line)
        say("  (a 1.x Trainer numbers the Parameters it was given by sorted prefixed name: the file must come "
            "from a Trainer built on this model's collect_params())")
        return 1
    moved, optimizer = conv.reorder_states(states, optimizer, result.index_map)
    if inputs:
        staged = os.path.join(tmpdir, "new.states")
        conv.write_states(staged, moved, optimizer)
        status = _prove_states(args, workspace, module_name, inputs, ctx, result, staged)
        if status:
            return status
    conv.write_states(args.new, moved, optimizer)
    if args.map_file:
        conv.write_states_map(args.map_file, result, args.old)
    renumbered = sum(1 for i in states if result.index_map[i] != i)
    say(f"wrote {args.new}: {len(moved)} optimizer states in gluon_runtime's Trainer order "
        f"({renumbered} renumbered)")
    return 0


def _prove_states(args, workspace, module_name, inputs, ctx, result, staged) -> int:
    """The rewrite's own Trainer numbers its Parameters as the converted file does, and loads it."""
    from ._checks import build
    from ._load import Side, SideError

    def load(net):
        import gluon_runtime

        trainer = gluon_runtime.Trainer(net.collect_params(), "sgd")
        trainer.load_states(staged)  # checks every state's shape against its Parameter
        return trainer._param_names

    new = Side("new", workspace.entries["new"], workspace.top_names, None)
    try:
        net_n = new.call("build", build, module_name, args.build, ctx, args.seed)
        new.call("forward", net_n, *inputs)  # settles deferred shapes
        order = new.call("load", load, net_n)
    except SideError as exc:
        return _error(f"the proof failed: {exc}\n{exc.traceback}")
    if order != result.new_keys:
        print("proof failed: the rewrite's Trainer numbers its Parameters otherwise than the converted states: "
              f"{_first_difference(order, result.new_keys)}; nothing written", file=sys.stderr)
        return 1
    print(f"proof: the rewrite's Trainer numbers its {len(order)} Parameters as the converted states and loads "
          "them", file=sys.stderr)
    return 0


def _first_difference(ours, theirs) -> str:
    for index, (a, b) in enumerate(zip(ours, theirs)):
        if a != b:
            return f"index {index} is `{a}` in the rewrite, `{b}` in the converted file"
    return f"the rewrite has {len(ours)} Parameters, the converted file {len(theirs)}"


def _prove(args, workspace, module_name, orig, net_o, arrays, inputs, ctx, result, tmpdir) -> int:
    from . import _convert as conv
    from ._arrays import compare, structural_params, to_numpy
    from ._checks import build
    from ._load import Side, SideError

    new = Side("new", workspace.entries["new"], workspace.top_names, None)
    staged = os.path.join(tmpdir, "new.params")
    conv.write_params(staged, arrays)
    try:
        orig.call("load", conv.load_with_stock, net_o, args.old, result, args.allow_missing, args.ignore_extra, ctx)
        net_n = new.call("build", build, module_name, args.build, ctx, args.seed)
        new.call("forward", net_n, *inputs)
        if result.missing:  # the parameters OLD lacks keep the original's values on both sides
            po, pn = structural_params(net_o), structural_params(net_n)
            for key in result.missing:
                new.call("load", pn[key].set_data, po[key].data(ctx).copyto(ctx))
        new.call("load", net_n.load_parameters, staged, ctx=ctx, allow_missing=bool(result.missing))
        out_o = orig.call("forward", lambda: to_numpy(net_o(*inputs)))
        out_n = new.call("forward", lambda: to_numpy(net_n(*inputs)))
    except SideError as exc:
        return _error(f"the proof failed: {exc}\n{exc.traceback}")
    same, worst, detail = compare(out_o, out_n, args.rtol, args.atol)
    if not same:
        print(f"proof failed: OLD in the original and NEW in the rewrite differ: {detail} (largest |difference| "
              f"{worst}); nothing written", file=sys.stderr)
        return 1
    print(f"proof: OLD in the original and NEW in the rewrite give the same outputs (largest |difference| "
          f"{worst:.3g})", file=sys.stderr)
    return 0


def _numpy_mode(args) -> bool:
    """Numpy mode, decided as verify decides it (`--np`, `--no-np`, else what FILE's source does), turned on
    before anything is read: 1.9.1 loads a file saved under numpy shapes only under numpy shapes."""
    import mxnet as mx

    from ._mode import detect_file

    why = ("--np" if args.numpy else None) if args.numpy is not None else detect_file(args.model)
    if why:
        mx.npx.set_np()
        print(f"mode: numpy ({'FILE ' + why if why != '--np' else why})", file=sys.stderr)
    return bool(why)


def _inputs(args, ctx):
    import mxnet as mx
    import numpy as np

    rng = np.random.RandomState(args.seed)
    low, high = args.input_range
    # numpy mode (set by us, or by FILE's import): the models take mx.np arrays
    make = mx.np.array if mx.util.is_np_array() else mx.nd.array
    return [make(rng.randint(int(low), int(high), s) if args.int_values else rng.uniform(low, high, s),
                 ctx=ctx, dtype=args.dtype) for s in args.input]


def main(argv: Optional[List[str]] = None) -> int:
    parser = configure(argparse.ArgumentParser(prog="gluon-codemod convert-params", description=DESCRIPTION,
                                               epilog=EPILOG))
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
