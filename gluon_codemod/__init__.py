"""gluon-codemod: migrate MXNet Gluon 1.x code to the simplified Block API (apache/mxnet#18412).

Public API::

    from gluon_codemod import fix_code, check_code
    result = fix_code(source, target="mxnet", select=None, unsafe_fixes=False)
    result.code, result.findings

    project = load_project(paths, whole=False)   # a multi-module project, indexed and planned
    fix_code(source, project=project.view(path))
"""
import os as _os
import sys as _sys


def _mount_rules_from_checkout() -> None:
    # Installed, `rules/` becomes `gluon_codemod.rules` (setuptools package-dir). Imported straight from a
    # source checkout (repo root on sys.path, before an installed copy), this package's folder has no
    # `rules/` subfolder: load the checkout's top-level `rules/` under the same name.
    import importlib.util

    here = _os.path.dirname(_os.path.abspath(__file__))
    if _os.path.isdir(_os.path.join(here, "rules")):
        return
    init = _os.path.join(_os.path.dirname(here), "rules", "__init__.py")
    if "gluon_codemod.rules" in _sys.modules or not _os.path.isfile(init):
        return
    try:
        if importlib.util.find_spec("gluon_codemod.rules") is not None:
            return  # an editable install's finder already maps it
    except ImportError:
        pass
    spec = importlib.util.spec_from_file_location("gluon_codemod.rules", init,
                                                  submodule_search_locations=[_os.path.dirname(init)])
    module = importlib.util.module_from_spec(spec)
    _sys.modules["gluon_codemod.rules"] = module
    spec.loader.exec_module(module)


_mount_rules_from_checkout()

from .vocabulary import Finding, FixResult, SourceError  # noqa: E402

__all__ = ["check_code", "fix_code", "load_project", "Finding", "FixResult", "SourceError"]
__version__ = "0.1.0"


def __getattr__(name):
    # The engine (and libcst with it) is imported on first use, so that the flake8 plugin and the
    # command line pay nothing for it on files that cannot contain Gluon code.
    if name in ("check_code", "fix_code"):
        from .engine import pipeline

        return getattr(pipeline, name)
    if name == "load_project":
        from .run.project_cache import project_for

        return project_for
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
