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


# A stock 1.9.1 limitation both sides hit (issue 20.1): a tied-weight LSTM language model in numpy mode
# fails when hybridized (the LSTM's begin state is inferred with a 0 batch size). The messages differ
# only in the generated operator name: 1.x's `rnnmodel0_lstm0_rnn0`, the rewrite's `lstm0_rnn0`.
TIED_LM = """
    from mxnet import np, npx
    from mxnet.gluon import nn, rnn

    npx.set_np()


    class RNNModel(nn.HybridBlock):
        def __init__(self, vocab=20, **kwargs):
            super(RNNModel, self).__init__(**kwargs)
            with self.name_scope():
                self.embedding = nn.Embedding(vocab, 8)
                self.lstm = rnn.LSTM(8, layout='NTC', input_size=8)
                self.decoder = nn.Dense(vocab, flatten=False, in_units=8, params=self.embedding.params)

        def hybrid_forward(self, F, x):
            return self.decoder(self.lstm(self.embedding(x)))
"""


def test_a_stock_limitation_both_sides_hit_with_other_generated_names_fails_alike(runtime, write, row):
    path = write("lm.py", TIED_LM)
    report = verify(path, ["RNNModel()"], [(2, 5)], int_values=True, input_range=(0, 20))
    hybrid = row(report, "RNNModel()", "hybrid")
    assert hybrid.status == "alike", report.format()
    assert hybrid.detail.startswith("both fail alike: MXNetError: ")
    assert "Error in operator rnnmodel0_lstm0_rnn0: Shape inconsistent" in hybrid.detail  # the original's words
    assert hybrid.detail.endswith("(the messages differ only in generated names)")
    assert report.exit_code == 0, report.format()


def test_failures_that_differ_beyond_generated_names_are_still_a_difference(write, row):
    path = write("net.py", ORIGINAL)
    other = write("other.py", ORIGINAL.replace("x.sum().asscalar()", "x.sum().asnumpy()[0]"))
    report = verify(path, ["Net()"], [(2, 4)], rewritten=other)
    hybrid = row(report, "Net()", "hybrid")
    assert hybrid.status == "error"
    assert hybrid.detail == ("both fail, differently: original NotImplementedForSymbol: Function asscalar is not "
                             "implemented for Symbol and only available in NDArray.; rewrite NotImplementedForSymbol: "
                             "Function asnumpy is not implemented for Symbol and only available in NDArray.")


def test_generated_names_are_set_aside_and_the_rest_kept():
    from gluon_codemod.verify._checks import fail_alike, generic

    stock = ("Error in operator rnnmodel0_lstm0_rnn0: Parameter 'rnnmodel0_dense0_weight' of <Block object at "
             "0x7f00aa> in /tmp/gluon-codemod-verify-ab12/orig/lm.py, fwd_3")
    runtime = ("Error in operator lstm0_rnn0: Parameter 'param_e1ebdcbc_9123_42b0_b544_6297ec846947_weight' of "
               "<Block object at 0x7f11bb> in /tmp/gluon-codemod-verify-cd34/new/lm.py, fwd_12")
    assert generic(stock) == generic(runtime) == (
        "Error in operator <name>: Parameter '<name>' of <Block object at <address>> in <path>, fwd_<N>")
    assert fail_alike(ValueError(stock), ValueError(runtime))
    assert not fail_alike(ValueError(stock), TypeError(runtime))  # another exception is another failure
    # shapes, sizes and words are what the failure is about: they stay
    assert not fail_alike(ValueError("shape (3, 4) vs (3, 5)"), ValueError("shape (3, 4) vs (3, 6)"))
    assert not fail_alike(ValueError("in operator dense0_fwd: bad"), ValueError("in operator dense0_fwd: worse"))


# A rewrite left incomplete by a reported finding (issue 20.3): `prefix=` with a value that calls
# something is removed only with --unsafe-fixes, so the rewrite keeps it and the runtime's Dense refuses it.
UNSAFE_PREFIX = """
    from mxnet.gluon import nn

    _count = [0]


    def next_name():
        _count[0] += 1
        return 'fc%d_' % _count[0]


    def net():
        return nn.Dense(2,
                        prefix=next_name())
"""


def test_a_build_failing_on_a_finding_left_in_the_rewrite_names_the_finding(runtime, write, row):
    path = write("m.py", UNSAFE_PREFIX)
    report = verify(path, ["net()"], [(2, 3)])
    build = row(report, "net()", "build")
    assert build.status == "error"
    # the failing call starts on line 13; the finding is on its second line
    assert build.detail == ("only the rewrite fails: new side failed in build: TypeError: HybridBlock.__init__() "
                            "got an unexpected keyword argument 'prefix'; the rewrite still has GLN002 at m.py:14 "
                            "(reported, not fixed): fix it by hand or run with --unsafe-fixes")
    fixed = verify(path, ["net()"], [(2, 3)], unsafe_fixes=True)
    assert fixed.exit_code == 0, fixed.format()


def test_an_import_failing_on_a_finding_left_in_the_rewrite_names_the_finding(runtime, write):
    path = write("g.py", UNSAFE_PREFIX.replace("def net():\n        return nn.Dense(2,\n                        prefix",
                                               "SHARED = nn.Dense(2,\n                     prefix")
                 + "\n\n    def net():\n        return SHARED\n")
    report = verify(path, ["net()"], [(2, 3)])
    assert report.exit_code == 2
    lines = report.setup_error.splitlines()
    assert lines[0].endswith("g.py: new side failed in import: TypeError: HybridBlock.__init__() got an unexpected "
                             "keyword argument 'prefix'")
    assert lines[1] == ("the rewrite still has GLN002 at g.py:13 (reported, not fixed): fix it by hand or run with "
                        "--unsafe-fixes")


def test_a_failure_elsewhere_is_not_blamed_on_a_finding(tmp_path):
    from gluon_codemod.verify._unfixed import blame
    from gluon_codemod.vocabulary import Finding

    tree = tmp_path / "new"
    (tree / "pkg").mkdir(parents=True)
    (tree / "pkg" / "m.py").write_text("x = 1\ny = f(1,\n      2)\nz = 3\n")
    left = {"pkg/m.py": [Finding("GLN009", 3, 6, "msg"), Finding("GLN003", 4, 0, "msg", fix_available=True)]}
    frame = f'Traceback (most recent call last):\n  File "{tree}/pkg/m.py", line {{}}, in <module>\nValueError: x\n'
    assert blame(frame.format(2), str(tree), left) == ("the rewrite still has GLN009 at pkg/m.py:3 (reported, not "
                                                       "fixed): fix it by hand")
    assert blame(frame.format(1), str(tree), left) is None  # another statement
    assert blame(frame.replace(str(tree), "/elsewhere").format(2), str(tree), left) is None  # not the rewrite's file
