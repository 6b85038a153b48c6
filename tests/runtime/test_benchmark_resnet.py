"""`benchmarks/runtime_resnet.py` stays runnable in both array modes, and judges ratios right.

The benchmark itself is a measurement (its numbers depend on the machine); these tests check
that a tiny run builds both models in both modes with the same outputs and prints every ratio,
and that the verdict compares the median per-round ratio with the goal of each variant.
"""
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / 'benchmarks' / 'runtime_resnet.py'


def _benchmark():
    spec = importlib.util.spec_from_file_location('runtime_resnet', SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_tiny_run_measures_both_modes_with_the_same_outputs():
    result = subprocess.run([sys.executable, str(SCRIPT), '--batch', '1', '--size', '32',
                             '--repeat', '2', '--iterations', '1'],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    differences = re.findall(r'^(legacy \(ndarray\)|numpy) mode, same output \((eager|hybridized)\): '
                             r'max abs difference (\S+)$', out, re.MULTILINE)
    assert sorted((mode, variant) for mode, variant, _ in differences) == [
        ('legacy (ndarray)', 'eager'), ('legacy (ndarray)', 'hybridized'),
        ('numpy', 'eager'), ('numpy', 'hybridized')]
    assert all(float(value) < 1e-5 for _, _, value in differences)
    summary = re.findall(r'^  (legacy|numpy) +(eager|hybridized) (forward|forward\+backward) +'
                         r'(\d+\.\d+)x / (\d+\.\d+)x$', out, re.MULTILINE)
    assert len(summary) == 8, out
    assert all(float(wall) > 0 and float(cpu) > 0 for *_, wall, cpu in summary)


def test_verdict_is_the_median_round_ratio_against_the_goal(capsys):
    benchmark = _benchmark()
    stock = [(1.0, 1.0), (1.0, 1.0), (1.0, 1.0)]
    # One fast runtime round (noise) must not hide a 3% overhead: the verdict uses the median.
    runtime = [(1.03, 1.03), (1.03, 1.03), (0.5, 0.5)]
    times = {'stock': stock, 'runtime': runtime}
    assert benchmark.report_row('hybridized forward', True, times) == (1.03, 1.03)
    assert benchmark.report_row('eager forward', False, times) == (1.03, 1.03)
    hybridized, eager = capsys.readouterr().out.splitlines()
    assert hybridized.endswith('1.02x  MISSED')  # goal: hybridized <= 1.02x
    assert eager.endswith('1.05x  met')  # goal: eager <= 1.05x
