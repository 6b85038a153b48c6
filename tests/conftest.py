"""Settings for the whole suite."""
import os

import pytest

# Whole Gluon 1.x projects used as input (they hold test modules of their own, which are data here).
collect_ignore_glob = ["codemod/projects/*", "frontends/golden/corpus/*", "projects/*"]


@pytest.fixture(autouse=True, scope="session")
def _private_project_cache(tmp_path_factory):
    """The project cache (see gluon_codemod.run.project_cache) goes to a folder of this test session, for the
    tests and the commands they start, not to the user's cache."""
    patch = pytest.MonkeyPatch()
    patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
    yield
    patch.undo()


@pytest.fixture(scope="session")
def download_folder(request, tmp_path_factory):
    """`download_folder(name)`: a folder for packages downloaded from PyPI, kept in pytest's cache between
    runs (a fresh temporary folder when the cache plugin is off: `-p no:cacheprovider`)."""
    cache = getattr(request.config, "cache", None)

    def folder(name: str) -> str:
        return str(cache.mkdir(name) if cache is not None else tmp_path_factory.mktemp(name))
    return folder


# --- Tests in a child process (`@pytest.mark.isolated`) ------------------------------------------------
#
# MXNet's native multi-context and kvstore code can die by a signal (a SIGFPE inside `asnumpy` once killed a
# whole run at 89%, issue 20). A test marked `isolated` runs in a fresh interpreter (subprocess, not fork: MXNet's
# engine threads do not survive a fork) that runs just that test id; its reports come back to this session, and a
# signal death or a hang becomes one failed test naming the signal, while the run goes on.

ISOLATED_CHILD_VARIABLE = "GLUON_TESTS_ISOLATED_REPORTS"
ISOLATED_TIMEOUT_S = 600
_PHASES = ("setup", "call", "teardown")
_config = None  # this session's, for the report hooks


def pytest_configure(config):
    global _config
    _config = config
    config.addinivalue_line(
        "markers", "isolated(timeout=600): run the test in a child process, so that a native crash (a signal) "
                   "fails this test only")


def _isolated_here(item) -> bool:
    return item.get_closest_marker("isolated") is not None and not os.environ.get(ISOLATED_CHILD_VARIABLE)


def pytest_runtest_logreport(report):
    """In the child: each report goes to the file the parent reads (one JSON line each, written at once, so that
    the phases done before a crash still come back)."""
    path = os.environ.get(ISOLATED_CHILD_VARIABLE)
    if path and report.nodeid:
        import json
        data = _config.hook.pytest_report_to_serializable(config=_config, report=report)
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(data) + "\n")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    if not _isolated_here(item):
        return None
    item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    for report in _run_in_child(item):
        item.ihook.pytest_runtest_logreport(report=report)
    # What runtestprotocol's teardown does here: the fixtures of earlier in-process tests that `nextitem` does
    # not need are finalized (else the next module's setup finds the previous one still set up).
    from _pytest.reports import TestReport
    from _pytest.runner import CallInfo

    teardown = CallInfo.from_call(lambda: item.session._setupstate.teardown_exact(nextitem), when="teardown")
    if teardown.excinfo is not None:
        item.ihook.pytest_runtest_logreport(report=TestReport.from_item_and_call(item, teardown))
    item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
    return True


def _run_in_child(item):
    import json
    import signal
    import subprocess
    import sys
    import tempfile
    from _pytest.reports import TestReport

    marker = item.get_closest_marker("isolated")
    timeout = marker.kwargs.get("timeout", ISOLATED_TIMEOUT_S)
    config = item.config
    with tempfile.TemporaryDirectory(prefix="isolated-") as folder:
        results = os.path.join(folder, "reports.jsonl")
        command = [sys.executable, "-m", "pytest", item.nodeid, "-q", "-p", "no:cacheprovider",
                   "--rootdir", str(config.rootpath), "--basetemp", os.path.join(folder, "tmp")]
        if config.inipath is not None:
            command += ["-c", str(config.inipath)]
        env = dict(os.environ, **{ISOLATED_CHILD_VARIABLE: results})
        child = subprocess.Popen(command, cwd=str(config.rootpath), env=env, stdin=subprocess.DEVNULL,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            output, _ = child.communicate(timeout=timeout)
            problem = None
        except subprocess.TimeoutExpired:
            child.kill()
            output, _ = child.communicate()
            problem = "the child process running this test was killed after %s s (timeout)" % timeout
        reports = []
        if os.path.exists(results):
            with open(results, encoding="utf-8") as lines:
                for line in lines:
                    data = json.loads(line)
                    report = config.hook.pytest_report_from_serializable(config=config, data=data)
                    if isinstance(report.longrepr, list):  # a skip's (path, line, reason), a list in JSON
                        report.longrepr = tuple(report.longrepr)
                    reports.append(report)
    code = child.returncode
    if problem is None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = "signal %d" % -code
        problem = "the child process running this test died by %s (%s)" % (
            name, signal.strsignal(-code) or "unknown signal")
    done = [r.when for r in reports]
    if problem is None and (code not in (0, 1) or "teardown" not in done):
        problem = "the child process running this test exited with code %d before reporting it" % code
    if problem is None:
        return reports
    # The phases that did not report are where it died: the first one fails with the child's output, the
    # phases after it are left out (a failed setup has no call either).
    missing = [when for when in _PHASES if when not in done]
    tail = output.decode("utf-8", "replace")[-6000:]
    failed = TestReport(item.nodeid, item.location, {k: 1 for k in item.keywords}, "failed",
                        "%s\n\nlast output of the child process:\n%s" % (problem, tail),
                        missing[0] if missing else "teardown")
    return reports + [failed]
