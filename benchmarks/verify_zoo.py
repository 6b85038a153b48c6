"""How long `gluon-codemod verify --all` takes on the mxnet 1.9.1 model zoo, where the time goes, and the floor.

Copies `mxnet/gluon/model_zoo/vision/*.py` to a temporary folder (relative imports made absolute, as
user code has them) and verifies them all with one call (`verify --all`, one rewrite of the folder, a
child process per file), each family with an input it accepts. Prints, per model, the seconds verify
spent on it next to one stock forward+backward of that model (the floor: verify runs each side through
about a dozen such passes), then the share of each phase, both sides together: rewrite (engine),
import, build, forward (first and eager), attributes, init, copy, grad, checkpoint (perturb, save and
load in memory, values compared), train-step (SGD and Adam), train-forward, hybridize, divergence,
compare (numpy). As the command does by default, oneDNN is off (`--onednn` keeps it on).

    python benchmarks/verify_zoo.py [--files resnet,vgg] [--json out.json] [--onednn] [--no-floor]
"""
import argparse
import importlib
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from gluon_codemod.verify import verify  # noqa: E402
from gluon_codemod.verify._zoo import FILES, copy_model_zoo  # noqa: E402

# the smallest inputs each architecture accepts (fixed-size average pools need 224 / 299)
SHAPES = {"alexnet": (1, 3, 64, 64), "densenet": (1, 3, 224, 224), "inception": (1, 3, 299, 299),
          "mobilenet": (1, 3, 32, 32), "resnet": (1, 3, 32, 32), "squeezenet": (1, 3, 224, 224),
          "vgg": (1, 3, 32, 32)}


def floor_seconds(folder: str, family: str, expr: str) -> float:
    """One stock forward+backward of the model, after a warm-up pass (what a training step costs at least)."""
    import mxnet as mx
    from mxnet import autograd

    if folder not in sys.path:
        sys.path.insert(0, folder)
    module = importlib.import_module(family)
    net = eval(expr, dict(vars(module)))  # noqa: S307 - the zoo's own factories
    net.initialize()
    x = mx.nd.random.uniform(shape=SHAPES[family])
    x.attach_grad()  # a model without parameters (an activation) still has a graph to differentiate
    best = float("inf")
    for _ in range(2):
        start = time.perf_counter()
        with autograd.record():
            out = net(x)
        out.backward()
        mx.nd.waitall()
        best = min(best, time.perf_counter() - start)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", default=",".join(FILES), help="zoo files to verify (default: all)")
    parser.add_argument("--json", help="write the report and the timings here")
    parser.add_argument("--onednn", action="store_true", help="keep MXNet's oneDNN kernels on")
    parser.add_argument("--no-floor", action="store_true", help="do not time the stock forward+backward")
    args = parser.parse_args()
    if not args.onednn:
        # the zoo builds no fused RNN layer, the one case where the command keeps oneDNN on
        os.environ.setdefault("MXNET_MKLDNN_ENABLED", "0")
        os.environ.setdefault("MXNET_STORAGE_FALLBACK_LOG_VERBOSE", "0")
    names = [n for n in args.files.split(",") if n]
    with tempfile.TemporaryDirectory() as tmp:
        paths = copy_model_zoo(tmp, names)
        start = time.perf_counter()
        report = verify(paths, None, {p: [SHAPES[n]] for p, n in zip(paths, names)}, all_models=True,
                        timeout=900, onednn=args.onednn,
                        progress=lambda text: print(text, file=sys.stderr, flush=True))
        total = time.perf_counter() - start
        rows = []
        for model in report.models:
            family = os.path.basename(model.file)[:-3]
            floor = None if args.no_floor else floor_seconds(tmp, family, model.expr)
            rows.append((family, model.expr, model.status, model.timings["total"]["harness"], floor))
    print(f"\n{'family':<11} {'model':<28} {'status':<8} {'verify':>8} {'fwd+bwd':>8} {'ratio':>6}")
    for family, expr, status, seconds, floor in rows:
        ratio = f"{seconds / floor:6.0f}" if floor else "     -"
        shown = f"{floor:7.3f}s" if floor is not None else "       -"
        print(f"{family:<11} {expr:<28} {status:<8} {seconds:7.2f}s {shown} {ratio}")
    statuses = {}
    for row in rows:
        statuses[row[2]] = statuses.get(row[2], 0) + 1
    print(f"\nverify --all on {len(names)} zoo files: {total:.1f}s, {len(rows)} models by status: {statuses}")
    phases = report.phase_totals()
    print("seconds per phase (both sides; the rest is process start, MXNet import and the harness):")
    for phase, seconds in sorted(phases.items(), key=lambda item: -item[1]):
        print(f"  {phase:<13} {seconds:8.2f}  {100 * seconds / total:5.1f}%")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"total_seconds": total, "phases": phases, "models": rows, "report": report.to_dict()},
                      handle, indent=2)


if __name__ == "__main__":
    main()
