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
from typing import List, Optional, Sequence

from . import rule_docs
from .add_noqa import run_add_noqa
from ..output.formats import FORMATS
from ..output.report import format_summary, write_report
from ..output.streams import Findings, OutputFileError, Stdout
from ..run.batch import available_cores, options_for, process_source, progress_bar, run_files, unified_diff
from ..run.config import Config, ConfigError, discover
from ..run.files import Excluder, collect_files, module_name_for
from ..run.project_cache import project_for
from ..run.workers import Interrupted
from ..vocabulary import FileResult, Mode, Options

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
    from .. import __version__

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
    rule_docs.add_parser(commands)
    from .. import verify
    from ..verify import convert

    verify.add_parser(commands)
    convert.add_parser(commands)
    return parser


def _known_codes() -> List[str]:
    from ..engine.rule_index import rule_index

    return list(rule_index())


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
    if config.select == []:
        raise UsageError(f"{where}: [tool.gluon-codemod] select = [] selects no rule; list codes or prefixes "
                         "(e.g. [\"GLN0\"]), or leave `select` out to select every rule")
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
    mode = Mode.CHECK if args.command == "check" else (Mode.DIFF if args.diff else Mode.FIX)
    unsafe = args.unsafe_fixes if args.unsafe_fixes is not None else bool(config.unsafe_fixes)
    return Options(mode=mode, target=args.target or config.target or "mxnet",
                   select=tuple(select) if select is not None else None, ignore=tuple(ignore),
                   unsafe_fixes=unsafe, fix_edits=args.output_format == "sarif" and mode is not Mode.DIFF,
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


def _status(results: Sequence[FileResult], mode: Mode) -> int:
    if any(r.errors for r in results):
        return EXIT_ERROR
    if any(r.open_findings() for r in results):
        return EXIT_FINDINGS
    if mode is not Mode.CHECK and any(r.changed for r in results):
        return EXIT_FINDINGS
    return EXIT_CLEAN


def _run_stdin(args: argparse.Namespace, options: Options, out: Stdout) -> List[FileResult]:
    data = sys.stdin.buffer.read()
    display = args.stdin_filename or "-"
    module_name = module_name_for(args.stdin_filename) if args.stdin_filename else None
    if args.stdin_filename:
        options = options_for(args.stdin_filename, options)
    # stdout gets the bytes `fix FILE` would write: a notebook's other cells are fixed around a cell that does
    # not parse (exit 2 all the same); on an error of the whole file process_source gives the input back.
    result, new = process_source(data, display, options, module_name, display.endswith(".ipynb"))
    if options.mode is Mode.DIFF and result.changed:
        result.diff = unified_diff(display, data, new)
    sink = Findings(args, out, to_stdout=options.mode is Mode.CHECK)
    sink.file_done(result, bar=None)
    sink.finish([result])
    if options.mode is Mode.FIX:
        out.bytes(new)  # stdout is the file's content: always written
        result.written = result.changed and out.error is None
    return [result]


def _run_paths(args: argparse.Namespace, options: Options, config: Config, out: Stdout) -> List[FileResult]:
    files = collect_files(args.paths, excluder=_excluder(args, config), force_exclude=args.force_exclude)
    project = None
    jobs = args.jobs or _default_jobs(files)
    if any(path.endswith(".py") for path in files):
        # Every file is analysed as a module of its project: the classes other modules call are known, and
        # a signature changes only together with every call of the project (see `project_cache`).
        project = project_for(files, whole=options.mode is Mode.CHECK, select=options.select,
                              ignore=options.ignore, target=options.target, unsafe_fixes=options.unsafe_fixes,
                              jobs=jobs)
    bar = progress_bar(len(files), enabled=not args.quiet)
    sink = Findings(args, out, to_stdout=options.mode is not Mode.DIFF)
    results: List[FileResult] = []
    running = run_files(files, options, jobs, on_done=bar.update if bar is not None else None, project=project)
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
    args = _arguments(parser, argv)
    if args.command in ("verify", "convert-params", "rule"):
        return args.handler(args)
    _check_paths(parser, args)
    try:
        config = discover(args.config, args.no_config)
        options = _options(args, config)
    except (ConfigError, UsageError) as exc:
        print(f"gluon-codemod: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    if getattr(args, "interactive", False):
        return _interactive(parser, args, config, options)
    return _check_or_fix(args, config, options)


def _arguments(parser: argparse.ArgumentParser, argv: Optional[List[str]]) -> argparse.Namespace:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        argv = [item for arg in argv for item in _split_optional_value(arg)]
    except UsageError as exc:
        parser.error(str(exc))
    return parser.parse_args(argv)


def _check_paths(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Exits with a usage error for paths the command cannot take."""
    if "-" in args.paths and len(args.paths) > 1:
        parser.error("`-` (stdin) cannot be combined with other paths")
    if getattr(args, "add_noqa", False) and args.paths == ["-"]:
        parser.error("--add-noqa writes comments into files: it cannot read `-` (stdin); give the file's path")


def _interactive(parser: argparse.ArgumentParser, args: argparse.Namespace, config: Config,
                 options: Options) -> int:
    """`fix --interactive`: its own review and summary, in place of the streams and the report."""
    if args.paths == ["-"] or args.diff:
        parser.error("--interactive asks about files in a terminal: it cannot be combined with `-` or --diff")
    reporting = [flag for flag, given in (("--output-format", args.output_format not in (None, "text")),
                                          ("--output-file", args.output_file), ("--statistics", args.statistics),
                                          ("--report", args.report)) if given]
    if reporting:
        parser.error(f"--interactive prints its own review and summary: it cannot be combined with "
                     f"{', '.join(reporting)}; run `gluon-codemod check` with it after the review")
    from .interactive import run_interactive

    files = collect_files(args.paths, excluder=_excluder(args, config), force_exclude=args.force_exclude)
    return run_interactive(files, options, ask_safe=args.interactive_all)


def _check_or_fix(args: argparse.Namespace, config: Config, options: Options) -> int:
    """Run over the paths (or stdin), then hand the results to `--add-noqa`, or to the summary and report."""
    out = Stdout()
    interrupted: Optional[int] = None
    try:
        if args.paths == ["-"]:
            results = _run_stdin(args, options, out)
        else:
            results = _run_paths(args, options, config, out)
    except _Stopped as stop:
        results, interrupted = stop.results, stop.skipped
    except OutputFileError as exc:
        out.close()
        print(f"gluon-codemod: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    finally:
        out.close()
    status = _status(results, options.mode) if interrupted is None else EXIT_INTERRUPTED
    if getattr(args, "add_noqa", False) and interrupted is None:
        return _add_noqa(args, config, options, results, status)
    return _summary_and_report(args, options, results, interrupted, status, out)


def _add_noqa(args: argparse.Namespace, config: Config, options: Options, results: List[FileResult],
              status: int) -> int:
    def check_again() -> List[FileResult]:
        again = Stdout()
        try:
            return _run_paths(args, options, config, again)
        finally:
            again.close()
    return run_add_noqa(results, args.add_noqa_reason, status, check_again)


def _summary_and_report(args: argparse.Namespace, options: Options, results: List[FileResult],
                        interrupted: Optional[int], status: int, out: Stdout) -> int:
    """The summary on stderr and the `--report` file; returns the exit status, made 2 by a failed write
    (unless the run was interrupted, which its own status says)."""
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
