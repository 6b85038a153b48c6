"""Fixtures for `gluon-codemod verify`: small model files, and the model zoo copied as user code."""
import os
import textwrap

import pytest

pytest.importorskip("mxnet")


def _runtime_ready() -> bool:
    try:
        import gluon_runtime
        from gluon_runtime import nn  # noqa: F401
        return hasattr(gluon_runtime, "HybridBlock") and hasattr(nn, "Dense")
    except Exception:  # noqa: BLE001 - any failure means "not there yet"
        return False


@pytest.fixture(scope="session")
def runtime_core():
    """Skips the test while the runtime's core (HybridBlock, Parameter, Constant) is missing."""
    try:
        import gluon_runtime
    except Exception:  # noqa: BLE001
        pytest.skip("gluon_runtime is not importable")
    if not all(hasattr(gluon_runtime, n) for n in ("HybridBlock", "Parameter", "Constant")):
        pytest.skip("gluon_runtime has no HybridBlock/Parameter/Constant yet")


@pytest.fixture(scope="session")
def runtime():
    """Skips the test while `gluon_runtime` cannot run models (it is written in parallel with the verifier)."""
    if not _runtime_ready():
        pytest.skip("gluon_runtime (HybridBlock, nn) is not importable")


@pytest.fixture
def write(tmp_path):
    """`write(name, source)` -> path of a dedented source file in a fresh folder."""
    def _write(name, source):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))
        return str(path)
    return _write


@pytest.fixture(scope="session")
def zoo_dir(tmp_path_factory):
    from gluon_codemod.verify._zoo import copy_model_zoo

    dest = tmp_path_factory.mktemp("zoo")
    copy_model_zoo(str(dest))
    return str(dest)


def check(report, model, name):
    """The row `name` of `model` in a verify report."""
    for result in report.models:
        if result.expr == model:
            for row in result.checks:
                if row.name == name:
                    return row
    seen = [(m.expr, [c.name for c in m.checks]) for m in report.models]
    raise KeyError(f"no check {name!r} for {model!r} in {seen}")


@pytest.fixture
def row():
    return check


def pytest_configure(config):
    os.environ.setdefault("MXNET_STORAGE_FALLBACK_LOG_VERBOSE", "0")
