"""The model zoo that ships in mxnet 1.9.1, copied as user code would have it (for tests and benchmarks).

`mxnet/gluon/model_zoo/vision/*.py` use relative imports into mxnet (`from ...block import HybridBlock`);
a user's copy imports the same names absolutely (`from mxnet.gluon.block import HybridBlock`).
"""
from __future__ import annotations

import ast
import os
from typing import List

PACKAGE = "mxnet.gluon.model_zoo.vision"
FILES = ("alexnet", "densenet", "inception", "mobilenet", "resnet", "squeezenet", "vgg")


def _absolute(source: str) -> str:
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    parts = PACKAGE.split(".")
    for node in sorted((n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level),
                       key=lambda n: (n.lineno, n.col_offset), reverse=True):
        if node.lineno != node.end_lineno:
            raise ValueError(f"line {node.lineno}: multi-line relative import not handled")
        base = parts[:len(parts) - node.level + 1]
        module = ".".join(base + ([node.module] if node.module else []))
        names = ", ".join(a.name + (f" as {a.asname}" if a.asname else "") for a in node.names)
        line = lines[node.lineno - 1]
        lines[node.lineno - 1] = (line[:node.col_offset] + f"from {module} import {names}"
                                  + line[node.end_col_offset:])
    return "".join(lines)


def copy_model_zoo(dest: str, names=FILES) -> List[str]:
    """Write `dest/<name>.py` for each zoo file with absolute imports; returns the paths."""
    import mxnet.gluon.model_zoo.vision as vision

    source_dir = os.path.dirname(vision.__file__)
    os.makedirs(dest, exist_ok=True)
    written = []
    for name in names:
        with open(os.path.join(source_dir, name + ".py"), encoding="utf-8") as handle:
            text = _absolute(handle.read())
        path = os.path.join(dest, name + ".py")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        written.append(path)
    return written
