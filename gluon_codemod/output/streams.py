"""Where a run's output goes: stdout that survives closed pipes and full disks, and the findings in the
chosen `--output-format`, streamed per file or written once at the end (or to `--output-file`)."""
from __future__ import annotations

import argparse
import os
import sys
from typing import List, Optional, Sequence

from ..atomic_write import write_new_atomic
from ..vocabulary import FileResult
from .formats import STREAMING, document, rule_names, stream
from .report import statistics


class OutputFileError(Exception):
    """--output-file could not be written (the message names it)."""


class Stdout:
    """Writes to stdout that survive `| head`: after a broken pipe, output stops and the work goes on
    (files are still fixed), and the interpreter's final flush is pointed at /dev/null. Any other write
    error (a full disk, `> /dev/full`) is kept in `error` and reported once, with status 2."""

    def __init__(self):
        self.broken = False
        self.error: Optional[OSError] = None

    def text(self, text: str) -> None:
        self._write(lambda: sys.stdout.write(text))

    def bytes(self, data: bytes) -> None:
        def write():
            buffer = getattr(sys.stdout, "buffer", None)
            if buffer is None:
                sys.stdout.write(data.decode("utf-8", "replace"))
            else:
                sys.stdout.flush()
                buffer.write(data)
                buffer.flush()
        self._write(write)

    def _write(self, write) -> None:
        if self.broken:
            return
        try:
            write()
        except BrokenPipeError:
            self.broken = True
        except OSError as exc:
            self.broken, self.error = True, exc

    def close(self) -> None:
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            self.broken = True
        except OSError as exc:
            self.broken, self.error = True, self.error or exc
        if self.broken:
            try:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
            except (OSError, ValueError, AttributeError):
                pass  # not a real file descriptor (tests capture stdout): nothing will flush there


class Findings:
    """Where findings go, in the chosen format: streamed per file, or one document at the end; to stdout,
    to stderr (when stdout carries a diff or fixed code), or collected for --output-file."""

    def __init__(self, args: argparse.Namespace, out: Stdout, to_stdout: bool):
        self.fmt = args.output_format or "text"
        self.statistics = args.statistics
        self.silent = getattr(args, "add_noqa", False)  # the findings become comments instead
        self.file = args.output_file
        self.out, self.to_stdout = out, to_stdout
        self.collected: List[str] = []
        self.names = {}

    def write(self, text: str) -> None:
        if not text:
            return
        if self.file is not None:
            self.collected.append(text)
        elif self.to_stdout:
            self.out.text(text)
        else:
            sys.stderr.write(text)

    def file_done(self, result: FileResult, bar) -> None:
        text = ""
        if self.fmt in STREAMING and not (self.statistics or self.silent):
            if not self.names and any(f.code for f in result.findings) and self.fmt != "text":
                self.names = rule_names()
            text = stream(self.fmt, result, self.names)
        errors = [e.format(result.path) for e in result.errors]
        if result.skipped:
            errors.append(f"{result.path}: {result.skipped}")
        if not (text or errors or result.diff):
            return
        write_mode = bar.external_write_mode() if bar is not None else _nothing()
        with write_mode:
            if result.diff:
                self.out.bytes(result.diff)
            self.write(text)
            if errors:
                sys.stderr.write("".join(line + "\n" for line in errors))

    def finish(self, results: Sequence[FileResult]) -> None:
        """The end-of-run document (whole-document formats, --statistics), and the --output-file."""
        if self.silent:
            pass
        elif self.statistics:
            self.write(statistics(results, self.fmt))
        elif self.fmt not in STREAMING:
            names = rule_names() if any(r.findings for r in results) else {}  # rules import libcst
            self.write(document(self.fmt, results, names))
        if self.file is not None:
            try:
                write_new_atomic(self.file, "".join(self.collected).encode("utf-8"))
            except OSError as exc:
                raise OutputFileError(f"cannot write {self.file}: {exc.strerror or exc}") from None


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
