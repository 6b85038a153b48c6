"""The parent side: run a file's models in a child process, and turn a crash, hang or exit into a row.

The child tells, line by line, which model, check and side is running. When it dies of a signal, exits
early, or a side runs past its time limit (the child is then killed), the running check gets a row
("original crashed in grad: signal 11 (SIGSEGV)") and a new child carries on: the same model with that
check skipped, then the models still to come.
"""
from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from typing import Callable, Dict, List, Optional

from ._result import Check, ModelResult

GRACE = 2.0  # seconds past --timeout before the child is killed (its own alarm should fire first)
WHO = {"orig": "original", "new": "rewrite"}
_PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _tail(path: str, start: int, limit: int = 6000) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(max(start, os.path.getsize(path) - limit))
            return handle.read().decode("utf-8", "replace").strip()
    except OSError:
        return ""


class _ChildState:
    """What the parent knows of the running child: model, check and side, and each side's time in the model."""

    def __init__(self):
        self.expr: Optional[str] = None
        self.check = "import"
        self.side: Optional[str] = None  # "orig" or "new" while a side's code runs, else None
        self.done = False  # the child said it finished every model
        self.elapsed = {"orig": 0.0, "new": 0.0}
        self._last = time.monotonic()

    def wait_for(self, pipe, timeout: Optional[float]) -> bool:
        """Wait for the child's next output (no longer than the running side has left); True when there is some."""
        wait = 5.0
        if timeout and self.side:
            wait = max(0.0, timeout + GRACE - self.elapsed[self.side] - (time.monotonic() - self._last))
        ready, _, _ = select.select([pipe], [], [], wait)
        now = time.monotonic()
        if self.side:
            self.elapsed[self.side] += now - self._last
        self._last = now
        return bool(ready)

    def overran(self, timeout: Optional[float]) -> bool:
        return bool(timeout and self.side and self.elapsed[self.side] > timeout + GRACE)

    def start_model(self, expr: str) -> None:
        self.expr, self.check, self.side = expr, "build", None
        self.elapsed = {"orig": 0.0, "new": 0.0}

    def model_over(self) -> None:
        self.expr, self.side = None, None


class FileRun:
    """Every model of one file, through as many child processes as crashes need."""

    def __init__(self, job: dict, log_path: str, env: Dict[str, str], timeout: Optional[float],
                 on_result: Callable[[ModelResult], None], on_skip: Callable[[str, str], None],
                 on_plan: Callable[[List[str]], None]):
        self.job, self.log_path, self.env, self.timeout = job, log_path, env, timeout
        self.on_result, self.on_skip, self.on_plan = on_result, on_skip, on_plan
        self.setup_error: Optional[str] = None
        self.notes: List[str] = []
        self.import_seconds = 0.0
        self.numpy: Optional[bool] = None  # the array mode the child ran the models in, once imported
        self.extra_rows: Dict[str, List[Check]] = {}

    def run(self) -> None:
        job = dict(self.job, extra_skip={})
        while True:
            outcome = self._child(job)
            if outcome is None:
                return
            expr, check, row = outcome
            if expr is None:
                self.setup_error = row.detail + ("\n" + row.traceback if row.traceback else "")
                return
            remaining = job["exprs"][job["exprs"].index(expr):]
            if check == "build":
                result = ModelResult(expr, [row], file=job["path"])
                self.on_result(result)
                remaining = remaining[1:]
            else:
                self.extra_rows.setdefault(expr, []).append(row)
                skips = dict(job["extra_skip"])
                skips[expr] = list(skips.get(expr, [])) + [check]
                job = dict(job, extra_skip=skips)
            if not remaining:
                return
            job = dict(job, exprs=remaining)

    def _child(self, job: dict):
        """Run one child to its end; `None` when it finished, else `(model, check, row)` of what killed it."""
        read_fd, write_fd = os.pipe()
        log = open(self.log_path, "ab")
        log_start = log.tell()
        env = dict(self.env)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_PARENT, env.get("PYTHONPATH")) if p)
        try:
            child = subprocess.Popen([sys.executable, "-m", "gluon_codemod.verify._child", str(write_fd)],
                                     stdin=subprocess.PIPE, stdout=log, stderr=log, pass_fds=(write_fd,),
                                     env=env, cwd=job["entries"]["orig"] + "-cwd", start_new_session=True)
        finally:
            os.close(write_fd)
            log.close()
        try:
            child.stdin.write(json.dumps(job).encode())
            child.stdin.close()
        except BrokenPipeError:
            pass
        try:
            return self._watch(child, os.fdopen(read_fd, "rb", buffering=0), job, log_start)
        finally:
            if child.poll() is None:
                child.kill()
            child.wait()

    def _watch(self, child, pipe, job, log_start):
        """Follow the child's events until it ends: `None` when it finished, else `(model, check, row)`."""
        state = _ChildState()
        buffer = b""
        while True:
            ready = state.wait_for(pipe, self.timeout)
            if not ready:
                if state.overran(self.timeout):
                    return self._kill_overrun(child, state, log_start)
                if child.poll() is not None and not state.done:
                    break
                continue
            chunk = pipe.read(65536)
            if not chunk:
                break
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                self._on_event(json.loads(line), state, job)
        return self._ended(child, state, log_start)

    def _on_event(self, event: dict, state: "_ChildState", job: dict) -> None:
        """Update what is running from one line of the child, and hand results and skips on."""
        kind = event.pop("event")
        if kind == "call":
            state.side = event["side"]
        elif kind == "check":
            state.check = event["name"]
        elif kind == "model":
            state.start_model(event["expr"])
        elif kind == "imported":
            self.import_seconds += event["seconds"]
            state.side = None
        elif kind == "plan":
            job["exprs"] = list(event["models"])
            self.on_plan(event["models"])
            for item in event["skipped"]:
                self.on_skip(item["model"], item["reason"])
        elif kind == "skip":
            self.on_skip(event["model"], event["reason"])
            state.model_over()
        elif kind == "result":
            result = ModelResult.from_dict(event["result"])
            result.file = job["path"]
            self._merge(result)
            self.on_result(result)
            state.model_over()
        elif kind == "mode":
            self.numpy = event["numpy"]
        elif kind == "note":
            self.notes.append(event["message"])
        elif kind == "setup_error":
            self.setup_error = event["message"]
        elif kind == "done":
            state.done = True

    def _kill_overrun(self, child, state: "_ChildState", log_start):
        """The running side is past --timeout and its own alarm did not stop it: kill the child, make the row."""
        self._dump_and_kill(child)
        side = WHO[state.side]
        return self._row(state, f"{side} ran past --timeout {self.timeout:g}s in {state.check} "
                                "and did not stop: its process was killed", log_start)

    def _ended(self, child, state: "_ChildState", log_start):
        """The child closed its pipe or exited: `None` when it said it was done, else the row of how it died."""
        try:
            status = child.wait(timeout=5)
        except subprocess.TimeoutExpired:
            child.kill()  # finished, but something (a thread) keeps it alive
            status = 0 if state.done else child.wait()
        if state.done:
            return None
        side = WHO.get(state.side, "verify")
        if status < 0:
            what = f"{side} crashed in {state.check}: signal {-status} ({_signal_name(-status)})"
        else:
            what = f"{side} exited in {state.check} with status {status} (the model's code ended the process)"
        return self._row(state, what, log_start)

    def _row(self, state: "_ChildState", detail, log_start):
        row = Check(state.check if state.expr else "import", "error", None, detail,
                    _tail(self.log_path, log_start) or None)
        return state.expr, row.name, row

    def _dump_and_kill(self, child) -> None:
        if hasattr(signal, "SIGUSR1"):
            try:
                child.send_signal(signal.SIGUSR1)  # faulthandler prints where every thread is
                child.wait(timeout=1.0)
            except (subprocess.TimeoutExpired, OSError):
                pass
        if child.poll() is None:
            child.kill()

    def _merge(self, result: ModelResult) -> None:
        """Put the rows of checks that crashed or hung in an earlier child in place of their `skipped` rows."""
        for row in self.extra_rows.pop(result.expr, []):
            for index, check in enumerate(result.checks):
                if check.name == row.name:
                    result.checks[index] = row
                    break
            else:
                result.checks.append(row)
