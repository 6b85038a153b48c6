"""Hostile inputs, one test each (issue 13): signals, odd files, odd bytes, full devices, broken configs.

Numbers in the test names follow the issue's list. Cases that need root (a file owned by someone else,
a full tmpfs) skip when not run as root; Linux-only cases (/proc, /dev/full) skip elsewhere.
"""
from __future__ import annotations

import json
import os
import re
import signal
import stat
import subprocess
import sys
import time

import pytest

from .conftest import NEW_NET, OLD_NET, REPO, run_process, write

linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs Linux (/proc, /dev/full)")
root = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root")

# Many classes per file, so that a parallel run of a few hundred files lasts long enough to interrupt.
BIG_OLD = OLD_NET + "".join(OLD_NET.split("\n\n\n", 1)[1].replace("class Net", f"class Net{i}")
                            for i in range(40))


def _start(args, cwd, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "gluon_codemod", *args], cwd=str(cwd), start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)


def _wait_for_rewrite(folder, paths, old: bytes, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any((folder / p).read_bytes() != old for p in paths):
            return
        time.sleep(0.02)
    raise AssertionError("no file was rewritten in time")


def _children(pid: int) -> set:
    found = set()
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as handle:
            found.update(int(child) for child in handle.read().split())
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _whole(data: bytes) -> bool:
    """The original, or the complete rewrite (no half-written file)."""
    return data == BIG_OLD.encode() or (data.startswith(NEW_NET.encode()) and b"name_scope" not in data)


def _many_files(project, count: int = 300):
    names = [f"m{i:03}.py" for i in range(count)]
    for name in names:
        write(project / name, BIG_OLD)
    return names


# -- 2. Ctrl-C and a killed parent -------------------------------------------------------------------------
@linux
def test_2_ctrl_c_stops_a_parallel_fix_at_once_leaving_each_file_whole(project):
    names = _many_files(project)
    old = BIG_OLD.encode()
    proc = _start(["fix", "--jobs", "2", "."], project)
    _wait_for_rewrite(project, names, old)
    os.killpg(proc.pid, signal.SIGINT)  # what the terminal does: the whole process group gets it
    started = time.monotonic()
    out, err = proc.communicate(timeout=60)
    assert time.monotonic() - started < 10
    assert proc.returncode == 130, err.decode()
    err = err.decode()
    assert "Traceback" not in err
    contents = [(project / name).read_bytes() for name in names]
    fixed = sum(1 for data in contents if data != old)
    assert all(_whole(data) for data in contents)
    assert 0 < fixed < len(names)  # stopped: the queued files were not started
    not_started = int(re.search(r"interrupted: (\d+) files? not started", err).group(1))
    assert f"{len(names)} files scanned" not in err
    assert re.search(rf"\b{fixed} rewritten", err), err
    assert not_started >= len(names) - fixed - 3  # at most the few already handed to workers ran
    assert not [p for p in os.listdir(project) if p.endswith(".tmp")]


@linux
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_2_workers_die_with_the_main_process(project, sig):
    names = _many_files(project, 200)
    proc = _start(["fix", "--jobs", "2", "."], project)
    _wait_for_rewrite(project, names, BIG_OLD.encode())
    workers = _children(proc.pid)
    assert workers
    os.kill(proc.pid, sig)  # the main process only, as a supervisor or the OOM killer would
    proc.communicate(timeout=20)  # returns only when nothing holds the pipes any more
    deadline = time.monotonic() + 10
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(w) for w in workers)
    assert all(_whole((project / name).read_bytes()) for name in names)
    assert not [p for p in os.listdir(project) if p.endswith(".tmp")]


# -- 3. ownership ------------------------------------------------------------------------------------------
@root
def test_3_fix_as_root_keeps_owner_group_and_mode(cli, project):
    path = project / "net.py"
    write(path, OLD_NET)
    os.chown(path, 4321, 8765)
    os.chmod(path, 0o640)
    assert cli("fix", str(path)).status == 1
    info = os.stat(path)
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (4321, 8765, 0o640)
    assert path.read_text() == NEW_NET


# -- 4. selectors ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("config, args", [
    ('select = [""]', []),
    ("select = []", []),
    ('ignore = [" "]', []),
    ("", ["--select", ""]),
    ("", ["--select", "GLN9"]),
    ('select = ["NOPE1"]', []),
])
def test_4_empty_or_unknown_selector_is_an_error(cli, project, config, args):
    write(project / "pyproject.toml", f"[tool.gluon-codemod]\n{config}\n")
    write(project / "net.py", OLD_NET)
    run = cli("check", *args, "net.py")
    assert run.status == 2 and run.out == ""
    assert "rule code" in run.err or "selects no rule" in run.err


# -- 5. --diff on form feeds and CR-only line endings -----------------------------------------------------
def test_5_diff_with_form_feeds_and_cr_endings_applies_with_patch(project, tmp_path_factory):
    files = {
        "a_cr_only.py": OLD_NET.replace("\n", "\r").encode(),
        "b_form_feed.py": ("# page one\n\x0c\n" + OLD_NET + "\x0c\ndef g():  # \x0c in a line\n    pass\n").encode(),
        "c_after.py": OLD_NET.encode(),  # a file after them must be patched too
    }
    for name, data in files.items():
        (project / name).write_bytes(data)
    copy = tmp_path_factory.mktemp("patched")
    for name, data in files.items():
        (copy / name).write_bytes(data)
    diff = run_process(["fix", "--diff", "."], project)
    assert diff.returncode == 1, diff.stderr
    applied = subprocess.run(["patch", "-p1", "--batch"], cwd=str(copy), input=diff.stdout,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert applied.returncode == 0, applied.stdout.decode()
    assert run_process(["fix", "."], project).returncode == 1
    for name in files:
        assert (copy / name).read_bytes() == (project / name).read_bytes() != files[name]


# -- 6. notebooks ------------------------------------------------------------------------------------------
def _notebook(cells) -> dict:
    return {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def _code(source) -> dict:
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source}


def test_6_notebook_bom_and_tab_indentation_are_kept(cli, project):
    layout = json.dumps(_notebook([_code(OLD_NET)]), indent="\t")
    path = project / "nb.ipynb"
    path.write_bytes(b"\xef\xbb\xbf" + layout.encode() + b"\n")
    assert cli("fix", "nb.ipynb").status == 1
    expected = json.dumps(_notebook([_code(NEW_NET)]), indent="\t")
    assert path.read_bytes() == b"\xef\xbb\xbf" + expected.encode() + b"\n"


def test_6_null_cell_source_is_reported_and_the_other_cells_fixed(cli, project):
    path = project / "nb.ipynb"
    path.write_text(json.dumps(_notebook([_code(None), _code(OLD_NET)]), indent=1) + "\n")
    run = cli("fix", "nb.ipynb")
    assert run.status == 2
    assert "nb.ipynb:cell 1:1:1: error: `source` of this code cell is null" in run.err
    assert "internal error" not in run.err
    cells = json.loads(path.read_text())["cells"]
    assert cells[0]["source"] is None and cells[1]["source"] == NEW_NET


def test_6_notebook_with_one_bad_cell_is_not_called_unchanged(cli, project):
    path = project / "nb.ipynb"
    path.write_text(json.dumps(_notebook([_code("def f(:\n"), _code(OLD_NET)]), indent=1) + "\n")
    run = cli("fix", "nb.ipynb")
    assert run.status == 2
    assert "nb.ipynb (the rest of it rewritten):" in run.err
    assert "left unchanged" not in run.err
    assert json.loads(path.read_text())["cells"][1]["source"] == NEW_NET


# -- 7. --report on a full disk ----------------------------------------------------------------------------
@root
@linux
def test_7_report_on_a_full_disk_keeps_the_previous_report(cli, project):
    disk = project / "disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(disk)],
                      stderr=subprocess.DEVNULL).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        report = disk / "report.json"
        report.write_text('{"previous": true}\n')
        filler = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT)
        try:
            while os.write(filler, b"x" * 4096):
                pass
        except OSError:  # the disk is full
            pass
        finally:
            os.close(filler)
        write(project / "net.py", OLD_NET * 20)
        run = cli("check", "--report", str(report), "net.py")
        assert run.status == 2 and "cannot write the report" in run.err
        assert report.read_text() == '{"previous": true}\n'
        assert [p for p in os.listdir(disk) if p.endswith(".tmp")] == []
    finally:
        subprocess.run(["umount", str(disk)])


# -- 8. FIFOs and devices ----------------------------------------------------------------------------------
@linux
def test_8_fifo_and_device_link_are_skipped_with_a_message(project):
    os.mkfifo(project / "pipe.py")
    os.symlink("/dev/zero", project / "zero.py")
    write(project / "net.py", OLD_NET)
    for args in (["check", "."], ["fix", "pipe.py", "zero.py"]):
        result = run_process(args, project)
        err = result.stderr.decode()
        assert "pipe.py: skipped: a named pipe (FIFO), not a regular file" in err
        assert "zero.py: skipped: a character device, not a regular file" in err
        assert "Traceback" not in err and "MemoryError" not in err
    assert run_process(["check", "."], project).returncode == 1  # net.py's finding; skips are not errors


# -- 9, 12. stdin on errors, and nesting too deep for Python -----------------------------------------------
DEEP = "from mxnet import gluon\nx = 1" + " + 1" * 100000 + "\n"


def test_9_12_fix_stdin_gives_the_input_back_on_a_too_deep_expression(project):
    result = run_process(["fix", "-"], project, stdin=DEEP.encode())
    assert result.returncode == 2
    assert result.stdout == DEEP.encode()
    err = result.stderr.decode()
    assert "too deeply nested for Python's parser" in err and "Python cannot compile this file either" in err
    assert "internal error" not in err and "please report" not in err


def test_9_fix_stdin_gives_what_fix_writes_when_a_cell_fails(project):
    # issue 20: the same bytes as the in-place fix (the other cells fixed), not the input back
    data = (json.dumps(_notebook([_code(None), _code(OLD_NET)]), indent=1) + "\n").encode()
    result = run_process(["fix", "-", "--stdin-filename", "nb.ipynb"], project, stdin=data)
    (project / "nb.ipynb").write_bytes(data)
    assert run_process(["fix", "nb.ipynb"], project).returncode == 2
    fixed_in_place = (project / "nb.ipynb").read_bytes()
    assert fixed_in_place != data
    assert (result.returncode, result.stdout) == (2, fixed_in_place)


def test_12_too_deep_file_is_an_input_limit(cli, project):
    write(project / "deep.py", DEEP)
    run = cli("check", "deep.py")
    assert run.status == 2
    assert "deep.py:1:1: error: too deeply nested for Python's parser" in run.err
    assert "internal error" not in run.err


# -- 10. a full output device ------------------------------------------------------------------------------
@linux
def test_10_output_to_dev_full_is_a_clear_error(project):
    write(project / "net.py", OLD_NET)
    with open("/dev/full", "wb") as full:
        result = subprocess.run([sys.executable, "-m", "gluon_codemod", "check", "net.py"], cwd=str(project),
                                stdout=full, stderr=subprocess.PIPE, timeout=60)
    err = result.stderr.decode()
    assert result.returncode == 2
    assert "cannot write to standard output: No space left on device" in err
    assert "Traceback" not in err


# -- 11. a pyproject.toml that is not UTF-8 ----------------------------------------------------------------
def test_11_non_utf8_pyproject_found_upwards_is_a_config_error(project, monkeypatch):
    (project / "pyproject.toml").write_bytes(b"[tool.gluon-codemod]\n# caf\xe9\nselect = [\"GLN0\"]\n")
    sub = project / "pkg"
    write(sub / "a.py", OLD_NET)
    result = run_process(["check", "a.py"], sub)
    err = result.stderr.decode()
    assert result.returncode == 2
    assert f"{project / 'pyproject.toml'}: not UTF-8 (byte 0xe9" in err and "re-save it as UTF-8" in err
    assert "Traceback" not in err


# -- 13. UTF-16 ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("codec, name", [("utf-16", "UTF-16-LE"), ("utf-16-be", "UTF-16-BE"),
                                         ("utf-32", "UTF-32-LE")])
def test_13_utf16_file_names_the_byte_order_mark(cli, project, codec, name):
    data = OLD_NET.encode(codec)
    if codec == "utf-16-be":
        data = b"\xfe\xff" + data
    (project / "wide.py").write_bytes(data)
    run = cli("fix", "wide.py")
    assert run.status == 2
    assert f"starts with a {name} byte order mark" in run.err and "re-save it as UTF-8" in run.err
    assert (project / "wide.py").read_bytes() == data


def test_13_utf16_notebook_names_the_byte_order_mark(cli, project):
    data = json.dumps(_notebook([_code(OLD_NET)])).encode("utf-16")
    (project / "wide.ipynb").write_bytes(data)
    run = cli("fix", "wide.ipynb")
    assert run.status == 2 and "UTF-16 or UTF-32 byte order mark" in run.err
    assert (project / "wide.ipynb").read_bytes() == data


# -- 15. a newcomer's first run ----------------------------------------------------------------------------
def test_15_version(project):
    from gluon_codemod import __version__

    result = run_process(["--version"], project)
    assert (result.returncode, result.stdout.decode()) == (0, f"gluon-codemod {__version__}\n")


def test_15_readme_setup_command_succeeds_and_tests_are_explained():
    with open(os.path.join(REPO, "README.md"), encoding="utf-8") as handle:
        readme = handle.read()
    setup = readme.split("## Set up on a fresh machine", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    main_command = setup.strip().splitlines()[0]
    # the migration demo exits 1 by design (there is something to migrate): the line must not "fail"
    assert main_command.rstrip().endswith("&& { gluon-codemod fix --diff examples/ || [ $? -eq 1 ]; }")
    demo = subprocess.run(["sh", "-c", main_command.split(" && ", 3)[3]], cwd=REPO, env=dict(
        os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert demo.returncode == 0
    assert '-m "not slow"' in readme and "minutes" in readme.split("## Command line")[0]


def test_15_fix_stdin_summary_counts_the_rewrite(project):
    result = run_process(["fix", "-"], project, stdin=OLD_NET.encode())
    assert result.stdout == NEW_NET.encode()
    assert "1 file scanned, 1 rewritten" in result.stderr.decode()
