"""The contract every rule module follows, and the registry that finds them in `gluon_codemod.rules`.

A rule is a class with a `code`, a `message`, a `fix_title`, ruff-style documentation in its docstring,
`VALID`/`INVALID` examples (they run as tests) and `visit_<AstNode>` methods. Detection runs on the
standard library's `ast` (cheap, and what flake8 hands plugins); a fix is an `Edit` anchored on the
span of the reported node and applied later with libcst, only for files that need one.
"""
from __future__ import annotations

import ast
import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Tuple

from .context import FileContext
from ..vocabulary import Finding

if TYPE_CHECKING:
    import libcst as cst


class CannotFix(Exception):
    """Raised by an edit that finds, on the concrete tree, that it would lose something (a comment)."""


def example_source(text: Optional[str]) -> Optional[str]:
    '''The code an example's string stands for.

    A string that opens with a newline is an indented triple-quoted block (Fixit's form): that newline,
    the indentation common to its lines and the whitespace before the closing quotes are not part of
    the code, so

        Invalid(
            """
            with self.name_scope():
                self.dense = nn.Dense(3)
            """,
        )

    stands for `'with self.name_scope():\\n    self.dense = nn.Dense(3)\\n'`. Any other string (such as a
    concatenation of `"...\\n"` pieces) is the code as it is. Unlike `textwrap.dedent`, whitespace-only
    lines keep whatever lies beyond the margin.
    '''
    if text is None or not text.startswith("\n"):
        return text
    lines = text[1:].split("\n")
    if not lines[-1].strip():
        lines[-1] = ""  # the indentation before the closing quotes
    margin = min((_indent(line) for line in lines if line.strip()), default=0)
    return "\n".join(line[min(margin, _indent(line)):] for line in lines)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


@dataclass
class Valid:
    """Code the rule must leave alone and not report; `why` says why it is left alone.

    `code` may be written as an indented triple-quoted block (see `example_source`)."""

    code: str
    why: str = ""
    target: str = "mxnet"

    def __post_init__(self):
        self.code = example_source(self.code)


@dataclass
class Invalid:
    """Code the rule reports. `expected` is the fixed code, or None when no fix is applied.

    `line` (1-based) is where the rule reports it, and `col` (0-based, as `Finding.col`) the column,
    when given: the example tests check that the rule reports a finding there. `code` and `expected`
    may be written as indented triple-quoted blocks (see `example_source`).
    """

    code: str
    expected: Optional[str] = None
    unsafe_fixes: bool = False
    target: str = "mxnet"
    why: str = ""
    line: Optional[int] = None
    col: Optional[int] = None

    def __post_init__(self):
        self.code = example_source(self.code)
        self.expected = example_source(self.expected)
        if self.col is not None and self.line is None:
            raise ValueError("Invalid example: col= given without line=; give the line the rule reports too")

    def reported_by(self, findings: "List[Finding]") -> bool:
        """Whether `findings` (of this example's rule) include one at `line` (and `col`), when pinned."""
        if self.line is None:
            return bool(findings)
        return any(f.line == self.line and (self.col is None or f.col == self.col) for f in findings)


@dataclass
class Edit:
    """A rewrite of the libcst node of type `target` (its class's name: "Call") that spans `span` (ast
    coordinates). (A name, not the class: finding what to fix does not import libcst; see `libcst_on_demand`.)"""

    target: str
    apply: Callable[["cst.CSTNode", "FixContext"], Any]
    span: Tuple[int, int, int, int] = (0, 0, 0, 0)
    safe: bool = True
    #: For an edit of a call that removes arguments: (keywords, positional slots, leading arguments
    #: skipped before counting slots). The project's consistency check reads it: a signature may lose a
    #: parameter only where every call passing it gets an edit that drops it.
    drops: Optional[Tuple[Tuple[str, ...], Tuple[int, ...], int]] = None


@dataclass
class FixContext:
    """Handed to edits: module-level needs (imports) that one node cannot satisfy alone."""

    target: str = "mxnet"
    imports: List[Tuple[str, Optional[str], Optional[str]]] = field(default_factory=list)
    #: Comment lines to place after a statement once its enclosing block is rebuilt (see `carry_after`).
    carried: Dict[int, list] = field(default_factory=dict)

    def carry_after(self, statement: cst.CSTNode, lines: list) -> None:
        """Keep `lines` (EmptyLines) right after `statement` in whatever block ends up holding it.

        An unwrapped `with` body's trailing comments cannot be attached to the body's last
        statement, only to the statement that follows it, which the edit cannot see.
        """
        if lines:
            self.carried.setdefault(id(statement), []).extend(lines)

    def require_import(self, module: str, name: Optional[str] = None, asname: Optional[str] = None) -> None:
        item = (self.retarget(module), name, asname)
        if item not in self.imports:
            self.imports.append(item)

    def retarget(self, module: str) -> str:
        if self.target == "runtime" and (module == "mxnet.gluon" or module.startswith("mxnet.gluon.")):
            return "gluon_runtime" + module[len("mxnet.gluon"):]
        return module


class Rule:
    """Base class of a migration rule; see the module docstring."""

    code: str = ""
    name: str = ""
    message: str = ""
    fix_title: Optional[str] = None
    #: Targets the rule runs for ("mxnet": new Block API; "runtime": also retarget imports).
    targets: Tuple[str, ...] = ("mxnet", "runtime")
    #: Its findings without an edit go with an argument that another finding's fix removes (a
    #: `self.prefix` inside a `prefix=` argument): they would point at code that no longer exists.
    gone_with_dropped_arguments: bool = False
    #: The rule's fixes drop `prefix`/`params` arguments from calls: the project's plan counts on them.
    drops_arguments: bool = False
    #: The rule removes `prefix`/`params` from signatures: the project's plan is made of its removals, and
    #: the calls that pass a parameter the plan keeps are reported under its code.
    removes_parameters: bool = False
    VALID: List[Valid] = []
    INVALID: List[Invalid] = []

    def __init__(self, sink: "Callable[[Finding, Optional[Edit]], None]", ctx: FileContext):
        self._sink = sink
        self.ctx = ctx

    def report(self, node: ast.AST, message: Optional[str] = None, *, edit: Optional[Edit] = None,
               fix_title: Optional[str] = None, **fmt) -> None:
        """Report `node`; `message` defaults to the rule's, formatted with `fmt`."""
        text = (message or self.message).format(**fmt)
        finding = Finding(self.code, node.lineno, node.col_offset, text,
                          fix_title=(fix_title or self.fix_title) if edit else None,
                          fix_available=edit is not None, fix_safe=edit.safe if edit else True,
                          end_line=getattr(node, "end_lineno", None), end_col=getattr(node, "end_col_offset", None))
        if edit is not None and edit.span == (0, 0, 0, 0):
            edit.span = (node.lineno, node.col_offset, node.end_lineno, node.end_col_offset)
        self._sink(finding, edit)

    @classmethod
    def documentation(cls) -> str:
        """The rule module's docstring: What it does / Why is this bad? / Example / Use instead / Fix safety."""
        import sys

        return (sys.modules[cls.__module__].__doc__ or "").strip()

    @classmethod
    def handlers(cls) -> Dict[type, str]:
        """`visit_With` -> {ast.With: 'visit_With'}."""
        found = cls.__dict__.get("_handlers")  # (asked for every file: worked out once per class)
        if found is None:
            found = {}
            for attr in dir(cls):
                if attr.startswith("visit_"):
                    node_type = getattr(ast, attr[len("visit_"):], None)
                    if isinstance(node_type, type):
                        found[node_type] = attr
            cls._handlers = found
        return found


def all_rules() -> List[type]:
    """Every rule class in `gluon_codemod.rules`, ordered by code."""
    global _RULES
    if _RULES is None:
        from .. import rules as package

        found = []
        for info in pkgutil.iter_modules(package.__path__):
            if info.name.startswith("_"):
                continue
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            for value in vars(module).values():
                if isinstance(value, type) and issubclass(value, Rule) and value is not Rule and value.code \
                        and value.__module__ == module.__name__:
                    found.append(value)
        _RULES = sorted(found, key=lambda r: r.code)
    return _RULES


_RULES: Optional[List[type]] = None


def codes_declaring(attribute: str, rules: Optional[List[type]] = None) -> Tuple[str, ...]:
    """The codes of the rules (of `rules`, or all) that declare `attribute` (`drops_arguments`, ...)."""
    return tuple(r.code for r in (all_rules() if rules is None else rules) if getattr(r, attribute))


def selected_rules(select=None, ignore=None, target: str = "mxnet") -> List[type]:
    """Rules enabled by ruff-style prefix selection (`GLN0` selects GLN001..GLN009)."""
    def matches(code, prefixes):
        return any(code.startswith(p.strip().upper()) for p in prefixes if p.strip())

    rules = [r for r in all_rules() if target in r.targets]
    if select:
        rules = [r for r in rules if matches(r.code, select)]
    if ignore:
        rules = [r for r in rules if not matches(r.code, ignore)]
    return rules
