"""Real Gluon 1.x projects fixed as a whole (issue 10): every call of the project still binds to the
signature it calls, and every 1.x naming construct left has a finding.

MXNet 1.9.1's own `gluon` package comes with the runtime extra; GluonNLP 0.10 and GluonCV 0.10.5 are
downloaded once (`pip download --no-deps`, kept in pytest's cache folder) and skipped, with the reason,
when PyPI cannot be reached.
"""
import glob
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections import Counter

import pytest

from _call_checker import mismatches, old_api_sites, unreported


def _download(download_folder, spec: str, pattern: str) -> str:
    folder = download_folder(spec.replace("==", "-"))
    found = glob.glob(os.path.join(folder, pattern))
    if not found:
        done = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":none:",
                               "--disable-pip-version-check", "-q", spec, "-d", folder],
                              capture_output=True, text=True, timeout=300)
        found = glob.glob(os.path.join(folder, pattern))
        if done.returncode != 0 or not found:
            pytest.skip(f"cannot download {spec} from PyPI: {done.stderr.strip()[-300:]}")
    return found[0]


def _fix_and_check(root, *flags):
    """Fix the project at `root`; (new call mismatches, constructs left without a finding)."""
    # (lines move when `name_scope()` blocks are unwrapped: mismatches are compared without them, counted)
    before = Counter(_without_line(m) for m in mismatches(str(root)))
    fixed = subprocess.run([sys.executable, "-m", "gluon_codemod", "fix", "--quiet", *flags, "."], cwd=root,
                           capture_output=True, text=True, timeout=900)
    assert fixed.returncode in (0, 1), fixed.stderr
    broken = sorted((Counter(_without_line(m) for m in mismatches(str(root))) - before).elements())
    checked = subprocess.run([sys.executable, "-m", "gluon_codemod", "check", "--quiet", "--output-format",
                              "concise", "."], cwd=root, capture_output=True, text=True, timeout=900)
    sites = [(os.path.relpath(path, root), first, last, what) for path, first, last, what in old_api_sites(str(root))]
    return broken, unreported(sites, checked.stdout.splitlines())


def _without_line(mismatch: str) -> str:
    path, _line, rest = mismatch.split(":", 2)
    return f"{path}:{rest}"


@pytest.mark.parametrize("flags", [(), ("--unsafe-fixes",)], ids=["safe", "unsafe"])
def test_mxnet_gluon_package(tmp_path, flags):
    mxnet = pytest.importorskip("mxnet")
    root = tmp_path / "gluon"
    shutil.copytree(os.path.join(os.path.dirname(mxnet.__file__), "gluon"), root)
    (root / "pyproject.toml").write_text("")
    broken, silent = _fix_and_check(root, *flags)
    assert broken == [] and silent == []


@pytest.mark.parametrize("flags", [(), ("--unsafe-fixes",)], ids=["safe", "unsafe"])
def test_gluonnlp_sources(tmp_path, download_folder, flags):
    archive = _download(download_folder, "gluonnlp==0.10.0", "gluonnlp-0.10.0.tar.gz")
    with tarfile.open(archive) as tar:
        tar.extractall(tmp_path, filter="data")
    root = tmp_path / "gluonnlp-0.10.0"
    assert _blocks_only_a_file_sees(root) == []
    broken, silent = _fix_and_check(root, *flags)
    assert broken == [] and silent == []


def _blocks_only_a_file_sees(root) -> list:
    """Classes that a file's own analysis takes for Blocks and the project index does not. The plan
    analyses only modules where the index sees a Block (or a function that may take `prefix`), so the
    index must see every Block a file's analysis does."""
    import ast

    from gluon_codemod.engine.context import FileContext
    from gluon_codemod.engine.lines import split_lines
    from gluon_codemod.run.project import Project

    project = Project.load(glob.glob(os.path.join(str(root), "**", "*.py"), recursive=True))
    missed = []
    for source in project.sources.values():
        module = project.index.by_path.get(os.path.abspath(source.path))
        if module is None:
            continue
        ctx = FileContext(source.tree, split_lines(source.text), source.module, project=project.view(source.path),
                          is_package=source.path.endswith("__init__.py"), source=source.text)
        indexed = {info.qualname.rsplit(".", 1)[-1] for info in module.classes.values() if info.is_block}
        missed += [f"{source.path}: {cls.name}" for cls in ctx.nodes_of(ast.ClassDef)
                   if ctx.is_block_class(cls) and cls.name not in indexed]
    return missed


def test_the_index_sees_every_block_a_file_sees(tmp_path):
    mxnet = pytest.importorskip("mxnet")
    root = tmp_path / "gluon"
    shutil.copytree(os.path.join(os.path.dirname(mxnet.__file__), "gluon"), root)
    (root / "pyproject.toml").write_text("")
    assert _blocks_only_a_file_sees(root) == []
    assert _blocks_only_a_file_sees(os.path.join(os.path.dirname(__file__), "projects", "shop", "before")) == []


@pytest.mark.slow
@pytest.mark.parametrize("flags", [(), ("--unsafe-fixes",)])
def test_gluoncv_sources(tmp_path, download_folder, flags):
    wheel = _download(download_folder, "gluoncv==0.10.5.post0", "gluoncv-0.10.5.post0-*.whl")
    root = tmp_path / "gluoncv"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(root)
    (root / "pyproject.toml").write_text("")
    broken, silent = _fix_and_check(root, *flags)
    assert broken == [] and silent == []
