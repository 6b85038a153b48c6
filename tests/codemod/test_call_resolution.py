"""Safe on code we have never seen (issue 17): classes called through values, Gluon reached through the
project's own bases, a plan that is checked, files that never say "gluon", factories of other modules.

Each reproducer is a package under `projects/` (`before/`, and `after/` for the safe fix): it is fixed
through the CLI in safe and unsafe mode, every call of the project must still bind, every 1.x construct
left must carry a finding, and flake8 (the pre-commit path, one file at a time) reports what the CLI does.
"""
import os
import shutil
import subprocess
import sys

from collections import Counter

import pytest

from gluon_codemod.frontends.cli import main

from _call_checker import mismatches, old_api_sites, unreported

PROJECTS = os.path.join(os.path.dirname(__file__), "projects")
REPRODUCERS = ["registry", "project_base", "quiet_script", "factories"]
#: Every fixture package: the binding property and the findings left hold on each.
PACKAGES = REPRODUCERS + ["toolkit", "shop"]


def _copy(tmp_path, name):
    target = tmp_path / name
    shutil.copytree(os.path.join(PROJECTS, name, "before"), target)
    return target


def _tree(root):
    return {os.path.relpath(os.path.join(folder, f), root): open(os.path.join(folder, f)).read()
            for folder, dirs, files in os.walk(root) for f in files if f.endswith(".py")
            and "__pycache__" not in folder}


def _without_line(mismatch: str) -> str:
    path, _line, rest = mismatch.split(":", 2)
    return f"{path}:{rest}"


def _check(root, capsys, *flags):
    capsys.readouterr()
    main(["check", "--quiet", "--output-format", "concise", *flags, "."])
    return capsys.readouterr().out.splitlines()


def _fix(root, monkeypatch, capsys, *flags):
    monkeypatch.chdir(root)
    capsys.readouterr()
    main(["fix", *flags, "."])
    return capsys.readouterr().out


@pytest.mark.parametrize("name", REPRODUCERS)
def test_the_safe_fix_gives_the_expected_tree(tmp_path, monkeypatch, capsys, name):
    root = _copy(tmp_path, name)
    _fix(root, monkeypatch, capsys, "--quiet")
    assert _tree(root) == _tree(os.path.join(PROJECTS, name, "after"))


@pytest.mark.parametrize("flags", [(), ("--unsafe-fixes",)], ids=["safe", "unsafe"])
@pytest.mark.parametrize("name", PACKAGES)
def test_every_call_binds_and_every_construct_left_is_reported(tmp_path, monkeypatch, capsys, name, flags):
    root = _copy(tmp_path, name)
    # (the 1.x code gives Gluon constructors `prefix=`, which the checker counts: no new mismatch may appear,
    # compared without their lines, which move when `name_scope()` blocks are unwrapped)
    before = Counter(_without_line(m) for m in mismatches(str(root)))
    _fix(root, monkeypatch, capsys, "--quiet", *flags)
    assert sorted((Counter(_without_line(m) for m in mismatches(str(root))) - before).elements()) == []
    findings = _check(root, capsys, *flags)
    assert unreported(old_api_sites("."), findings) == []
    first = _tree(root)
    _fix(root, monkeypatch, capsys, "--quiet", *flags)
    assert _tree(root) == first  # idempotent


@pytest.mark.parametrize("name", PACKAGES)
def test_flake8_reports_what_the_cli_does_file_by_file(tmp_path, monkeypatch, capsys, name):
    root = _copy(tmp_path, name)
    monkeypatch.chdir(root)
    whole = _check(root, capsys)
    for path in sorted(_tree(root)):
        flake8 = subprocess.run([sys.executable, "-m", "flake8", "--select", "GLN", "--format",
                                 "%(path)s:%(row)d:%(col)d: %(code)s %(text)s", path],
                                capture_output=True, text=True, cwd=root)
        expected = [line.replace(" [*]", "", 1).replace(" [-]", "", 1) for line in whole if line.startswith(path + ":")]
        assert flake8.stdout.splitlines() == expected, flake8.stderr


# -- 1. a class called through a value ------------------------------------------------------------------
def test_registries_whose_every_use_is_a_call_are_followed_and_one_used_as_a_value_is_named(
        tmp_path, monkeypatch, capsys):
    # `@register` into `REGISTRY`, then `cls = REGISTRY[kind]; cls(4, prefix=...)`; `LAYERS = [Tail]`, then
    # `[layer(2, prefix=...) for layer in LAYERS]`: every use is a call, each binding the class's new
    # signature once `prefix=` goes: the calls through them are calls of those classes. `SIDES` is also
    # handed to `list(...)`: what happens to it cannot be followed, so `Side` keeps its `prefix`
    root = _copy(tmp_path, "registry")
    out = _fix(root, monkeypatch, capsys)
    decoder = (root / "pkg" / "decoder.py").read_text()
    build = (root / "pkg" / "build.py").read_text()
    assert "class Head(gluon.HybridBlock):\n    def __init__(self, units):" in decoder
    assert "class Tail(gluon.HybridBlock):\n    def __init__(self, units):" in decoder
    assert "class Plain(gluon.HybridBlock):\n    def __init__(self, units):" in decoder
    assert "class Side(gluon.HybridBlock):\n    def __init__(self, units, prefix=None):" in decoder
    assert "def build(kind):\n    cls = REGISTRY[kind]\n    return cls(4)\n" in build
    assert "return [layer(2) for layer in LAYERS]" in build
    assert "return Plain(3)" in build
    assert "return sides()[0](2, prefix='side_')" in build
    # (the finding on the definition is that of the rewritten file: the escape's line is the original's)
    assert ("`Side.__init__` cannot drop it automatically because `Side` is stored in `SIDES` at "
            "pkg/decoder.py:52 (its line before this run's fixes); calls through it cannot be followed (`SIDES` "
            "is used as a value at pkg/build.py:18)") in out, out
    findings = _check(root, capsys)
    assert any(line.startswith("pkg/build.py:22:") and "GLN002" in line for line in findings), findings


def test_a_decorator_registry_that_is_also_read_otherwise_is_an_escape(tmp_path, monkeypatch, capsys):
    # the reproducer, with the registry also handed on: `Head` keeps its `prefix`, named
    a = ("from mxnet import gluon\n\nREGISTRY = {}\n\n\ndef register(cls):\n    REGISTRY['dense'] = cls\n"
         "    return cls\n\n\n@register\nclass Head(gluon.HybridBlock):\n"
         "    def __init__(self, units, prefix='head_'):\n"
         "        super().__init__(prefix=prefix)\n")
    b = "from .a import REGISTRY\n\n\ndef build(kind, prefix=''):\n    cls = REGISTRY[kind]\n" \
        "    return cls(4, prefix=prefix + 'head_')\n\n\nkinds = dict(REGISTRY)\n"
    _package(tmp_path, a, b)
    out = _fix(tmp_path, monkeypatch, capsys)
    assert "def __init__(self, units, prefix='head_'):" in (tmp_path / "pkg" / "a.py").read_text()
    assert "return cls(4, prefix=prefix + 'head_')" in (tmp_path / "pkg" / "b.py").read_text()
    assert ("because `Head` is handed to `register` at pkg/a.py:11; calls through it cannot be followed "
            "(`REGISTRY` is used as a value at pkg/b.py:9)") in out, out
    assert "pkg/b.py:6:" in out and "calls a value whose class cannot be followed" in out, out
    _package(tmp_path / "unsafe", a, b)
    out = _fix(tmp_path / "unsafe", monkeypatch, capsys, "--unsafe-fixes")
    assert "def __init__(self, units):" in (tmp_path / "unsafe" / "pkg" / "a.py").read_text()
    assert "pkg/b.py:6:" in out and "calls a value whose class cannot be followed" in out, out


def test_unsafe_fixes_drop_the_prefix_of_a_class_used_as_a_value_and_report_the_calls_through_values(
        tmp_path, monkeypatch, capsys):
    root = _copy(tmp_path, "registry")
    out = _fix(root, monkeypatch, capsys, "--unsafe-fixes")
    decoder = (root / "pkg" / "decoder.py").read_text()
    assert "class Side(gluon.HybridBlock):\n    def __init__(self, units):" in decoder
    assert "pkg/build.py:22:" in out, out


def test_a_registry_builds_after_the_safe_fix_on_stock_mxnet(tmp_path, monkeypatch, capsys):
    pytest.importorskip("mxnet")
    root = _copy(tmp_path, "registry")
    script = ("import mxnet as mx\nfrom pkg.build import build, build_all, build_side, plain\n"
              "for net in [build('dense'), *build_all(), plain(), build_side()]:\n"
              "    net.initialize()\n    print(net(mx.nd.ones((1, 3))).shape)\n")
    before = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=root, timeout=300)
    assert before.returncode == 0, before.stderr
    _fix(root, monkeypatch, capsys, "--quiet")
    after = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=root, timeout=300)
    assert after.returncode == 0, after.stderr
    assert after.stdout == before.stdout


# -- 2. Gluon reached through the project's own bases -------------------------------------------------------
def test_a_base_constructor_call_through_a_project_base_is_a_gluon_one(tmp_path, monkeypatch, capsys):
    root = _copy(tmp_path, "project_base")
    _fix(root, monkeypatch, capsys, "--quiet")
    emb = (root / "pkg" / "emb.py").read_text()
    assert "class Inner(Local):\n    def __init__(self, units):\n        super().__init__()\n" in emb
    assert "inner = Inner(4)\n" in emb
    assert "class Emb(Base):\n    def __init__(self, units):\n        super().__init__()\n" in emb
    assert "self.norm = get_norm('ln')" in emb  # a `**kwargs` forwarder into Gluon constructors
    assert "class Pos(Bare):\n    def __init__(self, units):\n        Bare.__init__(self)\n" in emb
    assert "pos = Pos(4)\n" in emb


# -- 3. a file that never says "gluon" -------------------------------------------------------------------
def test_a_module_that_only_imports_a_project_class_is_analysed(tmp_path, monkeypatch, capsys):
    root = _copy(tmp_path, "quiet_script")
    _fix(root, monkeypatch, capsys, "--quiet")
    assert "scorer = CandidateScorer(hidden)\n" in (root / "pkg" / "rank.py").read_text()


# -- 4. objects from factories of other modules ----------------------------------------------------------
def test_a_factory_of_another_module_returns_a_block(tmp_path, monkeypatch, capsys):
    root = _copy(tmp_path, "factories")
    monkeypatch.chdir(root)
    findings = _check(root, capsys)
    assert any(line.startswith("pkg/check.py:6:") and "GLN009" in line for line in findings), findings
    assert any(line.startswith("pkg/check.py:8:") and "GLN009" in line for line in findings), findings


# -- the plan is checked against the final edits ---------------------------------------------------------
def _package(root, a: str, b: str) -> None:
    (root / "pkg").mkdir(parents=True)
    (root / "pyproject.toml").write_text("")
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "a.py").write_text(a)
    (root / "pkg" / "b.py").write_text(b)


def test_a_call_left_unbound_by_its_own_dropped_argument_keeps_it(tmp_path, monkeypatch, capsys):
    # `A` keeps a required `prefix` (a comment sits in it): dropping `prefix=` at its call would leave the
    # call without a value for it; the check of the final edits withdraws that edit and says why
    _package(tmp_path, "from mxnet.gluon import nn\n\n\nclass A(nn.HybridBlock):\n"
                       "    def __init__(self, units, prefix  # the name\n                 ):\n"
                       "        super().__init__(prefix=prefix)\n",
             "from .a import A\n\nx = A(3, prefix='a_')\n")
    out = _fix(tmp_path, monkeypatch, capsys)
    assert (tmp_path / "pkg" / "b.py").read_text() == "from .a import A\n\nx = A(3, prefix='a_')\n"
    assert ("pkg/b.py:3:10: GLN002 `prefix` is removed from Block constructors in the new API; blocks are named by "
            "attribute (not fixed: without the argument, `A.__init__` would not bind: `prefix` would be left "
            "without a value)") in out, out
    assert "pkg/a.py:5:31: GLN003 `prefix` is no longer a Block constructor argument; `A.__init__` cannot drop it " \
           "automatically because a comment sits inside the parameter" in out, out
    assert mismatches(str(tmp_path)) == []
    flake8 = subprocess.run([sys.executable, "-m", "flake8", "--select", "GLN", "pkg/b.py"], capture_output=True,
                            text=True, cwd=tmp_path)
    assert "pkg/b.py:3:10: GLN002" in flake8.stdout and "would not bind" in flake8.stdout, flake8.stdout


def test_a_class_passed_to_a_function_that_only_calls_it_is_followed(tmp_path, monkeypatch, capsys):
    # `make(block=Head)`: the parameter is only called, with keywords GLN002 drops: the removal is safe;
    # `make_positional(Head)` passes the prefix by position through the value: not followed, Tail keeps it
    _package(tmp_path, "from mxnet.gluon import nn\n\n\nclass Head(nn.HybridBlock):\n"
                       "    def __init__(self, units, prefix=None):\n        super().__init__(prefix=prefix)\n\n\n"
                       "class Tail(nn.HybridBlock):\n"
                       "    def __init__(self, units, prefix=None):\n        super().__init__(prefix=prefix)\n\n\n"
                       "def make(units, block):\n    return block(units, prefix='b_')\n\n\n"
                       "def make_positional(units, block):\n    return block(units, 'b_')\n\n\n"
                       "net = make(3, block=Head)\nnet2 = make_positional(3, Tail)\n",
             "from .a import Head\n\nx = Head(3, prefix='h_')\n")
    out = _fix(tmp_path, monkeypatch, capsys)
    a = (tmp_path / "pkg" / "a.py").read_text()
    assert "class Head(nn.HybridBlock):\n    def __init__(self, units):" in a
    assert "return block(units)\n" in a
    assert "class Tail(nn.HybridBlock):\n    def __init__(self, units, prefix=None):" in a
    assert "`Tail` is passed to `make_positional` at pkg/a.py:23" in out, out
    assert (tmp_path / "pkg" / "b.py").read_text() == "from .a import Head\n\nx = Head(3)\n"


def test_binding_of_a_call_to_a_final_signature():
    import ast

    from gluon_codemod.analysis.binding import final_signature, unbound
    from gluon_codemod.analysis.project import Signature

    def signature(source):
        return Signature.of(ast.parse(source).body[0], True)

    def call(source):
        return ast.parse(source).body[0].value

    init = signature("def __init__(self, units, prefix=None, params=None, *, act, **kwargs): pass")
    final = final_signature(init, {"prefix", "params"})
    assert final.positional == ("units",) and final.defaults == 0 and final.keyword_required == ("act",)
    assert unbound(call("A(3, act=1)"), final) is None
    assert unbound(call("A(3, 'p_', act=1)"), final) == "it takes 1 positional argument but would be given 2"
    assert unbound(call("A(3, 'p_', act=1)"), final, dropped_slots={1}) is None
    assert unbound(call("A(act=1)"), final) == "`units` would be left without a value"
    assert unbound(call("A(3, units=3, act=1)"), final) == "`units` would be given twice"
    assert unbound(call("A(3)"), final) == "`act` would be left without a value"
    assert unbound(call("A(*args)"), final) is None  # what `*args` fills cannot be told
    strict = final_signature(signature("def __init__(self, units, prefix=None): pass"), {"prefix"})
    assert unbound(call("A(3, prefix='p_')"), strict) == "it would not take `prefix=` any more"
    assert unbound(call("A(3, prefix='p_')"), strict, dropped_keywords={"prefix"}) is None
    assert unbound(call("Base.__init__(self, 3)"), strict, skip=1) is None


def test_a_parameter_still_used_where_no_edit_removes_it_stays_with_its_calls(tmp_path, monkeypatch, capsys):
    # the base call's positional `prefix` cannot go (`shared` would move into its place): the signature
    # keeps the required `prefix`, so the call elsewhere keeps its argument (before: `Net(3)`, unbound)
    _package(tmp_path, "from mxnet.gluon import nn\n\nshared = None\n\n\nclass Net(nn.HybridBlock):\n"
                       "    def __init__(self, units, prefix):\n        super(Net, self).__init__(prefix, shared)\n",
             "from .a import Net\n\nx = Net(3, prefix='a_')\n")
    out = _fix(tmp_path, monkeypatch, capsys)
    assert (tmp_path / "pkg" / "b.py").read_text() == "from .a import Net\n\nx = Net(3, prefix='a_')\n"
    assert ("`Net.__init__` cannot drop it automatically because `prefix` is still used at pkg/a.py:8, where no "
            "edit of this run removes it") in out, out
    assert "pkg/b.py:3:19: GLN003 `Net.__init__` keeps its `prefix` parameter for now" in out, out
    assert mismatches(str(tmp_path)) == []


def test_a_factory_table_is_followed_unless_it_is_used_as_a_value(tmp_path, monkeypatch, capsys):
    # `_models[name](...)` is every use of `_models`: a call of `net_a`, which loses `prefix` with the calls;
    # `_others` is also printed: `net_c` keeps its `prefix` in a safe run (with --unsafe-fixes it goes, and
    # the call through the table is reported)
    a = ("from mxnet.gluon import nn\n\n\ndef net_a(units, prefix=None):\n"
         "    return nn.Dense(units, prefix=prefix)\n\n\n"
         "def net_c(units, prefix=None):\n    return nn.Dense(units, prefix=prefix)\n\n\n"
         "_models = {'a': net_a}\n_others = {'c': net_c}\nprint(_others)\n\n\ndef get_model(name, **kwargs):\n"
         "    return _models[name](**kwargs)\n")
    b = "from .a import _models, _others\n\nx = _models['a'](3, prefix='x_')\ny = _others['c'](3, prefix='y_')\n"
    _package(tmp_path, a, b)
    out = _fix(tmp_path, monkeypatch, capsys)
    fixed = (tmp_path / "pkg" / "a.py").read_text()
    assert "def net_a(units):\n    return nn.Dense(units)\n" in fixed and "def net_c(units, prefix=None):" in fixed
    assert "`net_c` is stored in `_others` at pkg/a.py:13 (its line before this run's fixes); calls through it " \
           "cannot be followed (`_others` is used as a value at pkg/a.py:14)" in out, out
    assert "pkg/b.py:4:21: GLN002 `_others['c']` calls a value whose class cannot be followed" in out, out
    assert (tmp_path / "pkg" / "b.py").read_text() == ("from .a import _models, _others\n\nx = _models['a'](3)\n"
                                                       "y = _others['c'](3, prefix='y_')\n")
    _package(tmp_path / "unsafe", a, b)
    out = _fix(tmp_path / "unsafe", monkeypatch, capsys, "--unsafe-fixes")
    assert "def net_c(units):" in (tmp_path / "unsafe" / "pkg" / "a.py").read_text()
    assert "pkg/b.py:4:21: GLN002 `_others['c']` calls a value whose class cannot be followed" in out, out


def test_a_decorator_known_to_hand_back_the_class_is_no_escape(tmp_path, monkeypatch, capsys):
    _package(tmp_path, "from mxnet.gluon import nn\nfrom mxnet.util import use_np\n\n\n"
             "@use_np\nclass A(nn.HybridBlock):\n"
                       "    def __init__(self, units, prefix=None):\n        super().__init__(prefix=prefix)\n",
             "from .a import A\n\nx = A(3, 'a_')\n")
    _fix(tmp_path, monkeypatch, capsys, "--quiet")
    assert "    def __init__(self, units):\n        super().__init__()\n" in (tmp_path / "pkg" / "a.py").read_text()
    assert (tmp_path / "pkg" / "b.py").read_text() == "from .a import A\n\nx = A(3)\n"


# -- a project's own tests after migration -----------------------------------------------------------------
def _pytest(root):
    """(passed test names, {failed test name: the line of its own test file where it failed})."""
    import re

    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--tb=line", "-rA", "tests"],
                         capture_output=True, text=True, cwd=root, timeout=600,
                         env={**os.environ, "PYTHONPATH": str(root)})
    passed = set(re.findall(r"^PASSED (\S+)", run.stdout, re.M))
    failed = {}
    lines = re.findall(r"^\S*(tests/\S+\.py):(\d+): ", run.stdout, re.M)
    for name in re.findall(r"^FAILED (\S+)", run.stdout, re.M):
        name = name.split(" - ")[0]
        failed[name] = lines.pop(0) if lines else None
    return passed, failed, run.stdout


def test_a_toolkits_own_tests_pass_after_migration_to_the_runtime(tmp_path, monkeypatch, capsys):
    # a registry of encoders, a base class of the project between its Blocks and Gluon, **kwargs forwarders,
    # factories in other modules, a checkpoint written and read back; its tests build, hybridize, run and
    # train a step. On stock MXNet they pass; migrated (`fix --target runtime`), they pass on gluon_runtime,
    # except the one asserting a 1.x name, which carries a finding on the asserting line
    pytest.importorskip("mxnet")
    root = _copy(tmp_path, "toolkit")
    passed, failed, out = _pytest(root)
    assert failed == {} and len(passed) == 4, out
    _fix(root, monkeypatch, capsys, "--quiet", "--target", "runtime")
    assert "import gluon_runtime as gluon" in (root / "toolkit" / "model.py").read_text()
    assert mismatches(str(root)) == []
    findings = _check(root, capsys, "--target", "runtime")
    after, failed, out = _pytest(root)
    assert set(failed) == {"tests/test_model.py::test_decoder_prefix"}, out
    assert after == passed - set(failed)
    for path, line in failed.values():
        assert any(f.startswith(f"{path}:{line}:") for f in findings), (path, line, findings)


def test_a_prefix_given_to_a_factory_that_hands_kwargs_to_a_registry_is_reported(tmp_path, monkeypatch, capsys):
    a = ("from mxnet import gluon\n\nENCODERS = {}\n\n\ndef get_encoder(name, **kwargs):\n"
         "    return ENCODERS[name](**kwargs)\n\n\nlocal = get_encoder('dense', prefix='a_')\n")
    _package(tmp_path, a, "from .a import get_encoder\n\nenc = get_encoder('dense', units=4, prefix='enc_')\n")
    out = _fix(tmp_path, monkeypatch, capsys)
    assert (tmp_path / "pkg" / "a.py").read_text() == a  # reported, not rewritten
    for where in ("pkg/a.py:10:30", "pkg/b.py:3:37"):
        assert (f"{where}: GLN002 `get_encoder` hands its `**kwargs` on to a value whose class cannot be followed, "
                "and `prefix` is no longer accepted") in out, out


def test_the_plan_reads_what_the_rules_declare():
    # the plan and the engine name no rule: they read the declarations (GLN002 drops `prefix=` at calls,
    # GLN003 removes parameters from signatures and drops their arguments)
    from gluon_codemod.engine.rule import codes_declaring

    assert codes_declaring("drops_arguments") == ("GLN002", "GLN003")
    assert codes_declaring("removes_parameters") == ("GLN003",)
    import glob
    for path in ["gluon_codemod/engine/detect.py", "gluon_codemod/run/project.py",
                 *glob.glob("gluon_codemod/analysis/*.py")]:
        code = open(os.path.join(os.path.dirname(__file__), "..", "..", path)).read()
        assert '"GLN0' not in code, path


def test_a_noqa_for_either_dropping_rule_keeps_the_argument_and_its_parameter(tmp_path, monkeypatch, capsys):
    # `_kept_by_noqa`: a `# noqa` for a rule that would drop the argument handing the parameter on keeps both
    for code in ("GLN002", "GLN003"):
        root = tmp_path / code
        a = ("from mxnet.gluon import nn\n\n\nclass A(nn.HybridBlock):\n    def __init__(self, units, prefix=None):\n"
             f"        super().__init__(prefix=prefix)  # noqa: {code}\n")
        _package(root, a, "from .a import A\n\nx = A(3, 'a_')\n")
        _fix(root, monkeypatch, capsys, "--quiet")
        assert (root / "pkg" / "a.py").read_text() == a, code
        assert (root / "pkg" / "b.py").read_text() == "from .a import A\n\nx = A(3, 'a_')\n", code


@pytest.mark.parametrize("use, how", [
    ("def pick():\n    return A\n", "is returned from `pick`"),
    ("class Holder:\n    def __init__(self):\n        self.block_cls = A\n", "is assigned to `self.block_cls`"),
    ("import pkg.a as mod\n\nblock = getattr(mod, 'A')\n", "is looked up with `getattr`"),
    ("from functools import partial\n\nmake = partial(A, 3)\n", "is passed to `partial`"),
])
def test_each_kind_of_escape_keeps_the_parameter_and_is_named(tmp_path, monkeypatch, capsys, use, how):
    _package(tmp_path, "from mxnet.gluon import nn\n\n\nclass A(nn.HybridBlock):\n"
                       "    def __init__(self, units, prefix=None):\n        super().__init__(prefix=prefix)\n",
             "from .a import A\n\n" + use)
    out = _fix(tmp_path, monkeypatch, capsys)
    assert "    def __init__(self, units, prefix=None):\n" in (tmp_path / "pkg" / "a.py").read_text()
    assert f"because `A` {how} at pkg/b.py:" in out, out


def test_a_withdrawn_call_edit_holds_whichever_way_the_file_is_named(tmp_path, monkeypatch, capsys):
    # the check's withdrawal names the file absolutely: `fix pkg/b.py` and an absolute path see it too
    _package(tmp_path, "from mxnet.gluon import nn\n\n\nclass A(nn.HybridBlock):\n"
                       "    def __init__(self, units, prefix  # the name\n                 ):\n"
                       "        super().__init__(prefix=prefix)\n",
             "from .a import A\n\nx = A(3, prefix='a_')\n")
    monkeypatch.chdir(tmp_path)
    for path in ("pkg/b.py", str(tmp_path / "pkg" / "b.py")):
        main(["fix", "--quiet", path])
        assert (tmp_path / "pkg" / "b.py").read_text() == "from .a import A\n\nx = A(3, prefix='a_')\n"


def test_a_classmethod_of_another_module_forwarding_kwargs_to_gluon_is_a_forwarder(tmp_path, monkeypatch, capsys):
    _package(tmp_path, "from mxnet.gluon import nn\n\n\nclass Net(nn.HybridBlock):\n"
                       "    def __init__(self, units, **kwargs):\n        super().__init__(**kwargs)\n\n"
                       "    @classmethod\n    def small(cls, **kwargs):\n        return cls(3, **kwargs)\n",
             "from .a import Net\n\nnet = Net.small(prefix='s_')\n")
    _fix(tmp_path, monkeypatch, capsys, "--quiet")
    assert (tmp_path / "pkg" / "b.py").read_text() == "from .a import Net\n\nnet = Net.small()\n"


_REGISTERED = ("from mxnet import gluon\n\nREGISTRY = {}\n\n\ndef register(cls):\n    REGISTRY['dense'] = cls\n"
               "    return cls\n\n\n@register\nclass Head(gluon.HybridBlock):\n"
               "    def __init__(self, units, prefix='head_'):\n        super().__init__(prefix=prefix)\n")
_BUILD = "from .a import REGISTRY\n\n\ndef build(kind, prefix=''):\n    return REGISTRY[kind](4, prefix=prefix)\n"


@pytest.mark.parametrize("use", ["sorted(REGISTRY)", "len(REGISTRY)", "list(REGISTRY.keys())",
                                 "[kind for kind in REGISTRY]"])
def test_uses_of_a_dict_registry_that_read_only_its_keys_are_no_escape(tmp_path, monkeypatch, capsys, use):
    # `@pytest.mark.parametrize('kind', sorted(ENCODERS))` in a project's tests: the kinds, not the classes
    _package(tmp_path, _REGISTERED, _BUILD + f"\n\nKINDS = {use}\n")
    out = _fix(tmp_path, monkeypatch, capsys)
    assert "def __init__(self, units):" in (tmp_path / "pkg" / "a.py").read_text(), out
    assert "return REGISTRY[kind](4)" in (tmp_path / "pkg" / "b.py").read_text(), out
    assert mismatches(str(tmp_path)) == []


@pytest.mark.parametrize("use,how", [("REGISTRY.values()", "`REGISTRY` is used as a value"),
                                     ("dict(REGISTRY)", "`REGISTRY` is used as a value")])
def test_uses_of_a_dict_registry_that_read_its_classes_are_escapes(tmp_path, monkeypatch, capsys, use, how):
    _package(tmp_path, _REGISTERED, _BUILD + f"\n\nCLASSES = {use}\n")
    out = _fix(tmp_path, monkeypatch, capsys)
    assert "def __init__(self, units, prefix='head_'):" in (tmp_path / "pkg" / "a.py").read_text(), out
    assert how in out, out


def test_keys_of_a_list_of_classes_are_its_classes(tmp_path, monkeypatch, capsys):
    a = ("from mxnet import gluon\n\n\nclass Head(gluon.HybridBlock):\n    def __init__(self, units, prefix=None):\n"
         "        super().__init__(prefix=prefix)\n\n\nLAYERS = [Head]\n")
    b = ("from .a import LAYERS\n\n\ndef build():\n    return [cls(4, prefix='x_') for cls in LAYERS]\n\n\n"
         "ALL = sorted(LAYERS)\n")
    _package(tmp_path, a, b)
    out = _fix(tmp_path, monkeypatch, capsys)
    assert "def __init__(self, units, prefix=None):" in (tmp_path / "pkg" / "a.py").read_text(), out


def test_a_registry_filled_by_a_decorator_factory_is_followed(tmp_path, monkeypatch, capsys):
    # `@register_decoder('feedforward')`: each class one call of the factory registers is in the table
    a = ("from mxnet import gluon\n\nDECODERS = {}\n\n\ndef register_decoder(kind):\n"
         "    \"\"\"Registers a decoder.\"\"\"\n    def wrap(cls):\n        DECODERS[kind] = cls\n        return cls\n"
         "    return wrap\n\n\n@register_decoder('ff')\nclass FF(gluon.HybridBlock):\n"
         "    def __init__(self, units, prefix='ff_'):\n        super().__init__(prefix=prefix)\n\n\n"
         "@register_decoder('rnn')\nclass RNN(gluon.HybridBlock):\n"
         "    def __init__(self, units, prefix=None):\n        super().__init__(prefix=prefix)\n")
    b = ("from .a import DECODERS\n\n\ndef get_decoder(kind, prefix='dec_'):\n"
         "    return DECODERS[kind](4, prefix=prefix)\n")
    _package(tmp_path, a, b)
    out = _fix(tmp_path, monkeypatch, capsys)
    fixed = (tmp_path / "pkg" / "a.py").read_text()
    assert "def __init__(self, units):" in fixed and "prefix" not in fixed.split("class FF")[1], out
    assert (tmp_path / "pkg" / "b.py").read_text() == \
        "from .a import DECODERS\n\n\ndef get_decoder(kind):\n    return DECODERS[kind](4)\n", out
    assert mismatches(str(tmp_path)) == []
    # the same factory's table handed on as a value: an escape, named
    _package(tmp_path / "escaped", a, b + "\n\nTABLE = DECODERS.items()\n")
    out = _fix(tmp_path / "escaped", monkeypatch, capsys)
    assert "is handed to `register_decoder`" in out and "cannot be followed" in out, out


# -- a positional prefix through a value, with --unsafe-fixes ---------------------------------------------
_ESCAPING = ("from mxnet import gluon\n\nfrom .c import make\n\nREGISTRY = {}\n\n\ndef register(cls):\n"
             "    REGISTRY['dense'] = cls\n    return cls\n\n\n@register\nclass Head(gluon.HybridBlock):\n"
             "    def __init__(self, units, prefix='head_'):\n        super().__init__(prefix=prefix)\n\n\n"
             "class Tail(gluon.HybridBlock):\n    def __init__(self, units, prefix=None):\n"
             "        super().__init__(prefix=prefix)\n\n\nKINDS = dict(REGISTRY)\n\n\ndef build_tail():\n"
             "    return make(Tail, 3)\n")
# (neither module says "gluon" or "prefix": a call through a value may sit in any module of the project)
_THROUGH_VALUES = ("from .a import REGISTRY\n\n\ndef build(kind):\n    cls = REGISTRY[kind]\n"
                   "    return cls(4, 'head_')\n")
_CALLER = ("def make(block, units):\n    return block(units, 'tail_')\n\n\n"
           "def plain(block, units):\n    return block(units)\n")


def _escaping_package(root):
    _package(root, _ESCAPING, _THROUGH_VALUES)
    (root / "pkg" / "c.py").write_text(_CALLER)


def test_a_positional_prefix_through_a_value_is_reported_when_an_unsafe_fix_removes_it(
        tmp_path, monkeypatch, capsys):
    # `Head` (its registry is also read as a value) and `Tail` (handed to `make` of another module, which
    # passes a prefix by position) escape: with --unsafe-fixes both lose `prefix`, and every call through a
    # value whose positional arguments reach that slot is reported, naming the classes it may call
    _escaping_package(tmp_path)
    out = _fix(tmp_path, monkeypatch, capsys, "--unsafe-fixes")
    a = (tmp_path / "pkg" / "a.py").read_text()
    assert "class Head(gluon.HybridBlock):\n    def __init__(self, units):" in a
    assert "class Tail(gluon.HybridBlock):\n    def __init__(self, units):" in a
    assert ("pkg/b.py:6:19: GLN002 `cls` calls a value whose class cannot be followed, and its argument `'head_'` "
            "reaches the `prefix` of `Head` or `Tail`, which this run removes") in out, out
    assert "pkg/c.py:2:25: GLN002 `block` calls a value whose class cannot be followed" in out, out
    assert "pkg/c.py:6:" not in out, out  # `block(units)` passes nothing in that slot
    _escaping_package(tmp_path / "check")  # `check --unsafe-fixes` on the code before the fix says the same
    monkeypatch.chdir(tmp_path / "check")
    findings = _check(tmp_path / "check", capsys, "--unsafe-fixes")
    assert any(f.startswith("pkg/b.py:6:19: GLN002") for f in findings), findings
    assert any(f.startswith("pkg/c.py:2:25: GLN002") for f in findings), findings


def test_a_positional_prefix_through_a_value_still_binds_after_the_safe_fix(tmp_path, monkeypatch, capsys):
    # in a safe run the escaping classes keep `prefix` (reported at the definition, naming the escape): the
    # calls through values still bind, so nothing breaks silently
    _escaping_package(tmp_path)
    out = _fix(tmp_path, monkeypatch, capsys)
    a = (tmp_path / "pkg" / "a.py").read_text()
    assert "class Head(gluon.HybridBlock):\n    def __init__(self, units, prefix='head_'):" in a
    assert "class Tail(gluon.HybridBlock):\n    def __init__(self, units, prefix=None):" in a
    assert "`Head` is handed to `register` at pkg/a.py:13" in out, out
    assert "`Tail` is passed to `make` at pkg/a.py:28" in out, out
    assert (tmp_path / "pkg" / "b.py").read_text() == _THROUGH_VALUES
    assert (tmp_path / "pkg" / "c.py").read_text() == _CALLER
    assert mismatches(str(tmp_path)) == []


def test_positional_prefixes_through_values_build_after_the_fixes_on_stock_mxnet(tmp_path, monkeypatch, capsys):
    # what the findings say, run: the safe fix builds as before; the unsafe one breaks exactly the calls reported
    pytest.importorskip("mxnet")
    script = ("from pkg.a import build_tail\nfrom pkg.b import build\n"
              "for make in (lambda: build('dense'), build_tail):\n    try:\n        make()\n"
              "        print('built')\n    except TypeError:\n        print('TypeError')\n")
    for flags, expected in (((), "built\nbuilt\n"), (("--unsafe-fixes",), "TypeError\nTypeError\n")):
        root = tmp_path / ("unsafe" if flags else "safe")
        _escaping_package(root)
        _fix(root, monkeypatch, capsys, "--quiet", *flags)
        run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=root, timeout=300)
        assert run.stdout == expected, run.stderr


def test_a_subclass_without_its_own_init_used_as_a_value_is_an_escape_of_its_bases_signature(
        tmp_path, monkeypatch, capsys):
    # `Sub` binds `Head.__init__`: stored in a table that is also read as a value, it keeps `Head`'s `prefix`
    # in a safe run (the positional prefix through the table still binds); with --unsafe-fixes the call is named
    a = ("from mxnet import gluon\n\n\nclass Head(gluon.HybridBlock):\n    def __init__(self, units, prefix=None):\n"
         "        super().__init__(prefix=prefix)\n\n\nclass Sub(Head):\n    pass\n\n\nTABLE = [Sub]\nprint(TABLE)\n")
    b = "from .a import TABLE\n\n\ndef build():\n    return TABLE[0](4, 'x_')\n"
    _package(tmp_path, a, b)
    out = _fix(tmp_path, monkeypatch, capsys)
    assert (tmp_path / "pkg" / "a.py").read_text() == a
    assert "`Head.__init__` cannot drop it automatically because `Sub` is stored in `TABLE` at pkg/a.py:13" in out, out
    _package(tmp_path / "unsafe", a, b)
    out = _fix(tmp_path / "unsafe", monkeypatch, capsys, "--unsafe-fixes")
    assert "def __init__(self, units):" in (tmp_path / "unsafe" / "pkg" / "a.py").read_text()
    assert ("pkg/b.py:5:24: GLN002 `TABLE[0]` calls a value whose class cannot be followed, and its argument `'x_'` "
            "reaches the `prefix` of `Sub`, which this run removes; if it holds that class, remove the argument") \
        in out, out


# -- a class handed to a function of another module; tables read through `.get` -------------------------
def test_a_class_passed_to_a_function_of_another_module_that_only_calls_it_is_followed(
        tmp_path, monkeypatch, capsys):
    # `make(block_cls=Head)` where `make` (pkg/c.py) only calls its parameter with arguments that bind `Head`'s
    # new signature: a call of `Head`; `Tail` is handed to `make_named`, whose call passes `prefix=`, which
    # nothing drops there: still an escape, named; so is `Side`, handed to a function that stores it
    a = ("from mxnet.gluon import nn\n\nfrom . import c\nfrom .c import make, make_named\n\n\n"
         "class Head(nn.HybridBlock):\n    def __init__(self, units, prefix=None):\n"
         "        super().__init__(prefix=prefix)\n\n\n"
         "class Tail(nn.HybridBlock):\n    def __init__(self, units, prefix=None):\n"
         "        super().__init__(prefix=prefix)\n\n\n"
         "class Side(nn.HybridBlock):\n    def __init__(self, units, prefix=None):\n"
         "        super().__init__(prefix=prefix)\n\n\n"
         "head = make(block_cls=Head, units=3)\nhead2 = c.Maker.build(Head, 3)\ntail = make_named(Tail, 3)\n"
         "side = c.keep(Side)\n")
    b = "from .a import Head, Side, Tail\n\nx = Head(3, prefix='h_')\ny = Tail(3, prefix='t_')\nz = Side(3, 's_')\n"
    _package(tmp_path, a, b)
    (tmp_path / "pkg" / "c.py").write_text(
        "def make(block_cls, units):\n    return block_cls(units)\n\n\n"
        "def make_named(block_cls, units):\n    return block_cls(units, prefix='named_')\n\n\n"
        "class Maker:\n    @classmethod\n    def build(cls, block_cls, units):\n"
        "        return block_cls(units=units)\n\n\n"
        "KEPT = []\n\n\ndef keep(block_cls):\n    KEPT.append(block_cls)\n    return block_cls(1)\n")
    out = _fix(tmp_path, monkeypatch, capsys)
    fixed = (tmp_path / "pkg" / "a.py").read_text()
    assert "class Head(nn.HybridBlock):\n    def __init__(self, units):\n" in fixed, out
    assert "class Tail(nn.HybridBlock):\n    def __init__(self, units, prefix=None):\n" in fixed, out
    assert "class Side(nn.HybridBlock):\n    def __init__(self, units, prefix=None):\n" in fixed, out
    assert "`Tail` is passed to `make_named` at pkg/a.py:24" in out, out
    assert "`Side` is passed to `c.keep` at pkg/a.py:25" in out, out
    assert (tmp_path / "pkg" / "b.py").read_text() == \
        "from .a import Head, Side, Tail\n\nx = Head(3)\ny = Tail(3)\nz = Side(3, 's_')\n"
    assert mismatches(str(tmp_path)) == []


def test_a_registry_read_through_get_whose_result_is_only_called_is_followed(tmp_path, monkeypatch, capsys):
    b = ("from .a import REGISTRY\n\n\ndef build(kind, prefix=''):\n    cls = REGISTRY.get(kind)\n"
         "    return cls(4, prefix=prefix)\n\n\n"
         "def build2(kind):\n    return REGISTRY.get(kind, None)(4, prefix='x_')\n")
    _package(tmp_path, _REGISTERED, b)
    out = _fix(tmp_path, monkeypatch, capsys)
    assert "def __init__(self, units):" in (tmp_path / "pkg" / "a.py").read_text(), out
    assert (tmp_path / "pkg" / "b.py").read_text() == (
        "from .a import REGISTRY\n\n\ndef build(kind):\n    cls = REGISTRY.get(kind)\n    return cls(4)\n\n\n"
        "def build2(kind):\n    return REGISTRY.get(kind, None)(4)\n"), out
    assert mismatches(str(tmp_path)) == []
    # the result handed on instead: the registry's classes escape
    _package(tmp_path / "escaped", _REGISTERED, b + "\n\nCHOSEN = [REGISTRY.get('dense')]\n")
    out = _fix(tmp_path / "escaped", monkeypatch, capsys)
    assert "def __init__(self, units, prefix='head_'):" in (tmp_path / "escaped" / "pkg" / "a.py").read_text()
    assert "(`REGISTRY.get('dense')` is used as a value at pkg/b.py:13)" in out, out


@pytest.mark.parametrize("imports, call", [("from pkg import A", "A"), ("import pkg.a", "pkg.a.A"),
                                           ("import pkg", "pkg.a.A")])
def test_a_module_that_never_says_gluon_is_analysed_when_it_imports_towards_a_changed_class(
        tmp_path, monkeypatch, capsys, imports, call):
    # (the pre-filter: a module naming a class the plan changes is analysed when it imports that class's module,
    # a package above it, or a name of one; a module of the same project that only has a class of the same
    # name, a PyTorch one, is not)
    _package(tmp_path, "from mxnet.gluon import nn\n\n\nclass A(nn.HybridBlock):\n"
                       "    def __init__(self, units, prefix=None):\n        super().__init__(prefix=prefix)\n",
             f"{imports}\nimport pkg.a  # noqa: F401\n\nx = {call}(3, 'a_')\n")
    (tmp_path / "pkg" / "__init__.py").write_text("from .a import A  # noqa: F401\n")
    (tmp_path / "pkg" / "torchy.py").write_text("import torch\n\n\nclass A(torch.nn.Module):\n    pass\n\n\nx = A()\n")
    _fix(tmp_path, monkeypatch, capsys, "--quiet")
    assert (tmp_path / "pkg" / "b.py").read_text() == f"{imports}\nimport pkg.a  # noqa: F401\n\nx = {call}(3)\n"
    from gluon_codemod.run.project import Project

    _package(tmp_path / "before", "from mxnet.gluon import nn\n\n\nclass A(nn.HybridBlock):\n"
             "    def __init__(self, units, prefix=None):\n        super().__init__(prefix=prefix)\n", "")
    project = Project.load([str(p) for p in (tmp_path / "before" / "pkg").glob("*.py")]
                           + [str(tmp_path / "pkg" / "torchy.py")])
    project.settle()
    torchy = str(tmp_path / "pkg" / "torchy.py")
    assert not project.view(torchy).concerns(project.sources[torchy].text)


# -- `**kwargs` forwarders in modules that never say "gluon", and mappings filled with a `prefix` ------------
_QUIET_HEADS = (
    "from mxnet import gluon\n\nREGISTRY = {}\n\n\ndef register(cls):\n    REGISTRY[cls.__name__] = cls\n"
    "    return cls\n\n\n@register\nclass Head(gluon.HybridBlock):\n    def __init__(self, units, prefix=None):\n"
    "        super().__init__(prefix=prefix)\n        with self.name_scope():\n"
    "            self.out = gluon.nn.Dense(units)\n\n    def hybrid_forward(self, F, x):\n"
    "        return self.out(x)\n")
_QUIET_BUILD = (
    "from .heads import REGISTRY, Head\n\n\ndef build(kind, **cfg):\n    return REGISTRY[kind](4, **cfg)\n\n\n"
    "def build_direct(**cfg):\n    return Head(4, **cfg)\n")
_QUIET_USES = (
    "from .build import build, build_direct\nfrom .heads import Head\n\n"
    "a = build('Head', prefix='h_')\nb = build_direct(prefix='d_')\n"
    "cfg = dict(prefix='e_')\nc = Head(4, **cfg)\n")


def _heads_package(root) -> None:
    """A project `pkg` whose `heads` module registers `Head`, a Block that hands `prefix` on to Gluon."""
    (root / "pkg").mkdir()
    (root / "pyproject.toml").write_text("")
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "heads.py").write_text(_QUIET_HEADS)


def test_forwarders_in_a_module_that_never_says_gluon_and_prefixes_in_mappings_are_followed(
        tmp_path, monkeypatch, capsys):
    # `build`/`build_direct` hand `**cfg` on to `Head` from a utility module without "gluon" in it; `cfg` is
    # filled with a `prefix` before `**cfg`: each was a call left failing after the safe fix, without a finding
    pytest.importorskip("mxnet")
    _heads_package(tmp_path)
    for name, text in (("build", _QUIET_BUILD), ("uses", _QUIET_USES)):
        (tmp_path / "pkg" / f"{name}.py").write_text(text)
    script = ("import mxnet as mx\nfrom pkg.uses import a, b, c\nfor net in (a, b, c):\n    net.initialize()\n"
              "    print(net(mx.nd.ones((1, 3))).shape)\n")
    before = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert before.returncode == 0, before.stderr
    out = _fix(tmp_path, monkeypatch, capsys)
    after = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert after.returncode == 0, after.stderr
    assert after.stdout == before.stdout
    assert "b = build_direct()\n" in (tmp_path / "pkg" / "uses.py").read_text()  # followed, and fixed
    assert "pkg/uses.py:6:12: GLN002 `Head` is given a `prefix` inside `**cfg`" in out, out
    assert "pkg/uses.py:4:19: GLN002 `build` hands its `**kwargs` on to a value whose class cannot be followed" in out
    assert "def __init__(self, units, prefix=None):" in (tmp_path / "pkg" / "heads.py").read_text()  # kept
    assert mismatches(str(tmp_path)) == []


def test_a_mapping_whose_keys_cannot_be_read_is_reported_where_the_run_removes_a_parameter(
        tmp_path, monkeypatch, capsys):
    # `**options` of a parameter may hold a `prefix` that `Head` no longer takes: reported, the removal stays;
    # a mapping filled by literals only is known, and a function's own `**kwargs` is followed to its callers
    _heads_package(tmp_path)
    (tmp_path / "pkg" / "makers.py").write_text(
        "from .heads import Head\n\n\ndef make(options):\n    return Head(4, **options)\n\n\n"
        "def make_known(units):\n    options = {'units': units}\n    return Head(**options)\n\n\n"
        "def make_kwargs(**kwargs):\n    return Head(4, **kwargs)\n")
    out = _fix(tmp_path, monkeypatch, capsys)
    assert "def __init__(self, units):" in (tmp_path / "pkg" / "heads.py").read_text()
    reported = [line for line in out.splitlines() if line.startswith("pkg/makers.py")]
    assert reported == ["pkg/makers.py:5:20: GLN002 `Head.__init__` loses `prefix` in this run, and the keys of "
                        "`**options` cannot be followed: if it can hold `prefix`, take it out"], out


def test_a_prefix_a_function_puts_into_its_own_kwargs_keeps_the_parameter(tmp_path, monkeypatch, capsys):
    _heads_package(tmp_path)
    makers = ("from .heads import Head\n\n\ndef make_kwargs(**kwargs):\n    kwargs.setdefault('prefix', 'k_')\n"
              "    return Head(4, **kwargs)\n\n\nhead = make_kwargs()\n")
    (tmp_path / "pkg" / "makers.py").write_text(makers)
    out = _fix(tmp_path, monkeypatch, capsys)
    assert "def __init__(self, units, prefix=None):" in (tmp_path / "pkg" / "heads.py").read_text()
    assert (tmp_path / "pkg" / "makers.py").read_text() == makers
    assert "pkg/makers.py:5:23: GLN002 `Head` is given a `prefix` inside `**kwargs`" in out, out
    assert mismatches(str(tmp_path)) == []


def test_a_prefix_in_a_mapping_given_through_a_registry_keeps_the_parameter(tmp_path, monkeypatch, capsys):
    # GLN002 drops a `prefix=` keyword, not a key of `**cfg`: the registry's call would not bind `Head` once
    # its `prefix` were gone, so the registry is not followed and `Head` keeps it; an opaque `**options`
    # through the registry is reported where the registry is followed
    pytest.importorskip("mxnet")
    _heads_package(tmp_path)
    (tmp_path / "pkg" / "reg.py").write_text("from .heads import REGISTRY\n\ncfg = dict(prefix='e_')\n"
                                             "h = REGISTRY['Head'](4, **cfg)\n")
    _fix(tmp_path, monkeypatch, capsys, "--quiet")
    assert "def __init__(self, units, prefix=None):" in (tmp_path / "pkg" / "heads.py").read_text()
    built = subprocess.run([sys.executable, "-c", "import pkg.reg"], capture_output=True, text=True, cwd=tmp_path,
                           timeout=300)
    assert built.returncode == 0, built.stderr

    (tmp_path / "pkg" / "heads.py").write_text(_QUIET_HEADS)
    (tmp_path / "pkg" / "reg.py").write_text("from .heads import REGISTRY\n\n\ndef make(kind, options):\n"
                                             "    return REGISTRY[kind](4, **options)\n")
    out = _fix(tmp_path, monkeypatch, capsys)
    assert "def __init__(self, units):" in (tmp_path / "pkg" / "heads.py").read_text()
    assert ("pkg/reg.py:5:30: GLN002 `Head` loses `prefix` in this run, and the keys of `**options` cannot be "
            "followed: if it can hold `prefix`, take it out") in out, out


def test_kwargs_handed_on_by_a_nested_function_or_a_method_are_reported(tmp_path, monkeypatch, capsys):
    # the calls of a module-level function, a Block constructor or a lambda are followed (checked where they
    # are); those of a nested function or of a method are not: what their `**kw` holds cannot be told
    _heads_package(tmp_path)
    (tmp_path / "pkg" / "more.py").write_text(
        "from .heads import Head\n\n\ndef outer():\n    def inner(**kw):\n        return Head(4, **kw)\n"
        "    return inner(prefix='n_')\n\n\nclass Maker:\n    def make(self, **kw):\n        return Head(4, **kw)\n\n"
        "    @classmethod\n    def cmake(cls, **kw):\n        return Head(4, **kw)\n\n\n"
        "def factory(**kw):\n    return Head(4, **kw)\n\n\nm = Maker().make(prefix='m_')\n")
    out = _fix(tmp_path, monkeypatch, capsys)
    reported = sorted(line.split(": ")[0] for line in out.splitlines() if line.startswith("pkg/more.py"))
    assert reported == ["pkg/more.py:12:24", "pkg/more.py:16:24", "pkg/more.py:6:24"], out
    assert "the keys of `**kw` cannot be followed" in out
