"""`gluon-codemod check|fix PATH...`: report and rewrite Gluon 1.x code.

Exit codes (as ruff and pyupgrade): 0 nothing to report or change; 1 findings remain or files were
(or, with --diff, would be) changed; 2 usage error, or a file could not be read or parsed.
"""
from __future__ import annotations

import argparse
import difflib
import sys
from typing import List, Optional

from ._engine import TARGETS, fix_code
from ._files import iter_python_files, module_name_for, write_atomic
from ._finding import SourceError

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gluon-codemod",
        description="Migrate MXNet Gluon 1.x code to the simplified Block API (apache/mxnet#18412).",
        epilog="Exit status: 0 nothing to report or change; 1 findings remain or files were (or would be) "
               "changed; 2 usage error or a file that could not be read or parsed.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    check = commands.add_parser("check", help="report old-API constructs; writes nothing")
    fix = commands.add_parser("fix", help="apply safe fixes in place (or print a diff with --diff)")
    for sub in (check, fix):
        sub.add_argument("paths", nargs="+", metavar="PATH", help="files or folders (searched for .py files)")
        sub.add_argument("--target", choices=TARGETS, default="mxnet",
                         help="mxnet: code for the new Block API (default); runtime: also point mxnet.gluon "
                              "imports at gluon_runtime so the code runs on MXNet 1.9.1")
    fix.add_argument("--diff", action="store_true", help="print a unified diff instead of writing files")
    fix.add_argument("--unsafe-fixes", action="store_true",
                     help="also apply fixes that may change behaviour (checkpoint keys, symbol names)")
    from . import verify

    verify.add_parser(commands)
    return parser


def _read(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def _diff(path: str, old: bytes, new: bytes, encoding: str = "utf-8") -> str:
    old_text = old.decode(encoding, "replace").splitlines(keepends=True)
    new_text = new.decode(encoding, "replace").splitlines(keepends=True)
    return "".join(difflib.unified_diff(old_text, new_text, fromfile=f"a/{path}", tofile=f"b/{path}"))


def main(argv: Optional[List[str]] = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "verify":
        return args.handler(args)
    status = EXIT_CLEAN
    out = sys.stdout
    for path in iter_python_files(args.paths):
        try:
            data = _read(path)
        except OSError as exc:
            print(f"{path}:1:1: error: cannot read: {exc.strerror}", file=sys.stderr)
            status = EXIT_ERROR
            continue
        module_name = module_name_for(path)
        fixing = args.command == "fix"
        try:
            result = fix_code(data, target=args.target, module_name=module_name,
                              unsafe_fixes=fixing and args.unsafe_fixes) if fixing else None
            findings = result.findings if fixing else _check(data, args.target, module_name)
        except SourceError as exc:
            print(exc.format(path), file=sys.stderr)
            status = EXIT_ERROR
            continue
        for finding in findings:
            if not finding.fixed:
                out.write(finding.format(path) + "\n")
                status = max(status, EXIT_FINDINGS)
        if fixing and result.code != data:
            status = max(status, EXIT_FINDINGS)
            if args.diff:
                out.write(_diff(path, data, result.code))
            else:
                try:
                    write_atomic(path, result.code)
                except OSError as exc:
                    print(f"{path}:1:1: error: cannot write: {exc.strerror}", file=sys.stderr)
                    status = EXIT_ERROR
                    continue
                print(f"fixed {path}", file=sys.stderr)
    return status


def _check(data: bytes, target: str, module_name: Optional[str]):
    from ._engine import check_code

    return check_code(data, target=target, module_name=module_name)


if __name__ == "__main__":
    sys.exit(main())
