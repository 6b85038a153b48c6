"""Fixtures for the front ends: Gluon 1.x snippets, a project folder, and the CLI run in or out of process."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass

import pytest

from gluon_codemod.frontends.cli import main

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(REPO, "examples")

# GLN001 (name-scope) is the rule whose behaviour is settled: tests that need exact output use it.
OLD_NET = (
    "from mxnet.gluon import nn\n"
    "\n"
    "\n"
    "class Net(nn.HybridBlock):\n"
    "    def __init__(self, **kwargs):\n"
    "        super(Net, self).__init__(**kwargs)\n"
    "        with self.name_scope():\n"
    "            self.dense = nn.Dense(3)\n"
    "\n"
    "    def hybrid_forward(self, F, x):\n"
    "        return self.dense(x)\n"
)
NEW_NET = (
    "from mxnet.gluon import nn\n"
    "\n"
    "\n"
    "class Net(nn.HybridBlock):\n"
    "    def __init__(self, **kwargs):\n"
    "        super(Net, self).__init__(**kwargs)\n"
    "        self.dense = nn.Dense(3)\n"
    "\n"
    "    def hybrid_forward(self, F, x):\n"
    "        return self.dense(x)\n"
)
NET_FINDING_AT = "7:9"  # line:col of the `with` in OLD_NET

# A GLN001 finding the rule reports but cannot rewrite: `fix` leaves it for manual review.
UNFIXABLE = (
    "from mxnet import gluon\n"
    "class Net(gluon.Block):\n"
    "    def __init__(self):\n"
    "        super().__init__()\n"
    "        scope = self.name_scope()\n"
    "        scope.__enter__()\n"
)

# Unparsable at line 2. Files that never mention Gluon are not parsed at all (the engine's pre-filter).
BROKEN = "from mxnet import gluon\ndef f(:\n    pass\n"

CLEAN = "import os\n\nprint(os.getcwd())\n"


@dataclass
class Run:
    status: int
    out: str
    err: str


@pytest.fixture
def project(tmp_path, monkeypatch):
    """An empty project folder that is also the current folder (configuration is searched from cwd)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def cli(project, capsys):
    """`gluon-codemod ARGS` in this process; returns status, stdout and stderr."""
    def run(*args: str) -> Run:
        capsys.readouterr()
        status = main(list(args))
        captured = capsys.readouterr()
        return Run(status, captured.out, captured.err)
    return run


def run_process(args, cwd, stdin: bytes = b"", env=None) -> subprocess.CompletedProcess:
    """`python -m gluon_codemod ARGS` as a separate process, with bytes in and out."""
    return subprocess.run([sys.executable, "-m", "gluon_codemod", *args], cwd=str(cwd), input=stdin,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, timeout=120)


@pytest.fixture
def examples(project):
    """A copy of the bundled Gluon 1.x examples, as a user's source folder."""
    target = project / "src"
    shutil.copytree(EXAMPLES, target)
    return target


def write(path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))


def snapshot(folder) -> dict:
    """Every file's bytes, mode and mtime under `folder`: what "writes nothing" compares."""
    state = {}
    for root, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(root, name)
            stat = os.lstat(path)
            with open(path, "rb") as handle:
                state[os.path.relpath(path, folder)] = (handle.read(), stat.st_mode, stat.st_mtime_ns)
    return state
