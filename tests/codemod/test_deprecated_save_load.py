"""GLN007 deprecated-save-load-params: receivers, safety, and the 1.x facts the fix safety rests on."""
import os

import pytest

from gluon_codemod import check_code, fix_code


def fix(source, **kw):
    return fix_code(source, select=["GLN007"], **kw)


def gln007(source):
    return [f for f in check_code(source) if f.code == "GLN007"]


def test_load_is_fixed_by_default_and_save_only_with_unsafe_fixes():
    source = ("from mxnet import gluon\nnet = gluon.nn.Dense(2)\n"
              "net.save_params('a.params')\nnet.load_params('a.params', mx.cpu(), True)\n")
    safe = fix(source)
    assert "net.save_params('a.params')\n" in safe.code
    assert "net.load_parameters('a.params', mx.cpu(), True)\n" in safe.code
    save, load = safe.findings
    assert (save.fix_available, save.fix_safe, save.fixed) == (True, False, False)
    assert (load.fix_safe, load.fixed) == (True, True)
    assert "net.save_parameters('a.params')\n" in fix(source, unsafe_fixes=True).code


def test_messages_say_how_keys_change_and_how_to_convert_old_files():
    source = "from mxnet import gluon\nnet = gluon.nn.Dense(2)\nnet.save_params('a')\nnet.load_params('a')\n"
    save, load = gln007(source)
    assert "'0.weight'" in save.message and "'dense0_weight'" in save.message
    assert "net.load_parameters(old)" in load.message and "net.save_parameters(new)" in load.message


@pytest.mark.parametrize("source,expected", [
    ("from mxnet import gluon\nclass Net(gluon.Block):\n    def f(self):\n        super().load_params('a')\n",
     "super().load_parameters('a')"),
    ("from mxnet.gluon.model_zoo import vision\nnet = vision.resnet18_v1()\nnet.load_params('r.params')\n",
     "net.load_parameters('r.params')"),
    ("from mxnet import gluon\nclass Net(gluon.Block):\n    def __init__(self):\n        super().__init__()\n"
     "        self.body = gluon.nn.Dense(2)\n    def f(self):\n        self.body.load_params('a')\n",
     "self.body.load_parameters('a')"),
    ("from mxnet import gluon\nnet = gluon.nn.Dense(2)\nloader = net.load_params\n", "loader = net.load_parameters"),
])
def test_block_receivers_are_rewritten(source, expected):
    assert expected in fix(source).code


@pytest.mark.parametrize("source", [
    # the Module API's own save_params, reached through a variable the file assigns
    "import mxnet as mx\nfrom mxnet import gluon\nmod = mx.mod.Module(sym)\nmod.load_params('m')\n",
    # a class of the user's that is not a Block, and its attribute
    "from mxnet import gluon\nclass Saver:\n    def __init__(self):\n        self.store = {}\n"
    "    def go(self):\n        self.store.save_params('x')\n",
    # a user's own class constructed in the file
    "from mxnet import gluon\nclass Ckpt:\n    pass\nc = Ckpt()\nc.load_params('x')\n",
    # rooted at a non-MXNet import
    "from mxnet import gluon\nimport mylib\nmylib.model.save_params('x')\n",
    # the file defines its own `load_params`, which is what `obj.load_params` calls
    "from mxnet import gluon\ndef load_params(path):\n    pass\nclass A:\n    load_params = load_params\n"
    "a = make()\na.load_params('x')\n",
])
def test_other_objects_are_left_alone(source):
    assert gln007(source) == []


def test_a_none_placeholder_does_not_make_a_receiver_foreign():
    source = ("from mxnet import gluon\nmodel = None\ndef restore(path):\n    global model\n"
              "    model = load_model()\n    model.load_params(path)\n")
    assert "model.load_parameters(path)" in fix(source).code


def test_unknown_receiver_in_a_module_api_file_is_reported_without_a_fix():
    source = "import mxnet as mx\nfrom mxnet import gluon\ndef f(m):\n    m.load_params('a')\nmx.mod.Module\n"
    result = fix(source)
    assert result.code == source
    assert [f.fix_available for f in result.findings] == [False]


def test_mxnet_1x_facts_behind_the_fix_safety(tmp_path):
    """1.9.1: `save_params` writes prefixed keys and `save_parameters` structural ones (so the save fix is
    unsafe); `load_params` is `load_parameters` (so the load fix is safe), and 1.x `load_parameters`
    reads a prefixed file into a differently-prefixed network, which is the conversion the message gives."""
    mx = pytest.importorskip("mxnet")
    import warnings
    from mxnet import gluon

    def build():
        net = gluon.nn.HybridSequential()
        with net.name_scope():  # noqa: GLN001 (1.x on purpose)
            net.add(gluon.nn.Dense(2, in_units=3))
        return net

    net = build()
    net.initialize()
    old, new = os.fspath(tmp_path / "old.params"), os.fspath(tmp_path / "new.params")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net.save_params(old)  # noqa: GLN007 (1.x on purpose)
    net.save_parameters(new)
    assert sorted(mx.nd.load(old)) == ["dense0_bias", "dense0_weight"]
    assert sorted(mx.nd.load(new)) == ["0.bias", "0.weight"]
    converted = build()  # another prefix (hybridsequential1_): the legacy path restores the block's own prefix
    assert converted.prefix != net.prefix  # noqa: GLN009 (1.x on purpose)
    converted.load_parameters(old)
    converted.save_parameters(os.fspath(tmp_path / "converted.params"))
    loaded = mx.nd.load(os.fspath(tmp_path / "converted.params"))
    assert sorted(loaded) == ["0.bias", "0.weight"]
    assert (loaded["0.weight"].asnumpy() == net[0].weight.data().asnumpy()).all()
