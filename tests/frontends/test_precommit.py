"""The pre-commit hooks of `.pre-commit-hooks.yaml`, run for real with `pre-commit try-repo`.

pre-commit installs the hook's environment from the repository (our package from source, libcst and
the rest from PyPI) and runs it in a fresh git repository holding a Gluon 1.x file.

`try-repo` on a directory with uncommitted changes commits only tracked files into its shadow copy, so
new files would be missing; the tests therefore point it at a snapshot of this working tree (tracked and
untracked files that git does not ignore), committed in a temporary repository: the hook under test is
the code on disk, committed or not.
"""
import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from gluon_codemod import check_code, fix_code

pytestmark = pytest.mark.slow

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Only constructs with safe fixes: after one `fix`, nothing is left to report.
OLD_MODEL = textwrap.dedent("""\
    from mxnet.gluon import nn


    class Net(nn.HybridBlock):
        def __init__(self, **kwargs):
            super(Net, self).__init__(**kwargs)
            with self.name_scope():
                self.dense = nn.Dense(3)

        def hybrid_forward(self, F, x):
            return self.dense(x)


    net = Net()
    net.collect_params().initialize()
    """)


def _require_tools():
    if shutil.which("git") is None:
        pytest.skip("git is not installed: pre-commit needs it to run hooks")
    completed = subprocess.run([sys.executable, "-m", "pre_commit", "--version"], capture_output=True, text=True)
    if completed.returncode != 0:
        pytest.skip("pre-commit is not installed in this environment (pip install -e '.[test]')")


@pytest.fixture(scope="module")
def git_env(tmp_path_factory):
    """An environment in which git and pre-commit use only temporary, known configuration."""
    _require_tools()
    home = tmp_path_factory.mktemp("home")
    env = dict(os.environ)
    env.update({
        "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.com",
        # A user's global git config (signing, hooks paths, templates) must not change the outcome.
        "GIT_CONFIG_GLOBAL": str(home / "gitconfig"), "GIT_CONFIG_NOSYSTEM": "1",
        "PRE_COMMIT_HOME": str(home / "pre-commit-cache"),
    })
    (home / "gitconfig").write_text("[init]\n\tdefaultBranch = main\n")
    # The hook runs in its own virtualenv: our venv's variables must not leak into it.
    env.pop("VIRTUAL_ENV", None)
    env.pop("PYTHONPATH", None)
    return env


def _git(*args, cwd, env):
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True)


@pytest.fixture(scope="module")
def hooks_repo(tmp_path_factory, git_env):
    """A committed copy of this working tree, for `try-repo` to clone."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=REPO_ROOT, env=git_env, check=True, capture_output=True).stdout
    snapshot = tmp_path_factory.mktemp("hooks-repo")
    for relative in filter(None, listed.decode().split("\0")):
        source = os.path.join(REPO_ROOT, relative)
        if not os.path.isfile(source):  # deleted in the working tree, still in the index
            continue
        target = snapshot / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    assert (snapshot / ".pre-commit-hooks.yaml").is_file()
    _git("init", "-q", cwd=snapshot, env=git_env)
    _git("add", "-A", cwd=snapshot, env=git_env)
    _git("commit", "-q", "-m", "snapshot of the working tree", cwd=snapshot, env=git_env)
    return snapshot


def _notebook(source):
    cell = {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
            "source": source.splitlines(keepends=True)}
    return json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n"


def _project(tmp_path, env, source, notebook=None):
    project = tmp_path / "project"
    project.mkdir()
    (project / "model.py").write_text(source)
    if notebook is not None:
        (project / "explore.ipynb").write_text(notebook)
    _git("init", "-q", cwd=project, env=env)
    _git("add", "-A", cwd=project, env=env)
    _git("commit", "-q", "-m", "Gluon 1.x model", cwd=project, env=env)
    return project


def _try_repo(hooks_repo, hook, project, env):
    return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(hooks_repo), hook, "--all-files",
                           "--color", "never"],
                          cwd=project, env=env, capture_output=True, text=True, timeout=600)


def test_fix_hook_rewrites_fails_once_then_passes(tmp_path, hooks_repo, git_env):
    project = _project(tmp_path, git_env, OLD_MODEL, notebook=_notebook(OLD_MODEL))
    expected = fix_code(OLD_MODEL).code
    assert expected != OLD_MODEL and check_code(expected) == []

    first = _try_repo(hooks_repo, "gluon-codemod-fix", project, git_env)
    assert first.returncode == 1, first.stdout + first.stderr
    assert "gluon-codemod fix" in first.stdout and "Failed" in first.stdout
    assert (project / "model.py").read_text() == expected
    # the notebook (types_or: jupyter) is rewritten too, cell by cell
    cell = json.loads((project / "explore.ipynb").read_text())["cells"][0]
    assert "".join(cell["source"]) == expected

    second = _try_repo(hooks_repo, "gluon-codemod-fix", project, git_env)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "Passed" in second.stdout
    assert (project / "model.py").read_text() == expected


def test_check_hook_reports_and_changes_nothing(tmp_path, hooks_repo, git_env):
    project = _project(tmp_path, git_env, OLD_MODEL)

    completed = _try_repo(hooks_repo, "gluon-codemod-check", project, git_env)
    assert completed.returncode == 1, completed.stdout + completed.stderr
    for finding in check_code(OLD_MODEL):
        assert f"model.py:{finding.line}:{finding.col + 1}: {finding.code}" in completed.stdout
    assert (project / "model.py").read_text() == OLD_MODEL
