"""Averages the parameters of several checkpoints into one."""
import mxnet as mx


def average(paths):
    """{name: mean over the files} of the arrays saved in `paths`."""
    totals = {}
    for path in paths:
        for name, value in mx.nd.load(path).items():
            totals[name] = totals[name] + value if name in totals else value.copy()
    return {name: total / len(paths) for name, total in totals.items()}


def average_checkpoints(paths, output):
    mx.nd.save(output, average(paths))
    return output
