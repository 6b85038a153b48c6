"""Start-up cost: a check of files without Gluon code never imports the engine, and a check never imports
libcst (~0.1-0.4 s; only applying fixes needs it: see `engine.libcst_on_demand`)."""
from __future__ import annotations

import subprocess
import sys

import pytest

from .conftest import CLEAN, OLD_NET, write

PROBE = ("import sys; from gluon_codemod.frontends.cli import main; "
         "status = main(['check', '-q', '--no-config', *sys.argv[1:]]); "
         "print(status, 'libcst' in sys.modules, 'gluon_codemod.engine.pipeline' in sys.modules, "
         "'concurrent.futures.process' in sys.modules)")


def _probe(project, *files):
    completed = subprocess.run([sys.executable, "-c", PROBE, *files], cwd=str(project), capture_output=True,
                               text=True, timeout=120)
    return completed.stdout.splitlines()[-1].split()  # the findings come first


def test_clean_files_never_import_libcst(project):
    for name in ("a.py", "b.py", "c.py"):
        write(project / name, CLEAN)
    assert _probe(project, "a.py", "b.py", "c.py") == ["0", "False", "False", "False"]


@pytest.mark.parametrize("formats", [["--output-format", "sarif"], ["--output-format", "junit"], ["--statistics"]])
def test_formats_do_not_import_libcst_for_clean_files(project, formats):
    write(project / "a.py", CLEAN)
    completed = subprocess.run([sys.executable, "-c", PROBE.replace("'-q', ", "'-q', *%r, " % formats), "a.py"],
                               cwd=str(project), capture_output=True, text=True, timeout=120)
    # (sarif lists every rule's documentation: that imports the rule modules, which leave libcst out)
    assert completed.stdout.splitlines()[-1].split()[1] == "False"


def test_a_gluon_file_is_checked_by_the_engine_without_libcst(project):
    write(project / "net.py", OLD_NET)
    assert _probe(project, "net.py")[:3] == ["1", "False", "True"]


def test_a_fix_imports_libcst(project):
    write(project / "net.py", OLD_NET)
    completed = subprocess.run([sys.executable, "-c", PROBE.replace("'check', ", "'fix', '--diff', "), "net.py"],
                               cwd=str(project), capture_output=True, text=True, timeout=120)
    assert completed.stdout.splitlines()[-1].split()[:3] == ["1", "True", "True"]


def test_configured_select_is_checked_without_importing_the_rules(project):
    write(project / "pyproject.toml",
          '[tool.gluon-codemod]\nselect = ["GLN0"]\nper-file-ignores = {"x/*" = ["GLN001"]}\n')
    write(project / "a.py", CLEAN)
    probe = PROBE.replace("'--no-config', ", "")
    completed = subprocess.run([sys.executable, "-c", probe, "a.py"], cwd=str(project), capture_output=True,
                               text=True, timeout=120)
    assert completed.stdout.split()[:2] == ["0", "False"]


def test_rule_index_read_from_sources_is_the_registry():
    from gluon_codemod.engine.rule import all_rules
    from gluon_codemod.engine.rule_index import _from_sources

    assert _from_sources() == {rule.code: rule.name for rule in all_rules()}
