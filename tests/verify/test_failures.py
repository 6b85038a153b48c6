"""A phase that fails: on both sides alike (a result), or only in the rewrite (an error); never a cascade."""
import os

from gluon_codemod.verify import verify

ORIGINAL = """
    from mxnet import autograd
    from mxnet.gluon import nn


    class Net(nn.HybridBlock):
        def __init__(self, **kwargs):
            super(Net, self).__init__(**kwargs)
            self.fc = nn.Dense(3)

        def hybrid_forward(self, F, x):
            # eager-only code, as GluonCV's GroupNorm on 1.9.1: hybridizing fails, in the original too
            scale = float(x.sum().asscalar()) * 0 + 1
            return self.fc(x) * scale
"""


def test_both_fail_alike_is_a_result_not_an_error(write, row):
    path = write("net.py", ORIGINAL)
    report = verify(path, ["Net()"], [(2, 4)], rewritten=path)
    hybrid = row(report, "Net()", "hybrid")
    assert hybrid.status == "alike"
    assert hybrid.detail == ("both fail alike: NotImplementedForSymbol: Function asscalar is not implemented for "
                             "Symbol and only available in NDArray.")
    assert report.models[0].status == "ok" and report.exit_code == 0, report.format()


def test_only_the_rewrite_failing_is_an_error_and_the_next_checks_still_run(write, row):
    path = write("net.py", ORIGINAL)
    broken = write("broken.py", ORIGINAL.replace(
        "            return self.fc(x) * scale\n",
        "            if autograd.is_recording():\n                raise ValueError('boom')\n"
        "            return self.fc(x) * scale\n"))
    report = verify(path, ["Net()"], [(2, 4)], rewritten=broken)
    grad = row(report, "Net()", "grad")
    assert grad.status == "error"
    assert grad.detail == "only the rewrite fails: new side failed in grad: ValueError: boom"
    assert "raise ValueError('boom')" in grad.traceback
    assert f'File "<rewrite>{os.sep}net.py"' in grad.traceback  # not the temporary copy, gone by now
    # the failed backward does not spill into the checks after it
    assert row(report, "Net()", "checkpoint").status == "ok"
    assert row(report, "Net()", "sharing").status == "ok"
    assert row(report, "Net()", "hybrid").status == "alike"
    assert report.exit_code == 2
