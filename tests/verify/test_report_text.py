"""The verification table as text: both layouts show the traceback of a failing side."""
import pytest

from gluon_codemod.verify._report import Report
from gluon_codemod.verify._result import Check, ModelResult


@pytest.mark.parametrize("per_model", [False, True])
def test_a_failing_check_prints_its_traceback_after_the_table(per_model):
    report = Report("/project/model.py", "model")
    tb = 'Traceback (most recent call last):\n  File "model.py", line 3\nValueError: bad shape\n'
    failed = Check("forward", "error", None, "rewrite raised", tb)
    report.models = [ModelResult("Net()", [Check("build", "ok"), failed])]
    text = report.format(per_model=per_model)
    table, _, after = text.partition("\nNet() forward: traceback of the failing side:\n")
    assert "forward" in table and "ValueError" not in table
    assert after.startswith(tb.rstrip() + "\n")
    assert text.endswith("result: a side failed\n")
