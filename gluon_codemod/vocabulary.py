"""The values every layer passes on: what a run is asked to do (`Options`, `Mode`), what the engine reports
(`Finding`, `SourceError`, `FixResult`) and what a run gives back per file (`FileResult`).

Nothing here imports the rest of the package, so the engine, the runs, the output and the front ends all
import it. `Finding`, `SourceError` and `FileResult` cross the worker pool: they are plain data and pickle.

Positions: `line` is 1-based; `col` (and `end_col`) are 0-based, as `ast` counts; `column` and
`end_column` are the 1-based columns editors and every output format show.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import List, Optional, Tuple


def position(line: int, column: int, cell: Optional[int] = None) -> str:
    """`line:column`, or `cell N:line:column` inside a notebook (where lines count inside the cell)."""
    return f"cell {cell}:{line}:{column}" if cell is not None else f"{line}:{column}"


def location(path: str, line: int, column: int, cell: Optional[int] = None) -> str:
    """`path:line:column`, or `nb.ipynb:cell N:line:column` (1-based column): the one place this is spelled."""
    return f"{path}:{position(line, column, cell)}"


@dataclass
class Finding:
    """One old-API construct found in a file.

    `fix_available` says whether the rule can rewrite it, `fix_safe` whether that rewrite preserves
    behaviour (unsafe fixes need an explicit opt-in), `fixed` whether it was applied in this run.
    """

    code: str
    line: int
    col: int
    message: str
    fix_title: Optional[str] = None
    fix_available: bool = False
    fix_safe: bool = True
    fixed: bool = False
    #: Where the construct ends (1-based line, 0-based column as `col`), when the rule knows.
    end_line: Optional[int] = None
    end_col: Optional[int] = None
    #: The notebook cell (1-based, as the notebook shows them) `line` counts in; None in a `.py` file.
    cell: Optional[int] = None

    @property
    def column(self) -> int:
        return self.col + 1

    @property
    def end_column(self) -> Optional[int]:
        return self.end_col + 1 if self.end_col is not None else None

    @property
    def applicability(self) -> str:
        """`safe`, `unsafe` (needs --unsafe-fixes) or `none` (reported only)."""
        if not self.fix_available:
            return "none"
        return "safe" if self.fix_safe else "unsafe"

    def where(self, path: str) -> str:
        return location(path, self.line, self.column, self.cell)

    def format(self, path: str = "<string>") -> str:
        # flake8/ruff layout, 1-based columns as editors expect
        return f"{self.where(path)}: {self.code} {self.message}"

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "line": self.line,
            "col": self.column,
            "message": self.message,
            "fix_title": self.fix_title,
            "fix_available": self.fix_available,
            "safety": None if not self.fix_available else self.applicability,
            "fixed": self.fixed,
            "end_line": self.end_line,
            "end_col": self.end_column,
        }


@dataclass(eq=False)  # compared by identity, as exceptions are (and so they stay hashable)
class SourceError(Exception):
    """A file (or a notebook cell) that cannot be read, decoded or parsed: reported with its line, never
    rewritten."""

    message: str
    line: int = 1
    col: int = 0
    cell: Optional[int] = None

    def __post_init__(self):
        super().__init__(self.message)  # `str(error)` is the message

    def __reduce__(self):
        # An exception pickles as `cls(*args)`; the fields are what rebuilds this one.
        return type(self), (self.message, self.line, self.col, self.cell)

    @property
    def column(self) -> int:
        return self.col + 1

    def where(self, path: str) -> str:
        return location(path, self.line, self.column, self.cell)

    def format(self, path: str = "<string>") -> str:
        return f"{self.where(path)}: error: {self.message}"


@dataclass
class FixResult:
    """The outcome of `fix_code`: the new source and every finding (fixed or not)."""

    code: object  # str or bytes, the same type as the input
    findings: list = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(f.fixed for f in self.findings)


class Mode(enum.Enum):
    """What a run does with each file."""

    CHECK = "check"  # report only
    FIX = "fix"  # write the fixes in place
    DIFF = "diff"  # fix, but print a diff instead of writing


@dataclass(frozen=True)
class Options:
    mode: Mode
    target: str = "mxnet"
    select: Optional[Tuple[str, ...]] = None
    ignore: Tuple[str, ...] = ()
    unsafe_fixes: bool = False
    fix_edits: bool = False  # compute each finding's replacements (for --output-format sarif)
    #: ((glob, folder it is relative to, codes), ...): `per-file-ignores` of the configuration
    per_file_ignores: Tuple[Tuple[str, str, Tuple[str, ...]], ...] = ()


@dataclass
class FileResult:
    """One file of a run, as a worker sends it back (plain data: no AST or CST objects)."""

    path: str  # as the user will see it
    findings: List[Finding] = field(default_factory=list)  # `fixed`: applied in the bytes written (or shown)
    errors: List[SourceError] = field(default_factory=list)
    changed: bool = False  # the fix changes the file (written, or would be with --diff)
    written: bool = False
    diff: Optional[bytes] = None  # in the file's own encoding, so that `patch` applies it
    skipped: Optional[str] = None  # why the path was not read (not a regular file)
    edits: Optional[dict] = None  # finding index -> replacements, with Options.fix_edits

    def open_findings(self) -> List[Finding]:
        """The findings left to do (in `fix`, those a fix removed are not)."""
        return [f for f in self.findings if not f.fixed]

    def nothing_applied(self) -> None:
        """The new bytes were not written (nor handed out): no finding counts as fixed, and the fix edits,
        made against those bytes, no longer apply. The one place where `fixed` is taken back after the
        engine set it."""
        for finding in self.findings:
            finding.fixed = False
        self.edits = None
