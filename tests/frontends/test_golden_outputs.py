"""Every output format, byte for byte, on a fixed corpus: recorded before the source tree was reorganised
(issue 19), so that moving code between modules cannot change a byte the user sees.

To record again after an intended change of output: `python tests/frontends/test_golden_outputs.py`.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "golden", "corpus")
EXPECTED = os.path.join(HERE, "golden", "expected")
FORMATS = ("text", "concise", "grouped", "json", "json-lines", "github", "gitlab", "sarif", "junit")

RUNS = {f"check-{fmt}": ["check", "--output-format", fmt] for fmt in FORMATS}
RUNS.update({
    "check-statistics": ["check", "--statistics"],
    "check-unsafe-runtime": ["check", "--unsafe-fixes", "--target", "runtime"],
    "fix-diff": ["fix", "--diff"],
    "fix-diff-unsafe-runtime": ["fix", "--diff", "--unsafe-fixes", "--target", "runtime"],
    "fix-diff-json": ["fix", "--diff", "--output-format", "json"],
})


def run(args, tmp: str) -> str:
    # A copy outside the repository: inside it, the project would be the whole repository.
    corpus = os.path.join(tmp, "corpus")
    shutil.copytree(CORPUS, corpus)
    env = dict(os.environ, XDG_CACHE_HOME=os.path.join(tmp, "cache"), COLUMNS="100", NO_COLOR="1")
    proc = subprocess.run([sys.executable, "-m", "gluon_codemod", *args, "--no-config", "-j", "1", "pkg", "shop"],
                          cwd=corpus, capture_output=True, text=True, env=env)
    shutil.rmtree(corpus)
    return f"exit {proc.returncode}\n--- stdout\n{proc.stdout}--- stderr\n{proc.stderr}"


@pytest.mark.parametrize("name", sorted(RUNS))
def test_output_is_byte_identical_to_the_recording(name, tmp_path):
    with open(os.path.join(EXPECTED, name + ".txt"), encoding="utf-8", newline="") as f:
        expected = f.read()
    assert run(RUNS[name], str(tmp_path)) == expected


if __name__ == "__main__":
    import tempfile

    os.makedirs(EXPECTED, exist_ok=True)
    for name, args in sorted(RUNS.items()):
        with tempfile.TemporaryDirectory() as tmp, \
                open(os.path.join(EXPECTED, name + ".txt"), "w", encoding="utf-8", newline="") as f:
            f.write(run(args, tmp))
