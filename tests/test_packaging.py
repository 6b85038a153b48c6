"""`pip install .` and `pip install -e .` both work, imported from the repo root and from elsewhere,
and install nothing under generic top-level names such as `rules` or `runtime`."""
import os
import site
import subprocess
import sys
import sysconfig

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PROBE = """
import importlib.util, sys
import gluon_codemod, gluon_codemod.rules
from gluon_codemod.engine.rule import all_rules
assert len(all_rules()) >= 2, all_rules()
assert importlib.util.find_spec('gluon_runtime') is not None
for generic in ('rules', 'runtime'):
    spec = importlib.util.find_spec(generic)
    assert spec is None or spec.origin is None or '{root}' in spec.origin, (generic, spec)
print('ok', gluon_codemod.__file__)
"""


def _venv_with_our_dependencies(tmp_path):
    """A fresh venv that sees this interpreter's site-packages (libcst...) but not our package."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    ours = [p for p in site.getsitepackages() + [sysconfig.get_paths()["purelib"]] if os.path.isdir(p)]
    # a .pth appended after the venv's own site-packages: dependencies come from the test interpreter,
    # our package only from what the test installs
    with open(os.path.join(purelib, "zz_parent.pth"), "w") as handle:
        handle.write("\n".join(ours) + "\n")
    return python, purelib


def _pip_install(args, tmp_path):
    env = dict(os.environ, PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    return subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation"] + args,
                          cwd=str(tmp_path), env=env, capture_output=True, text=True)


@pytest.mark.slow
@pytest.mark.parametrize("editable", [False, True], ids=["install", "editable"])
def test_install_imports_from_root_and_elsewhere(tmp_path, editable):
    python, purelib = _venv_with_our_dependencies(tmp_path)
    if editable:
        # the venv has no pip of its own: ours is importable through the .pth, and installs into the venv
        env = dict(os.environ, PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
        result = subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                                 "--prefix", str(tmp_path / "venv"), "-e", ROOT],
                                cwd=str(tmp_path), env=env, capture_output=True, text=True)
    else:
        result = _pip_install(["--target", purelib, ROOT], tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    probe = PROBE.format(root=ROOT)
    for cwd in (ROOT, str(tmp_path)):
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
        out = subprocess.run([str(python), "-c", probe], cwd=cwd, env=env, capture_output=True, text=True)
        assert out.returncode == 0, (cwd, out.stderr[-2000:])
        assert out.stdout.startswith("ok")
