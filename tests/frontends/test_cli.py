"""`gluon-codemod check|fix` on real files in temporary folders: every flag, stream and exit status."""
from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys

import pytest

from gluon_codemod.run.batch import progress_bar, run_files
from gluon_codemod.vocabulary import Mode, Options
from gluon_codemod.frontends.cli import main

from .conftest import BROKEN, CLEAN, NET_FINDING_AT, NEW_NET, OLD_NET, UNFIXABLE, run_process, snapshot, write


# -- check ------------------------------------------------------------------------------------------------
def test_check_reports_findings_and_writes_nothing(cli, project):
    write(project / "net.py", OLD_NET)
    before = snapshot(project)
    run = cli("check", "--jobs", "1", ".")
    assert run.status == 1
    assert run.out.startswith(f"net.py:{NET_FINDING_AT}: GLN001 ")
    assert snapshot(project) == before


def test_check_clean_folder_exits_0_and_prints_no_findings(cli, project):
    write(project / "clean.py", CLEAN)
    run = cli("check", ".")
    assert (run.status, run.out) == (0, "")
    assert "1 file scanned" in run.err


# -- fix in place -----------------------------------------------------------------------------------------
def test_fix_rewrites_then_second_run_changes_nothing(cli, project):
    path = project / "net.py"
    write(path, OLD_NET)
    first = cli("fix", ".")
    assert first.status == 1  # files were changed
    assert path.read_text() == NEW_NET
    assert "1 rewritten" in first.err and "GLN001 name-scope: 1" in first.err
    stamp = os.stat(path)
    second = cli("fix", ".")
    assert (second.status, second.out) == (0, "")
    assert os.stat(path).st_mtime_ns == stamp.st_mtime_ns and os.stat(path).st_ino == stamp.st_ino


def test_fix_leaves_unchanged_files_untouched(cli, project):
    write(project / "net.py", OLD_NET)
    write(project / "clean.py", CLEAN)
    write(project / "gluon_but_current.py", NEW_NET)
    old = os.stat(project / "clean.py"), os.stat(project / "gluon_but_current.py")
    assert cli("fix", ".").status == 1
    new = os.stat(project / "clean.py"), os.stat(project / "gluon_but_current.py")
    assert [(s.st_ino, s.st_mtime_ns) for s in old] == [(s.st_ino, s.st_mtime_ns) for s in new]


def test_fix_reports_what_it_cannot_rewrite_with_status_1(cli, project):
    path = project / "manual.py"
    write(path, UNFIXABLE)
    run = cli("fix", ".")
    assert run.status == 1
    assert run.out.startswith("manual.py:5:17: GLN001 ")
    assert "left for manual review" in run.err and "manual.py:5:17" in run.err
    assert path.read_text() == UNFIXABLE


def test_fix_keeps_permission_bits_and_symlinks(cli, project):
    path = project / "tool.py"
    write(path, OLD_NET)
    os.chmod(path, 0o750)
    link = project / "link.py"
    os.symlink("tool.py", link)
    assert cli("fix", "link.py").status == 1
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o750
    assert os.path.islink(link) and path.read_text() == NEW_NET
    assert not [p for p in os.listdir(project) if p.startswith(".gluon-codemod-")]  # no temporary left


def test_fix_keeps_crlf_line_endings(cli, project):
    path = project / "win.py"
    path.write_bytes(OLD_NET.replace("\n", "\r\n").encode())
    assert cli("fix", "win.py").status == 1
    assert path.read_bytes() == NEW_NET.replace("\n", "\r\n").encode()


def test_fix_keeps_latin1_encoding_with_coding_cookie(cli, project):
    source = "# -*- coding: latin-1 -*-\n# Réseau de démonstration\n" + OLD_NET
    path = project / "latin.py"
    path.write_bytes(source.encode("latin-1"))
    assert cli("fix", "latin.py").status == 1
    expected = "# -*- coding: latin-1 -*-\n# Réseau de démonstration\n" + NEW_NET
    assert path.read_bytes() == expected.encode("latin-1")


def test_syntax_error_file_is_reported_and_good_files_still_fixed(cli, project):
    write(project / "a_good.py", OLD_NET)
    write(project / "b_broken.py", BROKEN)
    write(project / "c_good.py", OLD_NET)
    broken = (project / "b_broken.py").read_bytes()
    run = cli("fix", "--jobs", "2", ".")
    assert run.status == 2
    assert "b_broken.py:2:" in run.err and "error: cannot parse" in run.err
    assert "files that failed" in run.err
    assert (project / "a_good.py").read_text() == NEW_NET == (project / "c_good.py").read_text()
    assert (project / "b_broken.py").read_bytes() == broken


def test_read_only_file_is_an_error_and_others_are_still_fixed(cli, project):
    locked = project / "locked.py"
    write(locked, OLD_NET)
    write(project / "open.py", OLD_NET)
    os.chmod(locked, 0o444)
    run = cli("fix", ".")
    assert run.status == 2
    assert "locked.py:1:1: error: cannot write: file is read-only" in run.err
    assert locked.read_text() == OLD_NET and stat.S_IMODE(os.stat(locked).st_mode) == 0o444
    assert (project / "open.py").read_text() == NEW_NET
    # what was not written is not counted as fixed
    assert "1 rewritten" in run.err and "left for manual review" in run.err


def test_missing_path_is_an_error(cli, project):
    write(project / "net.py", OLD_NET)
    run = cli("check", "net.py", "nowhere.py")
    assert run.status == 2
    assert "nowhere.py:1:1: error: cannot read" in run.err
    assert "net.py:7:9: GLN001" in run.out


# -- --diff -----------------------------------------------------------------------------------------------
@pytest.mark.skipif(shutil.which("patch") is None, reason="needs the `patch` command")
def test_diff_writes_nothing_and_applies_with_patch_to_the_fix_result(cli, project, tmp_path_factory):
    write(project / "src" / "net.py", OLD_NET)
    (project / "src" / "win.py").write_bytes(OLD_NET.replace("\n", "\r\n").encode())
    (project / "src" / "latin.py").write_bytes(("# coding: latin-1\n# é\n" + OLD_NET).encode("latin-1"))
    write(project / "src" / "no_eol.py", OLD_NET.rstrip("\n"))
    write(project / "src" / "broken.py", BROKEN)
    before = snapshot(project)
    run = cli("fix", "--diff", "src")
    assert run.status == 2  # broken.py
    assert snapshot(project) == before
    assert "would be rewritten (nothing written)" in run.err

    fixed = tmp_path_factory.mktemp("fixed")
    patched = tmp_path_factory.mktemp("patched")
    for folder in (fixed, patched):
        shutil.copytree(project / "src", folder / "src")
    main(["fix", "--quiet", str(fixed / "src")])
    diff = subprocess.run([sys.executable, "-m", "gluon_codemod", "fix", "--diff", "--quiet", "src"],
                          cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE).stdout
    assert diff.startswith(b"--- a/src/")
    applied = subprocess.run(["patch", "-p1", "--binary"], cwd=patched, input=diff,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert applied.returncode == 0, applied.stdout.decode()
    assert snapshot_bytes(patched / "src") == snapshot_bytes(fixed / "src")
    assert snapshot_bytes(fixed / "src") != snapshot_bytes(project / "src")


def snapshot_bytes(folder):
    return {name: data for name, (data, _, _) in snapshot(folder).items()}


def test_diff_keeps_stdout_for_the_patch_only(cli, project):
    write(project / "net.py", OLD_NET)
    write(project / "manual.py", UNFIXABLE)
    run = cli("fix", "--diff", ".")
    assert run.status == 1
    assert run.out.startswith("--- a/manual.py") or run.out.startswith("--- a/net.py")
    assert "GLN001" not in run.out  # findings and summary are on stderr
    assert "manual.py:5:17: GLN001" in run.err


# -- stdin ------------------------------------------------------------------------------------------------
def test_stdin_check_reports_with_dash_as_path(project):
    done = run_process(["check", "-"], project, OLD_NET.encode())
    assert done.returncode == 1
    assert done.stdout.decode().startswith(f"-:{NET_FINDING_AT}: GLN001 ")


def test_stdin_fix_writes_the_fixed_code_to_stdout_only(project):
    done = run_process(["fix", "-"], project, OLD_NET.replace("\n", "\r\n").encode())
    assert done.returncode == 1
    assert done.stdout == NEW_NET.replace("\n", "\r\n").encode()
    assert b"1 file scanned" in done.stderr
    clean = run_process(["fix", "--quiet", "-"], project, CLEAN.encode())
    assert (clean.returncode, clean.stdout, clean.stderr) == (0, CLEAN.encode(), b"")


def test_stdin_fix_echoes_unparsable_input_unchanged_and_exits_2(project):
    done = run_process(["fix", "--stdin-filename", "pkg/broken.py", "-"], project, BROKEN.encode())
    assert done.returncode == 2
    assert done.stdout == BROKEN.encode()
    assert b"pkg/broken.py:2:" in done.stderr


def test_stdin_diff_and_remaining_findings_go_to_stderr(project):
    done = run_process(["fix", "--diff", "--stdin-filename", "net.py", "-"], project,
                       (OLD_NET + UNFIXABLE.split("\n", 1)[1]).encode())
    assert done.returncode == 1
    assert done.stdout.startswith(b"--- a/net.py\n+++ b/net.py\n")
    assert b"GLN001" not in done.stdout and b"net.py:15:17: GLN001" in done.stderr


def test_findings_left_after_a_rewrite_name_lines_of_the_rewritten_file(project):
    # the unwrapped `with` above moves the unfixable `name_scope()` up one line in the written file
    path = project / "net.py"
    path.write_text(OLD_NET + UNFIXABLE.split("\n", 1)[1])
    done = run_process(["fix", "net.py"], project)
    assert done.returncode == 1
    assert b"net.py:14:17: GLN001" in done.stdout and b"    net.py:14:17\n" in done.stderr
    assert "scope = self.name_scope()" in path.read_text().splitlines()[13]


def test_dash_with_other_paths_is_a_usage_error(cli, project, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["check", "-", "x.py"])
    assert exit_info.value.code == 2
    assert "cannot be combined" in capsys.readouterr().err


# -- select / ignore --------------------------------------------------------------------------------------
MIXED = (
    "from mxnet import gluon\n"
    "class Net(gluon.Block):\n"
    "    def __init__(self):\n"
    "        super().__init__()\n"
    "        with self.name_scope():\n"
    "            self.w = self.params.get('w', shape=(2,))\n"
)


@pytest.mark.parametrize("flags, expected", [
    ([], {"GLN001", "GLN005"}),
    (["--select", "GLN001"], {"GLN001"}),
    (["--select", "gln00"], {"GLN001", "GLN005"}),  # prefix, any case
    (["--select", "GLN001,GLN005", "--ignore", "GLN005"], {"GLN001"}),
    (["--ignore", "GLN00"], set()),
    (["--select", "GLN005", "--select", "GLN001"], {"GLN001", "GLN005"}),  # repeatable
])
def test_select_and_ignore_take_code_prefixes(cli, project, flags, expected):
    write(project / "mixed.py", MIXED)
    run = cli("check", *flags, "mixed.py")
    codes = {line.split(": ")[1].split()[0] for line in run.out.splitlines()}
    assert codes == expected
    assert run.status == (1 if expected else 0)


def test_select_limits_what_fix_rewrites(cli, project):
    path = project / "mixed.py"
    write(path, MIXED)
    cli("fix", "--select", "GLN001", "mixed.py")
    text = path.read_text()
    assert "name_scope" not in text and "self.params.get" in text


def test_unknown_code_is_a_usage_error(cli, project):
    write(project / "net.py", OLD_NET)
    run = cli("check", "--select", "GLN9", "net.py")
    assert run.status == 2
    assert "'GLN9' is not a rule code or prefix" in run.err and "GLN001" in run.err
    assert run.out == ""


# -- noqa -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("comment, suppressed", [
    ("  # noqa: GLN001", True),
    ("  # noqa", True),
    ("  # NOQA:GLN001,E501", True),
    ("  # noqa: GLN005", False),  # another code
])
def test_noqa_suppresses_finding_and_fix(cli, project, comment, suppressed):
    source = OLD_NET.replace("with self.name_scope():", "with self.name_scope():" + comment)
    path = project / "net.py"
    write(path, source)
    check = cli("check", "net.py")
    assert (check.out == "") is suppressed
    fix = cli("fix", "net.py")
    assert (path.read_text() == source) is suppressed
    assert fix.status == (0 if suppressed else 1)


# -- summary, report, quiet -------------------------------------------------------------------------------
def test_quiet_suppresses_the_summary_but_not_findings_or_errors(cli, project):
    write(project / "net.py", OLD_NET)
    write(project / "broken.py", BROKEN)
    run = cli("check", "--quiet", ".")
    assert run.status == 2
    assert "GLN001" in run.out
    assert run.err.startswith("broken.py:2:") and "scanned" not in run.err


def test_summary_counts_fixed_remaining_and_failed(cli, project):
    write(project / "a.py", OLD_NET)
    write(project / "b.py", OLD_NET)
    write(project / "manual.py", UNFIXABLE)
    write(project / "broken.py", BROKEN)
    run = cli("fix", ".")
    first_line = [line for line in run.err.splitlines() if line.startswith("gluon-codemod")][0]
    assert first_line == ("gluon-codemod fix: 4 files scanned, 2 rewritten, 1 with findings left, 1 failed")
    assert "fixes applied:\n  GLN001 name-scope: 2\n" in run.err
    assert "left for manual review:\n  GLN001 name-scope: 1\n    manual.py:5:17\n" in run.err
    assert "files that failed:\n  broken.py (left unchanged):\n    broken.py:2:" in run.err


REPORT_FINDING_KEYS = {"code", "line", "col", "cell", "message", "fix_title", "fix_available", "safety", "fixed",
                       "end_line", "end_col"}


def test_json_report_schema(cli, project):
    write(project / "a.py", OLD_NET)
    write(project / "manual.py", UNFIXABLE)
    write(project / "broken.py", BROKEN)
    write(project / "clean.py", CLEAN)
    (project / "out").mkdir()
    run = cli("fix", "--report", "out/report.json", ".")
    assert run.status == 2
    report = json.loads((project / "out" / "report.json").read_text())
    assert set(report) == {"version", "tool", "mode", "target", "unsafe_fixes", "select", "ignore", "summary",
                           "files"}
    assert (report["version"], report["mode"], report["target"]) == (1, "fix", "mxnet")
    assert report["summary"] == {"files_scanned": 4, "files_changed": 1, "files_with_findings": 1,
                                 "files_failed": 1, "files_skipped": 0, "fixes_applied": {"GLN001": 1},
                                 "findings_remaining": {"GLN001": 1}}
    files = {entry["path"]: entry for entry in report["files"]}
    assert list(files) == ["a.py", "broken.py", "clean.py", "manual.py"]  # sorted
    for entry in report["files"]:
        assert set(entry) == {"path", "changed", "written", "findings", "errors", "skipped"}
        for finding in entry["findings"]:
            assert set(finding) == REPORT_FINDING_KEYS
            assert finding["safety"] in ("safe", "unsafe", None)
        for error in entry["errors"]:
            assert set(error) == {"line", "col", "cell", "message"}
    assert files["a.py"]["written"] and files["a.py"]["findings"][0]["fixed"]
    assert files["a.py"]["findings"][0]["safety"] == "safe"
    assert (files["a.py"]["findings"][0]["line"], files["a.py"]["findings"][0]["col"]) == (7, 9)
    assert not files["manual.py"]["findings"][0]["fixed"] and not files["manual.py"]["written"]
    assert files["broken.py"]["errors"][0]["line"] == 2 and not files["broken.py"]["findings"]
    assert files["clean.py"] == {"path": "clean.py", "changed": False, "written": False, "findings": [],
                                 "errors": [], "skipped": None}


def test_unwritable_report_is_an_error(cli, project):
    write(project / "a.py", CLEAN)
    run = cli("check", "--report", str(project / "missing" / "r.json"), ".")
    assert run.status == 2 and "cannot write the report" in run.err


# -- folders and exclusions -------------------------------------------------------------------------------
def test_default_exclusions_skip_environments_and_build_outputs(cli, project):
    write(project / "pkg" / "net.py", OLD_NET)
    for skipped in (".venv/lib/a.py", "venv/b.py", "build/lib/c.py", "dist/d.py", "node_modules/e.py",
                    ".tox/py/f.py", "lib/site-packages/g.py", "pkg/__pycache__/h.py", ".git/i.py",
                    "x.egg-info/j.py"):
        write(project / skipped, OLD_NET)
    run = cli("check", ".")
    assert run.out.splitlines() == [line for line in run.out.splitlines() if line.startswith("pkg/net.py:")]
    assert "1 file scanned" in run.err
    # named explicitly, a file in an excluded folder is checked (as ruff), unless --force-exclude
    assert cli("check", "build/lib/c.py").status == 1
    assert cli("check", "--force-exclude", "--exclude", "build", "build/lib/c.py").out == ""


def test_exclude_and_extend_exclude_globs(cli, project):
    for name in ("keep/a.py", "gen/b.py", "keep/c_pb2.py", "keep/deep/d.py"):
        write(project / name, OLD_NET)
    run = cli("check", "--exclude", "gen,*_pb2.py", "--extend-exclude", "keep/deep", ".")
    assert [line.split(":")[0] for line in run.out.splitlines()] == ["keep/a.py"]


def test_file_named_twice_is_processed_once(cli, project):
    write(project / "net.py", OLD_NET)
    run = cli("fix", "net.py", ".", "./net.py")
    assert run.status == 1 and "1 file scanned, 1 rewritten" in run.err


# -- parallelism and progress -----------------------------------------------------------------------------
def test_jobs_2_gives_the_same_output_and_files_as_jobs_1(examples, project, tmp_path_factory):
    more = examples / "more"
    shutil.copytree(examples, more)  # several files per worker
    other = tmp_path_factory.mktemp("other")
    shutil.copytree(examples, other / "src")
    serial = run_process(["fix", "--jobs", "1", "--report", "serial.json", "src"], project)
    parallel = run_process(["fix", "--jobs", "2", "--report", "parallel.json", "src"], other)
    assert serial.returncode == parallel.returncode == 1
    assert serial.stdout == parallel.stdout and serial.stderr == parallel.stderr
    assert snapshot_bytes(examples) == snapshot_bytes(other / "src")
    assert (project / "serial.json").read_text() == (other / "parallel.json").read_text()


def test_examples_are_rewritten_and_a_second_fix_is_a_no_op(cli, examples):
    first = cli("fix", "--report", "first.json", "src")
    report = json.loads(open("first.json").read())
    assert first.status == 1
    assert report["summary"]["files_changed"] == len(os.listdir(examples)) == report["summary"]["files_scanned"]
    assert {"GLN001", "GLN004", "GLN005", "GLN006"} <= set(report["summary"]["fixes_applied"])
    before = snapshot(examples)
    second = cli("fix", "--report", "second.json", "src")
    again = json.loads(open("second.json").read())
    assert snapshot(examples) == before
    assert again["summary"]["files_changed"] == 0 and again["summary"]["fixes_applied"] == {}
    assert again["summary"]["findings_remaining"] == report["summary"]["findings_remaining"]
    assert second.status == (1 if again["summary"]["findings_remaining"] else 0)


def test_progress_bar_only_on_a_terminal(monkeypatch):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False, raising=False)
    assert progress_bar(10, enabled=True) is None
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    assert progress_bar(10, enabled=False) is None
    bar = progress_bar(10, enabled=True)
    assert bar is not None and bar.total == 10
    bar.close()


@pytest.mark.parametrize("jobs", [1, 2])
def test_parallel_results_keep_the_order_of_the_paths(tmp_path, jobs):
    # workers start with the largest file; results still come back in the order given, and every
    # finished file is counted once for the progress bar
    paths = []
    for number, size in enumerate([1, 50, 5, 200, 20]):
        path = tmp_path / f"m{number}.py"
        path.write_text("from mxnet.gluon import nn\n" + "layer = nn.Dense(2, prefix='d_')\n" * size)
        paths.append(str(path))
    finished = []
    results = list(run_files(paths, Options(mode=Mode.CHECK), jobs, on_done=lambda: finished.append(1)))
    assert [result.path for result in results] == paths
    assert [len(result.findings) for result in results] == [1, 50, 5, 200, 20]
    assert len(finished) == len(paths)


def _kept_trees_seen_by_the_worker(path, options):
    # (run in a worker in place of `_process_in_worker`: what the worker holds of the project)
    from gluon_codemod.run import batch

    sources = batch._WORKER_PROJECT.sources.values()
    return sum(source.kept_tree is not None for source in sources), os.getpid()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers are forked on Linux only")
def test_forked_workers_inherit_the_project_with_its_trees(tmp_path, monkeypatch):
    # Nothing to pickle and nothing to parse again: a worker analyses the files with the trees the
    # project kept when it indexed them, as a run in one process does.
    from gluon_codemod.run import batch
    from gluon_codemod.run.project import Project

    paths = []
    for number in range(4):
        path = tmp_path / f"m{number}.py"
        path.write_text(f"from mxnet.gluon import nn\n\n\nclass Net{number}(nn.Block):\n    pass\n")
        paths.append(str(path))
    project = Project.load(paths)
    kept = sum(source.kept_tree is not None for source in project.sources.values())
    assert kept == 4
    monkeypatch.setattr(batch, "_process_in_worker", _kept_trees_seen_by_the_worker)
    seen = list(run_files(paths, Options(mode=Mode.CHECK), 2, project=project))
    assert {trees for trees, _ in seen} == {kept}
    assert os.getpid() not in {pid for _, pid in seen}  # (they did run in workers)


def test_nothing_stays_frozen_after_a_run(tmp_path):
    # The run hides what is alive from the cyclic collector while it lasts (`gc.freeze`); a caller that
    # lives on must get that garbage collected again afterwards.
    import gc

    path = tmp_path / "m.py"
    path.write_text(OLD_NET)
    gc.unfreeze()
    for jobs in (1, 2):
        list(run_files([str(path), str(path)], Options(mode=Mode.CHECK), jobs))
        assert gc.get_freeze_count() == 0


def test_no_progress_output_when_stderr_is_not_a_terminal(examples, project):
    done = run_process(["check", "--jobs", "2", "src"], project)
    assert b"\r" not in done.stderr and b"file/s" not in done.stderr


# -- broken pipe, usage, wiring ---------------------------------------------------------------------------
@pytest.mark.skipif(shutil.which("head") is None, reason="needs `head`")
def test_broken_pipe_is_quiet_and_files_are_still_fixed(project):
    # 750 findings fix cannot apply (~100 KiB, more than a pipe holds), then one file it can fix
    unfixable = UNFIXABLE.split("class")[0] + "".join(
        "class Net%d(gluon.Block):\n    def __init__(self):\n        super().__init__()\n"
        "        scope = self.name_scope()\n" % i for i in range(25))
    for number in range(30):
        write(project / ("m%02d.py" % number), unfixable)
    write(project / "zz.py", OLD_NET)
    for command in ("check", "fix"):
        line = f"set -o pipefail; {sys.executable} -m gluon_codemod {command} --jobs 2 . | head -n 1"
        done = subprocess.run(["bash", "-c", line], cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert done.stdout.decode().startswith("m00.py:5:17: GLN001")
        assert b"Traceback" not in done.stderr and b"BrokenPipe" not in done.stderr
        assert done.returncode == 1
        assert b"31 files scanned" in done.stderr  # the summary still comes, on stderr
    assert (project / "zz.py").read_text() == NEW_NET  # written after stdout was gone


@pytest.mark.parametrize("argv", [[], ["check"], ["fix", "--jobs", "0", "."], ["check", "--target", "tf", "."],
                                  ["check", "--diff", "."]])
def test_usage_errors_exit_2(project, argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert "usage:" in capsys.readouterr().err


def test_verify_subcommand_is_still_wired(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["verify", "--help"])
    assert exit_info.value.code == 0
    assert "--build" in capsys.readouterr().out


def test_console_script_runs(project):
    script = shutil.which("gluon-codemod") or os.path.join(os.path.dirname(sys.executable), "gluon-codemod")
    if not os.path.exists(script):
        pytest.skip("the console script is not installed in this environment")
    write(project / "net.py", OLD_NET)
    done = subprocess.run([script, "check", "--quiet", "net.py"], cwd=project, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE)
    assert done.returncode == 1 and done.stdout.decode().startswith("net.py:7:9: GLN001")
