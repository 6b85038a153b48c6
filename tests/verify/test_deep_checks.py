"""Parameter attributes, one Trainer step, a training-mode forward, and where outputs diverge.

Each broken "rewrite" (stock Gluon on both sides, injected with `rewritten=`) changes one thing a
migration can silently change; the check made for it must report it, and the others must not.
"""
from gluon_codemod.verify import verify

ORIGINAL = """
    from mxnet import gluon
    from mxnet.gluon import nn


    class Net(gluon.HybridBlock):
        def __init__(self, **kwargs):
            super(Net, self).__init__(**kwargs)
            with self.name_scope():
                self.body = nn.HybridSequential()
                self.body.add(nn.Dense(8, activation='relu'), nn.BatchNorm(), nn.Dropout(0.5),
                              nn.Dense(8, activation='relu'))
                self.out = nn.Dense(3)
            self.collect_params('.*gamma|.*beta').setattr('wd_mult', 0.0)
            self.out.bias.grad_req = 'null'

        def hybrid_forward(self, F, x):
            return self.out(self.body(x))
"""


def _run(write, old, new):
    path = write("net.py", ORIGINAL)
    broken = write("broken.py", ORIGINAL.replace(old, new))
    assert broken != path and open(broken).read() != open(path).read()
    return verify(path, ["Net()"], [(4, 6)], rewritten=broken)


def _statuses(report):
    return {c.name: c.status for c in report.models[0].checks}


def test_faithful_rewrite_passes_the_deeper_checks(write, row):
    path = write("net.py", ORIGINAL)
    report = verify(path, ["Net()"], [(4, 6)], rewritten=path)
    assert set(_statuses(report).values()) == {"ok"}, report.format()
    assert row(report, "Net()", "train-forward").detail == "outputs equal; 2 running statistic(s) updated alike"


def test_changed_wd_mult_selection_is_reported_by_attributes_and_the_trainer_step(write, row):
    report = _run(write, "'.*gamma|.*beta'", "'.*gamma'")
    statuses = _statuses(report)
    assert statuses["attributes"] == "differs"
    assert row(report, "Net()", "attributes").detail == "original vs rewrite: body.1.beta.wd_mult 0.0 vs 1.0"
    # Adam's first step is about lr * sign(gradient): weight decay on a small beta need not show there
    assert row(report, "Net()", "train-step").detail.startswith("sgd: parameters differ after one step: body.1.beta")
    assert {statuses[n] for n in ("eager", "grad", "checkpoint", "train-forward", "hybrid")} == {"ok"}


def test_dropped_grad_req_null_is_reported_by_attributes_grad_and_the_trainer_step(write, row):
    report = _run(write, "            self.out.bias.grad_req = 'null'\n", "")
    statuses = _statuses(report)
    assert "out.bias.grad_req 'null' vs 'write'" in row(report, "Net()", "attributes").detail
    assert row(report, "Net()", "grad").detail == "grad_req differs: out.bias (null vs write)"
    assert "out.bias" in row(report, "Net()", "train-step").detail
    assert {statuses[n] for n in ("eager", "checkpoint", "train-forward")} == {"ok"}


def test_changed_dropout_rate_is_reported_by_the_training_forward_at_the_dropout(write, row):
    report = _run(write, "nn.Dropout(0.5)", "nn.Dropout(0.2)")
    statuses = _statuses(report)
    detail = row(report, "Net()", "train-forward").detail
    assert statuses["train-forward"] == "differs"
    assert "first Block whose output differs: body.2 (Dropout), largest difference" in detail
    # dropout is off outside training: predictions, gradients and attributes agree
    assert {statuses[n] for n in ("attributes", "eager", "grad", "hybrid")} == {"ok"}


def test_divergence_names_the_first_block_whose_output_differs(write, row):
    report = _run(write, "nn.Dense(8, activation='relu'))", "nn.Dense(8, activation='tanh'))")
    eager = row(report, "Net()", "eager")
    assert eager.status == "differs"
    # the Dense's activation is a child Block of its own in 1.9.1: the innermost Block that differs is named
    assert "first Block whose output differs: body.3.act (Activation), largest difference" in eager.detail
    assert float(eager.detail.rsplit(" ", 1)[1]) > 0.0


def test_difference_between_blocks_is_said_so(write, row):
    report = _run(write, "return self.out(self.body(x))", "return self.out(self.body(x)) * 2")
    detail = row(report, "Net()", "eager").detail
    # the outermost Block's output differs, while no Block inside it does
    assert "first Block whose output differs: (the model) (Net)" in detail


def _runtime_rewrite(write, extra=""):
    from gluon_codemod.engine.pipeline import fix_code

    import textwrap

    rewritten = fix_code(textwrap.dedent(ORIGINAL), target="runtime", module_name="net").code
    assert "gluon_runtime" in rewritten
    return write("rewritten.py", rewritten + textwrap.dedent(extra))


def test_train_step_resumes_the_runtime_trainer_from_the_originals_saved_states(runtime, write, row):
    path = write("net.py", ORIGINAL)
    report = verify(path, ["Net()"], [(4, 6)], rewritten=_runtime_rewrite(write))
    step = row(report, "Net()", "train-step")
    assert step.status == "ok", report.format()
    assert step.detail.endswith("equal after one sgd and one adam step, and after a second step of each resumed "
                                "from saved states")


def test_a_runtime_trainer_that_loses_loaded_states_is_reported_by_the_resumed_step(runtime, write, row):
    # the rewrite's Trainer ignores the states it is given: momentum and Adam's moments start again from zero
    lossy = _runtime_rewrite(write, """
        import gluon_runtime

        gluon_runtime.Trainer.load_states = lambda self, fname: None
    """)
    report = verify(write("net.py", ORIGINAL), ["Net()"], [(4, 6)], rewritten=lossy)
    step = row(report, "Net()", "train-step")
    assert step.status == "differs", report.format()
    assert step.detail.startswith("sgd: parameters differ after a step resumed from the original's saved states: ")
    assert "adam: parameters differ after a step resumed" in step.detail
