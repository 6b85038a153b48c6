"""Worker processes that stop when asked and die with their parent.

Ctrl-C reaches every process of the terminal's process group. Workers ignore it: the parent decides.
It cancels the queued files, lets the few files already running finish (a file is replaced by one
rename, so it is either original or fully fixed; its result is reported), and raises `Interrupted`.

A worker must not outlive its parent: killed with SIGTERM or SIGKILL, the parent cannot tell its
workers, and a worker blocked on the task queue would wait for minutes holding the caller's pipes. On
Linux the kernel sends each worker SIGTERM when the parent dies (`PR_SET_PDEATHSIG`); a worker whose
parent is already gone when it starts exits at once.
"""
from __future__ import annotations

import ctypes
import os
import signal
import sys
from typing import Callable, Dict, Iterator, List, Optional, Sequence

_PR_SET_PDEATHSIG = 1


class Interrupted(Exception):
    """Ctrl-C during a run: `done` holds results finished but not yet handed out, `skipped` the count of
    files never started."""

    def __init__(self, done: List[object], skipped: int):
        super().__init__(f"interrupted; {skipped} files not started")
        self.done = done
        self.skipped = skipped


_in_task = False
#: How long a worker told to stop (its parent died) may take to unwind before it is ended anyway.
_GRACE_SECONDS = 3


def _stop_on_term(signum, frame):
    if not _in_task:
        # Idle, or inside the pool's own plumbing (which catches exceptions and carries on): leave now.
        os._exit(128 + signum)
    # In a file's processing: unwind, so that a write in progress removes its temporary file
    # (write_atomic catches BaseException); `_call` then exits. Python runs this handler wherever the
    # worker is, also inside a finalizer (`__del__`, a weakref callback), where the exception is printed
    # and dropped, and the task goes on: the alarm ends the worker all the same, a moment later.
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.alarm(_GRACE_SECONDS)
    raise SystemExit(128 + signum)


def _worker_init(parent: int, setup: Optional[Callable] = None, setup_args: tuple = ()) -> None:
    if setup is not None:  # state every task of the run shares (the project), sent once per worker
        setup(*setup_args)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop_on_term)
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(128 + signal.SIGTERM)


def _call(function: Callable, args: tuple):
    global _in_task
    try:
        _in_task = True
        result = function(*args)
        _in_task = False
        return result
    except SystemExit:
        # SIGTERM (the parent died): leave now instead of going back to the task queue
        os._exit(128 + signal.SIGTERM)
    finally:
        _in_task = False


def fork_context():
    """multiprocessing's `fork` start method where it is safe to use (Linux), else None.

    A forked worker inherits the parent's memory: `setup_args` reach it without being pickled, and the
    modules the parent imported are imported already. (macOS's system libraries may crash in a forked
    child: there, and on Windows, workers are started fresh and their `setup_args` pickled.)"""
    if not sys.platform.startswith("linux"):
        return None
    import multiprocessing

    return multiprocessing.get_context("fork")


def parallel_map(function: Callable, items: Sequence, extra: tuple, jobs: int, order: Sequence[int],
                 on_done: Optional[Callable[[], object]] = None, setup: Optional[Callable] = None,
                 setup_args: tuple = (), context=None) -> Iterator[object]:
    """`function(item, *extra)` for each item in `jobs` processes, submitted in `order` (indices), yielded
    in the order of `items`; each worker first calls `setup(*setup_args)`. `context`: a multiprocessing
    context (None: the platform's default start method)."""
    from concurrent.futures import ProcessPoolExecutor  # not needed, nor imported, for one file

    executor = ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_worker_init,
                                   initargs=(os.getpid(), setup, setup_args))
    futures: Dict[int, object] = {}
    next_index = 0
    try:
        # One item per task: a path costs nothing to send, and single tasks balance best.
        for index in order:
            futures[index] = executor.submit(_call, function, (items[index],) + tuple(extra))
            if on_done is not None:
                futures[index].add_done_callback(lambda _future: on_done())
        while next_index < len(items):
            result = futures[next_index].result()
            next_index += 1
            yield result
    except KeyboardInterrupt:
        remaining = [futures[i] for i in range(next_index, len(items)) if i in futures]
        _stop(executor, futures.values())  # the running files finish; nothing new starts
        done = [future.result() for future in remaining if future.done() and not future.cancelled()
                and future.exception() is None]
        raise Interrupted(done, len(items) - next_index - len(done)) from None
    finally:
        _stop(executor, futures.values())


def _stop(executor, futures) -> None:
    for future in futures:
        future.cancel()  # only queued ones can be; the handful already handed to a worker run to the end
    executor.shutdown(wait=True)
