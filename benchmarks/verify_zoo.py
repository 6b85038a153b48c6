"""How long `gluon-codemod verify --all` takes on the mxnet 1.9.1 model zoo, and where the time goes.

Copies `mxnet/gluon/model_zoo/vision/*.py` to a temporary folder (relative imports made absolute, as
user code has them), runs `verify --all` on each file with an input the family accepts, and prints
seconds per model and per phase: rewrite (engine), import, build (construct + initialize), forward
(first and eager forwards), init (initial-value comparison), copy (weights), grad (backward), hybridize
(hybridize + two calls), checkpoint (perturb, save, load, forward, both directions), compare (numpy).
Phases sum both sides (stock and runtime). Single process, one run; not a timed test. As the command
does by default, oneDNN is turned off before MXNet is imported (its max-pooling gradients are not
reproducible outside training mode); `--onednn` keeps it on.

    python benchmarks/verify_zoo.py [--files resnet,vgg] [--json out.json] [--onednn]
"""
import argparse
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


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", default=",".join(FILES), help="zoo files to verify (default: all)")
    parser.add_argument("--json", help="write every report here")
    parser.add_argument("--onednn", action="store_true", help="keep MXNet's oneDNN kernels on")
    args = parser.parse_args()
    if not args.onednn:
        # the zoo builds no fused RNN layer, the one case where the command keeps oneDNN on
        os.environ.setdefault("MXNET_MKLDNN_ENABLED", "0")
        os.environ.setdefault("MXNET_STORAGE_FALLBACK_LOG_VERBOSE", "0")
    names = [n for n in args.files.split(",") if n]
    reports, phases, status = {}, {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        copy_model_zoo(tmp, names)
        start = time.perf_counter()
        for name in names:
            file_start = time.perf_counter()
            report = verify(os.path.join(tmp, name + ".py"), None, [SHAPES[name]], all_models=True, timeout=900)
            reports[name] = report.to_dict()
            for phase, seconds in report.phase_totals().items():
                phases[phase] = phases.get(phase, 0.0) + seconds
            for model in report.models:
                status[model.status] = status.get(model.status, 0) + 1
                print(f"{name:<11} {model.expr:<28} {model.status:<8} {model.timings['total']['harness']:7.2f}s",
                      flush=True)
            print(f"{name:<11} {'(file total)':<28} {'':<8} {time.perf_counter() - file_start:7.2f}s", flush=True)
        total = time.perf_counter() - start
    print(f"\nverify --all on {len(names)} zoo files: {total:.1f}s, models by status: {status}")
    print("seconds per phase (both sides):")
    for phase, seconds in sorted(phases.items(), key=lambda item: -item[1]):
        print(f"  {phase:<11} {seconds:8.2f}  {100 * seconds / total:5.1f}%")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"total_seconds": total, "phases": phases, "reports": reports}, handle, indent=2)


if __name__ == "__main__":
    main()
