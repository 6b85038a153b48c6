"""GLN005 params-get: spellings, lookups and left-alone cases beyond the rule's examples."""
import pytest

from gluon_codemod import check_code, fix_code

HEAD = "class Net(gluon.Block):\n    def __init__(self):\n        super().__init__()\n"


def fix(source, **kw):
    return fix_code(source, select=["GLN005"], **kw)


@pytest.mark.parametrize("imports,spelled,added", [
    ("import mxnet.gluon as G\n", "G.Parameter", None),
    ("from mxnet.gluon import *\n", "Parameter", None),
    ("from mxnet.gluon.parameter import Parameter as P\nfrom mxnet import gluon\n", "P", None),
    # `gluon` is bound, so `gluon.Parameter` is unambiguous even though `Parameter` is inspect's
    ("from inspect import Parameter\nfrom mxnet import gluon\n", "gluon.Parameter", None),
])
def test_parameter_spelling_follows_the_imports(imports, spelled, added):
    body = HEAD.replace("gluon.Block", "G.Block" if "G\n" in imports else
                        ("Block" if "*" in imports else "gluon.Block"))
    source = imports + body + "        self.w = self.params.get('w', shape=(2,))\n"
    result = fix(source).code
    assert f"self.w = {spelled}('w', shape=(2,))" in result
    if added:
        assert added in result
    else:
        assert result.count("import") == source.count("import"), "no import should be added"
    assert fix(result).code == result


def test_parameter_spelling_avoids_a_name_the_file_already_uses():
    source = ("from inspect import Parameter\nimport mxnet as mx\n"
              "class Net(mx.gluon.Block):\n    def __init__(self):\n        super().__init__()\n"
              "        self.w = self.params.get('w', shape=(2,))\n")
    result = fix(source).code
    assert "self.w = GluonParameter('w', shape=(2,))" in result
    assert "from mxnet.gluon import Parameter as GluonParameter" in result
    assert "from inspect import Parameter\n" in result
    assert fix(result).code == result


def test_runtime_target_imports_from_gluon_runtime():
    source = "import mxnet as mx\nclass Net(mx.gluon.Block):\n    def __init__(self):\n" \
             "        super().__init__()\n        self.w = self.params.get('w', shape=(2,))\n"
    result = fix(source, target="runtime").code
    assert "from gluon_runtime import Parameter" in result
    assert "self.w = Parameter('w', shape=(2,))" in result


@pytest.mark.parametrize("call,expected", [
    ("self.params.get_constant('c', [1, 2])", "gluon.Constant([1, 2])"),
    ("self.params.get_constant('c', value=v)", "gluon.Constant(value=v)"),
    ("self.params.get_constant(name='c', value=v)", "gluon.Constant(value=v)"),
])
def test_get_constant_drops_the_name(call, expected):
    source = "from mxnet import gluon\n" + HEAD + f"        self.c = {call}\n"
    assert f"self.c = {expected}" in fix(source).code


def test_lookups_become_the_attribute_even_with_a_different_get_name():
    source = ("from mxnet import gluon\n" + HEAD +
              "        self.weight = self.params.get('kernel', shape=(2,))\n"
              "        self.c = self.params.get_constant('c', [1])\n"
              "        self.alias = self.params.get('kernel')\n"
              "    def forward(self, x):\n"
              "        return x * self.params.get('kernel').data() + self.params.get_constant('c').data()\n")
    result = fix(source).code
    assert "self.alias = self.weight\n" in result
    assert "return x * self.weight.data() + self.c.data()\n" in result


def test_an_attribute_assigned_a_lookup_does_not_hold_the_parameter():
    # `self.alias = self.params.get('w')` aliases the parameter `self.w` created; the first
    # lookup-shaped assignment holds it only when nothing else creates it
    source = ("from mxnet import gluon\n" + HEAD +
              "        self.a = self.params.get('w')\n"
              "        self.b = self.params.get('w')\n"
              "    def forward(self, x):\n        return self.params.get('w').data()\n")
    result = fix(source).code
    assert "self.a = gluon.Parameter('w')\n" in result
    assert "self.b = self.a\n" in result
    assert "return self.a.data()\n" in result


def test_lookup_in_a_subclass_resolves_through_an_in_file_base():
    source = ("from mxnet import gluon\n" + HEAD + "        self.w = self.params.get('w', shape=(2,))\n"
              "class Sub(Net):\n    def forward(self, x):\n        return self.params.get('w').data()\n")
    assert "return self.w.data()" in fix(source).code


def test_lookup_held_by_two_attributes_is_reported():
    source = ("from mxnet import gluon\n" + HEAD +
              "        self.a = self.params.get('w', shape=(2,))\n"
              "        self.b = self.params.get('w', shape=(2,))\n"
              "    def forward(self, x):\n        return self.params.get('w').data()\n")
    result = fix(source)
    assert "self.params.get('w').data()" in result.code
    assert any("no single attribute" in f.message for f in result.findings)


def test_hanging_indent_is_not_moved():
    source = ("from mxnet import gluon\n" + HEAD + "        self.w = self.params.get(\n"
              "            'w', shape=(2,),\n            init='zeros')\n")
    assert "self.w = gluon.Parameter(\n            'w', shape=(2,),\n            init='zeros')\n" in fix(source).code


def test_gluon_looking_get_in_an_unknown_class_is_reported_not_fixed():
    source = ("from mxnet import gluon\nfrom .base import Base\nclass Net(Base):\n    def __init__(self):\n"
              "        self.w = self.params.get('w', shape=(2,), init='zeros')\n")
    result = fix(source)
    assert result.code == source
    assert [f.code for f in result.findings] == ["GLN005"]


@pytest.mark.parametrize("source", [
    # another object's ParameterDict is a ParameterDict use (GLN008), not a creation
    "from mxnet import gluon\nnet = gluon.nn.Dense(2)\nw = net.params.get('dense0_weight')\n",
    # not a Block: a plain dict
    "from mxnet import gluon\nclass C:\n    def f(self):\n        return self.params.get('k', 1)\n",
])
def test_left_alone(source):
    assert [f for f in check_code(source) if f.code == "GLN005"] == []


# -- issue 18, idiom 1: a created parameter that reaches a Block attribute through locals, tuples,
#    returns and constructor arguments is rewritten safely; elsewhere the rewrite is unsafe -----------
_UNREGISTERED = "must be assigned to a Block attribute"

EMBED = ("from mxnet import gluon\n"
         "class Embed(gluon.HybridBlock):\n"
         "    def __init__(self, vocab, embed_weight=None):\n"
         "        super().__init__()\n"
         "        self.vocab = int(vocab)\n"
         "        self.embed_weight = embed_weight\n")


def test_tuple_unpacking_into_attributes_is_a_safe_fix_not_never_stored():
    source = ("from mxnet import gluon\n" + HEAD +
              "        self.w, self.b = self.params.get('w', shape=(2,)), self.params.get('b', shape=(2,))\n")
    result = fix(source)
    assert result.code == ("from mxnet import gluon\n" + HEAD + "        self.w, self.b = "
                           "gluon.Parameter('w', shape=(2,)), gluon.Parameter('b', shape=(2,))\n")
    assert not any("never stored" in f.message for f in result.findings)


def test_returned_tuple_unpacked_into_attributes_is_safe():
    source = ("from mxnet import gluon\n" + HEAD +
              "        self.src, self.tgt = self._weights(True)\n"
              "    def _weights(self, share):\n"
              "        src = self.params.get('src_weight', shape=(4, 2), init='zeros', grad_stype='row_sparse')\n"
              "        tgt = src if share else self.params.get('tgt_weight', shape=(4, 2))\n"
              "        return src, tgt\n")
    expected = source.replace("self.params.get", "gluon.Parameter")
    assert fix(source).code == expected
    assert fix(expected).code == expected


def test_positional_and_keyword_constructor_arguments_of_a_storing_child_are_safe():
    source = (EMBED + "class Net(gluon.Block):\n    def __init__(self):\n        super().__init__()\n"
              "        w = self.params.get('shared_weight', shape=(4, 2))\n"
              "        self.enc = Embed(4, w)\n"
              "        self.dec = Embed(4, embed_weight=w)\n")
    assert fix(source).code == source.replace("self.params.get", "gluon.Parameter")


@pytest.mark.parametrize("body", [
    # the child keeps `int(vocab)`, not the argument the parameter is given to
    "        self.enc = Embed(self.params.get('shared_weight', shape=(4, 2)))\n",
    # returned to a caller that is not `self.<method>()` of the class: not followed
    "    def weights(self):\n        return self.params.get('shared_weight', shape=(4, 2))\n",
    # a list of parameters registers nothing in the new API
    "        self.taps = [self.params.get('shared_weight', shape=(4, 2))]\n",
    # a child that stores it, but is itself kept by nobody
    "        Embed(4, embed_weight=self.params.get('shared_weight', shape=(4, 2)))\n",
    # a method called twice: 1.x `get` returned the same Parameter the second time, `Parameter` makes two
    "        self.a = self._w()\n        self.b = self._w()\n"
    "    def _w(self):\n        return self.params.get('shared_weight', shape=(4, 2))\n",
    # rebound before it is stored: the first parameter is not the one kept
    "        w = self.params.get('shared_weight', shape=(4, 2))\n        w = w if w else None\n        self.w = w\n",
    # a helper we cannot see into
    "        self.out = build(self.params.get('shared_weight', shape=(4, 2)))\n",
])
def test_a_value_not_shown_to_reach_an_attribute_is_an_unsafe_fix(body):
    source = EMBED + "class Net(gluon.Block):\n    def __init__(self):\n        super().__init__()\n" + body
    safe = fix(source)
    assert safe.code == source
    [finding] = [f for f in safe.findings if f.code == "GLN005"]
    assert _UNREGISTERED in finding.message and not finding.fix_safe
    unsafe = fix(source, unsafe_fixes=True)
    assert unsafe.code == source.replace("self.params.get", "gluon.Parameter")


def _project(root, layers: str, model: str):
    (root / "pkg").mkdir()
    (root / "pyproject.toml").write_text("")
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "layers.py").write_text(layers)
    (root / "pkg" / "model.py").write_text(model)


MODEL = ("from mxnet import gluon\nfrom .layers import Embed\n\n\n"
         "class Model(gluon.HybridBlock):\n"
         "    def __init__(self):\n"
         "        super().__init__()\n"
         "        shared = self.params.get('shared_weight', shape=(4, 2), allow_deferred_init=True)\n"
         "        self.embed = Embed(4, embed_weight=shared)\n")


@pytest.mark.parametrize("stores,unsafe,rewritten", [
    (True, False, True),  # the child of another module stores it: safe
    (False, False, False),  # it does not: reported, left alone without unsafe fixes
    (False, True, True),  # ... and rewritten with them
])
def test_child_constructor_of_another_module_through_the_project(tmp_path, monkeypatch, stores, unsafe, rewritten):
    from gluon_codemod.frontends.cli import main

    layers = EMBED if stores else EMBED.replace("self.embed_weight = embed_weight", "self.embed_weight = None")
    _project(tmp_path, layers, MODEL)
    monkeypatch.chdir(tmp_path)
    main(["fix", "--quiet", "--select", "GLN005", "--no-config"] + (["--unsafe-fixes"] if unsafe else []) + ["."])
    result = (tmp_path / "pkg" / "model.py").read_text()
    expected = MODEL.replace("self.params.get", "gluon.Parameter") if rewritten else MODEL
    assert result == expected
    assert (tmp_path / "pkg" / "layers.py").read_text() == layers


# -- a store counts only where it happens whenever the parameter is made -------------------------------
_EVERY_PATH = "on every path"


@pytest.mark.parametrize("body,why", [
    ("        w = self.params.get('w', shape=(2,))\n        if flag:\n            self.w = w\n",
     "runs only inside the `if` at line 6"),
    ("        w = self.params.get('w', shape=(2,))\n        for _ in range(flag):\n            self.w = w\n",
     "runs only inside the `for` loop at line 6"),
    ("        w = self.params.get('w', shape=(2,))\n        while flag:\n            self.w = w\n            break\n",
     "runs only inside the `while` loop at line 6"),
    ("        w = self.params.get('w', shape=(2,))\n        try:\n            self.w = w\n"
     "        except ValueError:\n            pass\n", "runs only inside the `try` body at line 6"),
    ("        w = self.params.get('w', shape=(2,))\n        try:\n            pass\n"
     "        except ValueError:\n            self.w = w\n", "runs only inside the `except` handler"),
    ("        w = self.params.get('w', shape=(2,))\n        if flag:\n            return\n        self.w = w\n",
     "may be skipped by the `return` at line 7"),
    ("        w = self.params.get('w', shape=(2,))\n        self.w = w if flag else None\n",
     "is chosen by a conditional expression"),
    ("        w = self.params.get('w', shape=(2,))\n        flag and setattr(self, 'w', w)\n",
     "short-circuiting"),
    ("        w = self.params.get('w', shape=(2,))\n        [setattr(self, 'w', w) for _ in range(flag)]\n",
     "inside a comprehension"),
    ("        w = self.params.get('w', shape=(2,))\n        def later():\n            self.w = w\n"
     "        self.later = later\n", "in a nested function"),
    ("        w = self.params.get('w', shape=(2,))\n        self.w = w\n        del self.w\n",
     "`self.w` is deleted at line 7"),
    ("        self.w = self.params.get('w', shape=(2,))\n        self.w = None\n",
     "`self.w` is assigned again at line 6"),
    ("        w = self.params.get('w', shape=(2,))\n        self.w = w\n"
     "    def drop(self):\n        delattr(self, 'w')\n",
     "`self.w` is deleted at line 8 of `Net.drop`"),
    ("        for n in range(flag):\n            w = self.params.get('w%d' % n, shape=(2,))\n        self.w = w\n",
     "made in the loop at line 5 and used after it"),
    ("        self.a = self._make(flag)\n    def _make(self, flag):\n        w = self.params.get('w', shape=(2,))\n"
     "        if flag:\n            return None\n        return w\n", "may be skipped by the `return` at line 9"),
])
def test_a_store_that_may_not_happen_makes_the_fix_unsafe_and_says_why(body, why):
    source = ("from mxnet import gluon\nclass Net(gluon.Block):\n    def __init__(self, flag):\n"
              "        super().__init__()\n" + body)
    safe = fix(source)
    assert safe.code == source
    [finding] = [f for f in safe.findings if f.code == "GLN005"]
    assert not finding.fix_safe
    assert _EVERY_PATH in finding.message and why in finding.message, finding.message
    assert _UNREGISTERED in finding.message
    assert "self.params.get" not in fix(source, unsafe_fixes=True).code


@pytest.mark.parametrize("body", [
    # made and stored under the same condition: when it is made, it is stored
    "        if flag:\n            w = self.params.get('w', shape=(2,))\n            self.w = w\n",
    # a `with` block always runs its body
    "        w = self.params.get('w', shape=(2,))\n        with self.name_scope():\n            self.w = w\n",
    # a `finally` always runs
    "        w = self.params.get('w', shape=(2,))\n        try:\n            pass\n        finally:\n"
    "            self.w = w\n",
    # a `raise` out of `__init__`: no Block is built, nothing to register
    "        w = self.params.get('w', shape=(2,))\n        if not flag:\n            raise ValueError(flag)\n"
    "        self.w = w\n",
    # a loop between the two whose `break` ends that loop only
    "        w = self.params.get('w', shape=(2,))\n        for _ in range(3):\n            break\n        self.w = w\n",
    # an earlier `self.w = None` is replaced by the parameter, not the other way round
    "        self.w = None\n        w = self.params.get('w', shape=(2,))\n        self.w = w\n",
    # one creation per pass, stored in the same pass
    "        for n in ('a', 'b'):\n            p = self.params.get(n, shape=(2,))\n            setattr(self, n, p)\n",
])
def test_a_store_on_every_path_stays_safe(body):
    source = ("from mxnet import gluon\nclass Net(gluon.Block):\n    def __init__(self, flag):\n"
              "        super().__init__()\n" + body)
    result = fix(source)
    assert result.code == source.replace("self.params.get", "gluon.Parameter")
    assert all(f.fix_safe for f in result.findings if f.code == "GLN005")


def test_a_child_that_stores_its_argument_conditionally_makes_the_fix_unsafe():
    source = (EMBED.replace("        self.embed_weight = embed_weight\n",
                            "        if embed_weight is not None:\n            self.embed_weight = embed_weight\n")
              + "class Net(gluon.Block):\n    def __init__(self):\n        super().__init__()\n"
              "        self.enc = Embed(4, self.params.get('w', shape=(4, 2)))\n")
    result = fix(source)
    assert result.code == source
    [finding] = [f for f in result.findings if f.code == "GLN005"]
    assert "runs only inside the `if` at line 6" in finding.message and "`Embed.__init__`" in finding.message


def test_a_store_on_another_object_is_not_a_store():
    source = ("from mxnet import gluon\nclass Net(gluon.Block):\n    def __init__(self, other):\n"
              "        super().__init__()\n        w = self.params.get('w', shape=(2,))\n        other.w = w\n")
    result = fix(source)
    assert result.code == source
    [finding] = [f for f in result.findings if f.code == "GLN005"]
    assert not finding.fix_safe and _UNREGISTERED in finding.message


# -- the constructor a child runs: inherited, or handed on to a base of the file or of the project -------
BASE = ("from mxnet import gluon\n"
        "class BaseEmbed(gluon.HybridBlock):\n"
        "    def __init__(self, vocab, embed_weight=None, **kwargs):\n"
        "        super().__init__(**kwargs)\n"
        "        self.vocab = vocab\n"
        "        self.embed_weight = embed_weight\n")
USER = ("class Net(gluon.Block):\n    def __init__(self):\n        super().__init__()\n"
        "        w = self.params.get('shared_weight', shape=(4, 2))\n"
        "        self.enc = Embed(4, embed_weight=w)\n"
        "        self.dec = Embed(4, w)\n")


@pytest.mark.parametrize("embed", [
    "class Embed(BaseEmbed):\n    pass\n",  # no `__init__` of its own: the base's runs
    "class Mid(BaseEmbed):\n    def hybrid_forward(self, F, x):\n        return x\nclass Embed(Mid):\n    pass\n",
    "class Embed(BaseEmbed):\n    def __init__(self, vocab, embed_weight=None):\n"
    "        super(Embed, self).__init__(vocab, embed_weight=embed_weight)\n",
    "class Embed(BaseEmbed):\n    def __init__(self, vocab, embed_weight=None):\n"
    "        BaseEmbed.__init__(self, vocab, embed_weight)\n",
])
def test_a_child_running_a_base_constructor_of_the_file_that_stores_it_is_safe(embed):
    source = BASE + embed + USER
    result = fix(source)
    assert result.code == source.replace("self.params.get", "gluon.Parameter")


@pytest.mark.parametrize("embed", [
    # the base keeps something else
    "class Embed(BaseEmbed):\n    def __init__(self, vocab, embed_weight=None):\n"
    "        super().__init__(vocab, None)\n",
    # the argument is read from `**kwargs` before it is handed on
    "class Embed(BaseEmbed):\n    def __init__(self, vocab, **kwargs):\n"
    "        kwargs.pop('embed_weight', None)\n        super().__init__(vocab, **kwargs)\n",
    # two bases: which `__init__` runs depends on the MRO
    "class Mixin:\n    pass\nclass Embed(BaseEmbed, Mixin):\n    pass\n",
])
def test_a_base_constructor_that_does_not_store_it_is_not_followed(embed):
    source = BASE + embed + USER
    result = fix(source)
    assert "self.params.get" in result.code
    assert all(not f.fix_safe for f in result.findings if f.code == "GLN005")


LAYERS_BASE = BASE.replace("from mxnet import gluon\n", "from mxnet import gluon\n\n\n")


@pytest.mark.parametrize("embeds", [
    # a child of this module with no `__init__`, whose base is in another module
    "from .layers import BaseEmbed\n\n\nclass Embed(BaseEmbed):\n    pass\n",
    # a child that hands its keyword on through `**kwargs` to a base of another module
    "from . import layers\n\n\nclass Embed(layers.BaseEmbed):\n    def __init__(self, vocab, **kwargs):\n"
    "        super().__init__(vocab, **kwargs)\n",
])
@pytest.mark.parametrize("stores", [True, False])
def test_constructor_chain_through_a_project_base_of_another_module(tmp_path, monkeypatch, embeds, stores):
    from gluon_codemod.frontends.cli import main

    layers = LAYERS_BASE if stores else LAYERS_BASE.replace(
        "self.embed_weight = embed_weight", "self.embed_weight = None")
    model = ("from mxnet import gluon\n" + embeds + "\n\n" + USER.replace("Embed(4, w)", "Embed(4, embed_weight=w)"))
    _project(tmp_path, layers, model)
    monkeypatch.chdir(tmp_path)
    main(["fix", "--quiet", "--select", "GLN005", "--no-config", "."])
    result = (tmp_path / "pkg" / "model.py").read_text()
    assert result == (model.replace("self.params.get", "gluon.Parameter") if stores else model)
    assert (tmp_path / "pkg" / "layers.py").read_text() == layers


@pytest.mark.parametrize("body,why", [
    # a property's setter decides where the value goes
    ("        w = self.params.get('w', shape=(2,))\n        self.w = w\n"
     "    @property\n    def w(self):\n        return self._w\n    @w.setter\n    def w(self, value):\n"
     "        self._w = value\n", "intercepts the assignment"),
    ("        self.w = self.params.get('w', shape=(2,))\n"
     "    def __setattr__(self, name, value):\n        object.__setattr__(self, name, value)\n",
     "intercepts the assignment"),
])
def test_an_assignment_the_class_intercepts_is_not_a_store(body, why):
    source = ("from mxnet import gluon\nclass Net(gluon.Block):\n    def __init__(self, flag):\n"
              "        super().__init__()\n" + body)
    result = fix(source)
    [finding] = [f for f in result.findings if f.code == "GLN005"]
    assert not finding.fix_safe and why in finding.message
    assert result.code == source


@pytest.mark.parametrize("extra", [
    # a subclass calls the method again: a second Parameter where 1.x `get` returned the first
    "class Sub(Net):\n    def again(self):\n        return self._w()\n",
    # so does code outside the class
    "def again(net):\n    return net._w()\n",
])
def test_a_method_called_again_elsewhere_in_the_module_is_not_a_single_store(extra):
    source = ("from mxnet import gluon\nclass Net(gluon.Block):\n    def __init__(self):\n        super().__init__()\n"
              "        self.w = self._w()\n    def _w(self):\n"
              "        return self.params.get('w', shape=(2,))\n" + extra)
    result = fix(source)
    assert result.code == source
    assert all(not f.fix_safe for f in result.findings if f.code == "GLN005")


def test_a_name_declared_global_is_not_followed():
    source = ("from mxnet import gluon\nclass Net(gluon.Block):\n    def __init__(self):\n        super().__init__()\n"
              "        global w\n        w = self.params.get('w', shape=(2,))\n        self.w = w\n")
    assert fix(source).code == source


@pytest.mark.parametrize("stores", [True, False])
def test_constructor_chain_across_three_modules(tmp_path, monkeypatch, stores):
    from gluon_codemod.frontends.cli import main

    layers = LAYERS_BASE if stores else LAYERS_BASE.replace(
        "self.embed_weight = embed_weight", "self.embed_weight = None")
    embed = ("from .layers import BaseEmbed\n\n\nclass Embed(BaseEmbed):\n"
             "    def __init__(self, vocab, **kwargs):\n        super().__init__(vocab, **kwargs)\n")
    model = ("from mxnet import gluon\nfrom .embed import Embed\n\n\n"
             + USER.replace("Embed(4, w)", "Embed(4, embed_weight=w)"))
    _project(tmp_path, layers, model)
    (tmp_path / "pkg" / "embed.py").write_text(embed)
    monkeypatch.chdir(tmp_path)
    main(["fix", "--quiet", "--select", "GLN005", "--no-config", "."])
    result = (tmp_path / "pkg" / "model.py").read_text()
    assert result == (model.replace("self.params.get", "gluon.Parameter") if stores else model)


def test_the_reason_given_is_that_of_the_store_not_of_another_use():
    # the `if` around `log(w)` is not why the parameter is unregistered: the list is
    source = ("from mxnet import gluon\nclass Net(gluon.Block):\n    def __init__(self, flag):\n"
              "        super().__init__()\n        w = self.params.get('w', shape=(2,))\n"
              "        if flag:\n            print(w)\n        self.taps = [w]\n")
    [finding] = [f for f in fix(source).findings if f.code == "GLN005"]
    assert "on every path" not in finding.message and _UNREGISTERED in finding.message
