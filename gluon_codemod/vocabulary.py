"""What the engine reports: one `Finding` per construct, and the errors that stop a file."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional


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

    def format(self, path: str = "<string>") -> str:
        # flake8/ruff layout, 1-based columns as editors expect
        return f"{path}:{self.line}:{self.col + 1}: {self.code} {self.message}"

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "line": self.line,
            "col": self.col + 1,
            "message": self.message,
            "fix_title": self.fix_title,
            "fix_available": self.fix_available,
            "safety": None if not self.fix_available else ("safe" if self.fix_safe else "unsafe"),
            "fixed": self.fixed,
            "end_line": self.end_line,
            "end_col": self.end_col + 1 if self.end_col is not None else None,
        }


class SourceError(Exception):
    """A file that cannot be decoded or parsed: reported with its line, never rewritten."""

    def __init__(self, message: str, line: int = 1, col: int = 0):
        super().__init__(message)
        self.message = message
        self.line = line
        self.col = col

    def format(self, path: str = "<string>") -> str:
        return f"{path}:{self.line}:{self.col + 1}: error: {self.message}"


@dataclass
class FixResult:
    """The outcome of `fix_code`: the new source and every finding (fixed or not)."""

    code: object  # str or bytes, the same type as the input
    findings: list = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(f.fixed for f in self.findings)
