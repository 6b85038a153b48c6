"""GLN009 old-names: each construct that depends on 1.x prefixed names, and the look-alikes left alone."""
import pytest

from gluon_codemod import check_code, fix_code

NET = "from mxnet import gluon\nnet = gluon.nn.HybridSequential()\n"


def gln009(source, **kw):
    return [f for f in check_code(source, **kw) if f.code == "GLN009"]


@pytest.mark.parametrize("line,words", [
    ("w = net.collect_params()['dense0_weight']",
     "use `'weight'` for the Block's own parameter, or `'<path>.weight'` through a parent"),
    ("w = net.collect_params().get('resnetv10_conv0_weight')", "`'resnetv10_conv0_weight'` is a 1.x prefixed name"),
    ("ok = 'batchnorm0_gamma' in net.collect_params()", "`'gamma'`"),
    ("w = net.params['dense0_weight']", "use `'weight'`"),
])
def test_prefixed_keys_get_their_structural_form(line, words):
    (finding,) = gln009(NET + line + "\n")
    assert words in finding.message


def test_prefixed_key_through_a_collect_params_variable():
    source = NET + "params = net.collect_params()\nw = params['hybridsequential0_dense1_bias']\n"
    (finding,) = gln009(source)
    assert "`'bias'`" in finding.message and finding.line == 4


@pytest.mark.parametrize("expr", [
    "net.prefix", "net._prefix", "net.prefix + 'dense0_weight'",
])
def test_prefix_reads_on_a_block(expr):
    (finding,) = gln009(NET + f"x = {expr}\n")
    assert "no prefixes" in finding.message


def test_prefix_strip_says_keys_are_already_relative():
    (finding,) = gln009(NET + "keys = [k[len(net.prefix):] for k in net.collect_params()]\n")
    assert "`k[len(net.prefix):]`" in finding.message and "already relative" in finding.message


def test_prefix_strip_of_a_parameter_key_in_a_helper():
    source = ("from mxnet import gluon\ndef relative(block):\n"
              "    return [k[len(block.prefix):] for k in block.collect_params()]\n"
              "def stem(args, name):\n    return name[len(args.prefix):]\n")
    assert [f.line for f in gln009(source)] == [3]


@pytest.mark.parametrize("expr", [
    "net.name + '_weight'", "f'{net.name}_weight'", "'%s_weight' % net.name", "'%s_%s' % (net.name, 'w')",
    "'{}_weight'.format(net.name)",
])
def test_block_name_building_a_parameter_name(expr):
    (finding,) = gln009(NET + f"key = {expr}\n")
    assert "`net.name`" in finding.message


@pytest.mark.parametrize("expr", [
    "net.name", "'model ' + net.name", "f'{net.name}: done'", "len(net.name)",
])
def test_block_name_used_otherwise_is_left_alone(expr):
    assert gln009(NET + f"x = {expr}\n") == []


@pytest.mark.parametrize("code,words", [
    ("[k for k in net.collect_params() if re.match('dense0_', k)]", "match the child's path"),
    ("[k for k, v in net.collect_params().items() if re.search(r'conv\\d+_weight', k)]", "`'.*weight'`"),
    ("[k for k in net.collect_params().keys() if re.compile('dense1_').match(k)]", "`'dense1_'`"),
    ("[k for k in net.collect_params() if k.startswith('dense0_')]", "k.startswith('0.')"),
])
def test_regexes_over_parameter_keys(code, words):
    (finding,) = gln009("import re\n" + NET + f"x = {code}\n")
    assert words in finding.message


@pytest.mark.parametrize("code", [
    # not parameter keys: file names
    "[f for f in files if re.match('dense0_', f)]",
    # a pattern that is no layer prefix
    "[k for k in net.collect_params() if re.match('img1_', k)]",
    # a structural pattern
    "[k for k in net.collect_params() if re.match(r'0\\.', k)]",
])
def test_regexes_left_alone(code):
    assert gln009("import re\n" + NET + f"x = {code}\n") == []


@pytest.mark.parametrize("code,words", [
    ("[v for k, v in net.collect_params().items() if 'batchnorm' in k]", "`k.endswith(('.gamma', '.beta',"),
    ("[k for k in net.collect_params() if 'conv0_' not in k]", "`k.endswith(('.weight', '.bias'))`"),
    ("[k for k in net.collect_params().keys() if 'prelu' in k]", "`k.endswith(('.alpha',))`"),
    ("[k for k in net.collect_params() if 'pool' in k]", "the type of the child"),
])
def test_layer_names_looked_for_in_parameter_keys(code, words):
    (finding,) = gln009(NET + f"x = {code}\n")
    assert "looks for a 1.x layer name" in finding.message and words in finding.message


@pytest.mark.parametrize("source", [
    # not parameter keys: a checkpoint from another framework
    NET + "x = [n for n in torch_state if 'batchnorm' in n]\n",
    # no layer name: a parameter's own key, a structural path
    NET + "x = [k for k in net.collect_params() if 'gamma' in k or 'features.' in k]\n",
    # the file names its children after the layer: `'dense.weight'` contains it under the new API too
    "from mxnet import gluon\nclass Net(gluon.Block):\n    def __init__(self):\n        super().__init__()\n"
    "        self.dense = gluon.nn.Dense(2)\n"
    "    def frozen(self):\n        return [k for k in self.collect_params() if 'dense' in k]\n",
])
def test_substring_tests_left_alone(source):
    assert gln009(source) == []


def test_collect_params_selection_outside_gln006():
    source = NET + "trainer = gluon.Trainer(net.collect_params('dense0_.*'), 'sgd')\n"
    (finding,) = gln009(source)
    assert "structural keys" in finding.message


def test_selection_with_a_moved_method_is_left_to_gln006():
    source = NET + "net.collect_params('dense0_.*').setattr('grad_req', 'null')\n"
    assert gln009(source) == []
    assert [f.code for f in check_code(source)] == ["GLN006"]


@pytest.mark.parametrize("source,words", [
    ("from mxnet import gluon\nclass Net(gluon.Block):\n    def f(self):\n        return self._reg_params\n",
     "`self.params`"),
    ("from mxnet import gluon\ndef f(block):\n    return block._reg_params.items()\n", "private Block state"),
    ("from mxnet import gluon\nclass Net(gluon.Block):\n    def f(self):\n        return self._params\n",
     "`self.collect_params()`"),
    ("from mxnet import gluon\ndef f(block):\n    return block._collect_params_with_prefix('x')\n",
     "prefix + '.' + k"),
    ("from mxnet import gluon\nlstm = gluon.rnn.LSTM(10)\ncells = lstm._unfuse()\n", "rnn.SequentialRNNCell"),
])
def test_internals(source, words):
    (finding,) = gln009(source)
    assert words in finding.message


@pytest.mark.parametrize("source", [
    # a Block subclass that keeps its own `_params` / `_prefix` attributes
    "from mxnet import gluon\nclass Net(gluon.Block):\n    def __init__(self, params):\n        super().__init__()\n"
    "        self._params = params\n        self._prefix = 'x'\n    def f(self):\n"
    "        return self._params, self._prefix\n",
    # `_params` of an unresolved object: too common a name
    "from mxnet import gluon\ndef f(opt):\n    return opt._params\n",
    # a key that is an attribute of the file's own Block: already structural
    "from mxnet import gluon\nclass Net(gluon.Block):\n    def __init__(self):\n        super().__init__()\n"
    "        self.fc1_weight = gluon.Parameter('fc1_weight')\nnet = Net()\nw = net.collect_params()['fc1_weight']\n",
    # a foreign object's prefix and a non-MXNet file
    "import tempfile\nfrom mxnet import gluon\nt = tempfile.NamedTemporaryFile(prefix='a_')\nprint(t.prefix)\n",
])
def test_left_alone(source):
    assert gln009(source) == []


def test_report_only():
    source = NET + "w = net.collect_params()['dense0_weight']\nx = net.prefix\n"
    result = fix_code(source, unsafe_fixes=True, select=["GLN009"])
    assert result.code == source and not any(f.fix_available for f in result.findings)


def test_selection_regex_is_shown_as_written_and_split_only_at_top_level_bars():
    source = NET + "x = net.collect_params(r'conv\\d+_weight|dense0_(bias|weight)')\n"
    (finding,) = gln009(source)
    assert "`collect_params(r'conv\\d+_weight|dense0_(bias|weight)')`" in finding.message
    assert "`'conv\\d+_weight'` matched" in finding.message and "`'dense0_(bias|weight)'` matched" in finding.message


def test_selection_given_as_params_is_left_to_gln004():
    source = NET + "tied = gluon.nn.Dense(2, params=net.collect_params('.*dense0_weight'))\n"
    assert gln009(source) == []
    assert [f.code for f in check_code(source)] == ["GLN004"]


TEXTBOOK = ("from mxnet import init\nfrom mxnet.gluon import nn\n"
            "net = nn.Sequential()\n"
            "net.add(nn.Dense(8, activation='relu'), nn.Dense(1))\n"
            "net.initialize(init.Normal(sigma=0.01))\n")


def test_a_counted_name_of_a_script_is_the_exact_structural_key_and_an_unsafe_fix():
    # issue 18.7: `'0.bias'` as an example read the first layer's bias when the name meant the second's
    source = TEXTBOOK + ("b = net.collect_params()['dense1_bias'].data()\n"
                         "params = net.collect_params()\n"
                         "w = params.get(\"dense0_weight\")\n")
    bias, weight = gln009(source)
    assert "use `'1.bias'` (`net[1].bias`" in bias.message and not bias.fix_safe
    assert "use `'0.weight'` (`net[0].weight`" in weight.message
    assert "'0.bias'" not in bias.message
    assert fix_code(source).code == source  # unsafe: the safe run leaves it
    fixed = fix_code(source, unsafe_fixes=True, select=["GLN009"]).code
    assert "b = net.collect_params()['1.bias'].data()\n" in fixed and 'w = params.get("0.weight")\n' in fixed
    assert gln009(fixed) == [] and fix_code(fixed, unsafe_fixes=True).code == fixed


@pytest.mark.parametrize("elsewhere, why", [
    ("def head():\n    return nn.Dense(4)\n", "a function may build a Dense before the net: the counter is unknown"),
    ("extra = [nn.Dense(2) for _ in range(2)]\n", "built in a loop"),
    ("if True:\n    other = nn.Dense(3)\n", "built in a branch"),
])
def test_a_counted_name_is_not_traced_where_the_order_is_not_the_programs(elsewhere, why):
    source = elsewhere + TEXTBOOK + "b = net.collect_params()['dense1_bias']\n"
    (finding,) = gln009(source)
    assert not finding.fix_available, why
    assert "'1.bias'" not in finding.message and "'0.bias'" not in finding.message, why
    assert "`'<path>.bias'` through a parent" in finding.message


def test_a_counted_name_inside_a_test_function_suggests_no_key_that_may_be_another():
    source = ("from mxnet.gluon import nn\n"
              "def test_bias():\n"
              "    net = nn.Sequential()\n"
              "    net.add(nn.Dense(8), nn.Dense(1))\n"
              "    return net.collect_params()['dense1_bias']\n")
    (finding,) = gln009(source)
    assert not finding.fix_available and "'0.bias'" not in finding.message and "'1.bias'" not in finding.message


def test_a_name_traced_through_a_name_scope_is_fixed_unsafely_too():
    source = ("from mxnet.gluon import nn\n"
              "net = nn.HybridSequential(prefix='model_')\n"
              "with net.name_scope():\n"
              "    net.add(nn.Dense(8), nn.Dense(1))\n"
              "w = net.collect_params()['model_dense1_weight']\n")
    (finding,) = gln009(source)
    assert "use `'1.weight'` (`net[1].weight`)" in finding.message and not finding.fix_safe
    assert "w = net.collect_params()['1.weight']\n" in fix_code(source, unsafe_fixes=True, select=["GLN009"]).code


CHAIN = ("from mxnet import gluon\n"
         "class Chain(gluon.HybridBlock):\n"
         "    def __init__(self, **kwargs):\n"
         "        super().__init__(**kwargs)\n"
         "    def add(self, *blocks):\n"
         "        for block in blocks:\n"
         "            {write}\n"
         "    def hybrid_forward(self, F, x):\n"
         "        for block in self._children.values():\n"
         "            x = block(x)\n"
         "        return x\n")


@pytest.mark.parametrize("write, remedy", [
    ("self._children[block.name] = block", "`self.register_child(block, block.name)`"),
    ("self._children[str(len(self._children))] = block", "`self.register_child(block, str(len(self._children)))`"),
    ("self._children.update({block.name: block})", "`self.register_child(block, key)`"),
])
def test_writing_a_blocks_children_directly_is_reported_with_register_child(write, remedy):
    # issue 18.8: a custom `Sequential.add` that fills `_children` itself runs on our runtime only
    # because it keeps `Block.name` and holds children strongly; the new Block registers them itself
    source = CHAIN.replace("{write}", write)
    (finding,) = [f for f in gln009(source) if f.line == 7]
    assert remedy in finding.message and "keep a reference to it" in finding.message
    assert not finding.fix_available
    assert [f.line for f in gln009(source)] == [7]  # reading `_children` is not a write


def test_children_of_a_class_that_sets_its_own_are_left_alone():
    source = ("from mxnet import gluon\n"
              "class Net(gluon.Block):\n"
              "    def __init__(self):\n"
              "        super().__init__()\n"
              "        self._children = {}\n"
              "    def add(self, k, block):\n"
              "        self._children[k] = block\n"
              "class Tree:\n"
              "    def add(self, k, node):\n"
              "        self._children[k] = node\n")
    assert gln009(source) == []


HANDED_ON = ("from mxnet import gluon\n"
             "class Child(gluon.HybridBlock):\n"
             "    def __init__(self, cfg, prefix=None):\n"
             "        super(Child, self).__init__(prefix=prefix)\n"
             "        self.out = gluon.nn.Dense(cfg)\n"
             "def get_encoder(cfg, prefix=None):\n"
             "    return Child(cfg, prefix=prefix)\n"
             "class Parent(gluon.HybridBlock):\n"
             "    def __init__(self, cfg, **kwargs):\n"
             "        super(Parent, self).__init__(**kwargs)\n"
             "        self.src = Child(cfg, prefix=self.prefix + 'source_embed_')\n"
             "        self.tgt = Child(cfg, self.prefix + 'target_embed_')\n"
             "        self.enc = get_encoder(cfg, prefix=self.prefix)\n"
             "        self.out = gluon.nn.Dense(cfg, prefix='%sout_' % self.prefix)\n"
             "        self.tag = self.prefix\n")


def test_a_prefix_built_only_to_be_handed_on_goes_with_its_argument():
    # issue 18.3: the arguments of lines 11-14 are removed by GLN002/GLN003; their `self.prefix` is no
    # finding of its own, and the one that stays says what to use instead
    findings = check_code(HANDED_ON)
    removed = {f.line for f in findings if f.code in ("GLN002", "GLN003") and f.fix_available}
    assert {11, 12, 13, 14} <= removed
    (left,) = gln009(HANDED_ON)
    assert left.line == 15 and "use `self.name` for a label" in left.message
    result = fix_code(HANDED_ON)
    assert "self.prefix" not in result.code.replace("self.tag = self.prefix", "")
    lines = result.code.splitlines()
    for finding in result.findings:
        if not finding.fixed:  # every finding left points at code that is still there
            assert "self.prefix" in lines[finding.line - 1][finding.col:], finding


def test_a_prefix_argument_a_safe_run_keeps_keeps_its_finding():
    # the value calls something: GLN002 removes it only with --unsafe-fixes, so a safe run leaves the read
    source = HANDED_ON.replace("prefix=self.prefix + 'source_embed_'", "prefix=self.prefix + str(1)")
    assert 11 in [f.line for f in gln009(source)]
    assert "handed on as a `prefix=`" in next(f for f in gln009(source) if f.line == 11).message
    fixed = fix_code(source, unsafe_fixes=True)
    assert "str(1)" not in fixed.code and [f.line for f in fixed.findings if f.code == "GLN009" and not f.fixed] \
        == [15]


def test_a_prefix_handed_to_a_callee_that_keeps_it_is_reported_as_handed_on():
    source = ("from mxnet import gluon\n"
              "from somewhere import build\n"
              "class Parent(gluon.HybridBlock):\n"
              "    def __init__(self, **kwargs):\n"
              "        super(Parent, self).__init__(**kwargs)\n"
              "        self.enc = build(prefix=self.prefix + 'enc_')\n")
    (finding,) = gln009(source)
    assert "`self.prefix` is handed on as a `prefix=`" in finding.message and "drop the argument" in finding.message


def test_only_the_rule_that_drops_the_argument_takes_the_finding_with_it():
    # GLN002 not selected (or `# noqa`-ed): nothing removes the argument, so its `self.prefix` stays reported
    assert 11 in [f.line for f in check_code(HANDED_ON, select=["GLN009"])]
    noqa = HANDED_ON.replace("'source_embed_')\n", "'source_embed_')  # noqa: GLN002\n")
    assert 11 in [f.line for f in gln009(noqa)]


def test_handed_on_prefixes_across_modules_in_every_front_end(tmp_path, monkeypatch, capsys):
    import subprocess
    import sys

    from gluon_codemod.frontends.cli import main

    (tmp_path / "pkg").mkdir()
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "a.py").write_text(HANDED_ON.split("class Parent")[0])
    parent = "from mxnet import gluon\nfrom pkg.a import Child, get_encoder\nclass Parent" + \
        HANDED_ON.split("class Parent")[1]
    (tmp_path / "pkg" / "b.py").write_text(parent)
    tag_line = parent.splitlines().index("        self.tag = self.prefix") + 1
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    main(["check", "--quiet", "."])
    out = capsys.readouterr().out
    assert [line.split(": ")[0] for line in out.splitlines() if " GLN009 " in line] == [f"pkg/b.py:{tag_line}:20"]
    flake8 = subprocess.run([sys.executable, "-m", "flake8", "--select", "GLN009", "pkg/b.py"], capture_output=True,
                            text=True, cwd=tmp_path)
    assert [line.split(": ")[0] for line in flake8.stdout.splitlines()] == [f"pkg/b.py:{tag_line}:20"], flake8.stderr
    main(["fix", "."])
    out = capsys.readouterr().out
    fixed = (tmp_path / "pkg" / "b.py").read_text()
    assert fixed.count("self.prefix") == 1 and "Child(cfg)\n" in fixed and "get_encoder(cfg)\n" in fixed
    new_line = fixed.splitlines().index("        self.tag = self.prefix") + 1
    assert [line.split(": ")[0] for line in out.splitlines() if " GLN009 " in line] == [f"pkg/b.py:{new_line}:20"]


LHUC = ("from mxnet import gluon\n"
        "class LHUC(gluon.HybridBlock):\n"
        "    def __init__(self, units, prefix='lhuc_'):\n"
        "        super().__init__(prefix=prefix)\n"
        "        self.weight = self.params.get('weight', shape=(units,))\n"
        "net = LHUC(4)\n")


@pytest.mark.parametrize("line,words", [
    ("w = net.collect_params()['lhuc_weight']",
     "use `'weight'` for the Block's own parameter, or `'<path>.weight'` through a parent"),
    ("w = net.params['lhuc_weight']", "use `'weight'`"),
    ("ok = 'lhuc_weight' in net.collect_params()", "use `'weight'` for the Block's own parameter"),
])
def test_a_literal_prefix_without_a_counter_is_stripped_not_suggested_back(line, words):
    (finding,) = gln009(LHUC + line + "\n")
    assert words in finding.message
    # the reported name is the one that no longer exists: it is never the suggestion
    assert "use `'lhuc_weight'`" not in finding.message and "'<path>.lhuc_weight'" not in finding.message


def test_a_name_whose_prefix_end_is_not_shown_suggests_no_key():
    # `dense0_` spells a prefix and nothing after it: there is no parameter key to suggest
    (finding,) = gln009(NET + "w = net.collect_params()['dense0_']\n")
    assert "`'dense0_'` is a 1.x prefixed name" in finding.message
    assert "use `'dense0_'`" not in finding.message and "structural key" in finding.message
