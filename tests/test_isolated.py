"""`@pytest.mark.isolated` (tests/conftest.py): a test that dies by a signal in its child process is one failed
test naming the signal, and the run goes on (issue 20). Checked by running pytest on a small test file that
uses this suite's conftest."""
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree

TESTS = '''
import os
import signal
import time

import pytest


@pytest.fixture(scope="module")
def module_resource(tmp_path_factory):
    yield
    open(os.environ["MODULE_TORN_DOWN"], "w").close()


def test_runs_here_with_a_module_fixture(module_resource):
    assert not os.environ.get("GLUON_TESTS_ISOLATED_REPORTS")


@pytest.mark.isolated
def test_floating_point_exception():
    os.kill(os.getpid(), signal.SIGFPE)


@pytest.mark.isolated
def test_segmentation_fault():
    os.kill(os.getpid(), signal.SIGSEGV)


@pytest.mark.isolated
def test_plain_failure():
    assert 1 + 1 == 3, "an ordinary failure comes back as itself"


@pytest.mark.isolated
def test_passes_in_a_child_process():
    assert os.environ.get("GLUON_TESTS_ISOLATED_REPORTS")


@pytest.mark.isolated
def test_skips():
    pytest.skip("skipped in the child")


@pytest.mark.isolated(timeout=3)
def test_hangs():
    time.sleep(60)

'''

# The module before ends with isolated tests: its module fixture is still torn down before this one starts.
NEXT_MODULE = '''
import os


def test_runs_here_after_the_crashes():
    assert not os.environ.get("GLUON_TESTS_ISOLATED_REPORTS")
    assert os.path.exists(os.environ["MODULE_TORN_DOWN"])
'''


def test_signal_death_fails_one_test_and_the_run_goes_on(tmp_path):
    shutil.copy(os.path.join(os.path.dirname(__file__), "conftest.py"), tmp_path / "conftest.py")
    (tmp_path / "test_crashes.py").write_text(TESTS)
    (tmp_path / "test_next_module.py").write_text(NEXT_MODULE)
    junit = tmp_path / "junit.xml"
    env = dict(os.environ, MODULE_TORN_DOWN=str(tmp_path / "module-torn-down"))
    env.pop("GLUON_TESTS_ISOLATED_REPORTS", None)
    run = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--junitxml", str(junit),
                          "test_crashes.py", "test_next_module.py"], cwd=str(tmp_path), capture_output=True,
                         text=True, timeout=300, env=env)
    output = run.stdout + run.stderr
    assert run.returncode == 1, output  # failed tests, not a signal (136 for SIGFPE, 139 for SIGSEGV)
    cases = {case.get("name"): case for case in ElementTree.parse(str(junit)).getroot().iter("testcase")}

    def outcome(name):
        case = cases[name]
        for kind in ("failure", "error", "skipped"):
            found = case.find(kind)
            if found is not None:
                return kind, (found.get("message") or "") + (found.text or "")
        return "passed", ""

    kind, text = outcome("test_floating_point_exception")
    assert kind == "failure" and "died by SIGFPE" in text, (kind, text)
    kind, text = outcome("test_segmentation_fault")
    assert kind == "failure" and "died by SIGSEGV" in text, (kind, text)
    kind, text = outcome("test_plain_failure")
    assert kind == "failure" and "an ordinary failure comes back as itself" in text, (kind, text)
    kind, text = outcome("test_hangs")
    assert kind == "failure" and "after 3 s (timeout)" in text, (kind, text)
    assert outcome("test_skips")[0] == "skipped"
    assert outcome("test_passes_in_a_child_process")[0] == "passed"
    assert outcome("test_runs_here_with_a_module_fixture")[0] == "passed"
    assert outcome("test_runs_here_after_the_crashes")[0] == "passed"
    assert "4 failed, 3 passed, 1 skipped" in output, output
