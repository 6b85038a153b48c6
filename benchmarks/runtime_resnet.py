"""Runtime overhead: the same ResNet on stock Gluon 1.9.1 and on `gluon_runtime`, side by side.

Builds a ResNet-18-sized CNN (BasicBlocks, stages (2, 2, 2, 2), widths 64..512) once with
`mx.gluon.nn` and once with `gluon_runtime.nn`, copies the stock weights into the runtime model
by structural name, checks that both compute the same output, then times, in one process: eager
forward, eager forward+backward, hybridized forward and hybridized forward+backward, in legacy
(ndarray) mode and in numpy mode (`npx.set_np()`, `mx.np` arrays; spec S13).

The two models run in interleaved rounds after a warm-up; the order within a round alternates
(stock first, then runtime first), so that a drift of the machine's load falls on both. Each
round gives one runtime/stock ratio of the two times taken side by side. Printed per variant: the
median seconds per iteration of each library, the median of the per-round ratios with its
interquartile range (how noisy the machine was), the best-of ratio (fastest runtime round over
fastest stock round), the median per-round ratio of process CPU time (all threads; less
sensitive to other processes' load than wall time), and the goal (issue 4: eager <= 1.05x,
hybridized <= 1.02x). The verdict compares the median wall-time ratio with the goal; nothing is
asserted. With `--memory`, the peak
resident memory of each variant is measured in a fresh child process per variant.

    python benchmarks/runtime_resnet.py                     # both modes, batch 16, 224x224, CPU
    python benchmarks/runtime_resnet.py --mode numpy        # numpy mode only (also: --np)
    python benchmarks/runtime_resnet.py --small             # batch 4, 64x64: a quick look
    python benchmarks/runtime_resnet.py --ctx 'gpu(0)' --memory
"""
import argparse
import gc
import os
import resource
import statistics
import subprocess
import sys
import threading
import time

import numpy as np
import mxnet as mx
from mxnet.util import is_np_array

import gluon_runtime

LIBRARIES = {'stock': (mx.gluon.nn, mx.gluon.HybridBlock),
             'runtime': (gluon_runtime.nn, gluon_runtime.HybridBlock)}


def build_resnet(library, stages=(2, 2, 2, 2), widths=(64, 128, 256, 512), classes=1000):
    """ResNet (v1, BasicBlock) written once against either library's nn and HybridBlock."""
    nn, hybrid_block = LIBRARIES[library]

    class BasicBlock(hybrid_block):
        def __init__(self, channels, stride, downsample):
            super().__init__()
            self.body = nn.HybridSequential()
            self.body.add(nn.Conv2D(channels, 3, stride, 1, use_bias=False), nn.BatchNorm(),
                          nn.Activation('relu'), nn.Conv2D(channels, 3, 1, 1, use_bias=False),
                          nn.BatchNorm())
            if downsample:
                self.downsample = nn.HybridSequential()
                self.downsample.add(nn.Conv2D(channels, 1, stride, use_bias=False),
                                    nn.BatchNorm())
            else:
                self.downsample = None

        def hybrid_forward(self, F, x):
            residual = self.downsample(x) if self.downsample is not None else x
            activation = F.npx.activation if is_np_array() else F.Activation
            return activation(self.body(x) + residual, act_type='relu')

    net = nn.HybridSequential()
    features = nn.HybridSequential()
    features.add(nn.Conv2D(widths[0], 7, 2, 3, use_bias=False), nn.BatchNorm(),
                 nn.Activation('relu'), nn.MaxPool2D(3, 2, 1))
    in_width = widths[0]
    for stage, (count, width) in enumerate(zip(stages, widths)):
        stride = 1 if stage == 0 else 2
        for index in range(count):
            first = index == 0
            features.add(BasicBlock(width, stride if first else 1,
                                    first and (stride != 1 or width != in_width)))
        in_width = width
    features.add(nn.GlobalAvgPool2D(), nn.Flatten())
    net.add(features, nn.Dense(classes))
    return net


def _params(library, net):
    if library == 'stock':
        # Stock 1.9.1's collect_params() is keyed by prefixed names; this is its structural walk.
        return net._collect_params_with_prefix()  # noqa: GLN009
    return net.collect_params()


def build_pair(data, ctx):
    """The stock and the runtime model with the same weights (shapes resolved by `data`)."""
    nets = {}
    for library in ('stock', 'runtime'):
        net = build_resnet(library)
        net.initialize(mx.init.Xavier(), ctx=ctx)
        net(data)
        nets[library] = net
    stock_params = _params('stock', nets['stock'])
    runtime_params = _params('runtime', nets['runtime'])
    if sorted(stock_params) != sorted(runtime_params):
        raise RuntimeError('the two models have different structural names: %s'
                           % sorted(set(stock_params) ^ set(runtime_params)))
    for key, param in stock_params.items():
        runtime_params[key].set_data(param.data(ctx))
    return nets


def _step(net, data, backward):
    if backward:
        with mx.autograd.record():
            out = net(data)
        out.backward()
    else:
        out = net(data)
    mx.nd.waitall()


def _time(net, data, backward, iterations):
    """`(wall seconds, process CPU seconds)` per iteration; CPU time counts every thread of
    this process, so other processes' load on the machine changes it less than the wall time."""
    start, start_cpu = time.perf_counter(), time.process_time()
    for _ in range(iterations):
        _step(net, data, backward)
    return ((time.perf_counter() - start) / iterations,
            (time.process_time() - start_cpu) / iterations)


GOALS = {False: 1.05, True: 1.02}  # hybridized -> the most runtime/stock may be (issue 4)


def _quartiles(values):
    if len(values) < 2:  # a single round (a smoke run): no spread to show
        return values[0], values[0], values[0]
    low, median, high = statistics.quantiles(values, n=4, method='inclusive')
    return low, median, high


def measure(nets, data, backward, hybridized, rounds, iterations):
    """Interleaved rounds -> `{'stock': [(wall, cpu) s/it per round], 'runtime': [...]}`."""
    _set_hybrid(nets, hybridized)
    for net in nets.values():  # warm-up: graph building, memory pools, operator caches
        for _ in range(2):
            _step(net, data, backward)
    times = {'stock': [], 'runtime': []}
    for index in range(rounds):
        order = ('stock', 'runtime') if index % 2 == 0 else ('runtime', 'stock')
        for library in order:
            times[library].append(_time(nets[library], data, backward, iterations))
    return times


def _paired_ratios(times, which):
    return [ours[which] / stock[which] for stock, ours in zip(times['stock'], times['runtime'])]


def report_row(label, hybridized, times):
    """One printed line: median wall times, median paired wall ratio [IQR], best-of wall ratio,
    median paired CPU-time ratio, goal, verdict (on the median wall ratio)."""
    low, median, high = _quartiles(_paired_ratios(times, 0))
    cpu = statistics.median(_paired_ratios(times, 1))
    best = min(t[0] for t in times['runtime']) / min(t[0] for t in times['stock'])
    goal = GOALS[hybridized]
    print('%-28s %10.4f %10.4f %8.3fx [%.3f-%.3f] %8.3fx %8.3fx %6.2fx  %s'
          % (label, statistics.median(t[0] for t in times['stock']),
             statistics.median(t[0] for t in times['runtime']), median, low, high, best, cpu,
             goal, 'met' if median <= goal else 'MISSED'))
    return median, cpu


def _set_hybrid(nets, hybridized):
    for net in nets.values():
        net.hybridize(active=hybridized)


def _rss_mib():
    with open('/proc/self/statm') as handle:
        return int(handle.read().split()[1]) * resource.getpagesize() / 2 ** 20


class _PeakSampler(threading.Thread):
    """Samples the resident set size every millisecond and keeps the maximum.

    `ru_maxrss` cannot be used: importing MXNet alone peaks above a small model's use.
    """

    def __init__(self):
        super().__init__(daemon=True)
        self.peak = _rss_mib()
        self._stop_event = threading.Event()

    def run(self):
        while not self._stop_event.wait(0.001):
            self.peak = max(self.peak, _rss_mib())

    def stop(self):
        self._stop_event.set()
        self.join()
        self.peak = max(self.peak, _rss_mib())


def parse_ctx(text):
    """'cpu', 'gpu', 'cpu(0)', 'gpu(1)' -> the Context; anything else is a usage error."""
    text = text.strip().lower()
    for kind, make in (('cpu', mx.cpu), ('gpu', mx.gpu)):
        if text == kind:
            return make(0)
        if text.startswith(kind + '(') and text.endswith(')') and text[4:-1].isdigit():
            return make(int(text[4:-1]))
    raise argparse.ArgumentTypeError("expected cpu, gpu, cpu(N) or gpu(N), got %r" % text)


def _input(args, ctx, numpy):
    values = np.random.RandomState(0).uniform(size=(args.batch, 3, args.size, args.size))
    values = values.astype('float32')
    return (mx.np.array if numpy else mx.nd.array)(values, ctx=ctx)


def _peak_memory_child(library, hybridized, backward, args):
    """Runs one variant in this (fresh) process; prints the memory it added, in MiB."""
    ctx = args.ctx
    data = _input(args, ctx, args.np)
    mx.nd.waitall()
    baseline = _rss_mib()
    sampler = _PeakSampler()
    sampler.start()
    net = build_resnet(library)
    net.initialize(mx.init.Xavier(), ctx=ctx)
    if hybridized:
        net.hybridize()
    for _ in range(args.iterations):
        _step(net, data, backward)
    sampler.stop()
    if ctx.device_type == 'gpu':
        free, total = mx.context.gpu_memory_info(ctx.device_id)
        print((total - free) / 2 ** 20)
    else:
        print(sampler.peak - baseline)


def _peak_memory(library, hybridized, backward, args, numpy):
    command = [sys.executable, __file__, '--child', library, str(int(hybridized)),
               str(int(backward)), '--batch', str(args.batch), '--size', str(args.size),
               '--iterations', '2', '--ctx', str(args.ctx)] + (['--np'] if numpy else [])
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return float(output.strip().splitlines()[-1])


def run_mode(args, numpy):
    """Builds the pair in one array mode and prints its table; returns `{variant: ratio}`."""
    if numpy:
        mx.npx.set_np()
    else:
        mx.npx.reset_np()
    ctx = args.ctx
    data = _input(args, ctx, numpy)
    nets = build_pair(data, ctx)
    mode = 'numpy' if numpy else 'legacy (ndarray)'
    for hybridized in (False, True):
        _set_hybrid(nets, hybridized)
        outs = {lib: net(data).asnumpy() for lib, net in nets.items()}
        worst = float(np.max(np.abs(outs['stock'] - outs['runtime'])))
        print('%s mode, same output (%s): max abs difference %.3g'
              % (mode, 'hybridized' if hybridized else 'eager', worst))
    print('ResNet-18-sized, batch %d, %dx%d, %s, %s mode; %d interleaved rounds x %d iterations'
          % (args.batch, args.size, args.size, ctx, mode, args.repeat, args.iterations))
    print('%-28s %10s %10s %9s %13s %9s %9s %7s'
          % ('variant', 'stock s/it', 'ours s/it', 'ratio', '[IQR]', 'best-of', 'CPU', 'goal'))
    ratios = {}
    for backward in (False, True):
        for hybridized in (False, True):
            label = '%s %s' % ('hybridized' if hybridized else 'eager',
                               'forward+backward' if backward else 'forward')
            times = measure(nets, data, backward, hybridized, args.repeat, args.iterations)
            ratios[label] = report_row(label, hybridized, times)
    if args.memory:
        unit = 'GPU MiB in use' if ctx.device_type == 'gpu' else 'peak RSS added, MiB'
        print('%-28s %10s %10s %9s   (%s)' % ('memory', 'stock', 'runtime', 'ratio', unit))
        for hybridized in (False, True):
            stock = _peak_memory('stock', hybridized, True, args, numpy)
            ours = _peak_memory('runtime', hybridized, True, args, numpy)
            label = '%s forward+backward' % ('hybridized' if hybridized else 'eager')
            print('%-28s %10.1f %10.1f %8.3fx' % (label, stock, ours, ours / stock))
    print()
    return ratios


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--batch', type=int, default=16)
    parser.add_argument('--size', type=int, default=224, help='image height and width')
    parser.add_argument('--small', action='store_true', help='batch 4, 64x64 (quick look)')
    parser.add_argument('--iterations', type=int, default=1, help='iterations per timing')
    parser.add_argument('--repeat', type=int, default=15,
                        help='interleaved rounds per variant (one ratio each)')
    parser.add_argument('--ctx', type=parse_ctx, default=mx.cpu(),
                        help="cpu, gpu, cpu(N) or gpu(N) (default cpu)")
    parser.add_argument('--mode', choices=('legacy', 'numpy', 'both'), default='both',
                        help='array mode(s) to measure (default both, legacy first)')
    parser.add_argument('--np', action='store_true', help='the same as --mode numpy')
    parser.add_argument('--memory', action='store_true',
                        help='also measure peak memory per variant (child processes)')
    parser.add_argument('--child', nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.small:
        args.batch, args.size = 4, 64
    if args.np:
        args.mode = 'numpy'
    if args.repeat < 1 or args.iterations < 1:
        parser.error('--repeat and --iterations must be at least 1')
    if args.ctx.device_type == 'gpu' and args.ctx.device_id >= mx.context.num_gpus():
        parser.error('%s requested, but this machine has %d GPU(s)'
                     % (args.ctx, mx.context.num_gpus()))
    if args.child:
        if args.np:
            mx.npx.set_np()
        library, hybridized, backward = args.child
        _peak_memory_child(library, hybridized == '1', backward == '1', args)
        return
    print('load average before: %.2f %.2f %.2f' % os.getloadavg())
    modes = {'legacy': [False], 'numpy': [True], 'both': [False, True]}[args.mode]
    results = {}
    for numpy in modes:
        results[numpy] = run_mode(args, numpy)
        # Free the first mode's models (stock blocks sit in reference cycles) before the next.
        gc.collect()
        mx.nd.waitall()
    print('load average after: %.2f %.2f %.2f' % os.getloadavg())
    print('summary (median runtime/stock ratio per variant, wall time / CPU time):')
    for numpy, ratios in results.items():
        for label, (wall, cpu) in ratios.items():
            print('  %-7s %-28s %.3fx / %.3fx' % ('numpy' if numpy else 'legacy', label, wall,
                                                  cpu))


if __name__ == '__main__':
    main()
