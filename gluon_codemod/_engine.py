"""The pipeline: cheap text pre-filter, one `ast` traversal for all rules, libcst only to rewrite."""
from __future__ import annotations

import ast
import bisect
from typing import Dict, List, Optional, Sequence, Tuple, Union

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from ._context import FileContext
from ._lines import split_lines
from .analysis import consistency
from .analysis.plan import ProjectView
from ._finding import Finding, FixResult, SourceError
from ._rule import CannotFix, Edit, FixContext, selected_rules
from ._source import decode_source, might_contain_gluon  # noqa: F401 (re-exported)

TARGETS = ("mxnet", "runtime")
Source = Union[str, bytes]


def _lines(text: str) -> List[str]:
    return split_lines(text)  # at `\n`, `\r\n` and `\r` only, as Python counts lines (not at form feeds)


_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


def _walk(node: ast.AST, ctx: FileContext, dispatch: Dict[type, list], children: Dict[int, list]) -> None:
    """Depth first over the tree (children from the file's index), keeping `ctx`'s stacks current."""
    kind = type(node)
    handlers = dispatch.get(kind)
    if handlers:
        for handler in handlers:
            handler(node)
    kids = children.get(id(node))
    if kids is None:  # a leaf: nothing to push; only an assignment needs noting (it has children)
        return
    if kind is ast.ClassDef:
        ctx.class_stack.append(node)
    elif kind in _FUNCTIONS:
        ctx.function_stack.append(node)
    elif kind is ast.Import or kind is ast.ImportFrom:
        ctx.imports.add(node)
    parents = ctx.parents
    parents.append(node)
    for child in kids:
        _walk(child, ctx, dispatch, children)
    parents.pop()
    if kind is ast.ClassDef:
        ctx.class_stack.pop()
    elif kind in _FUNCTIONS:
        ctx.function_stack.pop()
    elif kind is ast.Assign or kind is ast.AnnAssign:
        ctx.note_assignment(node)


def analyze(text: str, *, tree: Optional[ast.Module] = None, select=None, ignore=None, target: str = "mxnet",
            module_name: Optional[str] = None, noqa: bool = True, project: Optional[ProjectView] = None,
            unsafe_fixes: bool = False) -> List[Tuple[Finding, Optional[Edit]]]:
    """Findings (each with its edit, if the rule can fix it) for decoded source `text`.

    `noqa=False` reports findings on `# noqa` lines too, for callers that apply `noqa` themselves (flake8).
    With `project`, names imported from other modules of the project resolve, the project's plan of
    signature changes is followed, and what this module tells the plan is left in `project.facts`
    (`unsafe_fixes` says which edits a fix would apply, for that).
    """
    return _analyze(text, tree=tree, select=select, ignore=ignore, target=target, module_name=module_name,
                    noqa=noqa, project=project, unsafe_fixes=unsafe_fixes)[0]


def _analyze(text: str, *, tree: Optional[ast.Module], select, ignore, target: str, module_name: Optional[str],
             noqa: bool = True, project: Optional[ProjectView] = None, unsafe_fixes: bool = False,
             ) -> Tuple[List[Tuple[Finding, Optional[Edit]]], Optional[ast.Module]]:
    """`analyze`, and the `ast` tree it worked on (None when the text pre-filter ruled the file out)."""
    if target not in TARGETS:
        raise ValueError(f"unknown target {target!r}: expected one of {', '.join(TARGETS)}")
    if tree is None and not might_contain_gluon(text, module_name) and not (project and project.concerns(text)):
        return [], None
    if tree is None:
        try:
            tree = ast.parse(text)
        except SyntaxError as exc:
            raise SourceError(f"cannot parse: {exc.msg}", exc.lineno or 1, max((exc.offset or 1) - 1, 0))
    lines = _lines(text)
    if project is not None and project.module is not None:
        module_name = project.module.name
    ctx = FileContext(tree, lines, module_name, project=project,
                      is_package=bool(project and project.path.endswith("__init__.py")), source=text)
    results: List[Tuple[Finding, Optional[Edit]]] = []

    def sink(finding: Finding, edit: Optional[Edit]) -> None:
        if not noqa or not ctx.suppressed(finding.line, finding.code):
            results.append((finding, edit))

    dispatch: Dict[type, list] = {}
    rules = selected_rules(select, ignore, target)
    for rule_class in rules:
        rule = rule_class(sink, ctx)
        for node_type, method in rule_class.handlers().items():
            dispatch.setdefault(node_type, []).append(getattr(rule, method))
    if dispatch:
        _walk(tree, ctx, dispatch, ctx.index.children)
    if project is not None:
        consistency.note_facts(ctx, results, sink, unsafe_fixes, report_kept=any(r.code == "GLN003" for r in rules))
    results.sort(key=lambda r: (r[0].line, r[0].col, r[0].code))
    if not text.isascii():
        _to_character_columns(results, lines)
    return results, tree


def _to_character_columns(results, lines: List[str]) -> None:
    """`ast` columns are UTF-8 byte offsets; libcst and editors count characters."""
    def char_col(line: int, col: int) -> int:
        if 1 <= line <= len(lines):
            return len(lines[line - 1].encode("utf-8")[:col].decode("utf-8", "ignore"))
        return col

    for finding, edit in results:
        finding.col = char_col(finding.line, finding.col)
        if edit is not None:
            l1, c1, l2, c2 = edit.span
            edit.span = (l1, char_col(l1, c1), l2, char_col(l2, c2))


class _Fixer(cst.CSTTransformer):
    """Applies every planned edit in one libcst traversal, matching nodes by type and span."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, edits: Sequence[Edit], fix_context: FixContext):
        super().__init__()
        self.fix_context = fix_context
        self.pending: Dict[Tuple[type, int, int, int, int], List[Edit]] = {}
        for edit in edits:
            self.pending.setdefault((edit.target,) + tuple(edit.span), []).append(edit)
        self.types = {key[0] for key in self.pending}
        self.applied: set = set()
        self.refused: Dict[int, str] = {}
        #: Positions of the nodes being transformed, when they come from `_transform_statements`.
        self.positions: Optional[Dict[cst.CSTNode, Tuple[int, int, int, int]]] = None
        self.starts = sorted(tuple(edit.span[:2]) for edit in edits)

    def on_visit(self, node) -> bool:
        # With positions at hand, a subtree where no edit starts is left as it is, unvisited: an edited
        # node starts inside every node that encloses it (and a carried comment belongs to a block that
        # holds the edit that carried it).
        if self.positions is None:
            return super().on_visit(node)
        where = self.positions.get(node)
        if where is None:
            return False  # the header of a class or function whose body statements hold the edits
        line, column, end_line, end_column = where
        index = bisect.bisect_left(self.starts, (line, column))
        return index < len(self.starts) and self.starts[index] <= (end_line, end_column)

    def on_leave(self, original_node, updated_node):
        if self.fix_context.carried and isinstance(updated_node, (cst.IndentedBlock, cst.Module)):
            updated_node = self._place_carried(updated_node)
        if type(original_node) not in self.types:
            return updated_node
        if self.positions is not None:
            where = self.positions.get(original_node)
            if where is None:
                return updated_node
            key = (type(original_node),) + where
        else:
            pos = self.get_metadata(PositionProvider, original_node)
            key = (type(original_node), pos.start.line, pos.start.column, pos.end.line, pos.end.column)
        for edit in self.pending.get(key, ()):
            if not isinstance(updated_node, cst.CSTNode):
                break  # an earlier edit removed or flattened the node
            try:
                updated_node = edit.apply(updated_node, self.fix_context)
            except CannotFix as reason:
                self.refused[id(edit)] = str(reason)
                continue
            self.applied.add(id(edit))
        return updated_node

    def _place_carried(self, block):
        body = list(block.body)
        carried = self.fix_context.carried
        footer = list(block.footer)
        changed = False
        for index, statement in enumerate(body):
            lines = carried.pop(id(statement), None)
            if not lines:
                continue
            changed = True
            if index + 1 < len(body):
                follower = body[index + 1]
                body[index + 1] = follower.with_changes(leading_lines=list(lines) + list(follower.leading_lines))
            else:
                footer = list(lines) + footer
        return block.with_changes(body=body, footer=footer) if changed else block


def _transform_statements(module: cst.Module, tree: ast.Module, edits: Sequence[Edit],
                          fixer: _Fixer) -> Optional[cst.Module]:
    """Apply `fixer` to the top-level statements that hold an edit only, or return None if it cannot.

    Node positions cost a code generation pass over the code they cover, and the transform another
    traversal; most of a file needs neither. Each statement of `module.body` is lined up with the `ast`
    statements it holds (a simple statement line holds one per `;`-separated statement); a statement
    that holds an edit gets its positions computed on its own (they only shift by whole lines: a
    top-level statement starts at column 0), checked against the `ast` lines of its first and last
    statement, and is transformed alone. In a class or function whose edits all lie in statements of its
    body (a model class's `__init__`), only those statements get positions, and so on inward
    (`_narrowed`). Anything that does not line up returns None.
    """
    groups = _line_up(module.body, tree.body)
    if groups is None:
        return None
    affected = _holding(groups, [edit.span for edit in edits])
    if affected is None:
        return None  # not inside a statement (the module itself?): let the whole-tree pass decide
    positions: Dict[cst.CSTNode, Tuple[int, int, int, int]] = {}
    for index, held in affected.items():
        leaves: List[Tuple[cst.CSTNode, List[ast.stmt]]] = []
        narrowed = _narrowed(module.body[index], groups[index], held, positions, leaves)
        found = _positions_alone(narrowed, module)
        if not all(_add_shifted(positions, found, leaf, group) for leaf, group in leaves):
            return None
    fixer.positions = positions
    body: List[cst.CSTNode] = []
    for index, statement in enumerate(module.body):
        if index not in affected:
            body.append(statement)
            continue
        result = statement.visit(fixer)
        if isinstance(result, cst.FlattenSentinel):
            body.extend(result.nodes)
        elif isinstance(result, cst.CSTNode):
            body.append(result)
    new_module = module.with_changes(body=body)
    # What the whole-tree pass does on leaving the module: comments carried past a top-level statement.
    return fixer._place_carried(new_module) if fixer.fix_context.carried else new_module


def _line_up(statements: Sequence[cst.CSTNode], body: List[ast.stmt]) -> Optional[List[List[ast.stmt]]]:
    """The `ast` statements each libcst statement holds, or None if they do not line up."""
    groups: List[List[ast.stmt]] = []
    taken = 0
    for statement in statements:
        count = len(statement.body) if isinstance(statement, cst.SimpleStatementLine) else 1
        group = body[taken:taken + count]
        if len(group) != count:
            return None
        groups.append(group)
        taken += count
    return groups if taken == len(body) else None


def _holding(groups: List[List[ast.stmt]], spans) -> Optional[Dict[int, list]]:
    """Index of the statement group that holds each span -> those spans; None if one is outside all."""
    starts = [_first_line(group[0]) for group in groups]
    held: Dict[int, list] = {}
    for span in spans:
        index = bisect.bisect_right(starts, span[0]) - 1
        if index < 0 or span[0] > groups[index][-1].end_lineno:
            return None
        held.setdefault(index, []).append(span)
    return held


def _narrowed(statement: cst.CSTNode, group: List[ast.stmt], spans, positions, leaves) -> cst.CSTNode:
    """`statement` cut down to what its positions are needed for: in a class or function whose edits all
    start in statements of its body (a model class's `__init__`, the statements of `__init__` that hold
    an edit), only those statements, narrowed in turn. The statements kept whole go to `leaves`; the
    enclosing ones, their blocks and the statements left out get their `ast` spans, enough to decide
    where to descend (their headers get no positions, and are not visited)."""
    inner = _inner_statements(statement, group, spans)
    if inner is None:
        leaves.append((statement, group))
        return statement
    body_groups, held = inner
    statements = statement.body.body
    kept = [_narrowed(statements[i], body_groups[i], held[i], positions, leaves) for i in sorted(held)]
    positions[statement] = positions[statement.body] = _group_span(group)
    for i, body_statement in enumerate(statements):
        if i not in held:
            positions[body_statement] = _group_span(body_groups[i])
    return statement.with_changes(body=statement.body.with_changes(body=kept))


def _inner_statements(statement: cst.CSTNode, group: List[ast.stmt], spans):
    """For a class or function whose edits all start in statements of its (indented) body: the body's
    statement groups and the indices holding edits; otherwise None."""
    compound = isinstance(statement, (cst.ClassDef, cst.FunctionDef))
    if not compound or not isinstance(statement.body, cst.IndentedBlock):
        return None
    groups = _line_up(statement.body.body, group[0].body)
    if not groups:
        return None
    held = _holding(groups, spans)
    first = groups[0][0]
    if held is None or any(span[:2] < (first.lineno, 0) for span in spans):
        return None  # an edit of the header (a decorator, a base class, a parameter)
    return groups, held


def _positions_alone(statement: cst.CSTNode, module: cst.Module):
    alone = cst.Module(body=[statement], default_indent=module.default_indent,
                       default_newline=module.default_newline, encoding=module.encoding)
    return MetadataWrapper(alone, unsafe_skip_copy=True).resolve(PositionProvider)


def _add_shifted(positions, found, statement: cst.CSTNode, group: List[ast.stmt]) -> bool:
    """Positions of `statement`'s subtree, moved by whole lines to where the `ast` statements are; False
    if its first and last statements do not land on their `ast` lines and column."""
    first, last = (statement.body[0], statement.body[-1]) if isinstance(
        statement, cst.SimpleStatementLine) else (statement, statement)
    shift = group[0].lineno - found[first].start.line
    if found[first].start.column != group[0].col_offset or found[last].end.line + shift != group[-1].end_lineno:
        return False
    for node in _subtree(statement):
        where = found[node]
        positions[node] = (where.start.line + shift, where.start.column, where.end.line + shift,
                           where.end.column)
    return True


def _subtree(node: cst.CSTNode):
    todo = [node]
    while todo:
        node = todo.pop()
        yield node
        todo.extend(node.children)


def _first_line(statement: ast.stmt) -> int:
    """A statement's first line, its decorators included."""
    return min([statement.lineno] + [d.lineno for d in getattr(statement, "decorator_list", ())])


def _group_span(group: List[ast.stmt]) -> Tuple[int, int, int, int]:
    first = group[0]
    line = _first_line(first)
    return (line, 0 if line < first.lineno else first.col_offset, group[-1].end_lineno, group[-1].end_col_offset)


def _add_imports(module: cst.Module, imports) -> cst.Module:
    # imported here: libcst.codemod costs half a second to import, and few files need an import added
    from libcst.codemod import CodemodContext
    from libcst.codemod.visitors import AddImportsVisitor, ImportItem

    context = CodemodContext()
    items = [ImportItem(module_name, obj_name=name, alias=alias) for module_name, name, alias in imports]
    return AddImportsVisitor(context, items).transform_module(module)


def _decode(source: Source):
    if isinstance(source, bytes):
        decoded = decode_source(source)
        return decoded.text, decoded
    if source.startswith("\ufeff"):
        return source[1:], "bom"
    return source, None


def _encode(text: str, how) -> Source:
    if how is None:
        return text
    if how == "bom":
        return "\ufeff" + text
    return how.encode(text)


def check_code(source: Source, *, target: str = "mxnet", select=None, ignore=None,
               module_name: Optional[str] = None, project: Optional[ProjectView] = None,
               tree: Optional[ast.Module] = None) -> List[Finding]:
    """Findings for `source` (str, or bytes decoded as Python would). Raises SourceError if it cannot parse.

    With `project`, the findings are those of a check of the whole project (see `gluon_codemod.project`)."""
    text, _ = _decode(source)
    return [finding for finding, _ in analyze(text, select=select, ignore=ignore, target=target,
                                              module_name=module_name, project=project, tree=tree)]


def fix_code(source: Source, *, target: str = "mxnet", select=None, ignore=None, unsafe_fixes: bool = False,
             module_name: Optional[str] = None, positions: str = "fixed", project: Optional[ProjectView] = None,
             tree: Optional[ast.Module] = None) -> FixResult:
    """Apply the safe fixes (and the unsafe ones with `unsafe_fixes=True`); returns code and findings.

    The code has the input's type; bytes keep their encoding, BOM and line endings. The findings left are
    those a check of the new code reports (a construct a fix removed is gone); fixed findings point into
    `source`, the ones left into the new code, or into `source` with `positions="original"`.
    """
    if positions not in ("fixed", "original"):
        raise ValueError(f"unknown positions {positions!r}: expected 'fixed' or 'original'")
    text, how = _decode(source)
    results, tree = _analyze(text, tree=tree, select=select, ignore=ignore, target=target, module_name=module_name,
                             project=project, unsafe_fixes=unsafe_fixes)
    edits = [edit for finding, edit in results if edit is not None and (edit.safe or unsafe_fixes)]
    findings = [finding for finding, _ in results]
    if not edits:
        return FixResult(source, findings)
    fix_context = FixContext(target=target)
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        raise SourceError(f"cannot parse: {exc.message}", exc.raw_line, exc.raw_column)
    fixer = _Fixer(edits, fix_context)
    new_module = _transform_statements(module, tree, edits, fixer)
    if new_module is None:  # the statements could not be lined up with the `ast` tree: transform it all
        new_module = MetadataWrapper(module, unsafe_skip_copy=True).visit(fixer)
    if fix_context.imports and fixer.applied:
        new_module = _add_imports(new_module, fix_context.imports)
    new_text = new_module.code
    try:
        new_tree = ast.parse(new_text)
    except SyntaxError as exc:  # never hand back code that no longer compiles
        raise SourceError(f"internal error: the rewrite would not compile ({exc.msg} at line {exc.lineno}); "
                          "file left unchanged, please report this", 1)
    for finding, edit in results:
        finding.fixed = edit is not None and id(edit) in fixer.applied
    if new_text != text:
        findings = _restate_left(findings, new_text, new_tree, positions == "fixed", select=select,
                                 ignore=ignore, target=target, module_name=module_name,
                                 project=project.after_fix() if project is not None else None)
    for finding, edit in results:  # after restating, which matches findings by their messages as detected
        if edit is not None and id(edit) in fixer.refused:
            finding.fix_available = False
            finding.message += f" (not fixed: {fixer.refused[id(edit)]})"
    return FixResult(_encode(new_text, how) if new_text != text else source, findings)


def _restate_left(findings: List[Finding], new_text: str, new_tree: ast.Module, move: bool,
                  **analysis) -> List[Finding]:
    """The findings not fixed, as a check of the rewritten code reports them: one whose code a fix removed
    (a `.prefix` read inside a removed `prefix=` argument) is gone; with `move`, the others point into the
    rewritten code. Only the rules with findings left run again: most rewritten files have none."""
    left_codes = sorted({finding.code for finding in findings if not finding.fixed})
    if not left_codes:
        return findings
    again, _ = _analyze(new_text, tree=new_tree, **dict(analysis, select=left_codes))
    pending: Dict[Tuple[str, str], List[Finding]] = {}
    for finding, _ in again:
        pending.setdefault((finding.code, finding.message), []).append(finding)
    restated = []
    for finding in findings:
        if not finding.fixed:
            matches = pending.get((finding.code, finding.message))
            if not matches:
                continue
            now = matches.pop(0)
            if move:
                finding.line, finding.col = now.line, now.col
        restated.append(finding)
    # A finding only the rewritten code has (a fix that does not settle in one pass) is added; it can only
    # point into the rewritten code.
    return restated + [finding for left in pending.values() for finding in left]
