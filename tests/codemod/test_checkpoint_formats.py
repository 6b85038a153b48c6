"""GLN006/GLN007: a checkpoint fix is refused, and reported, for files that are not `save_parameters`
files: `export()` checkpoints (`arg:`/`aux:` + 1.x names) and files a `SymbolBlock` reads."""
import os
import textwrap
import warnings

import pytest

from gluon_codemod import check_code, fix_code

HEAD = "import os\nimport mxnet as mx\nfrom mxnet import gluon\ndef run(net, prefix, epoch, ctx):\n"


def fixed(body, **kw):
    source = HEAD + textwrap.indent(textwrap.dedent(body), "    ")
    return source, fix_code(source, unsafe_fixes=True, **kw)


@pytest.mark.parametrize("path", [
    "'resnet50_v1-0000.params'",
    "'%s-%04d.params' % (prefix, epoch)",
    "f'{prefix}-{epoch:04d}.params'",
    "'{}-{:04d}.params'.format(prefix, epoch)",
    "os.path.join(prefix, 'model-0012.params')",
    "prefix + '-0000.params'",
])
def test_export_checkpoint_is_not_turned_into_load_parameters(path):
    source, result = fixed(f"net.collect_params().load({path}, ctx=ctx)\n")
    assert result.code == source
    (finding,) = [f for f in result.findings if f.code == "GLN006"]
    assert not finding.fix_available
    assert "`export()` checkpoint format (keys `arg:`/`aux:` plus 1.x prefixed names)" in finding.message
    assert "`gluon.SymbolBlock.imports(" in finding.message
    assert "gluon-codemod convert-params OLD.params NEW.params --model FILE --build EXPR" in finding.message


def test_a_path_given_to_export_in_the_file_is_an_export_checkpoint():
    source, result = fixed("""\
        net.export(prefix, epoch=3)
        params_file = '%s-%04d.params' % (prefix, 3)
        net.collect_params().load(params_file, ctx=ctx)
        """)
    assert result.code == source
    assert "`params_file`" in result.findings[0].message


def test_load_dict_of_load_checkpoint_arrays_is_reported():
    source, result = fixed("""\
        sym, arg_params, aux_params = mx.model.load_checkpoint(prefix, epoch)
        net.collect_params().load_dict(arg_params, ctx=ctx)
        net.collect_params().load_dict(mx.nd.load('model-0000.params'), ctx=ctx)
        """)
    assert result.code == source
    assert [("`arg_params`" in f.message, "`mx.nd.load('model-0000.params')`" in f.message)
            for f in result.findings] == [(True, False), (False, True)]


def test_a_file_a_symbol_block_reads_keeps_its_writer():
    source, result = fixed("""\
        net.collect_params().save('weights.params')
        net.save_params('deploy.params')
        a = gluon.SymbolBlock.imports('net-symbol.json', ['data'], 'weights.params', ctx=ctx)
        b = gluon.SymbolBlock(mx.sym.load('net-symbol.json'), mx.sym.var('data'))
        b.collect_params().load('deploy.params', ctx=ctx)
        """)
    assert "net.collect_params().save('weights.params')" in result.code
    assert "net.save_params('deploy.params')" in result.code
    save, save_params = [f for f in result.findings if f.line in (5, 6)]
    assert "which a `SymbolBlock` reads at line 7" in save.message
    assert "which a `SymbolBlock` reads at line 9" in save_params.message
    assert "`net.export(path)`" in save.message and "`net.export(path)`" in save_params.message


def test_load_params_of_an_export_checkpoint_is_reported_not_renamed():
    source, result = fixed("net.load_params('%s-%04d.params' % (prefix, epoch), ctx=ctx)\n")
    assert result.code == source
    assert "`export()` checkpoint format" in result.findings[0].message


def test_ordinary_parameter_files_are_still_fixed():
    """Left alone by the new check: a plain name, a `-symbol.json` sibling, a save nobody reads as a symbol."""
    source, result = fixed("""\
        net.collect_params().load('model.params', ctx=ctx)
        net.collect_params().load(prefix + '.params', ctx=ctx)
        net.collect_params().save('best-0001.params.bak')
        net.load_params('net.params', ctx=ctx)
        gluon.SymbolBlock.imports('net-symbol.json', ['data'], 'other.params')
        """)
    assert result.code.count("load_parameters(") == 3 and "net.save_parameters('best-0001.params.bak')" \
        in result.code


def test_mxnet_1x_export_files_are_not_save_parameters_files(tmp_path):
    """The facts behind the refusal: `export()` writes `<path>-0000.params` keyed `arg:`/`aux:` + 1.x names,
    which the new API's `load_parameters` (gluon_runtime) rejects; a SymbolBlock needs the 1.x names that
    `collect_params().save` wrote, not the structural ones of `save_parameters`."""
    mx = pytest.importorskip("mxnet")
    runtime = pytest.importorskip("gluon_runtime")
    from mxnet import gluon

    net = gluon.nn.HybridSequential()
    with net.name_scope():  # noqa: GLN001 (1.x on purpose)
        net.add(gluon.nn.Dense(2, in_units=3), gluon.nn.BatchNorm(in_channels=2))
    net.initialize()
    net.hybridize()
    net(mx.nd.ones((1, 3)))
    path = os.fspath(tmp_path / "net")
    net.export(path)
    keys = sorted(mx.nd.load(path + "-0000.params"))
    assert all(k.startswith(("arg:", "aux:")) for k in keys) and "aux:" + net[1].running_mean.name in keys

    new = runtime.nn.HybridSequential()
    new.add(runtime.nn.Dense(2, in_units=3), runtime.nn.BatchNorm(in_channels=2))
    with pytest.raises(Exception, match="'0.weight' is missing"):
        new.load_parameters(path + "-0000.params")

    legacy, structural = os.fspath(tmp_path / "legacy.params"), os.fspath(tmp_path / "structural.params")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net.collect_params().save(legacy)  # noqa: GLN006 (1.x on purpose)
    net.save_parameters(structural)
    gluon.SymbolBlock.imports(path + "-symbol.json", ["data"], legacy)
    with pytest.raises(AssertionError, match="contains parameters: '0.weight'"):
        gluon.SymbolBlock.imports(path + "-symbol.json", ["data"], structural)


def test_check_reports_what_fix_refuses():
    source = HEAD + "    net.collect_params().load('model-0000.params')\n"
    assert [f.code for f in check_code(source)] == ["GLN006"]


def test_what_export_returned_is_an_export_checkpoint_and_its_path_alone_is_not():
    source, result = fixed("""\
        sym_file, params_file = net.export(prefix)
        net.collect_params().load(params_file, ctx=ctx)
        net.collect_params().load(prefix + '.params', ctx=ctx)
        """)
    exported, plain = [f for f in result.findings if f.code == "GLN006"]
    assert "`params_file`, a file in the `export()` checkpoint format" in exported.message
    assert plain.fixed and "net.load_parameters(prefix + '.params', ctx=ctx)" in result.code


def test_the_same_variable_in_another_function_is_another_file():
    source = HEAD + ("    net.save_params(path)\n"
                     "def deploy(path):\n"
                     "    return gluon.SymbolBlock.imports('net-symbol.json', ['data'], path)\n")
    result = fix_code(source, unsafe_fixes=True)
    assert "net.save_parameters(path)" in result.code


PYTEST_TEST = "import mxnet as mx\nfrom mxnet import gluon\ndef test_roundtrip(tmp_path, tmpdir):\n"


@pytest.mark.parametrize("writer, reader", [
    ("net.export(str(tmp_path / 'model'))", "str(tmp_path / 'model-0000.params')"),
    ("net.export(str(tmpdir.join('model')), epoch=2)", "str(tmpdir.join('model-0002.params'))"),
    ("net.export(os.fspath(tmp_path / 'model'))", "os.fspath(tmp_path.joinpath('model-0000.params'))"),
])
def test_a_test_that_exports_then_loads_through_paths_is_reported_not_rewritten(writer, reader):
    # issue 17.7: pytest's `tmp_path` / `tmpdir` spellings hid the export name, and `--unsafe-fixes` turned
    # the load into a `load_parameters` that cannot read the `arg:`/`aux:` file
    source = PYTEST_TEST + f"    {writer}\n    net.collect_params().load({reader}, ctx=mx.cpu())\n" \
        f"    net.load_params({reader})\n"
    result = fix_code(source, unsafe_fixes=True)
    assert result.code == source
    load, load_params = [f for f in result.findings if f.code in ("GLN006", "GLN007")]
    for finding in (load, load_params):
        assert not finding.fix_available and "`export()` checkpoint format" in finding.message


@pytest.mark.parametrize("written, read", [
    ("str(tmpdir.join('net.params'))", "str(tmpdir.join('net.params'))"),
    ("str(path)", "str(tmp_path / 'net.params')"),
])
def test_a_test_that_saves_then_imports_into_a_symbol_block_keeps_its_writer(written, read):
    source = PYTEST_TEST + ("    path = tmp_path / 'net.params'\n"
                            f"    net.save_params({written})\n"
                            f"    sb = gluon.SymbolBlock.imports('net-symbol.json', ['data'], {read})\n")
    result = fix_code(source, unsafe_fixes=True)
    assert result.code == source
    (finding,) = [f for f in result.findings if f.code == "GLN007"]
    assert not finding.fix_available and "which a `SymbolBlock` reads at line 6" in finding.message


def test_the_symbol_block_named_is_the_one_of_the_same_test():
    source = ("import os\nimport mxnet as mx\nfrom mxnet import gluon\n"
              "def test_imports(net):\n"
              "    net.save_params('net.params')\n"
              "    sb = gluon.SymbolBlock.imports('net-symbol.json', ['data'], 'net.params')\n"
              "def test_symbol_block(net, tmpdir):\n"
              "    path = os.path.join(str(tmpdir), 'net.params')\n"
              "    net.save_params(path)\n"
              "    x = mx.sym.var('data')\n"
              "    sb = gluon.SymbolBlock(net(x), x)\n"
              "    sb.collect_params().load(path, ctx=mx.cpu())\n")
    messages = {f.line: f.message for f in check_code(source) if f.code == "GLN007"}
    assert "reads at line 6" in messages[5] and "reads at line 12" in messages[9]


@pytest.mark.parametrize("writer", ["net.save_params(path)", "net.collect_params().save(path)"])
def test_a_symbol_block_reading_a_file_its_writer_keeps_in_1x_is_reported_not_rewritten(writer):
    # the writer stays (a SymbolBlock reads its file), so the reader must stay too: `load_parameters`
    # would expect the new API's keys from a file that keeps 1.x names
    source, result = fixed(f"""\
        path = os.path.join(prefix, 'net.params')
        {writer}
        sb = gluon.SymbolBlock(net(mx.sym.var('data')), mx.sym.var('data'))
        sb.collect_params().load(path, ctx=ctx)
        """)
    assert result.code == source
    (reader,) = [f for f in result.findings if f.line == 8]
    assert reader.code == "GLN006" and not reader.fix_available
    assert "writes at line 6 with 1.x names" in reader.message and "SymbolBlock.imports" in reader.message


def test_a_symbol_block_reading_a_file_nothing_here_writes_is_still_an_unsafe_fix():
    source, result = fixed("""\
        sb = gluon.SymbolBlock(net(mx.sym.var('data')), mx.sym.var('data'))
        sb.collect_params().load('given.params', ctx=ctx)
        """)
    assert "sb.load_parameters('given.params', ctx=ctx)" in result.code
