"""Detection: cheap text pre-filter, then one `ast` traversal that runs every selected rule's visitors."""
from __future__ import annotations

import ast
from typing import Dict, List, Optional, Tuple

from .context import FileContext
from ..vocabulary import Finding, SourceError
from .lines import split_lines
from .rule import Edit, codes_declaring, selected_rules
from .source import might_contain_gluon
from ..analysis import consistency
from ..analysis.plan import ProjectView

TARGETS = ("mxnet", "runtime")


def _lines(text: str) -> List[str]:
    return split_lines(text)  # at `\n`, `\r\n` and `\r` only, as Python counts lines (not at form feeds)


_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
_PLANNING_NODES = (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef)


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
        if id(child) in children:
            _walk(child, ctx, dispatch, children)
            continue
        # A leaf (half the nodes: names, constants): its handlers only, without a call of `_walk`.
        handlers = dispatch.get(type(child))
        if handlers:
            for handler in handlers:
                handler(child)
    parents.pop()
    if kind is ast.ClassDef:
        ctx.class_stack.pop()
    elif kind in _FUNCTIONS:
        ctx.function_stack.pop()
    elif kind is ast.Assign or kind is ast.AnnAssign:
        ctx.note_assignment(node)


def _walk_planning(node: ast.AST, ctx: FileContext, dispatch: Dict[type, list], children: Dict[int, list]) -> None:
    """`_walk` for planning: the statements only, and no Block variables noted (the plan's rules never ask
    whether an expression is a Block, only what calls and definitions do with `prefix`/`params`)."""
    kind = type(node)
    handlers = dispatch.get(kind)
    if handlers:
        for handler in handlers:
            handler(node)
    kids = children.get(id(node))
    if kids is None:
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
        _walk_planning(child, ctx, dispatch, children)
    parents.pop()
    if kind is ast.ClassDef:
        ctx.class_stack.pop()
    elif kind in _FUNCTIONS:
        ctx.function_stack.pop()


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

    withdrawn = project.plan.withdrawn if project is not None and not project.applied else {}

    def sink(finding: Finding, edit: Optional[Edit]) -> None:
        if withdrawn and edit is not None and edit.drops is not None:
            why = withdrawn.get((project.site, edit.span[0], edit.span[1]))
            if why is not None:  # the plan's check found the call would not bind without the argument
                finding.message += f" (not fixed: {why})"
                finding.fix_available, finding.fix_title = False, None
                edit = None
        if not noqa or not ctx.suppressed(finding.line, finding.code):
            results.append((finding, edit))

    dispatch: Dict[type, list] = {}
    rules = selected_rules(select, ignore, target)
    planning = project is not None and project.planning
    for rule_class in rules:
        rule = rule_class(sink, ctx)
        for node_type, method in rule_class.handlers().items():
            if planning and node_type not in _PLANNING_NODES:
                continue  # the plan needs the signatures a rule would change, not the edits of calls
            dispatch.setdefault(node_type, []).append(getattr(rule, method))
    if dispatch:
        # Planning visits definitions only, and no statement sits inside an expression (a lambda holds
        # none): its walk keeps to statements, which is all that the context's stacks follow.
        if planning:
            _walk_planning(tree, ctx, dispatch, ctx.index.statement_children)
        else:
            _walk(tree, ctx, dispatch, ctx.index.children)
    if project is not None:
        # (the calls passing a parameter the plan keeps are reported by the rule that removes parameters)
        kept_code = next(iter(codes_declaring("removes_parameters", rules)), None)
        consistency.note_facts(ctx, results, sink, unsafe_fixes, kept_code)
    going = {r.code for r in rules if r.gone_with_dropped_arguments}
    if going and any(f.code in going and e is None for f, e in results):
        results = _without_dropped(results, ctx, going, unsafe_fixes, noqa)
    results.sort(key=lambda r: (r[0].line, r[0].col, r[0].code))
    if not text.isascii():
        _to_character_columns(results, lines)
    return results, tree


def _without_dropped(results, ctx: FileContext, codes, unsafe_fixes: bool, noqa: bool):
    """`results` less the findings of `codes` without an edit that lie inside an argument which another
    finding's fix removes (and which that fix will apply: safe, or with `unsafe_fixes`, not `# noqa`-ed)."""
    spans = {}
    for finding, edit in results:
        if edit is not None and edit.drops is not None and (edit.safe or unsafe_fixes) \
                and not (not noqa and ctx.suppressed(finding.line, finding.code)):
            spans.setdefault(tuple(edit.span), []).append(edit.drops)
    if not spans:
        return results
    dropped = []  # (start, end) of every argument removed
    for call in ctx.nodes_of(ast.Call):
        for keywords, slots, skip in spans.get((call.lineno, call.col_offset, call.end_lineno, call.end_col_offset),
                                               ()):
            positional = [a for a in call.args if not isinstance(a, ast.Starred)][skip:]
            gone = [k for k in call.keywords if k.arg in keywords] + [positional[s] for s in slots
                                                                      if s < len(positional)]
            dropped += [((n.lineno, n.col_offset), (n.end_lineno, n.end_col_offset)) for n in gone]

    def inside(finding: Finding) -> bool:
        start, end = (finding.line, finding.col), (finding.end_line or finding.line, finding.end_col or finding.col)
        return any(first <= start and end <= last for first, last in dropped)
    return [(f, e) for f, e in results if not (f.code in codes and e is None and inside(f))]


def _to_character_columns(results, lines: List[str]) -> None:
    """`ast` columns are UTF-8 byte offsets; libcst and editors count characters."""
    def char_col(line: int, col: int) -> int:
        if 1 <= line <= len(lines):
            return len(lines[line - 1].encode("utf-8")[:col].decode("utf-8", "ignore"))
        return col

    for finding, edit in results:
        finding.col = char_col(finding.line, finding.col)
        if finding.end_line is not None:
            finding.end_col = char_col(finding.end_line, finding.end_col)
        if edit is not None:
            l1, c1, l2, c2 = edit.span
            edit.span = (l1, char_col(l1, c1), l2, char_col(l2, c2))
