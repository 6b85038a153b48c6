"""The benchmark corpora: real Gluon 1.x code (gluoncv 0.10.5.post0) and code with no Gluon (the stdlib).

The gluoncv wheel is fetched once with `pip download --no-deps` and unpacked into `benchmarks/.corpus/`
(git-ignored); later runs reuse it and need no network.
"""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import zipfile
from typing import List

GLUONCV_REQUIREMENT = "gluoncv==0.10.5.post0"
CORPUS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), ".corpus")
GLUONCV_DIR = os.path.join(CORPUS_DIR, "gluoncv-0.10.5.post0")
# A wheel somebody already downloaded on this machine; used before asking the index.
_KNOWN_WHEELS = ("/tmp/gcv/gluoncv-0.10.5.post0-py2.py3-none-any.whl",)


class CorpusUnavailable(RuntimeError):
    """The gluoncv sources could neither be found in the cache nor downloaded."""


def _python_files(root: str) -> List[str]:
    found = []
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        found.extend(os.path.join(directory, name) for name in sorted(files) if name.endswith(".py"))
    return found


def _download_wheel(into: str) -> str:
    for wheel in _KNOWN_WHEELS:
        if os.path.isfile(wheel):
            return wheel
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:", "--dest", into,
               GLUONCV_REQUIREMENT]
    completed = subprocess.run(command, capture_output=True, text=True)
    wheels = glob.glob(os.path.join(into, "gluoncv-*.whl"))
    if completed.returncode != 0 or not wheels:
        raise CorpusUnavailable(
            f"`{' '.join(command)}` failed (exit {completed.returncode}): {completed.stderr.strip()[-500:]}\n"
            f"Download the wheel by hand and unpack its .py files into {GLUONCV_DIR}.")
    return wheels[0]


def gluoncv_sources() -> List[str]:
    """Paths of every .py file of the gluoncv 0.10.5.post0 wheel, fetched and unpacked on first use."""
    if not os.path.isdir(GLUONCV_DIR):
        os.makedirs(CORPUS_DIR, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=CORPUS_DIR) as scratch:
            wheel = _download_wheel(scratch)
            unpacked = os.path.join(scratch, "unpacked")
            with zipfile.ZipFile(wheel) as archive:
                archive.extractall(unpacked, [n for n in archive.namelist() if n.endswith(".py")])
            # Rename into place last: an interrupted run leaves no half-filled cache behind.
            shutil.move(unpacked, GLUONCV_DIR)
    files = _python_files(GLUONCV_DIR)
    if not files:
        raise CorpusUnavailable(f"{GLUONCV_DIR} holds no .py files: delete it and run again to re-download")
    return files


def stdlib_sources() -> List[str]:
    """The standard library's own `Lib/` .py files: a corpus with no Gluon code (tests and site-packages left out)."""
    stdlib = sysconfig.get_paths()["stdlib"]
    skipped = {"site-packages", "dist-packages", "test", "tests", "idle_test", "__pycache__"}
    found = []
    for directory, dirs, files in os.walk(stdlib):
        dirs[:] = sorted(d for d in dirs if d not in skipped)
        found.extend(os.path.join(directory, name) for name in sorted(files) if name.endswith(".py"))
    return found


if __name__ == "__main__":
    for name, sources in (("gluoncv", gluoncv_sources()), ("stdlib", stdlib_sources())):
        print(f"{name}: {len(sources)} files, e.g. {sources[0]}")
