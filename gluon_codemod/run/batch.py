"""One file at a time, or many in worker processes: read, run the engine, write atomically, diff.

Workers receive a path and an `Options` and send back a `FileResult` (see `gluon_codemod.vocabulary`):
plain data only (no AST or CST objects cross process boundaries), so results pickle cheaply and the
parent stays the only printer.

The project a run belongs to is passed to `run_files`, `process_file` and `process_source`. A worker
process gets it once, when it starts (`_start_worker`), and keeps it in `_WORKER_PROJECT`: the one
global of a run, set nowhere else. Where workers are forked (Linux) they inherit it whole, kept trees
included, without pickling; elsewhere it is pickled without its sources.
"""
from __future__ import annotations

import difflib
import gc
import os
import stat
import sys
from typing import Callable, Iterator, List, Optional, Sequence, Tuple

from .files import module_name_for
from ..atomic_write import write_atomic
from ..vocabulary import FileResult, Mode, Options, SourceError
from ..engine.lines import split_patch_lines
from ..engine.source import decode_source, might_contain_gluon
from .workers import Interrupted, fork_context, parallel_map


def available_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))  # honours taskset / container CPU sets
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _internal_error(exc: Exception) -> SourceError:
    return SourceError(f"internal error: {type(exc).__name__}: {exc}; file left unchanged, please report this")


def _cannot_contain_gluon(source, module_name: Optional[str], view=None) -> bool:
    """The engine's own text pre-filter, applied before the engine (and libcst with it) is imported. A
    file that never names Gluon still counts when it calls a class whose signature the project changes."""
    text = source if isinstance(source, str) else decode_source(source).text
    return not might_contain_gluon(text, module_name) and not (view is not None and view.concerns(text))


def _view(project, path: Optional[str]):
    """What the analysis of the file `path` sees of `project` (None: the file alone)."""
    return project.view(path) if project is not None and path and path.endswith(".py") else None


def _engine(options: Options, module_name: Optional[str], path: Optional[str] = None, project=None):
    """source -> (new source, findings) for the chosen mode; raises SourceError."""
    view = _view(project, path)

    def run(source):
        text = source if isinstance(source, str) else decode_source(source).text
        if _cannot_contain_gluon(text, module_name, view):
            return source, []
        from ..engine.pipeline import check_code, fix_code

        # In the process that indexed the project, the file's tree is at hand (when the file is unchanged).
        tree = project.tree(path, text) if view is not None else None
        if options.mode is Mode.CHECK:
            return source, check_code(source, target=options.target, select=options.select,
                                      ignore=options.ignore, module_name=module_name, project=view, tree=tree)
        # Written, the file is the new code; with --diff it is still the old one, which the lines name.
        result = fix_code(source, target=options.target, select=options.select, ignore=options.ignore,
                          unsafe_fixes=options.unsafe_fixes, module_name=module_name,
                          positions="original" if options.mode is Mode.DIFF else "fixed", project=view, tree=tree)
        return result.code, result.findings
    return run


def unified_diff(path: str, old: bytes, new: bytes) -> bytes:
    """A `patch`-able diff in the file's own encoding (a latin-1 file gets a latin-1 diff)."""
    try:
        decoded = decode_source(old)
        encoding = decoded.encoding
        # the BOM belongs to the first line as `patch` sees it
        bom = "\ufeff" if decoded.bom else ""
        old_text, new_text = bom + decoded.text, bom + decode_source(new).text
    except SourceError:  # notebooks are JSON, always UTF-8
        encoding = "utf-8"
        old_text, new_text = old.decode("utf-8"), new.decode("utf-8")
    lines = []
    # Split where `patch` splits (at `\n` only): a form feed or a `\r`-only ending is inside a line to it.
    for line in difflib.unified_diff(split_patch_lines(old_text), split_patch_lines(new_text),
                                     fromfile=f"a/{path}", tofile=f"b/{path}", lineterm="\n"):
        if not line.endswith("\n"):  # a last line without newline needs patch's marker
            line += "\n\\ No newline at end of file\n"
        lines.append(line)
    return "".join(lines).encode(encoding, "replace")


def process_source(data: bytes, display: str, options: Options, module_name: Optional[str] = None,
                   notebook: bool = False, path: Optional[str] = None, project=None) -> Tuple[FileResult, bytes]:
    """Run the engine on `data`; returns the result and the new bytes (`data` when unchanged). `project`:
    the run's `run.project.Project` (None: the file is analysed alone)."""
    result = FileResult(display)
    run = _engine(options, module_name, path, project)
    try:
        if notebook:
            from .notebook import process_notebook

            new, outcomes = process_notebook(data, run)
            for outcome in outcomes:  # (their findings and errors name their cell)
                result.findings += outcome.findings
                if outcome.error is not None:
                    result.errors.append(outcome.error)
        else:
            new, result.findings = run(data)
            left_fixable = any(f.fix_available and not f.fixed for f in result.findings)
            if options.fix_edits and options.mode in (Mode.CHECK, Mode.FIX) and left_fixable:
                # the fixes of the findings left, against the file as it is after this run (check: as it
                # was; fix: as written, where the findings left point)
                from ..output.fix_edits import fix_edits

                view = _view(project, path)
                if view is not None and new != data:
                    view = view.after_fix()
                result.edits = fix_edits(new, result.findings, options, module_name, view)
    except SourceError as err:
        result.errors.append(err)
        return result, data
    except (RecursionError, MemoryError) as exc:
        # Python's own parser gives up on these too (`python -c 'compile(...)'` fails the same way)
        result.errors.append(SourceError(
            f"too deeply nested for Python's parser ({type(exc).__name__}): Python cannot compile this file "
            "either; split the nested expression into smaller ones. File left unchanged"))
        return result, data
    except Exception as exc:  # a bug of ours on one file must not stop thousands of others
        result.errors.append(_internal_error(exc))
        return result, data
    result.changed = new != data
    return result, new


def _not_regular(mode: int) -> str:
    kinds = [(stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder")]
    return next((what for test, what in kinds if test(mode)), "not a regular file")


def read_regular(path: str) -> Tuple[Optional[bytes], Optional[str]]:
    """(bytes, None), or (None, why it was skipped) for a FIFO, a device or a link to one: opened without
    blocking (a FIFO with no writer would wait forever) and checked before a byte is read."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            return None, f"skipped: {_not_regular(mode)}, not a regular file"
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read(), None
    finally:
        os.close(fd)


def options_for(path: str, options: Options) -> Options:
    """`options` with the codes `per-file-ignores` adds for `path`."""
    if not options.per_file_ignores:
        return options
    from dataclasses import replace

    from .files import Excluder

    extra = tuple(code for pattern, base, codes in options.per_file_ignores
                  if Excluder([(pattern, base)]).excluded(path) for code in codes)
    return replace(options, ignore=options.ignore + extra) if extra else options


def process_file(path: str, options: Options, project=None) -> FileResult:
    """Everything for one file, in whichever process runs it; never raises for a file's own trouble."""
    options = options_for(path, options)
    try:
        data, skipped = read_regular(path)
    except OSError as exc:
        return FileResult(path, errors=[SourceError(f"cannot read: {exc.strerror or exc}")])
    if data is None:
        return FileResult(path, skipped=skipped)
    try:
        result, new = process_source(data, path, options, module_name_for(path), path.endswith(".ipynb"), path,
                                     project)
        if result.changed and options.mode is Mode.DIFF:
            result.diff = unified_diff(path, data, new)
        elif result.changed and options.mode is Mode.FIX:
            try:
                write_atomic(path, new)
                result.written = True
            except OSError as exc:
                result.errors.append(SourceError(f"cannot write: {exc.strerror or exc}"))
                result.nothing_applied()
        return result
    except Exception as exc:  # a bug of ours on one file must not stop thousands of others
        return FileResult(path, errors=[_internal_error(exc)])


#: The project of the run a worker process works for: set once per worker, by `_start_worker` (passing it
#: with each file would pickle it again for every file). Read only by `_process_in_worker`.
_WORKER_PROJECT = None


def _start_worker(project) -> None:
    global _WORKER_PROJECT
    # What the worker inherited lives as long as it: out of the collector's sight, as in `_run_here`, and a
    # forked worker's collections do not write to (and so copy) the memory it shares with its parent.
    gc.freeze()
    _WORKER_PROJECT = project


def _process_in_worker(path: str, options: Options) -> FileResult:
    return process_file(path, options, _WORKER_PROJECT)


def _largest_first(paths: Sequence[str]) -> List[int]:
    # Longest-processing-time-first scheduling: the big files start first and the small ones fill the gaps
    # at the end, so no worker is left with one large file while the others idle.
    def size(index: int) -> int:
        try:
            return os.path.getsize(paths[index])
        except OSError:
            return 0

    return sorted(range(len(paths)), key=size, reverse=True)


def run_files(paths: Sequence[str], options: Options, jobs: int,
              on_done: Optional[Callable[[], object]] = None, project=None) -> Iterator[FileResult]:
    """Results in the order of `paths`, computed by `jobs` processes (in this process for 1), with the files
    analysed as modules of `project` (a `run.project.Project`; None: each file alone).

    `on_done()` is called as each file finishes, in whatever order the workers finish them (a progress
    bar counts these, not the ordered results, which may wait behind one large file).
    Ctrl-C raises `Interrupted` carrying the results finished but not yet yielded: no file is left half
    written (each is replaced by one rename), and no queued file is started after the signal."""
    jobs = max(1, min(jobs, len(paths)))
    if jobs == 1:
        yield from _run_here(paths, options, on_done, project)
        return
    context = fork_context()
    # Forked workers inherit the project as it is in memory, kept trees and file indexes included, at no
    # cost; started otherwise, they get it pickled, the index and the plan only (they parse each file).
    shared = project if context is not None or project is None else project.without_sources()
    if context is not None and (options.mode is not Mode.CHECK or options.fix_edits):
        # Fixes need libcst, which a check never imports (`engine.libcst_on_demand`): imported here once,
        # forked workers inherit it instead of each importing it on its first fix.
        from ..engine import positions  # noqa: F401 (libcst, and what applies edits with it)
    yield from parallel_map(_process_in_worker, paths, (options,), jobs, _largest_first(paths), on_done,
                            _start_worker, (shared,), context)


def _run_here(paths, options, on_done, project) -> Iterator[FileResult]:
    # What is alive now (the modules, the project's index, plan and kept trees) lives for the whole run: out
    # of the cyclic collector's sight, the full collections of the file pass do not walk it again and again
    # (measured: 0.2-0.5 s, 4-8% of a `fix --diff` of gluoncv). Given back at the end: a caller may live on.
    gc.freeze()
    try:
        for index, path in enumerate(paths):
            try:
                result = process_file(path, options, project)
                if on_done is not None:
                    on_done()
                yield result
            except KeyboardInterrupt:  # in the file's processing, or in the caller's loop (thrown in)
                raise Interrupted([], len(paths) - index - 1) from None
    finally:
        gc.unfreeze()


def progress_bar(total: int, enabled: bool):
    """A tqdm bar on stderr when it is a terminal and the run is not quiet, else None.

    Advance it with `bar.update()` as files finish; print through `bar.external_write_mode()`."""
    if not enabled or total < 2 or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, file=sys.stderr, unit="file", leave=False, delay=0.5)
