"""`gluon-codemod convert-params` on files of every 1.x format, written by stock 1.9.1, and its strict errors.

Each conversion runs as a user runs it, in a fresh process; with `--input` it also proves itself (OLD
in the original on stock Gluon, NEW in the rewrite on gluon_runtime, same outputs).
"""
import json
import os
import subprocess
import sys

import mxnet as mx
import pytest

MOBILENET = ("mobilenet.py", "mobilenet0_25(classes=10)", ["--input", "1,3,32,32"])
TAGGER = ("tagger.py", "Tagger()", ["--input", "5,2", "--int-values", "--input-range", "0,20"])


def _convert(legacy, old, new, model, *extra):
    models, _ = legacy
    file, expr, _ = model
    return subprocess.run([sys.executable, "-m", "gluon_codemod", "convert-params", str(old), str(new),
                           "--model", str(models / file), "--build", expr, *extra],
                          capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, MXNET_STORAGE_FALLBACK_LOG_VERBOSE="0"))


@pytest.mark.parametrize("old, model, fmt", [
    ("save_params.params", MOBILENET, "save_params() (names with the model's prefix stripped)"),
    ("collect.params", MOBILENET, "collect_params().save() (full prefixed names)"),
    ("exported-0000.params", MOBILENET, "export() (arg:/aux: + full prefixed names)"),
    ("fused.params", TAGGER, "save_parameters() with 1.9.1 fused-RNN keys (_unfused.N.*)"),
    ("tagger_collect.params", TAGGER, "collect_params().save() (full prefixed names)"),
], ids=["save_params", "collect_params.save", "export", "fused-rnn", "rnn-collect_params.save"])
def test_every_legacy_format_converts_and_proves_equal_outputs(runtime, legacy, tmp_path, old, model, fmt):
    _, files = legacy
    new, mapping = tmp_path / "new.params", tmp_path / "map.json"
    done = _convert(legacy, files / old, new, model, *model[2], "--map", str(mapping))
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"format: {fmt}" in done.stderr
    assert "proof: OLD in the original and NEW in the rewrite give the same outputs" in done.stderr
    keys, values = set(mx.nd.load(str(new))), mx.nd.load(str(files / old))
    if model is MOBILENET:
        # the reference: what stock 1.9.1's own save_parameters wrote for the same model
        assert keys == set(mx.nd.load(str(files / "structural.params")))
    else:
        assert {"lstm.l0_i2h_weight", "lstm.r1_h2h_bias", "embed.weight", "out.weight"} <= keys
        assert not [k for k in keys if "_unfused" in k]
    written = json.loads(mapping.read_text())
    assert written["format"] == fmt and len(written["map"]) == len(values)
    some_old, some_new = next(iter(written["map"].items()))
    assert (mx.nd.load(str(new))[some_new].asnumpy() == values[some_old].asnumpy()).all()


def _edited(files, tmp_path, edit):
    arrays = mx.nd.load(str(files / "collect.params"))
    edit(arrays)
    path = tmp_path / "edited.params"
    mx.nd.save(str(path), arrays)
    return path


def test_strict_by_default_lists_missing_unused_and_mismatched_and_writes_nothing(legacy, tmp_path):
    _, files = legacy

    def edit(arrays):
        del arrays["mobilenet0_conv0_weight"]
        arrays["mobilenet0_bogus_weight"] = mx.nd.zeros((2,))
        arrays["mobilenet0_dense0_weight"] = mx.nd.zeros((10, 7))
        arrays["mobilenet0_dense0_bias"] = mx.nd.zeros((10,), dtype="float16")

    new = tmp_path / "new.params"
    done = _convert(legacy, _edited(files, tmp_path, edit), new, MOBILENET, *MOBILENET[2])  # shapes known
    assert done.returncode == 1, done.stderr[-3000:]
    lines = [line.strip() for line in done.stderr.splitlines()]
    assert "does not fit mobilenet0_25(classes=10) (4 problem(s)); nothing written:" in done.stderr
    assert ("mismatched: mobilenet0_dense0_weight -> output.weight: shape (10, 7) in the file, (10, 256) "
            "in the model") in lines
    assert ("mismatched: mobilenet0_dense0_bias -> output.bias: dtype float16 in the file, float32 in the model"
            in lines)
    assert "missing from the old file: features.0.weight (--allow-missing keeps the model's value)" in lines
    assert "unused key of the old file: mobilenet0_bogus_weight (--ignore-extra drops it)" in lines
    assert not new.exists()


def test_allow_missing_and_ignore_extra_relax_and_still_prove(runtime, legacy, tmp_path):
    _, files = legacy

    def edit(arrays):
        del arrays["mobilenet0_conv0_weight"]
        arrays["mobilenet0_bogus_weight"] = mx.nd.zeros((2,))

    new = tmp_path / "new.params"
    done = _convert(legacy, _edited(files, tmp_path, edit), new, MOBILENET, *MOBILENET[2],
                    "--allow-missing", "--ignore-extra")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "1 unused keys dropped, 1 parameters missing" in done.stderr
    assert "features.0.weight" not in mx.nd.load(str(new))


def test_corrupt_file_is_named(legacy, tmp_path):
    _, files = legacy
    broken = tmp_path / "truncated.params"
    broken.write_bytes((files / "collect.params").read_bytes()[:1000])
    done = _convert(legacy, broken, tmp_path / "new.params", MOBILENET)
    assert done.returncode == 2
    assert f"{broken}: not a readable MXNet .params file (truncated or corrupt?)" in done.stderr


def test_command_is_wired_and_warns_that_it_executes_the_model(capsys):
    from gluon_codemod.frontends.cli import main

    with pytest.raises(SystemExit) as done:
        main(["convert-params", "--help"])
    assert done.value.code == 0
    assert "executes FILE" in " ".join(capsys.readouterr().out.split())


def test_file_of_a_model_built_after_others_is_matched_by_its_prefix(runtime, legacy, tmp_path):
    _, files = legacy
    old = {key.replace("mobilenet0_", "mobilenet3_", 1): value
           for key, value in mx.nd.load(str(files / "exported-0000.params")).items()}
    path = tmp_path / "third.params"
    mx.nd.save(str(path), old)
    new = tmp_path / "new.params"
    done = _convert(legacy, path, new, MOBILENET, *MOBILENET[2])
    assert done.returncode == 0, done.stderr[-3000:]
    assert ("note: the file's names start with 'mobilenet3_', this build's with 'mobilenet0_' (in 1.x the model "
            "was built after others of its kind): matched with the file's prefix") in done.stderr
    assert set(mx.nd.load(str(new))) == set(mx.nd.load(str(files / "structural.params")))
