"""`mx.gpu(i)` paths of the runtime; skipped cleanly on a machine without (enough) GPUs.

What runs on CPU here (the parser of the benchmark's `--ctx`) is the part that does not need one.
"""
import importlib.util
import subprocess
import sys
from pathlib import Path

import mxnet as mx
import numpy as np
import pytest

from gluon_runtime import nn

from _stock_compare import numpy_mode

ROOT = Path(__file__).resolve().parents[2]
GPUS = mx.context.num_gpus()
needs_gpu = pytest.mark.skipif(GPUS < 1, reason='needs a GPU (mx.context.num_gpus() == 0)')
needs_two_gpus = pytest.mark.skipif(GPUS < 2, reason='needs two GPUs')


def _mlp():
    net = nn.HybridSequential()
    net.add(nn.Dense(8, activation='relu'), nn.BatchNorm(), nn.Dense(3))
    return net


def _data():
    return np.random.RandomState(0).uniform(-1, 1, size=(4, 5)).astype('float32')


@needs_gpu
@pytest.mark.parametrize('numpy', [False, True], ids=['legacy', 'numpy'])
def test_gpu_results_match_cpu(tmp_path, numpy):
    with numpy_mode(numpy):
        array = mx.np.array if numpy else mx.nd.array
        cpu_net = _mlp()
        cpu_net.initialize(mx.init.Xavier(), ctx=mx.cpu())
        expected = cpu_net(array(_data())).asnumpy()
        cpu_net.save_parameters(str(tmp_path / 'mlp.params'))
        for hybridize in (False, True):
            gpu_net = _mlp()
            gpu_net.load_parameters(str(tmp_path / 'mlp.params'), ctx=mx.gpu(0))
            assert gpu_net[0].weight.list_ctx() == [mx.gpu(0)]
            if hybridize:
                gpu_net.hybridize()
            out = gpu_net(array(_data(), ctx=mx.gpu(0)))
            assert out.ctx == mx.gpu(0)
            np.testing.assert_allclose(out.asnumpy(), expected, rtol=1e-4, atol=1e-5)


@needs_gpu
def test_gpu_reset_ctx_and_save_from_gpu(tmp_path):
    net = _mlp()
    net.initialize(ctx=mx.cpu())
    net(mx.nd.array(_data()))
    net.reset_ctx(mx.gpu(0))
    assert net[2].weight.data().ctx == mx.gpu(0)
    with mx.autograd.record():
        out = net(mx.nd.array(_data(), ctx=mx.gpu(0)))
    out.backward()
    assert net[0].weight.grad().ctx == mx.gpu(0)
    net.save_parameters(str(tmp_path / 'gpu.params'))
    back = _mlp()
    back.load_parameters(str(tmp_path / 'gpu.params'))
    assert back[0].weight.list_ctx() == [mx.cpu()]


@pytest.mark.isolated
@needs_two_gpus
def test_two_gpus_values_and_reduce():
    layer = nn.Dense(3, in_units=5)
    layer.initialize(ctx=[mx.gpu(0), mx.gpu(1)])
    values = layer.weight.list_data()
    assert [v.ctx for v in values] == [mx.gpu(0), mx.gpu(1)]
    np.testing.assert_array_equal(values[0].asnumpy(), values[1].asnumpy())
    assert layer.weight._reduce().ctx == mx.cpu()


def _benchmark():
    spec = importlib.util.spec_from_file_location('runtime_resnet',
                                                  ROOT / 'benchmarks' / 'runtime_resnet.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize('text,ctx', [('cpu', mx.cpu(0)), ('gpu', mx.gpu(0)),
                                      ('gpu(0)', mx.gpu(0)), ('GPU(3)', mx.gpu(3)),
                                      ('cpu(1)', mx.cpu(1))])
def test_benchmark_ctx_argument(text, ctx):
    assert _benchmark().parse_ctx(text) == ctx


@pytest.mark.parametrize('text', ['tpu', 'gpu(x)', 'gpu0', ''])
def test_benchmark_ctx_argument_rejects(text):
    with pytest.raises(Exception, match='expected cpu, gpu, cpu\\(N\\) or gpu\\(N\\)'):
        _benchmark().parse_ctx(text)


@needs_gpu
@pytest.mark.slow
@pytest.mark.parametrize('extra', [[], ['--np']], ids=['legacy', 'numpy'])
def test_benchmark_runs_on_gpu(extra):
    result = subprocess.run([sys.executable, str(ROOT / 'benchmarks' / 'runtime_resnet.py'),
                             '--small', '--ctx', 'gpu(0)', '--iterations', '1', '--repeat', '1']
                            + extra, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert 'max abs difference' in result.stdout and 'gpu(0)' in result.stdout
