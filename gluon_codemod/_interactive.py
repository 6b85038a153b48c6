"""`fix --interactive[=all]`: review fixes one rule at a time per file, as a diff, before they are written.

Unsafe fixes (they change checkpoint keys or symbol names) are shown with their reason and asked about:
`[y]es` apply, `[n]o` skip, `[a]ll` apply this and every later fix without asking, `[q]uit` stop (what
was accepted in the current file is written; later files are left alone). Safe fixes are applied
without asking, unless `--interactive=all`. A rule's fixes in one file are one question: the engine
rewrites a file rule by rule, not construct by construct.
"""
from __future__ import annotations

import sys
from dataclasses import replace
from typing import List, Optional, TextIO

from . import _batch
from ._batch import FIX, FileResult, Options, options_for, unified_diff
from ._files import module_name_for, write_atomic
from ._finding import SourceError

PROMPT = "Apply this fix? [y]es/[n]o/[a]ll/[q]uit: "


class _Quit(Exception):
    pass


class Reviewer:
    def __init__(self, ask_safe: bool, answers: TextIO = sys.stdin, out: TextIO = sys.stdout):
        self.ask_safe = ask_safe
        self.answers, self.out = answers, out
        self.accept_all = False
        self.applied = self.declined = 0

    def ask(self, path: str, old: bytes, new: bytes, findings: list, safe: bool) -> bool:
        if self.accept_all or (safe and not self.ask_safe):
            return True
        from ._formats import rule_names

        code = findings[0].code
        kind = "safe fix" if safe else "UNSAFE fix: it may change checkpoint keys or symbol names"
        self.out.write(f"\n{path}: {code} {rule_names().get(code, '')} ({kind}; "
                       f"`gluon-codemod rule {code}` explains)\n")
        for finding in findings:
            self.out.write(f"  line {finding.line}: {finding.message}\n")
            if finding.fix_title:
                self.out.write(f"    fix: {finding.fix_title}\n")
        self.out.write(unified_diff(path, old, new).decode("utf-8", "replace"))
        while True:
            self.out.write(PROMPT)
            self.out.flush()
            answer = self.answers.readline()
            if not answer:  # end of input: stop as with quit
                raise _Quit()
            choice = answer.strip().lower()[:1]
            if choice == "y":
                return True
            if choice == "n":
                return False
            if choice == "a":
                self.accept_all = True
                return True
            if choice == "q":
                raise _Quit()
            self.out.write("Please answer y, n, a or q.\n")


def _rule_steps(data: bytes, options: Options, module_name: Optional[str], view=None):
    from ._engine import check_code

    codes = []
    for finding in check_code(data, target=options.target, select=options.select, ignore=options.ignore,
                              module_name=module_name, project=view):
        if finding.fix_available and finding.code not in codes:
            codes.append(finding.code)
    return codes


def review_file(path: str, options: Options, reviewer: Reviewer) -> FileResult:
    from ._engine import fix_code

    options = options_for(path, options)
    result = FileResult(path)
    try:
        with open(path, "rb") as handle:
            original = handle.read()
    except OSError as exc:
        result.errors.append({"line": 1, "col": 1, "cell": None, "message": f"cannot read: {exc.strerror}"})
        return result
    module_name = module_name_for(path)
    view = _batch._PROJECT.view(path) if _batch._PROJECT is not None and path.endswith(".py") else None
    current = original
    quit_now = False
    try:
        for code in _rule_steps(original, options, module_name, view):
            declined_safe = False
            for unsafe in (False, True):
                if unsafe and declined_safe:
                    # the unsafe step would bring the declined safe changes back with it
                    continue
                fixed = fix_code(current, target=options.target, select=[code], ignore=options.ignore,
                                 unsafe_fixes=unsafe, module_name=module_name, positions="original", project=view)
                if fixed.code == current:
                    continue
                applied = [f for f in fixed.findings if f.fixed]
                if reviewer.ask(path, current, fixed.code, applied, safe=not unsafe):
                    current = fixed.code
                    reviewer.applied += len(applied)
                else:
                    reviewer.declined += len(applied)
                    declined_safe = not unsafe
    except _Quit:
        quit_now = True
    except SourceError as err:
        result.errors.append({"line": err.line, "col": err.col + 1, "cell": None, "message": err.message})
    if current != original:
        result.changed = True
        try:
            write_atomic(path, current)
            result.written = True
        except OSError as exc:
            result.errors.append({"line": 1, "col": 1, "cell": None, "message": f"cannot write: {exc.strerror}"})
    if quit_now:
        raise _Stop(result)
    return result


class _Stop(Exception):
    def __init__(self, result: FileResult):
        super().__init__("quit")
        self.result = result


def run_interactive(paths: List[str], options: Options, ask_safe: bool) -> int:
    """Review each file in turn; returns the exit status."""
    if not sys.stdin.isatty():
        print("gluon-codemod: error: --interactive needs a terminal to ask in (stdin is not one); use "
              "`fix --diff` to review in a pipe", file=sys.stderr)
        return 2
    options = replace(options, mode=FIX)
    reviewer = Reviewer(ask_safe)
    results: List[FileResult] = []
    for path in paths:
        if path.endswith(".ipynb"):
            print(f"gluon-codemod: {path}: notebooks are not reviewed interactively; left unchanged",
                  file=sys.stderr)
            continue
        try:
            results.append(review_file(path, options, reviewer))
        except _Stop as stop:
            results.append(stop.result)
            print("\ngluon-codemod: quit; the files after this one were left unchanged", file=sys.stderr)
            break
    for result in results:
        for error in result.errors:
            print(f"{result.path}:{error['line']}:{error['col']}: error: {error['message']}", file=sys.stderr)
    written = sum(1 for r in results if r.written)
    print(f"\ngluon-codemod fix --interactive: {written} file{'s' if written != 1 else ''} rewritten, "
          f"{reviewer.applied} fix{'es' if reviewer.applied != 1 else ''} applied, {reviewer.declined} declined",
          file=sys.stderr)
    if any(r.errors for r in results):
        return 2
    return 1 if written or reviewer.declined else 0
