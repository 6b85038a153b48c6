"""Front-end speed on the engine benchmark's corpora, one run each, ratios printed next to the goals.

(a) `gluon-codemod fix --diff` over the gluoncv 0.10.5.post0 sources with `--jobs 2` against `--jobs 1`
    (goal: at least 1.7x faster on a 2-core machine). Both diffs must be identical.
(b) flake8 with the gluon-codemod plugin against flake8 without it, on the gluoncv sources (goal: at
    most 1.2x) and on the standard library's own `Lib/` (no Gluon code; goal: at most 1.05x).

How (b) leaves the plugin out: both runs are the same interpreter, flake8, pyflakes and pycodestyle in
this environment, started as `python -c <launcher>` subprocesses; the launcher drops the gluon-codemod
distribution from flake8's plugin discovery for the "without" run only, before flake8 loads (imports)
any plugin. So everything the plugin costs (its import, its option, its `run()` on every file) is in
the "with" time and none of it in the "without" time. The two outputs must agree on every non-GLN line.
Both wall time and CPU time (flake8 and its worker processes) are printed: on a shared machine the CPU
ratio is the steadier measure of what the plugin costs; on an idle one the two agree.

(c) Start-up: `gluon-codemod check one_file.py` against `flake8 one_file.py` on a file with no Gluon code
    (goal: at most 1.2x), medians of alternating runs (`--startup-runs`, default 15).
(d) The pre-commit hooks' cost on a typical commit of 1, 3 and 5 files (half of them Gluon 1.x code):
    `pre-commit run --files ...` in a throw-away git repository whose hooks are those of
    `.pre-commit-hooks.yaml` run as `language: system` (the environment pre-commit would build is this
    one), and the hook's command alone; medians of alternating runs.
(e) A hook's `check` of one file of a 600-file project (the gluoncv sources, topped up with copies), once
    its project index is cached, against the same check of that file on its own (a one-file project: the
    cost before projects were indexed); goal: at most 1.5x. The first, indexing run is printed too.

    python benchmarks/frontends.py [--only cli|flake8|startup|precommit|project] [--flake8-jobs N] [--repeat N]

Each measurement is repeated (`--repeat`, default 3) with the two sides alternating (A B, B A, A B), and
the best time of each side is kept: on a shared virtual machine a single run can be off by 30% either way.

Exit status: 0 when every measurement ran (goals met or not; the verdicts are printed), 1 when a
measurement could not run (e.g. `--jobs` missing from the command line) or a sanity check failed.
"""
import argparse
import ast
import os
import resource
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _corpus import GLUONCV_DIR, gluoncv_sources, stdlib_sources  # noqa: E402

PLUGIN_DISTRIBUTION = "gluon-codemod"

# Runs flake8's command line; argv[1] is "with" or "without" the gluon-codemod plugin.
_FLAKE8_LAUNCHER = f"""
import sys
from flake8.main import cli
from flake8.plugins import finder

if sys.argv[1] == "without":
    discover = finder.find_plugins

    def find_plugins_but_ours(cfg, opts):
        return [p for p in discover(cfg, opts) if p.package != {PLUGIN_DISTRIBUTION!r}]

    finder.find_plugins = find_plugins_but_ours
sys.exit(cli.main(sys.argv[2:]))
"""


def _lines(paths):
    total = 0
    for path in paths:
        with open(path, "rb") as handle:
            total += handle.read().count(b"\n")
    return total


def _children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed_run(command, cwd=None, env=None):
    """Wall seconds, CPU seconds (the process and every worker it waited for) and the completed process."""
    cpu_before, start = _children_cpu(), time.perf_counter()
    completed = subprocess.run(command, cwd=cwd, capture_output=True, env=env)
    return time.perf_counter() - start, _children_cpu() - cpu_before, completed


def _load_note():
    # Other work on the machine inflates wall times (and, less, CPU times): say how busy it was.
    one_minute = os.getloadavg()[0]
    busy = one_minute > 0.5
    return f"load average {one_minute:.2f}{' (machine busy: wall times are noisy)' if busy else ''}"


def _diff_by_file(output):
    files, current = {}, None
    for line in output.decode(errors="replace").splitlines(keepends=True):
        if line.startswith("--- a/"):
            current = line[len("--- a/"):].strip()
            files[current] = ""
        if current is not None:
            files[current] += line
    return files


def _alternating(sides, round_number):
    # A, B then B, A...: whatever favours the first (or the second) run of a pair favours both sides equally
    return sides if round_number % 2 == 0 else tuple(reversed(sides))


def _runs(seconds):
    return "[" + ", ".join(f"{value:.1f}" for value in seconds) + "]"


def _verdict(ok):
    return "OK" if ok else "MISSED"


# Runs gluon-codemod's command line (argv[2:]) and writes the run's timeline as JSON into the folder argv[1]:
# one file for the main process and one per worker. Only clock reads are added, around functions the
# run calls anyway: where the time goes (index, plan, worker start, files, output) without changing it.
_CLI_LAUNCHER = """
import json, os, resource, sys, time
FOLDER = sys.argv[1]
def now():
    return (time.perf_counter(), time.process_time())
main = {"start": now()}
from gluon_codemod.frontends import cli
from gluon_codemod.run import batch, project, project_cache
main["imported"] = now()

def spans(owner, name, function):
    def timed(*args, **kwargs):
        begin = now()
        try:
            return function(*args, **kwargs)
        finally:
            main.setdefault(name, []).append((begin, now()))
    setattr(owner, function.__name__, timed)

spans(project.Project, "index", project.Project.load.__func__)
project.Project.load = classmethod(project.Project.load)
spans(project.Project, "plan", project.Project.settle)
spans(project_cache, "project files", project_cache.project_paths)
spans(project_cache, "cache read", project_cache._load)
spans(project_cache, "cache write", project_cache._save)
running = cli.run_files
def run_files(*args, **kwargs):
    main["files begin"] = now()
    # (the processes forked to index and settle the plan are done and reaped by now; the workers not started)
    forked = resource.getrusage(resource.RUSAGE_CHILDREN)
    main["forked cpu"] = forked.ru_utime + forked.ru_stime
    for result in running(*args, **kwargs):
        main.setdefault("first result", now())
        yield result
    main["files end"] = now()
cli.run_files = run_files

worker = {}
def save_worker():
    worker["exit"] = now()
    with open(os.path.join(FOLDER, "worker-%d.json" % os.getpid()), "w") as handle:
        json.dump(worker, handle)
starting = batch._start_worker
def start_worker(*args):
    import multiprocessing.util
    worker["start"] = now()
    multiprocessing.util.Finalize(None, save_worker, exitpriority=100)  # run as the worker exits
    starting(*args)
batch._start_worker = start_worker
processing = batch._process_in_worker
def process_in_worker(*args):
    begin = now()
    worker.setdefault("first task", begin)
    try:
        return processing(*args)
    finally:
        end = now()
        worker["busy wall"] = worker.get("busy wall", 0) + end[0] - begin[0]
        worker["busy cpu"] = worker.get("busy cpu", 0) + end[1] - begin[1]
        worker["files"] = worker.get("files", 0) + 1
        worker["last task"] = end
batch._process_in_worker = process_in_worker

try:
    status = cli.main(sys.argv[2:])
finally:
    main["end"] = now()
    with open(os.path.join(FOLDER, "main.json"), "w") as handle:
        json.dump(main, handle)
sys.exit(status)
"""


def _cli_run(arguments, cwd, env):
    """(wall seconds, CPU seconds of the process and its workers, completed process, timeline)."""
    import json
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        spawned = time.perf_counter()
        seconds, cpu, completed = _timed_run([sys.executable, "-c", _CLI_LAUNCHER, folder, *arguments], cwd=cwd,
                                             env=env)
        timeline = {"spawned": spawned, "exited": spawned + seconds, "workers": []}
        for name in sorted(os.listdir(folder)):
            with open(os.path.join(folder, name)) as handle:
                if name == "main.json":
                    timeline.update(json.load(handle))
                else:
                    timeline["workers"].append(json.load(handle))
    return seconds, cpu, completed, timeline


def _split(timeline):
    """Where the wall time of a run went, in seconds: {phase: (wall, CPU)} (CPU: the main process's, and for
    the files the workers' busy CPU too). "output" runs from the last file done to the process's exit: the
    results printed in order, the summary, and the interpreter's exit (which frees the project)."""
    main, workers = timeline, timeline["workers"]
    wall_cpu = lambda begin, end: (end[0] - begin[0], end[1] - begin[1])  # noqa: E731
    phases = {"start-up": (main["imported"][0] - main["spawned"], main["imported"][1])}
    for name in ("project files", "cache read", "index", "plan", "cache write"):
        if name in main:
            phases[name] = tuple(sum(part) for part in zip(*(wall_cpu(b, e) for b, e in main[name])))
    begin, end = main["files begin"], main["files end"]
    if workers:
        ready = max(w["first task"][0] for w in workers)
        last = max(w["last task"][0] for w in workers)
        phases["worker start"] = (ready - begin[0], 0.0)
        # (the main process's CPU meanwhile is the pool's bookkeeping: results in, tasks out)
        phases["files"] = (last - ready, sum(w["busy cpu"] for w in workers) + end[1] - begin[1])
        phases["output"] = (timeline["exited"] - last, main["end"][1] - end[1])
    else:
        phases["files"] = wall_cpu(begin, end)
        phases["output"] = (timeline["exited"] - end[0], main["end"][1] - end[1])
    # (the command line read, the files collected, the cache key computed...)
    phases["other"] = (timeline["exited"] - timeline["spawned"] - sum(wall for wall, _ in phases.values()), 0.0)
    return phases


def _critical_cpu(cpu, timeline):
    """The run's CPU seconds along its critical path: what its wall time would be on an idle machine with a
    core per process (no waiting for a core, nor for the disk). One process: all of its CPU time. With
    workers: the main process's CPU before and after the file pass, plus the busiest worker's CPU up to its
    last file (a forked worker's CPU clock starts at zero); the main process's bookkeeping during the pass
    runs beside the workers and is left out."""
    workers = timeline["workers"]
    if not workers:
        return cpu, ""
    main_total = cpu - sum(worker["exit"][1] for worker in workers) - timeline["forked cpu"]
    before, busiest = timeline["files begin"][1], max(worker["last task"][1] for worker in workers)
    after = main_total - timeline["files end"][1]
    return before + busiest + after, f" ({before:.2f} s before the file pass + {busiest:.2f} s the busiest worker " \
                                     f"+ {after:.2f} s after it, exit included)"


def _print_split(jobs, seconds, cpu, timeline):
    phases = _split(timeline)
    serial = sum(wall for name, (wall, _) in phases.items() if name != "files")
    # (one process: the file pass split in two halves, the rest as it is, is the most 2 workers can do)
    bound = f", so --jobs 2 at most {seconds / (serial + phases['files'][0] / 2):.2f}x" if jobs == 1 else ""
    forked = timeline.get("forked cpu")
    forked = f", {forked:.2f} s of it in processes forked to index and settle the plan" if forked else ""
    print(f"      --jobs {jobs} split (wall / CPU s): " + ", ".join(
        f"{name} {wall:.2f}/{phase_cpu:.2f}" for name, (wall, phase_cpu) in phases.items())
        + f"; outside the file pass {serial:.2f} s = {serial / seconds:.0%} of {seconds:.2f} s{bound}; "
        f"CPU in all {cpu:.2f} s{forked}")
    for number, worker in enumerate(timeline["workers"], 1):
        span = worker["last task"][0] - worker["first task"][0]
        print(f"        worker {number}: {worker['files']} files, busy {worker['busy wall']:.2f} s wall "
              f"({worker['busy cpu']:.2f} s CPU) of {span:.2f} s from its first task to its last; "
              f"idle at the end {max(w['last task'][0] for w in timeline['workers']) - worker['last task'][0]:.2f} s")


def bench_cli_jobs(paths, repeat, caches):
    """(a): returns False when the measurement could not be made."""
    import tempfile

    print("(a) gluon-codemod fix --diff, --jobs 2 against --jobs 1 "
          f"(gluoncv: {len(paths)} files, {_lines(paths)} lines)")
    cli = [sys.executable, "-m", "gluon_codemod"]
    help_text = subprocess.run(cli + ["fix", "--help"], capture_output=True, text=True).stdout
    if "--jobs" not in help_text:
        print("    NOT MEASURED: `gluon-codemod fix` has no --jobs option yet (gluon_codemod/cli.py); "
              "rerun once it does")
        return False
    relative = [os.path.relpath(path, GLUONCV_DIR) for path in paths]
    for cache in caches:
        with tempfile.TemporaryDirectory() as folder:
            env = dict(os.environ, XDG_CACHE_HOME=os.path.join(folder, "cache"))
            if cache == "warm":  # the index and the plan are read back from the cache this fills
                print("    project cache warm (the index and the plan read back from an earlier run)")
                _cli_run(["fix", "--diff", *relative], GLUONCV_DIR, env)
            else:
                print("    project cache cold (each run indexes the project and settles the plan: a first run, "
                      "or any run after an edit)")
            if not _bench_cli_jobs_rounds(relative, repeat, cache, folder, env):
                return False
    return True


def _bench_cli_jobs_rounds(relative, repeat, cache, folder, env):
    times, cpus, outputs, timelines, critical_of = {1: [], 2: []}, {1: [], 2: []}, {}, {}, {1: [], 2: []}
    print(f"    {_load_note()}")
    for round_number in range(repeat):
        for jobs in _alternating((1, 2), round_number):
            if cache == "cold":
                env = dict(env, XDG_CACHE_HOME=os.path.join(folder, f"cache-{round_number}-{jobs}"))
            seconds, cpu, completed, timeline = _cli_run(["fix", "--diff", "--jobs", str(jobs), *relative],
                                                         GLUONCV_DIR, env)
            if completed.returncode not in (0, 1):
                print(f"    FAILED: --jobs {jobs} exited {completed.returncode}: "
                      f"{completed.stderr.decode(errors='replace')[-2000:]}")
                return False
            if not times[jobs] or seconds < min(times[jobs]):
                timelines[jobs] = (seconds, cpu, timeline)
            critical_of[jobs].append((cpu, timeline))
            times[jobs].append(seconds)
            cpus[jobs].append(cpu)
            outputs[jobs] = completed.stdout
    print(f"    {_load_note()} (after)")
    for jobs in (1, 2):
        print(f"    --jobs {jobs}: {min(times[jobs]):7.2f} s best of {_runs(times[jobs])}, CPU {_runs(cpus[jobs])} s "
              f"({outputs[jobs].count(b'+++ b/')} files would change)")
        _print_split(jobs, *timelines[jobs])
    if outputs[1] != outputs[2]:
        serial, parallel = _diff_by_file(outputs[1]), _diff_by_file(outputs[2])
        differing = sorted(name for name in set(serial) | set(parallel) if serial.get(name) != parallel.get(name))
        print(f"    FAILED: --jobs 2 printed a different diff from --jobs 1 for {len(differing)} files, e.g. "
              f"{', '.join(differing[:5])} (were the rules edited during the run?)")
        return False
    speedup = min(times[1]) / min(times[2])
    cpu_ratio = min(cpus[2]) / min(cpus[1])
    print(f"    speed-up --jobs 2 / --jobs 1 = {speedup:.2f}x (goal >= 1.7x)  {_verdict(speedup >= 1.7)}; "
          f"CPU --jobs 2 / --jobs 1 = {cpu_ratio:.2f}x (the work parallelism adds)")
    # The same ratio from CPU clocks, which other work on the machine moves less: an estimate, not a measure
    # (a busy machine still inflates CPU times, the more so with two workers, and an idle one has waits
    # this leaves out).
    critical = {jobs: min(_critical_cpu(cpu, timeline) for cpu, timeline in runs)
                for jobs, runs in critical_of.items()}
    print(f"    from CPU times along the critical path: --jobs 1 {critical[1][0]:.2f} s, "
          f"--jobs 2 {critical[2][0]:.2f} s"
          f"{critical[2][1]}: {critical[1][0] / critical[2][0]:.2f}x on an idle 2-core machine (estimate)")
    return True


def _flake8(plugin, paths, jobs, cwd):
    command = [sys.executable, "-c", _FLAKE8_LAUNCHER, plugin, "--isolated", f"--jobs={jobs}", *paths]
    seconds, cpu, completed = _timed_run(command, cwd=cwd)
    if completed.returncode not in (0, 1) or b"Traceback" in completed.stderr:
        raise RuntimeError(f"flake8 ({plugin} the plugin) exited {completed.returncode}: "
                           f"{completed.stderr.decode(errors='replace')[-2000:]}")
    return seconds, cpu, completed.stdout.decode(errors="replace").splitlines()


def _is_gln(line):
    # path:line:col: CODE message
    parts = line.split(": ", 1)
    return len(parts) == 2 and parts[1].startswith("GLN")


def bench_flake8(name, paths, goal, jobs, expect_gln, repeat):
    """(b) for one corpus: returns False when a sanity check failed."""
    root = os.path.commonpath(paths)
    relative = [os.path.relpath(path, root) for path in paths]
    print(f"(b) flake8 with the plugin against flake8 without it, --jobs {jobs} "
          f"({name}: {len(paths)} files, {_lines(paths)} lines)")
    print(f"    {_load_note()}")
    walls, cpus = {"without": [], "with": []}, {"without": [], "with": []}
    for round_number in range(repeat):
        for plugin in _alternating(("without", "with"), round_number):
            seconds, cpu, out = _flake8(plugin, relative, jobs, root)
            walls[plugin].append(seconds)
            cpus[plugin].append(cpu)
            if plugin == "without":
                without_out = out
            else:
                with_out = out
    without_seconds, without_cpu = min(walls["without"]), min(cpus["without"])
    with_seconds, with_cpu = min(walls["with"]), min(cpus["with"])
    gln = [line for line in with_out if _is_gln(line)]
    print(f"    without: {without_seconds:7.2f} s wall, {without_cpu:7.2f} s CPU  best of {_runs(walls['without'])}"
          f"  ({len(without_out)} violations)")
    print(f"    with:    {with_seconds:7.2f} s wall, {with_cpu:7.2f} s CPU  best of {_runs(walls['with'])}"
          f"  ({len(with_out)} violations, {len(gln)} of them GLN)")
    if any(_is_gln(line) for line in without_out):
        print("    FAILED: the run without the plugin reported GLN codes: the plugin was not left out")
        return False
    if bool(gln) != expect_gln:
        print(f"    FAILED: expected {'some' if expect_gln else 'no'} GLN violations on this corpus")
        return False
    if sorted(line for line in with_out if not _is_gln(line)) != sorted(without_out):
        print("    FAILED: the two runs disagree on flake8's own violations: they did not check the same")
        return False
    wall_ratio, cpu_ratio = with_seconds / without_seconds, with_cpu / without_cpu
    print(f"    with / without = {wall_ratio:.3f}x wall, {cpu_ratio:.3f}x CPU (goal <= {goal}x)  "
          f"wall {_verdict(wall_ratio <= goal)}, CPU {_verdict(cpu_ratio <= goal)}")
    alone = _plugin_alone(paths)
    print(f"    the plugin alone, in one process on flake8's inputs: {alone:.2f} s = "
          f"{100 * alone / without_cpu:.1f}% of flake8's CPU time without it (no noise from other processes)")
    return True


def _plugin_alone(paths):
    """Seconds the plugin spends (first-use engine import included) given the `ast` trees and lines
    flake8 hands it, as flake8 calls it: `GluonChecker(tree, lines, filename).run()` consumed."""
    from gluon_codemod.frontends.flake8_plugin import GluonChecker

    inputs = []
    for path in paths:
        with open(path, "rb") as handle:
            data = handle.read()
        lines = data.decode("utf-8", errors="replace").splitlines(keepends=True)
        try:
            tree = ast.parse(data)
        except SyntaxError:  # flake8 reports E999 and runs no tree plugin on it
            continue
        inputs.append((tree, lines, path))
    start = time.perf_counter()
    for tree, lines, path in inputs:
        for _violation in GluonChecker(tree, lines, path).run():
            pass
    return time.perf_counter() - start


CLEAN_FILE = "import os\n\n\ndef main():\n    return os.getcwd()\n\n\nprint(main())\n"
GLUON_FILE = ("from mxnet.gluon import nn\n\n\nclass Net(nn.HybridBlock):\n    def __init__(self, **kwargs):\n"
              "        super(Net, self).__init__(**kwargs)\n        with self.name_scope():\n"
              "            self.dense = nn.Dense(3)\n")


def _median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _medians_alternating(commands, runs, cwd, env=None):
    """{name: median wall seconds} of `commands` ({name: argv}), run in alternating order."""
    times = {name: [] for name in commands}
    names = tuple(commands)
    for round_number in range(runs):
        for name in _alternating(names, round_number):
            start = time.perf_counter()
            completed = subprocess.run(commands[name], cwd=cwd, capture_output=True, env=env)
            times[name].append(time.perf_counter() - start)
            if completed.returncode not in (0, 1):
                raise RuntimeError(f"{name} exited {completed.returncode}: "
                                   f"{completed.stderr.decode(errors='replace')[-2000:]}")
    return {name: _median(values) for name, values in times.items()}


def bench_startup(runs):
    import tempfile

    print(f"(c) start-up: one clean file, gluon-codemod check against flake8 (medians of {runs} alternating runs)")
    print(f"    {_load_note()}")
    bindir = os.path.dirname(sys.executable)
    with tempfile.TemporaryDirectory() as folder:
        with open(os.path.join(folder, "one_file.py"), "w") as handle:
            handle.write(CLEAN_FILE)
        medians = _medians_alternating({
            "flake8": [os.path.join(bindir, "flake8"), "--isolated", "one_file.py"],
            "gluon-codemod": [os.path.join(bindir, "gluon-codemod"), "check", "--no-config", "one_file.py"],
        }, runs, folder)
        probe = ("import sys; from gluon_codemod.frontends.cli import main; main(['check', '-q', '--no-config', "
                 "'one_file.py']); print('libcst' in sys.modules)")
        libcst = subprocess.run([sys.executable, "-c", probe], cwd=folder, capture_output=True, text=True)
    ratio = medians["gluon-codemod"] / medians["flake8"]
    print(f"    flake8 {medians['flake8']:.3f} s, gluon-codemod check {medians['gluon-codemod']:.3f} s: "
          f"{ratio:.2f}x (goal <= 1.2x)  {_verdict(ratio <= 1.2)}")
    print(f"    libcst imported by a check of that file: {libcst.stdout.strip() or libcst.stderr[-500:]}")
    return True


def _hook_config(bindir):
    """.pre-commit-hooks.yaml's hooks as a local `language: system` repository (nothing to install)."""
    import yaml

    with open(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                           ".pre-commit-hooks.yaml")) as handle:
        hooks = yaml.safe_load(handle)
    local = []
    for hook in hooks:
        entry = hook["entry"].split()
        local.append({"id": hook["id"], "name": hook["name"], "language": "system",
                      "entry": " ".join([os.path.join(bindir, entry[0])] + entry[1:]),
                      "types_or": hook.get("types_or", ["python"]), "require_serial": True})
    return {"repos": [{"repo": "local", "hooks": local}]}, hooks


def bench_precommit(runs):
    import shutil
    import tempfile

    import yaml

    if shutil.which("git") is None:
        print("(d) NOT MEASURED: git is not installed")
        return False
    print(f"(d) pre-commit hooks on a typical commit (medians of {runs} alternating runs)")
    print(f"    {_load_note()}")
    bindir = os.path.dirname(sys.executable)
    config, _hooks = _hook_config(bindir)
    with tempfile.TemporaryDirectory() as folder:
        env = dict(os.environ, HOME=folder, GIT_CONFIG_NOSYSTEM="1", PRE_COMMIT_HOME=os.path.join(folder, ".cache"),
                   PATH=bindir + os.pathsep + os.environ.get("PATH", ""))
        repo = os.path.join(folder, "repo")
        os.makedirs(repo)
        subprocess.run(["git", "init", "-q", repo], check=True, env=env)
        with open(os.path.join(repo, ".pre-commit-config.yaml"), "w") as handle:
            yaml.safe_dump(config, handle)
        check_entry = next(h["entry"] for h in config["repos"][0]["hooks"] if h["id"] == "gluon-codemod-check")
        for count in (1, 3, 5):
            names = [f"m{i}.py" for i in range(count)]
            for i, name in enumerate(names):
                with open(os.path.join(repo, name), "w") as handle:
                    handle.write(GLUON_FILE if i % 2 == 0 else CLEAN_FILE)
            # The fix hook rewrites the files, so runs would not be alike: its work is measured as
            # `fix --diff` (the same analysis and rewrite, nothing written).
            medians = _medians_alternating({
                "pre-commit": [sys.executable, "-m", "pre_commit", "run", "gluon-codemod-check", "--files", *names],
                "check alone": check_entry.split() + names,
                "fix --diff alone": [os.path.join(bindir, "gluon-codemod"), "fix", "--diff", *names],
            }, runs, repo, env)
            print(f"    {count} file{'s' if count > 1 else ''}: `pre-commit run gluon-codemod-check` "
                  f"{medians['pre-commit']:.3f} s (the hook's command alone {medians['check alone']:.3f} s); "
                  f"gluon-codemod-fix's work {medians['fix --diff alone']:.3f} s")
    return True


def bench_project_file(runs):
    """(e) A hook's run on one file of a ~600-file project, its project index cached, against the same run
    on that file alone (its own one-file project: what the command cost before it indexed projects)."""
    import shutil
    import tempfile

    sources = gluoncv_sources()
    base = os.path.commonpath(sources)
    print(f"(e) one file of a 600-file project, index cached (medians of {runs} alternating runs)")
    print(f"    {_load_note()}")
    with tempfile.TemporaryDirectory() as folder:
        project, alone = os.path.join(folder, "project"), os.path.join(folder, "alone")
        for index, path in enumerate(sources + sources[:600 - len(sources)]):
            relative = os.path.relpath(path, base) if index < len(sources) else os.path.join(
                "copy", f"m{index}.py")
            target = os.path.join(project, relative)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copyfile(path, target)
        open(os.path.join(project, "pyproject.toml"), "w").close()
        one = next(os.path.relpath(p, base) for p in sources if p.endswith(os.path.join("model_zoo", "resnetv1b.py")))
        os.makedirs(alone)
        shutil.copyfile(os.path.join(project, one), os.path.join(alone, "one.py"))
        open(os.path.join(alone, "pyproject.toml"), "w").close()
        command = [os.path.join(os.path.dirname(sys.executable), "gluon-codemod"), "check", "--quiet"]
        env = dict(os.environ, XDG_CACHE_HOME=os.path.join(folder, "cache"))
        started = time.perf_counter()
        subprocess.run(command + [one], cwd=project, env=env, capture_output=True)
        print(f"    first run (indexes the project and settles the plan): {time.perf_counter() - started:.2f} s")
        in_project = _medians_alternating({"in project": command + [one]}, runs, project, env)["in project"]
        by_itself = _medians_alternating({"alone": command + ["one.py"]}, runs, alone, env)["alone"]
    ratio = in_project / by_itself
    print(f"    in the project {in_project:.3f} s, the file alone {by_itself:.3f} s: {ratio:.2f}x (goal <= 1.5x) "
          f"{_verdict(ratio <= 1.5)}")
    return ratio <= 1.5


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=("cli", "flake8", "startup", "precommit", "project"),
                        help="run one measurement")
    parser.add_argument("--startup-runs", type=int, default=15, help="runs of each side for (c) and (d)")
    parser.add_argument("--flake8-jobs", default="auto",
                        help="flake8's --jobs for (b) (default: auto, one process per core, as users run it)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side, alternating; the best counts")
    parser.add_argument("--cache", choices=("cold", "warm", "both"), default="both",
                        help="(a) with the project cache cold (each run indexes), warm (read back), or both")
    args = parser.parse_args()
    ok = True
    if args.only in (None, "startup"):
        ok &= bench_startup(args.startup_runs)
    if args.only in (None, "precommit"):
        ok &= bench_precommit(max(3, args.startup_runs // 3))
    if args.only in (None, "project"):
        ok &= bench_project_file(args.startup_runs)
    if args.only in ("startup", "precommit", "project"):
        return 0 if ok else 1
    gluoncv = gluoncv_sources()
    if args.only in (None, "cli"):
        ok &= bench_cli_jobs(gluoncv, args.repeat, ("cold", "warm") if args.cache == "both" else (args.cache,))
    if args.only in (None, "flake8"):
        ok &= bench_flake8("gluoncv", gluoncv, 1.2, args.flake8_jobs, expect_gln=True, repeat=args.repeat)
        ok &= bench_flake8("stdlib Lib/", stdlib_sources(), 1.05, args.flake8_jobs, expect_gln=False,
                           repeat=args.repeat)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
