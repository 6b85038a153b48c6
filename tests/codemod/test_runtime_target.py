"""Code that imports the new API from `gluon_runtime` is Gluon code (issue 11, A.3): checked as such, and
what `fix --target runtime` leaves is still reported."""
import pytest

from gluon_codemod import check_code, fix_code

OWN_PREFIX = ("    def __init__(self, prefix=None):\n"
              "        super().__init__(prefix=prefix)\n"
              "        self.tag = prefix\n")


@pytest.mark.parametrize("imports, base", [
    ("import gluon_runtime as gluon\n", "gluon.HybridBlock"),
    ("from gluon_runtime import HybridBlock\n", "HybridBlock"),
    ("from gluon_runtime.block import HybridBlock\n", "HybridBlock"),
    ("import gluon_runtime\n", "gluon_runtime.nn.HybridBlock"),
])
def test_gluon_runtime_imports_are_gluon(imports, base):
    source = imports + f"class Net({base}):\n" + OWN_PREFIX
    for target in ("mxnet", "runtime"):
        codes = [(f.code, f.line) for f in check_code(source, target=target)]
        assert ("GLN003", 3) in codes, (target, codes)


def test_findings_left_by_a_runtime_fix_stay_reported_and_unfixed():
    source = ("from mxnet.gluon import nn\n"
              "class Net(nn.HybridBlock):\n" + OWN_PREFIX.replace("HybridBlock", "nn.HybridBlock"))
    result = fix_code(source, target="runtime")
    assert "from gluon_runtime import nn" in result.code
    left = [(f.code, f.line, f.fixed) for f in result.findings if f.code == "GLN003"]
    assert left and all(not fixed for _, _, fixed in left)
    assert [(f.code, f.line) for f in check_code(result.code, target="runtime") if f.code == "GLN003"] == \
        [(code, line) for code, line, _ in left]


def test_parameterdict_is_not_imported_from_the_runtime():
    source = "from mxnet.gluon import nn, ParameterDict\npd = ParameterDict('x_')\n"
    result = fix_code(source, target="runtime", unsafe_fixes=True)
    assert "from gluon_runtime import" not in result.code or "ParameterDict" not in result.code.split("\n")[0]
    assert {f.code for f in result.findings if not f.fixed} >= {"GLN008", "GLN010"}


def test_references_in_a_signature_are_retargeted_and_a_second_fix_finds_nothing():
    # issue 17.5: libcst places a parameter at its name alone (and a definition after its decorators), so
    # an annotation, a default or a decorator was never visited: listed as fixable, reported again.
    source = ("import mxnet as mx\n\n\n"
              "class Loop:\n"
              "    @staticmethod\n"
              "    def step(trainer: mx.gluon.Trainer, *, net: 'Net' = mx.gluon.nn.Dense(1),\n"
              "             **kw: mx.gluon.Block) -> mx.gluon.Trainer:\n"
              "        return trainer\n")
    before = [f for f in check_code(source, target="runtime") if f.code == "GLN010"]
    assert len(before) == 4 and all(f.fix_available for f in before)
    result = fix_code(source, target="runtime")
    assert "mx.gluon" not in result.code
    assert "def step(trainer: gluon_runtime.Trainer, *, net: 'Net' = gluon_runtime.nn.Dense(1),\n" in result.code
    assert all(f.fixed for f in result.findings if f.code == "GLN010")
    assert check_code(result.code, target="runtime") == []
    assert fix_code(result.code, target="runtime").code == result.code


def test_string_annotations_are_retargeted_inside_the_string():
    source = ("import mxnet as mx\nfrom typing import Optional\n\n\n"
              "def train(trainer: 'mx.gluon.Trainer', net: Optional[\"mx.gluon.Block\"] = None) "
              "-> 'mx.gluon.nn.Dense':\n"
              "    best: 'mx.gluon.Block' = net\n"
              "    label = 'mx.gluon.Block'  # not an annotation: a plain string\n"
              "    return best\n")
    found = [f for f in check_code(source, target="runtime") if f.code == "GLN010"]
    assert [f.line for f in found] == [5, 5, 5, 6] and all(f.fix_available for f in found)
    result = fix_code(source, target="runtime")
    assert ("def train(trainer: 'gluon_runtime.Trainer', net: Optional[\"gluon_runtime.Block\"] = None) "
            "-> 'gluon_runtime.nn.Dense':\n") in result.code
    assert "    best: 'gluon_runtime.Block' = net\n" in result.code
    assert "    label = 'mx.gluon.Block'" in result.code
    assert "import gluon_runtime\n" in result.code
    assert check_code(result.code, target="runtime") == []
    assert fix_code(result.code, target="runtime").code == result.code


@pytest.mark.parametrize("annotation", [
    "'mx.gl\\x75on.Block'",  # an escape: the text is not the value
    "'mx.gluon.' 'Block'",  # implicit concatenation
    "r'mx.gluon.Block'",  # a prefix
])
def test_a_string_annotation_not_written_as_its_value_is_reported_not_fixed(annotation):
    source = f"import mxnet as mx  # gluon\n\n\ndef train(net: {annotation}):\n    return net\n"
    [finding] = [f for f in check_code(source, target="runtime") if f.code == "GLN010"]
    assert not finding.fix_available and "not fixed" in finding.message
    assert fix_code(source, target="runtime").code == source


def test_model_zoo_in_a_string_annotation_is_reported():
    source = "import mxnet as mx\n\n\ndef load(net: 'mx.gluon.model_zoo.vision.ResNetV1'):\n    return net\n"
    [finding] = [f for f in check_code(source, target="runtime") if f.code == "GLN010"]
    assert "model_zoo" in finding.message and not finding.fix_available
