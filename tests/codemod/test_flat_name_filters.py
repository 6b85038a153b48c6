"""GLN012 flat-name-filters (issue 18, idiom 4): 1.x flat names used as filters over parameter keys."""
import pytest

from gluon_codemod import check_code, fix_code

HEAD = ("import re\nfrom mxnet import gluon\nLHUC_PREFIX = 'lhuc_'\nNORM = 'norm'\n"
        "def frozen(model):\n    params = model.collect_params()\n")


def gln012(source):
    return [f for f in check_code(source) if f.code == "GLN012"]


def fix(source, **kw):
    return fix_code(source, select=["GLN012"], **kw)


@pytest.mark.parametrize("tested,flat", [
    ("'lhuc_weight'", "lhuc_weight"),
    ("LHUC_PREFIX + 'weight'", "lhuc_weight"),
    ("'%s_gamma' % NORM", "norm_gamma"),
    ("'{}_beta'.format(NORM)", "norm_beta"),
    ("'{n}_beta'.format(n=NORM)", "norm_beta"),
    ("f'{NORM}_running_var'", "norm_running_var"),
    ("LHUC_PREFIX + 'i2h_weight'", "lhuc_i2h_weight"),
])
def test_endswith_a_folded_flat_name_is_an_unsafe_fix(tested, flat):
    structural = flat.replace("_", ".", 1)
    source = HEAD + f"    return [n for n in params if not n.endswith({tested})]\n"
    expected = HEAD + f"    return [n for n in params if not n.endswith({structural!r})]\n"
    [finding] = gln012(source)
    assert f"`{flat!r}`" in finding.message and not finding.fix_safe
    assert fix(source).code == source  # unsafe: not applied by default
    assert fix(source, unsafe_fixes=True).code == expected
    assert gln012(expected) == []


@pytest.mark.parametrize("line,words", [
    # a bare suffix: which attribute holds the parameter is not in the string
    ("    return [n for n in params if n.endswith('_bias')]\n", "k.split('.')[-1] == 'bias'"),
    ("    return [n for n in params if n == LHUC_PREFIX + 'weight']\n", "attribute path ending in `'lhuc.weight'`"),
    ("    return [n for n in params if n.startswith('lhuc_weight')]\n", "attribute path ending in `'lhuc.weight'`"),
    ("    return [n for n in params if re.match('.*lhuc_weight$', n)]\n", "the regex"),
    ("    return [n for n in params if re.compile(LHUC_PREFIX + 'weight').search(n)]\n", "the regex"),
    ("    return [p for p in params.values() if p.name.endswith(LHUC_PREFIX + 'weight')]\n", "param_<uuid>"),
    ("    return [p for k, p in params.items() if 'lhuc_weight' in p.name]\n", "param_<uuid>"),
    ("    return LHUC_PREFIX + 'weight' in params\n", "attribute path ending in `'lhuc.weight'`"),
    # a 1.x layer prefix: the path is not in the name (its startswith/substring tests are GLN009's)
    ("    return [n for n in params if n.endswith('dense0_weight')]\n", "`'<path>.weight'`"),
    ("    return [n for n in params if n == 'hybridsequential0_dense1_bias']\n", "`'<path>.bias'`"),
    ("    return [n for n in params if 'dense0_weight' in n]\n", "`'<path>.weight'`"),
    ("    return [n for n in params if n.startswith('dense0' + '_weight')]\n", "`'<path>.weight'`"),
])
def test_reported_without_a_fix(line, words):
    source = HEAD + line
    [finding] = gln012(source)
    assert words in finding.message and not finding.fix_available
    assert fix(source, unsafe_fixes=True).code == source


@pytest.mark.parametrize("line", [
    "    return [n for n in params if n.endswith('lhuc.weight')]\n",  # structural already
    "    return [n for n in params if n.endswith('weight')]\n",  # the own key: structural keys end with it too
    "    return [n for n in params if n.endswith(('i2h_weight', 'l0_h2h_bias'))]\n",  # structural keys themselves
    "    return [n for n in params if n.startswith('dense0_')]\n",  # a layer prefix: GLN009's
    "    return 'dense0_weight' in params\n",  # ditto
    "    return [f for f in model.files if f.endswith('_weight')]\n",  # not parameter names
    "    return [n for n in params if n.endswith(model.suffix + '_weight')]\n",  # does not fold
    "    return [p for p in params.values() if p.name.endswith('_weight')]\n",  # `param_<uuid>_weight` matches
])
def test_left_alone(line):
    assert gln012(HEAD + line) == []


def test_a_loop_over_items_and_a_variable_assigned_collect_params():
    source = ("from mxnet import gluon\nnet = gluon.nn.Dense(2)\nparams = net.collect_params()\n"
              "for name, param in params.items():\n    if 'lhuc_weight' in name:\n        param.grad_req = 'null'\n")
    result = fix(source, unsafe_fixes=True)
    assert "    if 'lhuc.weight' in name:\n" in result.code


CONSTANTS = "LHUC_PREFIX = 'lhuc_'\nWEIGHT = 'weight'\nLHUC_NAME = LHUC_PREFIX + WEIGHT\n"


@pytest.mark.parametrize("imports,tested", [
    ("from . import constants as C\n", "C.LHUC_PREFIX + 'weight'"),
    ("import pkg.constants as C\n", "C.LHUC_PREFIX + C.WEIGHT"),
    ("from .constants import LHUC_PREFIX\n", "LHUC_PREFIX + 'weight'"),
    ("from pkg.constants import LHUC_NAME\n", "LHUC_NAME"),
    ("from . import LHUC_NAME\n", "LHUC_NAME"),  # re-exported by the package's __init__
])
def test_constants_of_another_module_fold_through_the_project(tmp_path, monkeypatch, imports, tested):
    from gluon_codemod.frontends.cli import main

    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("from .constants import LHUC_NAME\n")
    (tmp_path / "pkg" / "constants.py").write_text(CONSTANTS)
    train = ("from mxnet import gluon\n" + imports +
             "def frozen(model):\n    params = model.collect_params()\n"
             f"    return [n for n in params if not n.endswith({tested})]\n")
    (tmp_path / "pkg" / "train.py").write_text(train)
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--quiet", "--select", "GLN012", "--no-config", "."]) == 1
    assert main(["fix", "--quiet", "--select", "GLN012", "--no-config", "."]) == 1
    assert (tmp_path / "pkg" / "train.py").read_text() == train  # the fix is unsafe
    main(["fix", "--quiet", "--select", "GLN012", "--no-config", "--unsafe-fixes", "."])
    fixed = train.replace(f"endswith({tested})", "endswith('lhuc.weight')")
    assert (tmp_path / "pkg" / "train.py").read_text() == fixed
    assert (tmp_path / "pkg" / "constants.py").read_text() == CONSTANTS


def test_without_the_project_an_imported_constant_does_not_fold():
    source = ("from mxnet import gluon\nfrom .constants import LHUC_PREFIX\n"
              "def frozen(model):\n    params = model.collect_params()\n"
              "    return [n for n in params if not n.endswith(LHUC_PREFIX + 'weight')]\n")
    assert gln012(source) == []


def test_a_name_bound_twice_does_not_fold():
    source = HEAD.replace("NORM = 'norm'\n", "NORM = 'norm'\nif gluon:\n    NORM = 'ln'\n") + \
        "    return [n for n in params if n.endswith(NORM + '_gamma')]\n"
    assert gln012(source) == []


# -- collected names arriving as a function argument ---------------------------------------------------
FREEZE = ("from mxnet import gluon\n\n\n"
          "def freeze(names, keep='lhuc_weight'):\n"
          "    for n in names:\n"
          "        if not n.endswith('lhuc_weight'):\n"
          "            names[n].grad_req = 'null'\n")
CALLER = ("from mxnet import gluon\nfrom .train import freeze\nfrom . import train\n\n\n"
          "def run(net):\n"
          "    freeze(net.collect_params())\n"
          "    collected = net.collect_params()\n"
          "    train.freeze(names=collected)\n")


def _run(tmp_path, monkeypatch, train, model, unsafe=True):
    from gluon_codemod.frontends.cli import main

    (tmp_path / "pkg").mkdir()
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "train.py").write_text(train)
    (tmp_path / "pkg" / "model.py").write_text(model)
    monkeypatch.chdir(tmp_path)
    main(["fix", "--quiet", "--select", "GLN012", "--no-config"] + (["--unsafe-fixes"] if unsafe else []) + ["."])
    return (tmp_path / "pkg" / "train.py").read_text()


def test_an_argument_every_caller_fills_with_collect_params_is_collected_names(tmp_path, monkeypatch):
    assert _run(tmp_path, monkeypatch, FREEZE, CALLER) == FREEZE.replace(
        "if not n.endswith('lhuc_weight')", "if not n.endswith('lhuc.weight')")


@pytest.mark.parametrize("train,model", [
    # one caller passes something else: these are not parameter keys there
    (FREEZE, CALLER + "    freeze({'a_weight': 1})\n"),
    # the function escapes as a value: its calls through it cannot be followed
    (FREEZE, CALLER + "HOOKS = [freeze]\n"),
    # a caller hands on its own argument: what reaches it is not followed
    (FREEZE, CALLER + "def again(given):\n    freeze(given)\n"),
    # `**kwargs` at a call: which argument lands on `names` is not written
    (FREEZE, CALLER + "def again(**kw):\n    freeze(**kw)\n"),
])
def test_an_argument_not_shown_to_be_collected_is_left_alone(tmp_path, monkeypatch, train, model):
    assert _run(tmp_path, monkeypatch, train, model) == train


@pytest.mark.parametrize("signature,why", [
    ("def freeze(params):", "from its name"),
    ("def freeze(model_params):", "from its name"),
    ("def freeze(names: gluon.ParameterDict):", "from its annotation"),
])
def test_an_argument_named_or_annotated_as_collected_is_reported_not_fixed(signature, why):
    name = signature[len("def freeze("):].split(":")[0].rstrip(")")
    source = (f"from mxnet import gluon\n{signature}\n"
              f"    return [n for n in {name} if not n.endswith('lhuc_weight')]\n")
    [finding] = gln012(source)
    assert why in finding.message and not finding.fix_available
    assert fix(source, unsafe_fixes=True).code == source


@pytest.mark.parametrize("names", [
    "model.collect_params().keys()",
    "list(model.collect_params())",
    "sorted(model.collect_params().keys())",
    "set(params)",
])
def test_a_name_tested_against_the_keys_of_collected_parameters_is_reported(names):
    # `names = net.collect_params().keys()`, then `assert 'model_lhuc_weight' in names`: a test of a
    # project's own that asserts a 1.x key carries a finding on the asserting line
    source = HEAD + f"    names = {names}\n    assert 'model_lhuc_weight' in names\n"
    [finding] = gln012(source)
    assert finding.line == 8 and "'model_lhuc_weight'" in finding.message and not finding.fix_available


def test_keys_of_something_else_are_left_alone():
    source = HEAD + "    names = {'a': 1}.keys()\n    assert 'model_lhuc_weight' in names\n"
    assert gln012(source) == []
