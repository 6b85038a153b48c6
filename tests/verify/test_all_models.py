"""`--all`: what is built and what is skipped (with why), and several files or a folder in one call."""
from gluon_codemod.verify import _load, main, verify

FACTORIES = """
    from mxnet.gluon import nn


    def plain(units=2):
        return nn.Dense(units)


    def reads_pretrained(**kwargs):
        if kwargs['pretrained']:
            raise RuntimeError('no download here')
        return nn.Dense(2)


    def needs_helper(**kwargs):
        return _get_model(**kwargs)


    def _get_model(**kwargs):
        return nn.Dense(kwargs['classes'])
"""


def _skipped(report):
    return {s["model"]: s["reason"] for s in report.skipped}


def test_factories_that_need_arguments_are_skipped_with_the_reason(write):
    path = write("zoo.py", FACTORIES)
    report = verify(path, None, [(2, 3)], rewritten=path, all_models=True)
    assert [m.expr for m in report.models] == ["plain()"]
    skipped = _skipped(report)
    assert skipped["reads_pretrained()"] == (
        "needs arguments: reads kwargs['pretrained'] (line 10), which fails without it")
    # found only by trying: the KeyError is raised alike by both sides, in a helper
    assert skipped["needs_helper()"] == "cannot be built without arguments: KeyError: 'classes'"
    assert report.exit_code == 0, report.format()


def test_a_folder_is_verified_file_by_file_on_one_rewrite(write, monkeypatch, tmp_path, capsys):
    write("pkg/__init__.py", "")
    write("pkg/notes.py", "NOTHING = 'to verify here'\n")
    write("pkg/dense.py", "from mxnet.gluon import nn\n\n\ndef dense():\n    return nn.Dense(2)\n")
    write("pkg/conv.py", "from mxnet.gluon import nn\n\n\ndef small():\n    return nn.HybridSequential()\n")
    calls = []
    real = _load.fix_code
    monkeypatch.setattr(_load, "fix_code", lambda *a, **k: calls.append(k["module_name"]) or real(*a, **k))
    status = main([str(tmp_path / "pkg"), "--all", "--input", "2,3", "--skip", "training"])
    out = capsys.readouterr().out
    assert sorted(calls) == ["pkg", "pkg.conv", "pkg.dense", "pkg.notes"]  # every file rewritten once
    assert status == 0, out
    assert "dense()  ok" in out and "small()  ok" in out
