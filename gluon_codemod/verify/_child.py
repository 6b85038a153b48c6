"""The child process that runs one file's models: `python -m gluon_codemod.verify._child FD < job.json`.

It imports both sides, builds and checks each model, and writes one JSON event per line to file
descriptor FD: `call` (a side starts a phase), `check` (a check starts), `mode` (numpy or ndarray
arrays, once imported), `plan` (what `--all` found), `result`, `skip`, `setup_error`, `done`.
The parent (`_supervise`) reads them, so that a native crash, a hang or an exit of the user's code
costs only the model (and phase) it happened in.
"""
from __future__ import annotations

import faulthandler
import json
import os
import signal
import sys
import time
import traceback


def _emitter(fd: int):
    stream = os.fdopen(fd, "w", buffering=1, encoding="utf-8")

    def emit(event: str, **data) -> None:
        stream.write(json.dumps(dict(data, event=event)) + "\n")
        stream.flush()
    return emit


def _used_files(side, module_names) -> list:
    files = set()
    for name in module_names:
        module = side.modules.get(name)
        origin = getattr(module, "__file__", None)
        if origin and os.path.abspath(origin).startswith(side.entry + os.sep):
            files.add(os.path.relpath(os.path.abspath(origin), side.entry))
    return sorted(files)


def _import(side, module_name: str, emit) -> bool:
    from ._load import SideError

    try:
        side.import_module(module_name)
        return True
    except SideError as exc:
        who = "original" if side.label == "orig" else "rewrite"
        if isinstance(exc.exc, SystemExit):
            emit("setup_error", message=f"the file exited during import ({who} side: sys.exit({exc.exc.code!r})): "
                                        "verify needs a module that defines the model and returns")
        else:
            emit("setup_error", message=f"{exc}\n{exc.traceback}")
        return False


def run(job: dict, emit) -> None:
    import mxnet  # loaded before the clock starts: the time limit is for the user's code
    from ._load import Side
    from ._result import Options

    limit = job["options"]["timeout"] or None
    sides = {label: Side(label, job["entries"][label], job["top_names"], limit) for label in ("orig", "new")}
    for side in sides.values():
        side.on_call = lambda label, phase: emit("call", side=label, phase=phase)
    try:
        import gluon_runtime  # noqa: F401 - as mxnet, before the clock starts
    except Exception:  # noqa: BLE001 - the rewrite's import reports it, with its traceback
        pass
    module_name = job["module"]
    if job.get("numpy"):
        # before the import: a file whose Blocks are `@use_np` (or a forced --np) builds its parameters as
        # mx.np arrays only under numpy semantics, as it would after the user's own `npx.set_np()`
        mxnet.npx.set_np()
    start = time.perf_counter()
    if not (_import(sides["orig"], module_name, emit) and _import(sides["new"], module_name, emit)):
        return
    emit("imported", seconds=round(time.perf_counter() - start, 6))
    # the mode the import left is the one the models run in (a file may call npx.set_np() itself)
    numpy = bool(mxnet.util.is_np_array())
    emit("mode", numpy=numpy)
    from ._candidates import candidates, unbuildable
    from ._checks import verify_model

    if job["exprs"] is None:
        found = candidates(job["path"], sides["orig"].modules[module_name])
        exprs = [expr for expr, reason in found if not reason]
        emit("plan", models=exprs, skipped=[{"model": e, "reason": r} for e, r in found if r])
    else:
        exprs = job["exprs"]
    base = Options.from_dict(job["options"])
    for expr in exprs:
        emit("model", expr=expr)
        for side in sides.values():
            side.elapsed = 0.0  # the time limit is per side and model
        skip = tuple(base.skip) + tuple(job["extra_skip"].get(expr, ()))
        opts = Options.from_dict(dict(job["options"], skip=list(skip), numpy=numpy))
        result, modules = verify_model(sides["orig"], sides["new"], module_name, expr, opts,
                                       progress=lambda name: emit("check", name=name))
        reason = unbuildable(result.checks[0]) if job["all"] and result.checks else None
        if reason:
            emit("skip", model=expr, reason=reason)
            continue
        result.used_files = sorted(set(_used_files(sides["new"], list(modules) + [module_name])))
        emit("result", result=result.to_dict())


def _report_threads(emit) -> None:
    """Non-daemon threads the model's code left running: they would keep a process alive; ours is ended."""
    import threading

    left = [t.name for t in threading.enumerate()
            if t is not threading.main_thread() and not t.daemon and t.is_alive()]
    if left:
        emit("note", message=f"the model's code left {len(left)} non-daemon thread(s) running "
                             f"({', '.join(left[:5])}); verify ended them with its child process")


def main() -> None:
    faulthandler.enable()  # a native crash prints the Python stack to the log the parent keeps
    if hasattr(signal, "SIGUSR1"):
        faulthandler.register(signal.SIGUSR1, all_threads=True)  # the parent asks for it before a kill
    emit = _emitter(int(sys.argv[1]))
    job = json.load(sys.stdin)
    try:
        run(job, emit)
        _report_threads(emit)
    except BaseException:  # noqa: BLE001 - a fault of the harness itself: say so, with its traceback
        emit("setup_error", message="verify failed (a bug in gluon-codemod):\n" + traceback.format_exc())
    finally:
        emit("done")
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)  # threads the model started must not keep the child alive


if __name__ == "__main__":
    main()
