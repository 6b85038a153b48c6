"""Whole-project safety (issue 10): a multi-module package is fixed as a whole, every call still matches
the signature it calls, and what is not fixed carries a finding, whichever front end looks at a file."""
import ast
import os
import shutil
import subprocess
import sys

import pytest

from gluon_codemod import check_code
from gluon_codemod.run.project_cache import project_for
from gluon_codemod.frontends.cli import main

from _call_checker import mismatches, old_api_sites, unreported

PROJECTS = os.path.join(os.path.dirname(__file__), "projects")


def _copy(tmp_path, name):
    target = tmp_path / name
    shutil.copytree(os.path.join(PROJECTS, name, "before"), target)
    return target


def _package(root, a: str, b: str) -> None:
    """A project of one package `pkg` with modules `a` and `b`."""
    (root / "pkg").mkdir(parents=True)
    (root / "pyproject.toml").write_text("")
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "a.py").write_text(a)
    (root / "pkg" / "b.py").write_text(b)


def _tree(root):
    return {os.path.relpath(os.path.join(folder, f), root): open(os.path.join(folder, f)).read()
            for folder, dirs, files in os.walk(root) for f in files if f.endswith(".py")
            and "__pycache__" not in folder}


def test_shop_is_fixed_as_a_whole_into_the_expected_tree(tmp_path, monkeypatch):
    root = _copy(tmp_path, "shop")
    monkeypatch.chdir(root)
    assert main(["fix", "--quiet", "."]) == 1  # findings are left: Gate keeps its prefix
    assert _tree(root) == _tree(os.path.join(PROJECTS, "shop", "after"))


def test_shop_fixed_still_binds_every_call(tmp_path, monkeypatch):
    root = _copy(tmp_path, "shop")
    assert mismatches(str(root)) == []  # the 1.x code is consistent to start with
    monkeypatch.chdir(root)
    main(["fix", "--quiet", "."])
    assert mismatches(str(root)) == []


def test_the_checker_finds_a_call_left_behind(tmp_path):
    # what the tool did before issue 10: the signature changed in one module, the call in another did not
    root = _copy(tmp_path, "shop")
    layers = root / "src" / "shop" / "layers.py"
    layers.write_text(layers.read_text().replace("def __init__(self, units, prefix=None, params=None):\n"
                                                 "        super(PosEmbed, self)",
                                                 "def __init__(self, units):\n        super(PosEmbed, self)"))
    found = mismatches(str(root))
    assert any("model.py:13: `PosEmbed` does not take `prefix=`" in line for line in found), found
    assert any("model.py:14: `PosEmbed` takes 1 positional arguments but the call passes 2" in line
               for line in found), found


def test_a_call_that_cannot_follow_keeps_the_parameter_and_both_are_reported(tmp_path, monkeypatch, capsys):
    root = _copy(tmp_path, "shop")
    monkeypatch.chdir(root)
    main(["fix", "."])
    # what `fix` reports it left names the call's line in the code the plan was settled on, and says so
    out = capsys.readouterr().out
    assert "src/shop/model.py:19:47: GLN003 `Gate.__init__` keeps its `prefix` parameter for now because the " \
           "call at src/shop/model.py:20 (its line before this run's fixes) passes it" in out, out
    layers = (root / "src" / "shop" / "layers.py").read_text()
    assert "def __init__(self, units, prefix=None):" in layers  # Gate keeps `prefix`, drops `params`
    findings = check_code(layers)
    assert any(f.code == "GLN003" and f.line == 26 for f in findings)
    model = project_for(["src/shop/model.py"], whole=True, use_cache=False)
    left = check_code((root / "src" / "shop" / "model.py").read_text(), project=model.view("src/shop/model.py"))
    messages = [f.message for f in left if f.line == 19]
    assert any("`Gate.__init__` keeps its `prefix` parameter for now because the call at src/shop/model.py:19"
               in m for m in messages), messages


def test_unsafe_fixes_migrate_the_computed_prefix_too(tmp_path, monkeypatch):
    root = _copy(tmp_path, "shop")
    monkeypatch.chdir(root)
    assert main(["fix", "--quiet", "--unsafe-fixes", "."]) == 1  # files changed
    assert main(["check", "--quiet", "--unsafe-fixes", "."]) == 0  # nothing left
    layers = (root / "src" / "shop" / "layers.py").read_text()
    assert "prefix=" not in layers and "params=" not in layers
    assert mismatches(str(root)) == []


def test_fixing_twice_changes_nothing(tmp_path, monkeypatch):
    root = _copy(tmp_path, "shop")
    monkeypatch.chdir(root)
    main(["fix", "--quiet", "."])
    first = _tree(root)
    main(["fix", "--quiet", "."])
    assert _tree(root) == first


@pytest.mark.parametrize("name", ["src/shop/layers.py", "src/shop/model.py", "scripts/train.py",
                                  "tests/test_layers.py"])
def test_one_file_at_a_time_sees_the_same_project(tmp_path, monkeypatch, capsys, name):
    root = _copy(tmp_path, "shop")
    monkeypatch.chdir(root)
    main(["check", "--quiet", "."])
    whole = [line for line in capsys.readouterr().out.splitlines() if line.startswith(name + ":")]
    main(["check", "--quiet", name])  # as the pre-commit hook runs it
    alone = capsys.readouterr().out.splitlines()
    assert alone == whole
    flake8 = subprocess.run([sys.executable, "-m", "flake8", "--select", "GLN", name], capture_output=True,
                            text=True, cwd=root)
    assert flake8.stdout.splitlines() == whole, flake8.stderr


def test_a_script_that_never_mentions_gluon_is_fixed_with_the_class_it_calls(tmp_path, monkeypatch):
    root = _copy(tmp_path, "shop")
    monkeypatch.chdir(root)
    main(["fix", "--quiet", "."])
    assert (root / "scripts" / "train.py").read_text().splitlines()[2] == "net = Head(8, 3)"


def test_fixing_only_some_files_keeps_what_calls_elsewhere_pass(tmp_path, monkeypatch):
    root = _copy(tmp_path, "shop")
    monkeypatch.chdir(root)
    main(["fix", "--quiet", "src/shop/layers.py"])  # model.py is not rewritten by this run
    assert "def __init__(self, units, prefix=None, params=None):" in (root / "src/shop/layers.py").read_text()
    assert mismatches(str(root)) == []


def test_fixed_project_builds_on_gluon_runtime(tmp_path, monkeypatch):
    pytest.importorskip("mxnet")
    root = _copy(tmp_path, "shop")
    monkeypatch.chdir(root)
    main(["fix", "--quiet", "--unsafe-fixes", "--target", "runtime", "."])
    script = ("import sys; sys.path[:0] = ['src', 'scripts']\n"
              "import mxnet as mx\n"
              "from shop.model import Model\n"
              "net = Model(); net.initialize(); net.hybridize()\n"
              "y = net(mx.nd.ones((2, 8)))\n"
              "print(sorted(net.collect_params())[:3], y.shape)\n")
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=root, timeout=300)
    assert completed.returncode == 0, completed.stderr
    assert "(2, 8)" in completed.stdout
    assert "'gates.0.dense.bias'" in completed.stdout


def test_expected_tree_compiles():
    for path, text in _tree(os.path.join(PROJECTS, "shop", "after")).items():
        ast.parse(text, path)


def test_every_construct_left_has_a_finding(tmp_path, monkeypatch, capsys):
    root = _copy(tmp_path, "shop")
    monkeypatch.chdir(root)
    main(["fix", "--quiet", "."])
    capsys.readouterr()
    main(["check", "--quiet", "--output-format", "concise", "."])
    findings = capsys.readouterr().out.splitlines()
    left = old_api_sites(".")
    assert left  # Gate's prefix stays in a safe run
    assert unreported(left, findings) == []


def test_a_folder_without_init_files_is_fixed_in_one_pass(tmp_path, monkeypatch):
    # a flat copy of a library: relative imports name folders that are not packages
    (tmp_path / "pyproject.toml").write_text("")
    lib = tmp_path / "copy" / "gluon"
    (lib / "nn").mkdir(parents=True)
    (lib / "block.py").write_text("class HybridBlock(object):\n"
                                  "    def __init__(self, prefix=None, params=None):\n"
                                  "        self._prefix = prefix\n\n"
                                  "    def hybrid_forward(self, F, x):\n"
                                  "        raise NotImplementedError\n")
    (lib / "nn" / "layers.py").write_text("from ..block import HybridBlock\n"
                                          "from mxnet.gluon import nn\n\n\n"
                                          "class Twice(HybridBlock):\n"
                                          "    def __init__(self, units, prefix=None, params=None):\n"
                                          "        super(Twice, self).__init__(prefix=prefix, params=params)\n"
                                          "        self.dense = nn.Dense(units)\n\n\n"
                                          "net = Twice(3, 'twice_')\n")
    monkeypatch.chdir(tmp_path)
    main(["fix", "--quiet", "--unsafe-fixes", "."])
    first = _tree(tmp_path)
    layers = first[os.path.join("copy", "gluon", "nn", "layers.py")]
    # Twice is a Block through `..block`; that base reads its `prefix`, so Twice hands it on and keeps it
    # (its `params` goes), and the call still passes the prefix it accepts
    assert "class Twice(HybridBlock):\n    def __init__(self, units, prefix=None):" in layers
    assert "net = Twice(3, 'twice_')" in layers
    assert mismatches(str(tmp_path)) == []
    main(["fix", "--quiet", "--unsafe-fixes", "."])
    assert _tree(tmp_path) == first


def test_a_call_whose_argument_carries_a_comment_keeps_the_parameter(tmp_path, monkeypatch):
    # the call's edit would refuse to drop a commented argument: the signature must not change without it
    _package(tmp_path, "from mxnet.gluon import nn\n\n\nclass A(nn.HybridBlock):\n"
                       "    def __init__(self, units, prefix=None):\n        super(A, self).__init__(prefix=prefix)\n",
             "from .a import A\n\nx = A(3,\n      'a_',  # the prefix\n      )\n")
    monkeypatch.chdir(tmp_path)
    main(["fix", "--quiet", "--unsafe-fixes", "."])
    assert "def __init__(self, units, prefix=None):" in (tmp_path / "pkg" / "a.py").read_text()
    assert mismatches(str(tmp_path)) == []


def test_python_api_fixes_a_file_as_a_module_of_its_project(tmp_path, monkeypatch):
    from gluon_codemod import fix_code, load_project

    root = _copy(tmp_path, "shop")
    monkeypatch.chdir(root)
    paths = sorted(_tree(root))
    project = load_project(paths, whole=False)
    model = os.path.join("src", "shop", "model.py")
    alone = fix_code((root / model).read_text()).code
    assert "layers.PosEmbed(units, 'pos2_')" in alone  # alone, the class of another module is unknown
    fixed = fix_code((root / model).read_text(), project=project.view(model)).code
    assert fixed == open(os.path.join(PROJECTS, "shop", "after", model)).read()


def test_a_noqa_on_the_parameter_keeps_every_call_as_it_is(tmp_path, monkeypatch):
    root = _copy(tmp_path, "shop")
    layers = root / "src" / "shop" / "layers.py"
    layers.write_text(layers.read_text().replace("    def __init__(self, units, prefix=None, params=None):\n"
                                                 "        super(PosEmbed",
                                                 "    def __init__(self, units, prefix=None, params=None):  # noqa\n"
                                                 "        super(PosEmbed", 1))
    monkeypatch.chdir(root)
    main(["fix", "--quiet", "."])
    assert "layers.PosEmbed(units, 'pos2_')" in (root / "src" / "shop" / "model.py").read_text()
    assert mismatches(str(root)) == []


def test_files_of_a_python_installation_or_without_a_root_are_their_own_project(tmp_path):
    from gluon_codemod.run.project_cache import project_paths

    stdlib = ast.__file__  # the standard library sits below a toolchain checkout on some machines
    assert project_paths([stdlib]) == [stdlib]
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.py").write_text("y = 2\n")
    assert project_paths([str(tmp_path / "a.py")]) == [str(tmp_path / "a.py")]  # no marker: no walk
    (tmp_path / "setup.cfg").write_text("")
    assert len(project_paths([str(tmp_path / "a.py")])) == 2


def test_a_declined_call_fix_keeps_the_parameter_it_passes(tmp_path, monkeypatch):
    # `fix --interactive`: a call whose fix the user declines is left as it is, so the signature it
    # binds keeps the parameter, and the call is reported as a finding left
    from gluon_codemod import fix_code
    from gluon_codemod.run.project import Project

    root = _copy(tmp_path, "shop")
    monkeypatch.chdir(root)
    model = os.path.join("src", "shop", "model.py")
    layers = os.path.join("src", "shop", "layers.py")
    line = next(n for n, text in enumerate(open(model), 1) if "layers.PosEmbed(units, 'pos2_')" in text)
    project = Project.load(sorted(_tree(root)))
    project.settle()
    assert "layers.PosEmbed(units)" in fix_code(open(model).read(), project=project.view(model)).code
    project.settle(declined={model: [(line, "GLN003")]})
    fixed_model = fix_code(open(model).read(), project=project.view(model))
    assert "layers.PosEmbed(units, 'pos2_')" in fixed_model.code
    lines = fixed_model.code.splitlines()
    assert any(f.code == "GLN003" and "keeps its `prefix` parameter" in f.message
               and "layers.PosEmbed(units, 'pos2_')" in lines[f.line - 1]
               for f in fixed_model.findings), fixed_model.findings
    fixed_layers = fix_code(open(layers).read(), project=project.view(layers)).code
    assert "class PosEmbed" in fixed_layers and "prefix=None" in fixed_layers.split("class PosEmbed")[1]


def test_a_class_defined_after_its_functions_own_gluon_import_is_a_block(tmp_path, monkeypatch):
    # `def test(): from mxnet.gluon import nn; class L(nn.HybridBlock)` was missed silently: the class's
    # base was resolved through the module's imports only
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "test_layers.py").write_text(
        "def test_layer():\n"
        "    from mxnet.gluon import nn\n"
        "\n"
        "    class Layer(nn.HybridBlock):\n"
        "        def __init__(self, units, prefix=None):\n"
        "            super(Layer, self).__init__(prefix=prefix)\n"
        "    return Layer(3, prefix='a_')\n")
    monkeypatch.chdir(tmp_path)
    assert main(["fix", "--quiet", "."]) == 1  # files were changed
    assert main(["check", "--quiet", "."]) == 0
    fixed = (tmp_path / "test_layers.py").read_text()
    assert "def __init__(self, units):" in fixed and "super(Layer, self).__init__()" in fixed
    assert "return Layer(3)" in fixed
    assert mismatches(str(tmp_path)) == []


def test_a_cached_plan_is_not_read_back_by_other_code(tmp_path, monkeypatch):
    from gluon_codemod import rules
    from gluon_codemod.run import project_cache

    (tmp_path / "rule.py").write_text("")
    monkeypatch.setattr(rules, "__path__", [str(tmp_path)])
    monkeypatch.setattr(project_cache, "_CODE_STAMP", None)
    before = project_cache._code_stamp()
    os.utime(tmp_path / "rule.py", ns=(1, 1))
    monkeypatch.setattr(project_cache, "_CODE_STAMP", None)
    assert project_cache._code_stamp() != before


def test_a_prefix_unpacked_from_a_literal_dict_keeps_the_parameter(tmp_path, monkeypatch):
    # GLN002 reports `**{'prefix': ...}` and does not rewrite it: the signature must keep `prefix`
    root, broken = tmp_path / "project", tmp_path / "broken"
    calls = "from .a import A\n\nx = A(3, **{'prefix': 'a_'})\ny = A(3, **dict(prefix='b_'))\nz = A(4)\n"
    _package(root, "from mxnet.gluon import nn\n\n\nclass A(nn.HybridBlock):\n"
                   "    def __init__(self, units, prefix=None, params=None):\n"
                   "        super(A, self).__init__(prefix=prefix, params=params)\n", calls)
    # what the tool did before: the signature lost `prefix`, the unpacked ones were only reported
    _package(broken, "from mxnet.gluon import nn\n\n\nclass A(nn.HybridBlock):\n"
                     "    def __init__(self, units):\n        super(A, self).__init__()\n", calls)
    assert [m.rsplit(os.sep, 1)[1] for m in mismatches(str(broken))] == [
        "b.py:3: `A` does not take `prefix=`", "b.py:4: `A` does not take `prefix=`"]
    monkeypatch.chdir(root)
    main(["fix", "--quiet", "pkg"])
    assert "def __init__(self, units, prefix=None):" in (root / "pkg" / "a.py").read_text()
    assert mismatches(str(root)) == []


def test_a_noqa_on_the_argument_a_class_hands_prefix_on_with_keeps_the_parameter(tmp_path, monkeypatch, capsys):
    # the base constructor call keeps `prefix=prefix` (noqa): the signature cannot lose `prefix`, so no
    # call of the project loses it either, and each call passing it elsewhere gets a finding
    _package(tmp_path, "from mxnet.gluon import nn\n\n\nclass A(nn.HybridBlock):\n"
                       "    def __init__(self, units, prefix=None, params=None):\n"
                       "        super(A, self).__init__(prefix=prefix, params=params)  # noqa\n",
             "from .a import A\n\nz = A(4, prefix='c_')\nw = A(4, 'd_')\n")
    monkeypatch.chdir(tmp_path)
    main(["fix", "pkg"])
    out = capsys.readouterr().out
    assert (tmp_path / "pkg" / "b.py").read_text() == "from .a import A\n\nz = A(4)\nw = A(4, 'd_')\n"
    assert "pkg/b.py:4:10: GLN003 `A.__init__` keeps its `prefix` parameter for now because a `# noqa`" in out, out
    assert mismatches(str(tmp_path)) == []
    main(["check", "--quiet", "--output-format", "concise", "pkg"])
    assert unreported(old_api_sites("."), capsys.readouterr().out.splitlines()) == []


def test_findings_left_with_the_same_message_keep_their_own_lines_in_a_diff(tmp_path, monkeypatch, capsys):
    # two calls of one class that keeps `prefix`: the first one's argument is fixed (GLN002), the second
    # is left; the diff's findings (lines of the original) name the second one's line
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "a.py").write_text("from mxnet.gluon import nn\n\n\nclass A(nn.HybridBlock):\n"
                                   "    def __init__(self, units, prefix=None, params=None):\n"
                                   "        super(A, self).__init__(prefix=prefix, params=params)  # noqa\n\n\n"
                                   "z = A(4, prefix='c_')\nw = A(4, 'd_')\n")
    monkeypatch.chdir(tmp_path)
    main(["fix", "--diff", "a.py"])
    out = "".join(capsys.readouterr())  # (the diff on stdout, the findings on stderr)
    kept = [line for line in out.splitlines() if "keeps its `prefix` parameter" in line]
    assert [line.split(": GLN003")[0] for line in kept] == ["a.py:10:10"], out


def test_the_cache_keeps_the_most_recently_used_projects_only(tmp_path, monkeypatch):
    # every state of a project is an entry (a hook run after each edit): the cache must not grow forever
    from gluon_codemod.run import project_cache

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(project_cache, "_MAX_BYTES", 2**30)  # set below, to three entries' size
    monkeypatch.setattr(project_cache, "_LOADED", {})
    (tmp_path / "pyproject.toml").write_text("")
    module = tmp_path / "net.py"
    keys = []
    for step in range(5):
        module.write_text("from mxnet.gluon import nn\n" + "x = 1\n" * step)
        os.utime(module, ns=(step * 10**9, step * 10**9))
        project_for([str(module)], whole=True)
        folder = tmp_path / "cache" / "gluon-codemod"
        keys.append(sorted(os.listdir(folder)))
        if step == 0:  # entries of this project are about this size: room for three
            project_cache._MAX_BYTES = 3 * (folder / keys[0][0]).stat().st_size + 100
    added = [next(name for name in names if name not in (keys[i - 1] if i else [])) for i, names in enumerate(keys)]
    assert len(set(added)) == 5  # five states were written
    assert sorted(added[-3:]) == keys[-1]  # the three used last are kept
