"""Models that crash, hang, exit or leave threads behind: each becomes a row, never a dead or hung verify.

Both sides run stock Gluon here (`rewritten=` the file itself), so these need no runtime.
"""
import json
import os
import subprocess
import sys

import pytest

from gluon_codemod.verify import main, verify

MODELS = """
    import os
    import signal
    import time

    from mxnet import autograd
    from mxnet.gluon import nn


    class CrashInBackward(nn.HybridBlock):
        # a native crash, as stock 1.9.1's backward through some detection heads
        def __init__(self, **kwargs):
            super(CrashInBackward, self).__init__(**kwargs)
            self.fc = nn.Dense(2)

        def hybrid_forward(self, F, x):
            if autograd.is_recording():
                os.kill(os.getpid(), signal.SIGSEGV)
            return self.fc(x)


    class Hangs(nn.HybridBlock):
        # swallows every exception (the in-process alarm included): only a kill stops it
        def hybrid_forward(self, F, x):
            while True:
                try:
                    time.sleep(0.05)
                except BaseException:
                    pass


    def fine():
        return nn.Dense(3)
"""


def test_native_crash_is_a_row_and_the_other_checks_and_models_still_run(write, row, capsys):
    path = write("models.py", MODELS)
    report = verify(path, ["CrashInBackward()", "fine()"], [(2, 4)], rewritten=path, progress=print)
    grad = row(report, "CrashInBackward()", "grad")
    assert (grad.status, grad.detail) == ("error", "original crashed in grad: signal 11 (SIGSEGV)")
    assert "Fatal Python error" in grad.traceback and "hybrid_forward" in grad.traceback
    assert f'File "{path}"' in grad.traceback  # the user's file, not the temporary copy
    # the model ran again without the crashing checks: what does not record still compares
    for name in ("structure", "init", "eager", "checkpoint", "hybrid"):
        assert row(report, "CrashInBackward()", name).status == "ok", name
    assert row(report, "CrashInBackward()", "train-step").detail.startswith("original crashed in train-step")
    assert report.models[1].expr == "fine()" and report.models[1].status == "ok"
    assert report.exit_code == 2
    assert "models.py [2/2] fine(): ok" in capsys.readouterr().out


def test_skip_leaves_a_check_out(write, row):
    path = write("models.py", MODELS)
    report = verify(path, ["CrashInBackward()"], [(2, 4)], rewritten=path,
                    skip=["grad", "training"])
    assert row(report, "CrashInBackward()", "grad").status == "skipped"
    assert row(report, "CrashInBackward()", "train-forward").status == "skipped"
    assert report.exit_code == 0, report.format()


def test_unknown_skip_is_a_usage_error(write):
    path = write("models.py", MODELS)
    with pytest.raises(ValueError, match="--skip 'gradient' is not a check"):
        verify(path, ["fine()"], [(2, 4)], rewritten=path, skip=["gradient"])


def test_hang_that_swallows_the_alarm_is_killed_at_the_timeout(write, row):
    path = write("models.py", MODELS)
    report = verify(path, ["Hangs()", "fine()"], [(2, 4)], rewritten=path, timeout=1)
    build = row(report, "Hangs()", "build")
    assert build.status == "error"
    assert build.detail == "original ran past --timeout 1s in build and did not stop: its process was killed"
    assert "in hybrid_forward" in build.traceback  # where it was, from faulthandler
    assert row(report, "fine()", "eager").status == "ok"


def test_exit_during_import_is_status_2_with_a_reason(write, tmp_path):
    path = write("exits.py", "import sys\nfrom mxnet.gluon import nn\nsys.exit(0)\n")
    report = verify(path, ["nn.Dense(2)"], [(2, 4)], rewritten=path)
    assert report.exit_code == 2
    assert "the file exited during import (original side: sys.exit(0))" in report.setup_error


def test_thread_left_running_does_not_keep_verify_alive(write):
    path = write("threads.py", """
        import threading
        import time
        from mxnet.gluon import nn

        threading.Thread(target=time.sleep, args=(3600,)).start()  # not a daemon


        def net():
            return nn.Dense(2)
    """)
    result = subprocess.run([sys.executable, "-m", "gluon_codemod.verify", path, "--build", "net()", "--input",
                             "2,3", "--rewritten", path], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    # one thread per side: each side imports the module
    assert ("note: threads.py: the model's code left 2 non-daemon thread(s) running (Thread-1 (sleep), "
            "Thread-2 (sleep)); verify ended them with its child process") in result.stdout


def test_unparsable_file_the_model_never_imports_is_reported_not_fatal(write):
    write("pkg/__init__.py", "")
    write("pkg/broken.py", "from mxnet import gluon\ndef oops(:\n")
    path = write("pkg/model.py", "from mxnet.gluon import nn\n\n\ndef net():\n    return nn.Dense(2)\n")
    report = verify(path, ["net()"], [(2, 3)])
    assert report.exit_code == 0, report.format()
    assert list(report.rewrite_errors) == [os.path.join("pkg", "broken.py")]
    assert "not rewritten (left as it is): pkg/broken.py:2:10: error: cannot parse: invalid syntax" in report.format()
    assert "SourceError" not in report.format()


def test_report_into_a_missing_folder_fails_before_running(write, tmp_path, capsys):
    path = write("models.py", MODELS)
    target = tmp_path / "no" / "such" / "report.json"
    assert main([path, "--build", "fine()", "--input", "2,4", "--report", str(target)]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not target.parent.exists()


def test_report_is_written_after_each_model_and_on_crash(write, tmp_path):
    path = write("models.py", MODELS)
    out = tmp_path / "report.json"
    status = main([path, "--build", "fine()", "--build", "CrashInBackward()", "--input", "2,4", "--rewritten", path,
                   "--skip", "training", "--report", str(out), "--quiet"])
    data = json.loads(out.read_text())
    assert status == 2 == data["exit_code"]
    assert [m["model"] for m in data["models"]] == ["fine()", "CrashInBackward()"]
    assert [p for p in os.listdir(tmp_path) if p.startswith(".verify-")] == []  # no temporary file left


def test_a_model_file_that_does_not_parse_is_said_with_its_line_as_check_says_it(write):
    path = write("m.py", "from mxnet.gluon import nn\n\n\ndef net():\n    return nn.Dense(2\n")
    report = verify(path, ["net()"], [(2, 3)])
    assert report.exit_code == 2
    text = report.format()
    assert text.startswith("m.py:5:20: error: cannot parse: '(' was never closed\n"), text
    assert "SourceError" not in text and "Traceback" not in text
    assert text.count("cannot parse") == 1
    checked = subprocess.run([sys.executable, "-m", "gluon_codemod", "check", "m.py"], capture_output=True,
                             text=True, cwd=os.path.dirname(path))
    assert "m.py:5:20: error: cannot parse: '(' was never closed" in checked.stderr.splitlines()
