"""Whole-project `check` as the project grows: time and peak memory for 1, 2 and 4 copies of a corpus.

Each copy of the gluoncv 0.10.5.post0 sources is a separate package of one project (`gluoncv_0`,
`gluoncv_1`, ...; its own imports renamed to it, so that every copy is indexed and analysed as its own
modules, as a larger project would be). Each size runs the CLI, `gluon-codemod check --jobs 1 .`, in a
fresh process with a cold project cache, and reports its wall time, its CPU time (steadier than wall
time on a shared machine) and its peak resident memory (the child's own `ru_maxrss`). The growth ratios
against one copy are printed last: time should grow with the project (about 4x for 4 copies); memory
should not (the goal: at most 300 MiB for 4 copies).

    python benchmarks/memory.py [--copies 1 2 4] [--corpus gluoncv|FOLDER]
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _corpus import GLUONCV_DIR, gluoncv_sources  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def build_project(folder: str, source_package: str, copies: int) -> int:
    """`copies` renamed copies of the package folder `source_package` under `folder` (a project root);
    returns the number of `.py` files."""
    name = os.path.basename(source_package.rstrip(os.sep))
    own_name = re.compile(r"\b%s\b" % re.escape(name))
    count = 0
    with open(os.path.join(folder, "pyproject.toml"), "w") as marker:
        marker.write("[project]\nname = 'memory-benchmark'\n")
    for copy in range(copies):
        renamed = f"{name}_{copy}"
        for directory, dirs, files in os.walk(source_package):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            target = os.path.join(folder, renamed, os.path.relpath(directory, source_package))
            os.makedirs(target, exist_ok=True)
            for file_name in sorted(files):
                if not file_name.endswith(".py"):
                    continue
                with open(os.path.join(directory, file_name), "rb") as handle:
                    data = handle.read()
                # The copy imports itself, not the first copy (`from gluoncv.nn import ...`).
                data = own_name.sub(renamed, data.decode("utf-8", "surrogateescape")).encode(
                    "utf-8", "surrogateescape")
                with open(os.path.join(target, file_name), "wb") as handle:
                    handle.write(data)
                count += 1
    return count


def measure(folder: str, cache: str) -> tuple:
    """(wall seconds, CPU seconds, peak RSS in MiB) of `gluon-codemod check --jobs 1 .` in `folder`."""
    env = dict(os.environ, XDG_CACHE_HOME=cache, PYTHONPATH=REPO)
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "gluon_codemod", "check", "--jobs", "1", "--quiet", "."],
                             cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)  # this child's own usage, not the largest of all children
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    stderr = child.stderr.read().decode(errors="replace")
    child.stderr.close()
    if child.returncode not in (0, 1):
        raise SystemExit(f"check failed (exit {child.returncode}) in {folder}:\n{stderr[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--corpus", default="gluoncv",
                        help="`gluoncv` (downloaded once), or the folder of a Python package to copy")
    args = parser.parse_args()
    if args.corpus == "gluoncv":
        gluoncv_sources()  # fetched and unpacked on first use
        package = os.path.join(GLUONCV_DIR, "gluoncv")
    else:
        package = os.path.abspath(args.corpus)
    rows = []
    for copies in args.copies:
        with tempfile.TemporaryDirectory(prefix="memory-bench-") as scratch:
            project = os.path.join(scratch, "project")
            os.makedirs(project)
            files = build_project(project, package, copies)
            wall, cpu, peak = measure(project, os.path.join(scratch, "cache"))
        rows.append((copies, files, wall, cpu, peak))
        print(f"{copies} cop{'y' if copies == 1 else 'ies'}: {files:5d} files  {wall:6.1f} s wall  "
              f"{cpu:6.1f} s CPU  peak {peak:6.0f} MiB", flush=True)
    base = rows[0]
    for copies, files, wall, cpu, peak in rows[1:]:
        print(f"{copies}x / {base[0]}x: files {files / base[1]:.2f}x, wall {wall / base[2]:.2f}x, "
              f"CPU {cpu / base[3]:.2f}x, peak memory {peak / base[4]:.2f}x "
              f"({(peak - base[4]) / (files - base[1]) * 1024:+.0f} KiB a file)")


if __name__ == "__main__":
    main()
