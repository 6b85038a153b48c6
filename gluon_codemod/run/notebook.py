"""Jupyter notebooks: the engine runs on each code cell; everything else in the file is left as it was.

IPython syntax is not Python: line magics (`%time f()`), shell escapes (`!pip install x`), their
assignment forms (`files = !ls`) and help (`obj?`) are masked as `pass  # <marker>` before the engine
sees a cell and restored afterwards (with the indentation the rewrite gave the line, since GLN001
dedents `with` bodies). A cell that starts with a cell magic (`%%bash`) is not Python and is skipped.
The code cells are analysed together, as one module, because the kernel runs them in one namespace.
"""
from __future__ import annotations

import ast
import io
import json
import re
import tokenize
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Tuple

from ..vocabulary import Finding, SourceError
from ..engine.lines import split_lines

_MARK = "__gluon_codemod_magic_{}__"
_CELL_MARK = "# __gluon_codemod_cell_boundary__"
_MARK_RE = re.compile(r"__gluon_codemod_magic_(\d+)__")
# `%magic`, `!shell`, `?help`, `obj?`, `x = %magic`, `a, b = !cmd`
_MAGIC = re.compile(r"""^\s*(?:[%!?]
                       |[\w.]+\?{1,2}\s*$
                       |[\w.]+(?:\s*,\s*[\w.]+)*\s*=\s*[%!])""", re.VERBOSE)


@dataclass
class CellOutcome:
    """What one code cell gave: findings (and, for a cell that cannot be parsed, the error)."""

    cell: int  # 1-based index among all cells, as the notebook shows them top to bottom
    findings: List[Finding] = field(default_factory=list)
    error: Optional[SourceError] = None

    def __post_init__(self):
        # each finding and error names its cell (their lines count inside it), wherever it is passed on
        for item in self.findings + ([self.error] if self.error is not None else []):
            item.cell = self.cell


def _at_statement_start(prefix: str) -> bool:
    """Whether the line after `prefix` starts a statement (not inside brackets, strings or after `\\`)."""
    try:
        for _ in tokenize.generate_tokens(io.StringIO(prefix).readline):
            pass
    except tokenize.TokenError:  # EOF inside a bracket, a triple-quoted string or a continuation
        return False
    except (SyntaxError, ValueError):  # other trouble is the parser's to report, with its line
        return True
    return True


def mask_magics(source: str) -> Tuple[str, Dict[int, str]]:
    """`source` with IPython lines replaced by numbered `pass` placeholders; marker -> original line."""
    lines = split_lines(source, keepends=True)
    out: List[str] = []
    originals: Dict[int, str] = {}
    continuing = False
    for line in lines:
        body = line.rstrip("\r\n")
        ending = line[len(body):]
        is_magic = continuing or (_MAGIC.match(body) is not None and _at_statement_start("".join(out)))
        if not is_magic:
            out.append(line)
            continue
        number = len(originals)
        originals[number] = body
        indent = body[: len(body) - len(body.lstrip())]
        # A continuation line of a magic keeps the first line's indent and is a comment: Python ignores
        # the indentation of comment lines, so any original layout stays valid.
        statement = "# " if continuing else "pass  # "
        out.append(f"{indent}{statement}{_MARK.format(number)}{ending}")
        continuing = body.endswith("\\")
    return "".join(out), originals


def unmask_magics(text: str, originals: Dict[int, str]) -> Optional[str]:
    """Put the IPython lines back; None if a rewrite lost or duplicated a placeholder."""
    if not originals:
        return text
    seen = set()
    out = []
    for line in split_lines(text, keepends=True):
        match = _MARK_RE.search(line)
        if match is None:
            out.append(line)
            continue
        number = int(match.group(1))
        if number in seen or number not in originals:
            return None
        seen.add(number)
        body = line.rstrip("\r\n")
        ending = line[len(body):]
        original = originals[number]
        if body.lstrip().startswith("pass"):  # first line of a magic: follow the rewrite's indentation
            indent = body[: len(body) - len(body.lstrip())]
            out.append(indent + original.lstrip() + ending)
        else:
            out.append(original + ending)
    return "".join(out) if seen == set(originals) else None


def _cell_source(cell: dict) -> Optional[str]:
    """The cell's code, or None when `source` is neither a string nor a list of strings (nbformat 4)."""
    source = cell.get("source", "")
    if isinstance(source, list) and all(isinstance(part, str) for part in source):
        return "".join(source)
    return source if isinstance(source, str) else None


def _layout(raw: str) -> dict:
    """How the file was serialised, so that a rewrite changes only the cells' source."""
    indent = None
    first_break = raw.find("\n")
    if first_break != -1 and first_break + 1 < len(raw):
        following = raw[first_break + 1:]
        stripped = following.lstrip(" \t")
        # one level of indentation (the first key is one level deep): a count of spaces, or tabs kept as text
        whitespace = following[: len(following) - len(stripped)]
        indent = (len(whitespace) if set(whitespace) == {" "} else whitespace) or None
    body = raw[1:] if raw.startswith("\ufeff") else raw
    non_ascii_escaped = body.isascii() and re.search(r"\\u[0-9a-fA-F]{4}", body) is not None
    return {"indent": indent, "ensure_ascii": non_ascii_escaped, "crlf": "\r\n" in raw,
            "trailing_newline": raw.endswith("\n"), "bom": raw.startswith("\ufeff")}


def _dump(notebook: dict, layout: dict) -> bytes:
    text = json.dumps(notebook, indent=layout["indent"], ensure_ascii=layout["ensure_ascii"])
    if layout["trailing_newline"]:
        text += "\n"
    if layout["crlf"]:
        text = text.replace("\n", "\r\n")
    return (b"\xef\xbb\xbf" if layout["bom"] else b"") + text.encode("utf-8")


def load_notebook(data: bytes) -> Tuple[dict, str]:
    try:
        raw = data.decode("utf-8")  # a BOM stays in `raw`, for the layout to keep it
        notebook = json.loads(raw[1:] if raw.startswith("\ufeff") else raw)
    except UnicodeDecodeError as exc:
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            raise SourceError("cannot decode notebook: it starts with a UTF-16 or UTF-32 byte order mark; "
                              "notebooks are UTF-8 JSON: re-save it as UTF-8 (e.g. `iconv -f UTF-16 -t UTF-8`)")
        raise SourceError(f"cannot decode notebook as UTF-8: byte {data[exc.start]:#04x} is invalid") from None
    except json.JSONDecodeError as exc:
        raise SourceError(f"not a notebook: invalid JSON ({exc.msg})", exc.lineno, exc.colno - 1) from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        version = notebook.get("nbformat") if isinstance(notebook, dict) else None
        raise SourceError(f"not a notebook in nbformat 4 (nbformat={version!r}, no 'cells' list); "
                          "upgrade it with `jupyter nbconvert --to notebook`")
    return notebook, raw


@dataclass
class _CodeCell:
    index: int  # 1-based among all cells
    cell: dict
    source: str
    masked: str
    originals: Dict[int, str]


def _as_module(cells: List[_CodeCell]) -> Tuple[str, List[int]]:
    """The cells as one module, separated by marker lines; each cell's first line number in it."""
    parts, starts, line = [], [], 1
    for number, cell in enumerate(cells):
        if number:
            parts.append(_CELL_MARK + "\n")
            line += 1
        starts.append(line)
        text = cell.masked if not cell.masked or cell.masked.endswith("\n") else cell.masked + "\n"
        parts.append(text)
        line += text.count("\n")
    return "".join(parts), starts


def _split_module(text: str, cells: List[_CodeCell]) -> Optional[List[str]]:
    """Back to one text per cell; None if the rewrite moved or dropped a cell boundary."""
    pieces: List[List[str]] = [[]]
    for line in split_lines(text, keepends=True):
        if line.strip() == _CELL_MARK:
            pieces.append([])
        else:
            pieces[-1].append(line)
    if len(pieces) != len(cells):
        return None
    texts = []
    for lines, cell in zip(pieces, cells):
        piece = "".join(lines)
        if not cell.masked.endswith("\n") and piece.endswith("\n"):
            piece = piece[:-1]
        texts.append(piece)
    return texts


def _restore(cell: _CodeCell, new_masked: str, findings: List[Finding]) -> str:
    if new_masked == cell.masked:
        return cell.source
    restored = unmask_magics(new_masked, cell.originals)
    if restored is None:  # the rewrite moved an IPython line in a way we cannot undo: keep the cell
        for finding in findings:
            if finding.fixed:
                finding.fixed = False
                finding.message += " (not fixed: the rewrite would move an IPython magic line)"
        return cell.source
    return restored


def _code_cells(notebook: dict) -> Tuple[List[_CodeCell], Dict[int, CellOutcome]]:
    """The code cells the engine sees (Python, parsable), and the errors of those it cannot."""
    outcomes: Dict[int, CellOutcome] = {}
    cells: List[_CodeCell] = []
    for index, cell in enumerate(notebook["cells"], start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = _cell_source(cell)
        if source is None:
            outcomes[index] = CellOutcome(index, error=SourceError(
                f"`source` of this code cell is {json.dumps(cell.get('source'))[:40]}, expected a string or a "
                "list of strings (nbformat 4); cell left unchanged"))
            continue
        if source.lstrip().startswith("%%"):
            continue
        masked, originals = mask_magics(source)
        try:
            ast.parse(masked)
        except SyntaxError as exc:  # reported, left as it is, and kept out of the module
            outcomes[index] = CellOutcome(index, error=SourceError(
                f"cannot parse: {exc.msg}", exc.lineno or 1, max((exc.offset or 1) - 1, 0)))
            continue
        cells.append(_CodeCell(index, cell, source, masked, originals))
    return cells, outcomes


def process_notebook(data: bytes, transform: Callable[[str], Tuple[str, List[Finding]]]
                     ) -> Tuple[bytes, List[CellOutcome]]:
    """Run `transform` (source -> (new source, findings)) on the code cells of the notebook `data`.

    The cells run as one module, as the kernel runs them, so that `nn` imported in the first cell is
    known in the third; findings are mapped back to their cell. Returns the new file bytes (`data`
    itself when no cell changed) and one outcome per code cell with findings or an error. Outputs,
    metadata, key order and the JSON layout are kept.
    """
    notebook, raw = load_notebook(data)
    cells, outcomes = _code_cells(notebook)

    new_sources: Dict[int, str] = {}
    if cells:
        module, starts = _as_module(cells)
        try:
            new_module, findings = transform(module)
            texts = _split_module(new_module, cells) if new_module != module else [c.masked for c in cells]
        except SourceError:
            texts = None
        if texts is None:
            _cell_by_cell(cells, transform, outcomes, new_sources)
        else:
            per_cell: Dict[int, List[Finding]] = {}
            for finding in findings:
                number = bisect_right(starts, finding.line) - 1
                finding.line -= starts[number] - 1
                per_cell.setdefault(number, []).append(finding)
            for number, cell in enumerate(cells):
                cell_findings = per_cell.get(number, [])
                new_sources[cell.index] = _restore(cell, texts[number], cell_findings)
                if cell_findings:
                    outcomes[cell.index] = CellOutcome(cell.index, findings=cell_findings)

    changed = False
    for cell in cells:
        new_source = new_sources.get(cell.index, cell.source)
        if new_source != cell.source:
            changed = True
            old = cell.cell.get("source")
            cell.cell["source"] = split_lines(new_source, keepends=True) if isinstance(old, list) else new_source
    ordered = [outcomes[index] for index in sorted(outcomes)]
    return (_dump(notebook, _layout(raw)) if changed else data), ordered


def _cell_by_cell(cells: List[_CodeCell], transform, outcomes: Dict[int, CellOutcome],
                  new_sources: Dict[int, str]) -> None:
    """Fallback when the cells cannot be rewritten as one module: each cell on its own."""
    for cell in cells:
        try:
            new_masked, findings = transform(cell.masked)
        except SourceError as exc:
            outcomes[cell.index] = CellOutcome(cell.index, error=exc)
            continue
        new_sources[cell.index] = _restore(cell, new_masked, findings)
        if findings:
            outcomes[cell.index] = CellOutcome(cell.index, findings=findings)


def locate(data: bytes, text: str, line: int) -> Tuple[Optional[int], int]:
    """Where line `line` of `text` is in the notebook `data`: (cell index, line in that cell). `text` is
    what `process_notebook` handed its transform: the code cells as one module, or one cell's masked
    source when they had to be taken one by one. (None, line) when `text` is neither."""
    cells, _ = _code_cells(load_notebook(data)[0])
    if cells:
        module, starts = _as_module(cells)
        if text == module:
            number = bisect_right(starts, line) - 1
            return cells[number].index, line - starts[number] + 1
    for cell in cells:
        if cell.masked == text:
            return cell.index, line
    return None, line


def cell_diff(path: str, old: bytes, new: bytes) -> str:
    """A unified diff of the code cells whose source differs between two versions of a notebook, each
    labelled with its cell (the JSON around the sources is the same in both)."""
    import difflib

    old_cells = load_notebook(old)[0]["cells"]
    new_cells = load_notebook(new)[0]["cells"]
    parts = []
    for index, (before, after) in enumerate(zip(old_cells, new_cells), start=1):
        if not isinstance(before, dict) or not isinstance(after, dict):
            continue
        a, b = _cell_source(before), _cell_source(after)
        if a is None or b is None or a == b:
            continue
        for line in difflib.unified_diff(split_lines(a, keepends=True), split_lines(b, keepends=True),
                                         fromfile=f"a/{path} (cell {index})", tofile=f"b/{path} (cell {index})"):
            parts.append(line if line.endswith("\n") else line + "\n\\ No newline at end of cell\n")
    return "".join(parts)


def edit_cells(data: bytes, edit: Callable[[int, str, str], str]) -> bytes:
    """The notebook `data` with each code cell's source replaced by `edit(cell index, source, masked
    source)` (masked: IPython lines as `pass` placeholders, see `mask_magics`), serialised in the file's
    own layout as `process_notebook` does; `data` itself when no cell changed."""
    notebook, raw = load_notebook(data)
    cells, _ = _code_cells(notebook)
    changed = False
    for cell in cells:
        new_source = edit(cell.index, cell.source, cell.masked)
        if new_source != cell.source:
            changed = True
            old = cell.cell.get("source")
            cell.cell["source"] = split_lines(new_source, keepends=True) if isinstance(old, list) else new_source
    return _dump(notebook, _layout(raw)) if changed else data
