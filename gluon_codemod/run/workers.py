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
import gc
import os
import pickle
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
    _die_with(parent)


def _die_with(parent: int) -> None:
    """This process gets SIGTERM when `parent` dies (Linux), and exits now if it is gone already."""
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


def fork_map(function: Callable, items: Sequence, jobs: int, weight: Callable[[object], int]) -> List[object]:
    """`[function(item) for item in items]`, shared between this process and `jobs - 1` forked children
    (see `Forked`), the shares balanced by `weight`."""
    if jobs < 2 or len(items) < 2 or fork_context() is None:
        return [function(item) for item in items]
    shares = balanced_shares(items, min(jobs, len(items)), weight)
    results: List[object] = [None] * len(items)
    with Forked(function, items, shares[1:]) as children:
        for i in shares[0]:
            results[i] = function(items[i])
        for i, result in children.results().items():
            results[i] = result
    return results


class Forked:
    """`function` on the items of each share (indices into `items`), a forked child per share, while this
    process goes on with other work; `results()` waits for them.

    For the serial steps of a run before its files go to the workers (indexing, settling the plan): a
    forked child sees this process's memory as it is (the project, its trees), so only the results cross
    back, pickled, and no pool is started. A child that fails (a bug, a signal, results that do not arrive)
    costs only time: its share is computed here, so the results, and any error, are those of the serial
    loop. Without `fork` (macOS, Windows), or with `fork=False`, there are no children: `results()` computes
    everything here."""

    def __init__(self, function: Callable, items: Sequence, shares: List[List[int]], fork: bool = True):
        self.function, self.items = function, items
        self.children: List[_Child] = []
        self.left = [share for share in shares if share]
        if fork and fork_context() is not None:
            shares, self.left = self.left, []
            for share in shares:
                try:
                    self.children.append(_Child(function, items, share))
                except OSError:  # no process or pipe to be had (limits): this share is computed here
                    self.left.append(share)

    def results(self) -> Dict[int, object]:
        """index -> result, for every index of the shares."""
        results = {}
        for child in self.children:
            received = child.receive()
            if received is None:
                self.left.append(child.share)
            else:
                results.update(zip(child.share, received))
        for share in self.left:
            results.update((i, self.function(self.items[i])) for i in share)
        return results

    def __enter__(self) -> "Forked":
        return self

    def __exit__(self, *exc) -> None:
        for child in self.children:  # (after an error or Ctrl-C here: the children are stopped)
            child.end()


def balanced_shares(items: Sequence, count: int, weight: Callable[[object], int]) -> List[List[int]]:
    """`count` lists of indices into `items`, about equal in `weight` (the largest first to the least loaded)."""
    shares: List[List[int]] = [[] for _ in range(count)]
    loads = [0] * count
    for i in sorted(range(len(items)), key=lambda i: weight(items[i]), reverse=True):
        least = loads.index(min(loads))
        shares[least].append(i)
        loads[least] += weight(items[i])
    return [sorted(share) for share in shares]


class _Child:
    """A forked process computing `function` on the items of its share, its results pickled into a pipe."""

    def __init__(self, function: Callable, items: Sequence, share: List[int]):
        self.share = share
        parent = os.getpid()
        self.read_end, write_end = os.pipe()
        try:
            self.pid = os.fork()
        except OSError:
            os.close(self.read_end)
            os.close(write_end)
            raise
        if self.pid == 0:  # the child: compute, send, and leave without running the parent's exit handlers
            code = 1
            try:
                os.close(self.read_end)
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the parent decides (and ends this child)
                _die_with(parent)
                gc.freeze()  # (the inherited heap is not collected, so not copied, in the child)
                data = pickle.dumps([function(items[i]) for i in share], protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write_end, "wb") as out:
                    out.write(data)
                code = 0
            finally:
                os._exit(code)
        os.close(write_end)
        self.running = True

    def receive(self) -> Optional[list]:
        """The child's results, or None if it did not deliver them all."""
        try:
            with os.fdopen(self.read_end, "rb") as pipe:
                self.read_end = None
                data = pipe.read()
            _, status = os.waitpid(self.pid, 0)
            self.running = False
            if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
                return None
            received = pickle.loads(data)
        except Exception:
            return None
        return received if isinstance(received, list) and len(received) == len(self.share) else None

    def end(self) -> None:
        """Stop and reap the child, if `receive` did not (an error or Ctrl-C in this process)."""
        if self.read_end is not None:
            os.close(self.read_end)
            self.read_end = None
        if self.running:  # (not reaped: the pid is still this child's, not another process's)
            self.running = False
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
