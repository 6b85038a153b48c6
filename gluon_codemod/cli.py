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

from ._batch import CHECK, DIFF, FIX, FileResult, Options, available_cores, process_source, \
    progress_bar, run_files, unified_diff
from ._config import Config, ConfigError, discover
from ._engine import TARGETS
from ._files import Excluder, collect_files, module_name_for
from ._report import format_error, format_finding, format_summary, write_report

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gluon-codemod",
        description="Migrate MXNet Gluon 1.x code to the simplified Block API (apache/mxnet#18412).",
        epilog="Exit status: 0 nothing to report or change; 1 findings remain or files were (or would be) "
               "changed; 2 usage error or a file that could not be read or parsed.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    check = commands.add_parser("check", help="report old-API constructs; writes nothing")
    fix = commands.add_parser("fix", help="apply safe fixes in place (or print a diff with --diff)")
    _add_common(check, fixing=False)
    _add_common(fix, fixing=True)
    fix.add_argument("--diff", action="store_true",
                     help="print a unified diff (applies with `patch -p1`) instead of writing files")
    from . import verify
    from .verify import convert

    verify.add_parser(commands)
    convert.add_parser(commands)
    return parser


def _known_codes() -> List[str]:
    from ._rule import all_rules

    return [rule.code for rule in all_rules()]


def _check_codes(codes: Sequence[str], where: str) -> None:
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
    select = args.select if args.select is not None else config_select
    ignore = args.ignore if args.ignore is not None else config_ignore
    _check_codes(select or (), "--select")
    _check_codes(ignore, "--ignore")
    mode = CHECK if args.command == "check" else (DIFF if args.diff else FIX)
    unsafe = args.unsafe_fixes if args.unsafe_fixes is not None else bool(config.unsafe_fixes)
    return Options(mode=mode, target=args.target or config.target or "mxnet",
                   select=tuple(select) if select is not None else None, ignore=tuple(ignore),
                   unsafe_fixes=unsafe)


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
    (files are still fixed), and the interpreter's final flush is pointed at /dev/null."""

    def __init__(self):
        self.broken = False

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

    def close(self) -> None:
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            self.broken = True
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


def _emit(result: FileResult, options: Options, out: _Stdout, to_stdout: bool, bar) -> None:
    lines = [format_finding(result.path, f) for f in result.findings if not f["fixed"]]
    errors = [format_error(result.path, e) for e in result.errors]
    if not (lines or errors or result.diff):
        return
    write_mode = bar.external_write_mode() if bar is not None else _nothing()
    with write_mode:
        if result.diff:
            out.bytes(result.diff)
        if lines:
            if to_stdout:
                out.text("".join(line + "\n" for line in lines))
            else:
                sys.stderr.write("".join(line + "\n" for line in lines))
        if errors:
            sys.stderr.write("".join(line + "\n" for line in errors))


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _run_stdin(args: argparse.Namespace, options: Options, out: _Stdout) -> List[FileResult]:
    data = sys.stdin.buffer.read()
    display = args.stdin_filename or "-"
    module_name = module_name_for(args.stdin_filename) if args.stdin_filename else None
    result, new = process_source(data, display, options, module_name, display.endswith(".ipynb"))
    if options.mode == DIFF and result.changed:
        result.diff = unified_diff(display, data, new)
    _emit(result, options, out, to_stdout=options.mode == CHECK, bar=None)
    if options.mode == FIX:
        out.bytes(new)  # stdout is the file's content: always written, unchanged on error
    return [result]


def _run_paths(args: argparse.Namespace, options: Options, config: Config, out: _Stdout) -> List[FileResult]:
    files = collect_files(args.paths, excluder=_excluder(args, config), force_exclude=args.force_exclude)
    jobs = args.jobs or available_cores()
    bar = progress_bar(len(files), enabled=not args.quiet)
    results = []
    try:
        for result in run_files(files, options, jobs, on_done=bar.update if bar is not None else None):
            results.append(result)
            _emit(result, options, out, to_stdout=options.mode != DIFF, bar=bar)
    finally:
        if bar is not None:
            bar.close()
    return results


def main(argv: Optional[List[str]] = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command in ("verify", "convert-params"):
        return args.handler(args)
    if "-" in args.paths and len(args.paths) > 1:
        parser.error("`-` (stdin) cannot be combined with other paths")
    try:
        config = discover(args.config, args.no_config)
        options = _options(args, config)
    except (ConfigError, UsageError) as exc:
        print(f"gluon-codemod: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    out = _Stdout()
    try:
        if args.paths == ["-"]:
            results = _run_stdin(args, options, out)
        else:
            results = _run_paths(args, options, config, out)
    finally:
        out.close()
    status = _status(results, options.mode)
    if not args.quiet:
        sys.stderr.write(format_summary(results, options))
    if args.report:
        try:
            write_report(args.report, results, options)
        except OSError as exc:
            print(f"gluon-codemod: error: cannot write the report {args.report}: {exc.strerror or exc}",
                  file=sys.stderr)
            status = EXIT_ERROR
    return status


if __name__ == "__main__":
    sys.exit(main())
