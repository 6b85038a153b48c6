"""`--jobs` before the file pass: the project indexed and its plan settled with forked processes taking a
share (`run.workers.Forked`), and the same project, plan and kept trees as in one process."""
from __future__ import annotations

import glob
import os
import signal
import sys

import pytest

from gluon_codemod.run import workers
from gluon_codemod.run.project import Project

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked processes share only on Linux")

TOOLKIT = os.path.join(os.path.dirname(os.path.dirname(__file__)), "projects", "toolkit")


@pytest.fixture
def forked(monkeypatch):
    """The pids of the processes forked during the test."""
    pids = []
    fork = os.fork

    def recorded():
        pid = fork()
        if pid:
            pids.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", recorded)
    return pids


def _reaped(pids) -> bool:
    """Whether each of these children has ended and been waited for (no process, no zombie left)."""
    for pid in pids:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            continue
        return False
    return True


def test_results_come_back_in_the_order_of_the_items_computed_by_several_processes(forked):
    parent = os.getpid()
    results = workers.fork_map(lambda n: (n * n, os.getpid()), list(range(40)), 3, weight=lambda n: n)
    assert [square for square, _ in results] == [n * n for n in range(40)]
    pids = {pid for _, pid in results}
    assert parent in pids and len(pids) == 3
    assert len(forked) == 2 and _reaped(forked)


def test_a_child_killed_costs_time_not_results(forked):
    parent = os.getpid()

    def square(n):
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        return n * n

    assert workers.fork_map(square, list(range(10)), 2, weight=lambda n: 1) == [n * n for n in range(10)]
    assert len(forked) == 1 and _reaped(forked)


def test_an_error_in_a_child_is_raised_as_the_serial_loop_raises_it(forked):
    def inverse(n):
        return 1 / n

    with pytest.raises(ZeroDivisionError):
        workers.fork_map(inverse, [3, 2, 1, 0], 2, weight=lambda n: 4 - n)  # (0 goes to the child)
    assert len(forked) == 1 and _reaped(forked)


def test_an_interruption_here_stops_and_reaps_the_children(forked):
    parent = os.getpid()

    def wait_or_interrupt(n):
        if os.getpid() != parent:
            signal.pause()  # until killed
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        with workers.Forked(wait_or_interrupt, [0, 1], [[1]]) as children:
            wait_or_interrupt(0)
            children.results()
    assert len(forked) == 1 and _reaped(forked)


def test_the_shares_are_balanced_by_weight():
    shares = workers.balanced_shares([9, 1, 5, 5, 3, 1], 2, weight=lambda n: n)
    assert sorted(i for share in shares for i in share) == list(range(6))
    assert [sum([9, 1, 5, 5, 3, 1][i] for i in share) for share in shares] == [12, 12]


@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
def test_jobs_give_the_project_and_plan_of_one_process(unsafe, monkeypatch):
    mxnet = pytest.importorskip("mxnet")
    # (a threshold of 1 file: the toolkit's few modules are shared out too)
    monkeypatch.setattr("gluon_codemod.run.project._FORKED_FILES", 1)
    roots = [TOOLKIT, os.path.join(os.path.dirname(mxnet.__file__), "gluon")]
    paths = [path for root in roots for path in sorted(glob.glob(os.path.join(root, "**", "*.py"), recursive=True))]
    projects = []
    for jobs in (1, 2, 3):
        project = Project.load(paths, jobs=jobs)
        project.settle(jobs=jobs, unsafe_fixes=unsafe)
        projects.append(project)
    one, *others = projects
    assert one.plan.removed and one.plan.statuses  # (a plan with something in it)
    for other in others:
        assert other.plan == one.plan
        assert other.index.by_path == one.index.by_path
        assert list(other.sources) == list(one.sources)
        for mine, theirs in zip(one.sources.values(), other.sources.values()):
            assert (theirs.text, theirs.kept_tree is None) == (mine.text, mine.kept_tree is None)


def test_no_process_to_be_had_computes_every_share_here(monkeypatch):
    def refuse():
        raise BlockingIOError("fork: Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", refuse)
    assert workers.fork_map(lambda n: n + 1, list(range(6)), 3, weight=lambda n: 1) == list(range(1, 7))
