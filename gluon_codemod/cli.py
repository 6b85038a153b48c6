"""`gluon-codemod check|fix PATH...`: report and rewrite Gluon 1.x code, file by file or whole repositories.

Exit codes (as ruff and pyupgrade): 0 nothing to report or change; 1 findings remain or files were
(or, with --diff, would be) changed; 2 usage error, or a file could not be read or parsed.

Streams: findings go to stdout (to stderr when stdout carries a diff or fixed code: `fix --diff`,
`fix -`), errors and the summary always to stderr, so stdout can be piped into `patch` or a file.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import List, Optional, Sequence, Tuple

from ._batch import CHECK, DIFF, FIX, FileResult, Options, available_cores, options_for, process_source, \
    progress_bar, run_files, unified_diff, use_project
from . import _rule_docs
from ._config import Config, ConfigError, discover
from ._files import Excluder, collect_files, module_name_for, write_atomic, write_new_atomic
from ._finding import SourceError
from ._project_cache import project_for
from ._formats import FORMATS, STREAMING, document, rule_names, stream
from ._report import format_error, format_summary, statistics, write_report
from ._workers import Interrupted

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130
# The engine's TARGETS, repeated so that start-up does not import the engine (and libcst); a test
# checks that both agree.
TARGETS = ("mxnet", "runtime")


class UsageError(Exception):
    """Bad flags or configuration values: reported on stderr, exit status 2."""


def _code_list(text: str) -> List[str]:
    return [part.strip().upper() for part in text.split(",") if part.strip()]


def _pattern_list(text: str) -> List[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of processes: give a whole number >= 1")
    return value


def _add_common(sub: argparse.ArgumentParser, fixing: bool) -> None:
    sub.add_argument("paths", nargs="+", metavar="PATH",
                     help="files or folders (searched for .py and .ipynb files); `-` reads stdin")
    sub.add_argument("--target", choices=TARGETS, default=None,
                     help="mxnet: code for the new Block API (default); runtime: also point mxnet.gluon "
                          "imports at gluon_runtime so the code runs on MXNet 1.9.1")
    sub.add_argument("--select", metavar="CODES", type=_code_list, action="extend",
                     help="only these rule codes or prefixes, comma-separated (GLN00 selects GLN001-GLN009); "
                          "replaces the configured `select`")
    sub.add_argument("--ignore", metavar="CODES", type=_code_list, action="extend",
                     help="skip these rule codes or prefixes; replaces the configured `ignore`")
    unsafe = sub.add_mutually_exclusive_group()
    unsafe.add_argument("--unsafe-fixes", dest="unsafe_fixes", action="store_true", default=None,
                        help="also apply fixes that may change behaviour (checkpoint keys, symbol names)"
                        if fixing else "count fixes that need --unsafe-fixes as fixable in the summary")
    unsafe.add_argument("--no-unsafe-fixes", dest="unsafe_fixes", action="store_false",
                        help="override `unsafe-fixes = true` from the configuration")
    sub.add_argument("--exclude", metavar="GLOBS", type=_pattern_list, action="extend",
                     help="folders and files to skip, comma-separated globs; replaces the configured `exclude` "
                          "(.git, venv, build, site-packages ... are always skipped)")
    sub.add_argument("--extend-exclude", metavar="GLOBS", type=_pattern_list, action="extend",
                     help="more globs to skip, on top of the configured ones")
    sub.add_argument("--force-exclude", action="store_true",
                     help="apply exclusions to files named on the command line too (for hooks and editors)")
    sub.add_argument("--config", metavar="PYPROJECT",
                     help="read [tool.gluon-codemod] from this file instead of searching upwards from the "
                          "current folder")
    sub.add_argument("--no-config", action="store_true", help="ignore every configuration file")
    sub.add_argument("-j", "--jobs", type=_positive, default=None, metavar="N",
                     help=f"worker processes (default: the available cores, here {available_cores()})")
    sub.add_argument("--report", metavar="FILE.json", help="also write the results as JSON (schema in README)")
    sub.add_argument("--stdin-filename", metavar="NAME",
                     help="with `-`: the name to report and to resolve relative imports with")
    sub.add_argument("-q", "--quiet", action="store_true", help="no summary and no progress bar")
    sub.add_argument("--output-format", choices=FORMATS, default=None,
                     help="how findings are printed: text (default), concise (with [*] safe / [-] unsafe fix "
                          "markers), grouped (by file), json, json-lines, github (workflow annotations), gitlab "
                          "(Code Quality), sarif (2.1.0) or junit")
    sub.add_argument("--output-file", metavar="FILE",
                     help="write the findings there (replaced in one rename at the end) instead of stdout")
    sub.add_argument("--statistics", action="store_true",
                     help="instead of each finding, one line per rule: count, fixability ([*] safe, [-] unsafe "
                          "only), code and name, most frequent first")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gluon-codemod",
        description="Migrate MXNet Gluon 1.x code to the simplified Block API (apache/mxnet#18412).",
        epilog="Exit status: 0 nothing to report or change; 1 findings remain or files were (or would be) "
               "changed; 2 usage error or a file that could not be read or parsed.")
    from . import __version__

    parser.add_argument("--version", action="version", version=f"gluon-codemod {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    check = commands.add_parser("check", help="report old-API constructs; writes nothing")
    fix = commands.add_parser("fix", help="apply safe fixes in place (or print a diff with --diff)")
    _add_common(check, fixing=False)
    _add_common(fix, fixing=True)
    check.add_argument("--add-noqa", action="store_true",
                       help="add `# noqa: CODE` to every reported line (merged into existing noqa comments); "
                            "`--add-noqa=REASON` also writes REASON after new comments")
    check.add_argument("--add-noqa-reason", help=argparse.SUPPRESS)
    fix.add_argument("--interactive", action="store_true",
                     help="show each unsafe fix as a diff and ask before applying it; `--interactive=all` asks "
                          "for safe fixes too")
    fix.add_argument("--interactive-all", action="store_true", help=argparse.SUPPRESS)
    fix.add_argument("--diff", action="store_true",
                     help="print a unified diff (applies with `patch -p1`) instead of writing files")
    _rule_docs.add_parser(commands)
    from . import verify

    verify.add_parser(commands)
    return parser


def _known_codes() -> List[str]:
    from ._rule import all_rules

    return [rule.code for rule in all_rules()]


def _check_codes(codes: Sequence[str], where: str) -> None:
    if not codes:
        return
    if any(not code.strip() for code in codes):
        # an empty prefix would select nothing (or, matched as a prefix, everything): never what was meant
        raise UsageError(f"{where}: an empty rule code {list(codes)!r}; give codes or prefixes such as "
                         "GLN001 or GLN0, or leave the setting out to select every rule")
    known = _known_codes()
    for code in codes:
        if not any(k.startswith(code) for k in known):
            raise UsageError(f"{where}: {code!r} is not a rule code or prefix; known codes: {', '.join(known)}")


def _options(args: argparse.Namespace, config: Config) -> Options:
    """Command-line flags over the configuration over the defaults."""
    where = config.path or "configuration"
    if config.target is not None and config.target not in TARGETS:
        raise ConfigError(f"{where}: [tool.gluon-codemod] target must be one of {', '.join(TARGETS)}, "
                          f"got {config.target!r}")
    config_select = [c.upper() for c in config.select] if config.select is not None else None
    config_ignore = [c.upper() for c in config.ignore]
    _check_codes(config_select or (), where)
    _check_codes(config_ignore, where)
    per_file = []
    for pattern, codes in config.per_file_ignores.items():
        codes = [c.upper() for c in codes]
        _check_codes(codes, f"{where}: per-file-ignores {pattern!r}")
        per_file.append((pattern, config.base, tuple(codes)))
    select = args.select if args.select is not None else config_select
    ignore = args.ignore if args.ignore is not None else config_ignore
    if args.select == []:
        raise UsageError("--select: no rule code given; give codes or prefixes such as GLN001,GLN0")
    _check_codes(select or (), "--select")
    _check_codes(ignore, "--ignore")
    mode = CHECK if args.command == "check" else (DIFF if args.diff else FIX)
    unsafe = args.unsafe_fixes if args.unsafe_fixes is not None else bool(config.unsafe_fixes)
    return Options(mode=mode, target=args.target or config.target or "mxnet",
                   select=tuple(select) if select is not None else None, ignore=tuple(ignore),
                   unsafe_fixes=unsafe, fix_edits=args.output_format == "sarif" and mode == CHECK,
                   per_file_ignores=tuple(per_file))


def _excluder(args: argparse.Namespace, config: Config) -> Excluder:
    cwd = os.getcwd()
    if args.exclude is not None:
        patterns = [(p, cwd) for p in args.exclude]
    else:
        patterns = [(p, config.base) for p in config.exclude]
    patterns += [(p, config.base) for p in config.extend_exclude]
    patterns += [(p, cwd) for p in args.extend_exclude or ()]
    return Excluder(patterns)


class _Stdout:
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


def _status(results: Sequence[FileResult], mode: str) -> int:
    if any(r.errors for r in results):
        return EXIT_ERROR
    if any(not f["fixed"] for r in results for f in r.findings):
        return EXIT_FINDINGS
    if mode != CHECK and any(r.changed for r in results):
        return EXIT_FINDINGS
    return EXIT_CLEAN


class _Findings:
    """Where findings go, in the chosen format: streamed per file, or one document at the end; to stdout,
    to stderr (when stdout carries a diff or fixed code), or collected for --output-file."""

    def __init__(self, args: argparse.Namespace, out: _Stdout, to_stdout: bool):
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
            if not self.names and any(f["code"] for f in result.findings) and self.fmt != "text":
                self.names = rule_names()
            text = stream(self.fmt, result, self.names)
        errors = [format_error(result.path, e) for e in result.errors]
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
            write_new_atomic(self.file, "".join(self.collected).encode("utf-8"))


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _run_stdin(args: argparse.Namespace, options: Options, out: _Stdout) -> List[FileResult]:
    data = sys.stdin.buffer.read()
    display = args.stdin_filename or "-"
    module_name = module_name_for(args.stdin_filename) if args.stdin_filename else None
    if args.stdin_filename:
        options = options_for(args.stdin_filename, options)
    result, new = process_source(data, display, options, module_name, display.endswith(".ipynb"))
    if result.errors and new != data:
        # An editor replaces its buffer with stdout: on any error it gets the input back, untouched.
        new, result.changed = data, False
        for finding in result.findings:
            finding["fixed"] = False
    if options.mode == DIFF and result.changed:
        result.diff = unified_diff(display, data, new)
    sink = _Findings(args, out, to_stdout=options.mode == CHECK)
    sink.file_done(result, bar=None)
    sink.finish([result])
    if options.mode == FIX:
        out.bytes(new)  # stdout is the file's content: always written, unchanged on error
        result.written = result.changed and not result.errors and out.error is None
    return [result]


def _run_paths(args: argparse.Namespace, options: Options, config: Config, out: _Stdout) -> List[FileResult]:
    files = collect_files(args.paths, excluder=_excluder(args, config), force_exclude=args.force_exclude)
    if any(path.endswith(".py") for path in files):
        # Every file is analysed as a module of its project: the classes other modules call are known, and
        # a signature changes only together with every call of the project (see `_project_cache`).
        use_project(project_for(files, whole=options.mode == CHECK, select=options.select, ignore=options.ignore,
                                target=options.target, unsafe_fixes=options.unsafe_fixes))
    jobs = args.jobs or _default_jobs(files)
    bar = progress_bar(len(files), enabled=not args.quiet)
    sink = _Findings(args, out, to_stdout=options.mode != DIFF)
    results: List[FileResult] = []
    running = run_files(files, options, jobs, on_done=bar.update if bar is not None else None)
    try:
        try:
            for result in running:
                results.append(result)
                sink.file_done(result, bar)
        except KeyboardInterrupt:  # between two results: the workers still hold the files they started
            try:
                running.throw(KeyboardInterrupt)
            except KeyboardInterrupt:  # every file had been handed out already
                raise Interrupted([], 0) from None
    except Interrupted as stop:
        for result in stop.done:
            results.append(result)
            sink.file_done(result, None)
        sink.finish(results)
        raise _Stopped(results, stop.skipped) from None
    finally:
        if bar is not None:
            bar.close()
    sink.finish(results)
    return results


def _add_noqa(results: Sequence[FileResult], reason: Optional[str]) -> Tuple[bool, int, int]:
    """After `check --add-noqa`: write the comments; (whether a file failed, lines commented, files)."""
    from ._noqa_add import add_noqa

    comments, files = 0, set()
    failed = any(r.errors for r in results)
    for result in results:
        findings = [f for f in result.findings if not f["fixed"] and f["cell"] is None]
        if not findings or result.errors:
            continue
        if result.path.endswith(".ipynb") or result.path == "-":
            print(f"gluon-codemod: {result.path}: --add-noqa does not edit notebooks or stdin; findings left",
                  file=sys.stderr)
            failed = True
            continue
        try:
            with open(result.path, "rb") as handle:
                data = handle.read()
            new = add_noqa(data, findings, reason)
            if new != data:
                write_atomic(result.path, new)
                files.add(result.path)
                comments += len({f["line"] for f in findings})
        except (OSError, SourceError) as exc:
            print(f"gluon-codemod: error: {result.path}: cannot add noqa comments: "
                  f"{getattr(exc, 'strerror', None) or exc}", file=sys.stderr)
            failed = True
    return failed, comments, files


def _add_noqa_until_clean(args, options, config, results, status: int) -> int:
    """`check --add-noqa`: comment every reported line; status 0 unless a file failed. A `noqa` that keeps
    a fix out can make the project keep a parameter, which is then reported on another line: the check
    runs again (a few times at most) until nothing new is reported."""
    comments, files = 0, set()
    failed = status == EXIT_ERROR
    for _ in range(_ADD_NOQA_ROUNDS):
        failed_now, added, touched = _add_noqa(results, args.add_noqa_reason)
        failed = failed or failed_now
        comments += added
        files |= touched
        if not added:
            break
        out = _Stdout()
        try:
            results = _run_paths(args, options, config, out)
        finally:
            out.close()
    print(f"gluon-codemod: added noqa comments to {comments} line{'s' if comments != 1 else ''} in {len(files)} "
          f"file{'s' if len(files) != 1 else ''}", file=sys.stderr)
    return EXIT_ERROR if failed else EXIT_CLEAN


_ADD_NOQA_ROUNDS = 4


# Below this much source, worker processes cost more than they save: each one imports the engine and
# libcst again (~0.1 s) to do a few milliseconds of work. Hooks and editors pass a handful of files.
SMALL_RUN_BYTES = 256 * 1024


def _default_jobs(files: Sequence[str]) -> int:
    total = 0
    for path in files:
        try:
            total += os.path.getsize(path)
        except OSError:
            pass
        if total >= SMALL_RUN_BYTES:
            return available_cores()
    return 1


class _Stopped(Exception):
    """Ctrl-C: the results of the files that were processed, and how many were never started."""

    def __init__(self, results: List[FileResult], skipped: int):
        super().__init__(skipped)
        self.results, self.skipped = results, skipped


def main(argv: Optional[List[str]] = None) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt:  # before or after the files were processed: nothing was being written
        print("gluon-codemod: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _split_optional_value(arg: str) -> List[str]:
    """`--add-noqa=REASON` and `--interactive=all` take a value only in this form, so that
    `--add-noqa src/` stays the flag and a path."""
    if arg.startswith("--add-noqa="):
        return ["--add-noqa", "--add-noqa-reason", arg.split("=", 1)[1]]
    if arg.startswith("--interactive="):
        value = arg.split("=", 1)[1]
        if value not in ("all", "unsafe"):
            raise UsageError(f"--interactive={value}: expected --interactive (unsafe fixes) or --interactive=all")
        return ["--interactive"] + (["--interactive-all"] if value == "all" else [])
    return [arg]


def _main(argv: Optional[List[str]]) -> int:
    parser = _parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        argv = [item for arg in argv for item in _split_optional_value(arg)]
    except UsageError as exc:
        parser.error(str(exc))
    args = parser.parse_args(argv)
    if args.command in ("verify", "rule"):
        return args.handler(args)
    if "-" in args.paths and len(args.paths) > 1:
        parser.error("`-` (stdin) cannot be combined with other paths")
    try:
        config = discover(args.config, args.no_config)
        options = _options(args, config)
    except (ConfigError, UsageError) as exc:
        print(f"gluon-codemod: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    if getattr(args, "interactive", False):
        if args.paths == ["-"] or args.diff:
            parser.error("--interactive asks about files in a terminal: it cannot be combined with `-` or --diff")
        from ._interactive import run_interactive

        files = collect_files(args.paths, excluder=_excluder(args, config), force_exclude=args.force_exclude)
        return run_interactive(files, options, ask_safe=args.interactive_all)
    out = _Stdout()
    interrupted: Optional[int] = None
    try:
        if args.paths == ["-"]:
            results = _run_stdin(args, options, out)
        else:
            results = _run_paths(args, options, config, out)
    except _Stopped as stop:
        results, interrupted = stop.results, stop.skipped
    except OSError as exc:  # --output-file cannot be written
        out.close()
        print(f"gluon-codemod: error: cannot write {args.output_file}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_ERROR
    finally:
        out.close()
    status = _status(results, options.mode) if interrupted is None else EXIT_INTERRUPTED
    if getattr(args, "add_noqa", False) and interrupted is None:
        return _add_noqa_until_clean(args, options, config, results, status)
    if out.error is not None:
        print(f"gluon-codemod: error: cannot write to standard output: {out.error.strerror or out.error}; "
              "the output is incomplete", file=sys.stderr)
        status = EXIT_ERROR if interrupted is None else status
    if not args.quiet or interrupted is not None:
        sys.stderr.write(format_summary(results, options, interrupted))
    if args.report:
        try:
            write_report(args.report, results, options)
        except OSError as exc:
            print(f"gluon-codemod: error: cannot write the report {args.report}: {exc.strerror or exc}",
                  file=sys.stderr)
            status = EXIT_ERROR if interrupted is None else status
    return status


if __name__ == "__main__":
    sys.exit(main())
