"""A project's own tests after one `fix` (issues 17 and 18).

`tests/projects/toolkit/before/` is a tiny Gluon 1.x sequence-to-sequence toolkit, modelled on Sockeye and
GluonNLP: registries of encoder and decoder classes built through `REGISTRY[kind](..., prefix=...)`, a base
class of the project between its Blocks and Gluon, `**kwargs` forwarders into Gluon layers, factories in
other modules (`get_decoder(...) -> 'Decoder'`), a module that never says "gluon" and builds a project
Block with `prefix=`, embeddings shared through `params.get` locals, `params.update({w.name: w})` next to
`self.w = w`, prefixes handed on (`prefix=self.prefix + ...`), a parameter-freezing filter on 1.x names
built from a constant of another module, checkpoints, checkpoint averaging and training resumed from
`Trainer.save_states`. Its own pytest tests build, hybridize, run, train with fixed seeds, checkpoint,
average and resume, and write what they compute to the JSON file `$TOOLKIT_RESULTS`.
`tests/projects/toolkit/after/` is the same project migrated by hand for `--target runtime`.

Each project runs in a copy, in a child process: on stock MXNet 1.9.1 (before/), on gluon_runtime (after/,
and before/ after one `fix --target runtime`, safe and with `--unsafe-fixes`). A migrated project's tests
must pass where stock's pass, with the same numbers bit for bit, except tests that assert 1.x names, each
of which must carry a finding on its failing line; the migration must leave every call binding and every
1.x construct left with a finding, and report only code that still exists.
"""
import ast
import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from typing import Dict, List, NamedTuple, Set, Tuple

import pytest

from _call_checker import mismatches, old_api_sites, unreported

pytestmark = pytest.mark.mxnet

PROJECT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "projects", "toolkit")
MODES = {"unsafe": ["--unsafe-fixes"], "safe": []}


class ProjectRun(NamedTuple):
    """The project's own test session: each test's outcome and, for failures, the frames of the failure
    (relative path, line); and the numbers the tests recorded."""
    outcomes: Dict[str, str]
    frames: Dict[str, List[Tuple[str, int]]]
    numbers: dict
    log: str


class Migrated(NamedTuple):
    root: str
    left: List[dict]       # what `fix` printed: the findings it left, with their places in the new files
    findings: List[dict]   # `check --target runtime` of the migrated project
    tests: ProjectRun


def _child_env(**extra: str) -> Dict[str, str]:
    """The environment of the project's processes: not this session's pytest settings, and one OpenMP thread
    (the same kernels on both sides, whatever the machine's load)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    env.update(OMP_NUM_THREADS="1", PYTHONDONTWRITEBYTECODE="1", **extra)
    return env


def _copy(name: str, tmp_path_factory) -> str:
    root = str(tmp_path_factory.mktemp(name) / "toolkit")
    shutil.copytree(os.path.join(PROJECT, "before" if name != "after" else "after"), root,
                    ignore=shutil.ignore_patterns("__pycache__"))
    return root


def _run_project_tests(root: str) -> ProjectRun:
    results, junit = os.path.join(root, ".results.json"), os.path.join(root, ".junit.xml")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--tb=native",
                           "-W", "ignore::DeprecationWarning", f"--junitxml={junit}", "tests"],
                          cwd=root, env=_child_env(TOOLKIT_RESULTS=results), capture_output=True, text=True,
                          timeout=600)
    log = done.stdout[-6000:] + done.stderr[-3000:]
    assert os.path.exists(junit), f"the project's tests did not run (status {done.returncode}):\n{log}"
    outcomes, frames = {}, {}
    for case in ElementTree.parse(junit).iter("testcase"):
        name = case.get("name")
        failed = case.find("failure") if case.find("failure") is not None else case.find("error")
        outcomes[name] = ("failed" if failed is not None else
                          "skipped" if case.find("skipped") is not None else "passed")
        if failed is not None:
            frames[name] = [(os.path.relpath(path, root), int(line)) for path, line in
                            re.findall(r'File "([^"]+)", line (\d+)', failed.text or "")
                            if os.path.abspath(path).startswith(root + os.sep)]
    numbers = {}
    if os.path.exists(results):
        with open(results) as recorded:
            numbers = json.load(recorded)
    return ProjectRun(outcomes, frames, numbers, log)


def _gluon_codemod(root: str, *args: str) -> List[dict]:
    done = subprocess.run([sys.executable, "-m", "gluon_codemod", *args, "--no-config", "-q", "--output-format",
                           "json", "."], cwd=root, capture_output=True, text=True, timeout=600)
    assert done.returncode in (0, 1), done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads(done.stdout or "[]")


@pytest.fixture(scope="module")
def stock(tmp_path_factory) -> ProjectRun:
    pytest.importorskip("mxnet")
    return _run_project_tests(_copy("stock", tmp_path_factory))


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    """`migrated(mode)`: the project after one `fix --target runtime` in `mode` ('safe' or 'unsafe')."""
    pytest.importorskip("mxnet")
    done = {}

    def get(mode: str) -> Migrated:
        if mode not in done:
            root = _copy(mode, tmp_path_factory)
            left = [f for f in _gluon_codemod(root, "fix", "--target", "runtime", *MODES[mode]) if not f["fixed"]]
            findings = _gluon_codemod(root, "check", "--target", "runtime")
            done[mode] = Migrated(root, left, findings, _run_project_tests(root))
        return done[mode]
    return get


def _places(findings: List[dict]) -> Set[Tuple[str, int]]:
    return {(os.path.normpath(f["filename"]), f["location"]["row"]) for f in findings}


def _numbers_of(run: ProjectRun, test: str) -> dict:
    return {key: value for key, value in run.numbers.items() if key.split("/", 1)[0] == test}


def _broken_tests(stock: ProjectRun, run: ProjectRun, findings: List[dict], tolerated=()) -> List[str]:
    """Tests that pass on stock and do not pass in `run`, or pass with other numbers. A failing test is
    accepted when its failing line in its own test module carries a finding (a test asserting 1.x names),
    or when it is in `tolerated`."""
    places = _places(findings)
    broken = []
    for test, outcome in sorted(stock.outcomes.items()):
        if outcome != "passed" or test in tolerated:
            continue
        now = run.outcomes.get(test, "missing")
        if now == "passed":
            if _numbers_of(run, test) != _numbers_of(stock, test):
                changed = sorted(key for key, value in _numbers_of(stock, test).items()
                                 if run.numbers.get(key) != value)
                broken.append(f"{test}: passes with other numbers than stock: {changed}")
            continue
        frames = run.frames.get(test, [])
        in_tests = [frame for frame in frames if frame[0].startswith("tests" + os.sep)]
        if in_tests and in_tests[-1] in places:
            continue
        where = f"{frames[-1][0]}:{frames[-1][1]}" if frames else "?"
        broken.append(f"{test}: {now} (at {where}; failing line of the test: "
                      f"{in_tests[-1] if in_tests else '?'}, with no finding)")
    return broken


def _left_without_finding(root: str, findings: List[dict]) -> List[str]:
    concise = [f"{os.path.normpath(f['filename'])}:{f['location']['row']}:{f['location']['column']}: {f['code']}"
               for f in findings]
    sites = [(os.path.relpath(path, root), first, last, what) for path, first, last, what in old_api_sites(root)]
    return unreported(sites, concise)


def _python_files(root: str) -> Dict[str, List[str]]:
    files = {}
    for folder, _, names in os.walk(root):
        for name in names:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                with open(path, encoding="utf-8") as source:
                    files[os.path.relpath(path, root)] = source.read().splitlines()
    return files


# -- the fixture itself: on stock MXNet, and migrated by hand on gluon_runtime --------------------------

def test_the_project_passes_its_own_tests_on_stock_mxnet(stock):
    assert stock.outcomes and set(stock.outcomes.values()) == {"passed"}, stock.log
    # every test that computes something recorded it, so that the migrated runs have numbers to equal
    assert len({key.split("/", 1)[0] for key in stock.numbers}) >= 10, stock.numbers.keys()
    root = os.path.join(PROJECT, "before")
    assert not any("gluon_runtime" in line for lines in _python_files(root).values() for line in lines)
    assert mismatches(root) == []


def test_the_migration_by_hand_passes_on_gluon_runtime_with_the_numbers_of_stock(stock, tmp_path_factory):
    root = _copy("after", tmp_path_factory)
    by_hand = _run_project_tests(root)
    # (the test that asserted a 1.x name now asserts what the new API offers instead)
    renamed = {"test_decoder_from_the_factory_has_its_prefix": "test_decoder_from_the_factory_holds_the_output_weight"}
    assert sorted(by_hand.outcomes) == sorted(renamed.get(test, test) for test in stock.outcomes)
    assert set(by_hand.outcomes.values()) == {"passed"}, by_hand.log
    assert by_hand.numbers == stock.numbers
    # it runs on gluon_runtime: no import of stock Gluon is left
    stock_gluon = re.compile(r"\bmxnet\.gluon\b|\bfrom mxnet import\b.*\bgluon\b|\bmx\.gluon\b")
    assert [line for lines in _python_files(root).values() for line in lines if stock_gluon.search(line)] == []
    assert mismatches(root) == []
    assert _gluon_codemod(root, "check", "--target", "runtime") == []


def _train(root: str, *args: str) -> subprocess.CompletedProcess:
    """`python -m toolkit.train ARGS` in the project at `root`."""
    return subprocess.run([sys.executable, "-m", "toolkit.train", *args], cwd=root, env=_child_env(),
                          capture_output=True, text=True, timeout=300)


def _losses(done: subprocess.CompletedProcess) -> List[float]:
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


@pytest.fixture(scope="module")
def stock_checkpoint(tmp_path_factory):
    """(folder, root of the project, root of the migration by hand): a checkpoint of step 2 written by the
    project on stock (its own tests check that resuming from one continues an uninterrupted run)."""
    pytest.importorskip("mxnet")
    folder, stock = str(tmp_path_factory.mktemp("checkpoint")), _copy("stock", tmp_path_factory)
    _losses(_train(stock, "--steps", "2", "--save", folder))
    return folder, stock, _copy("after", tmp_path_factory)


def test_a_checkpoint_of_stock_resumes_in_the_migration_by_hand(stock_checkpoint):
    folder, stock, by_hand = stock_checkpoint
    resume = ("--resume", folder, "--from-step", "2", "--steps", "2", "--parameters-only")
    assert _losses(_train(by_hand, *resume)) == _losses(_train(stock, *resume))


def test_trainer_states_of_stock_resume_in_the_migration_by_hand_or_are_refused_when_loaded(stock_checkpoint):
    folder, stock, by_hand = stock_checkpoint
    resume = ("--resume", folder, "--from-step", "2", "--steps", "2")
    done = _train(by_hand, *resume)
    if done.returncode == 0:
        assert _losses(done) == _losses(_train(stock, *resume))
    else:
        # refused where the states are loaded, with an error of the runtime, not one of MXNet's operators
        frames = re.findall(r'File "%s/toolkit/(\w+\.py)", line \d+, in \w+\n\s*(.*)' % re.escape(by_hand),
                            done.stderr)
        assert frames and frames[-1][0] == "training.py" and frames[-1][1].startswith("trainer.load_states("), \
            done.stderr[-3000:]
        assert "MXNetError" not in done.stderr.strip().splitlines()[-1], done.stderr[-3000:]


# -- one `fix --target runtime` of before/ --------------------------------------------------------------

@pytest.mark.parametrize("mode", sorted(MODES))
def test_one_fix_and_the_project_tests_pass_with_the_numbers_of_stock(mode, stock, migrated):
    run = migrated(mode)
    tolerated = ()
    if mode == "safe":
        # a safe run may leave what only an unsafe fix changes (reported: see the test after the next one),
        # so a test that fails after the safe run must pass after the unsafe one
        unsafe = migrated("unsafe").tests
        tolerated = tuple(test for test, outcome in run.tests.outcomes.items()
                          if outcome != "passed" and unsafe.outcomes.get(test) == "passed"
                          and _numbers_of(unsafe, test) == _numbers_of(stock, test))
    broken = _broken_tests(stock, run.tests, run.findings, tolerated)
    assert not broken, "\n".join(broken) + "\n\n" + run.tests.log


@pytest.mark.parametrize("mode", sorted(MODES))
def test_one_fix_leaves_every_call_binding_and_every_old_construct_reported(mode, migrated):
    """As far as the test-side checker follows calls: by name, through imports (not through values)."""
    run = migrated(mode)
    unbound = mismatches(run.root)
    assert not unbound, "\n".join(unbound)
    silent = _left_without_finding(run.root, run.findings)
    assert not silent, "\n".join(silent)


@pytest.mark.parametrize("mode", sorted(MODES))
def test_every_prefix_or_params_argument_left_is_reported(mode, migrated):
    """Issue 17: a call that passes `prefix=`/`params=` and is left after the fix, whatever it calls (a
    class through a value, a project base, a forwarder), carries a finding: the project has no other use
    of these keywords."""
    run = migrated(mode)
    places = _places(run.findings)
    silent = []
    for path, lines in sorted(_python_files(run.root).items()):
        for node in ast.walk(ast.parse("\n".join(lines) + "\n")):
            if isinstance(node, ast.Call):
                for keyword in node.keywords:
                    if keyword.arg in ("prefix", "params") and not any(
                            (os.path.normpath(path), line) in places
                            for line in range(node.lineno, node.end_lineno + 1)):
                        silent.append(f"{path}:{node.lineno}: {ast.unparse(node)}")
    assert not silent, "\n".join(silent)


@pytest.mark.parametrize("mode", sorted(MODES))
def test_fix_reports_only_code_that_still_exists(mode, migrated):
    """What `fix` says it left is what `check` finds in the result: no finding on removed code."""
    run = migrated(mode)

    def places(findings):
        return sorted((os.path.normpath(f["filename"]), f["location"]["row"], f["location"]["column"], f["code"])
                      for f in findings)
    assert places(run.left) == places(run.findings)


@pytest.mark.parametrize("mode", sorted(MODES))
def test_fix_leaves_nothing_that_check_calls_fixable(mode, migrated):
    """What `check` offers as fixable in a mode, `fix` in that mode fixes: nothing it left may be offered."""
    run = migrated(mode)
    applied = {"safe"} if mode == "safe" else {"safe", "unsafe"}
    offered = [f"{f['filename']}:{f['location']['row']}: {f['code']} ({f['fix']['applicability']})"
               for f in run.findings if f["fix"] and f["fix"]["applicability"] in applied]
    assert not offered, "\n".join(offered)


def test_what_only_an_unsafe_fix_changes_is_reported_by_the_safe_fix(migrated):
    safe, unsafe = migrated("safe"), migrated("unsafe")
    safe_files, unsafe_files = _python_files(safe.root), _python_files(unsafe.root)
    assert safe_files.keys() == unsafe_files.keys()
    places = _places(safe.findings)
    silent = []
    for path in sorted(safe_files):
        matcher = difflib.SequenceMatcher(None, safe_files[path], unsafe_files[path], autojunk=False)
        for tag, first, last, _, _ in matcher.get_opcodes():
            lines = range(first + 1, last + 1) if last > first else range(first, first + 2)
            if tag != "equal" and not any((os.path.normpath(path), line) in places for line in lines):
                silent.append(f"{path}:{first + 1}: {tag} with no finding of the safe run")
    assert not silent, "\n".join(silent)
