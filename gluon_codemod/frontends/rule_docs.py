"""`gluon-codemod rule CODE` / `rule --all`: a rule's documentation, read from its module docstring."""
from __future__ import annotations

import difflib
import json
import re
import sys
from typing import List

SECTIONS = {"What it does": "what_it_does", "Why is this bad?": "why_is_this_bad", "Example": "example",
            "Use instead": "use_instead", "Fix safety": "fix_safety"}


def add_parser(commands) -> None:
    sub = commands.add_parser("rule", help="print a rule's documentation (what it does, why, example, use "
                                           "instead, fix safety)")
    sub.add_argument("code", nargs="?", metavar="CODE", help="a rule code (GLN003) or name (name-scope)")
    sub.add_argument("--all", action="store_true", help="every rule")
    sub.add_argument("--output-format", choices=("text", "json"), default="text")
    sub.set_defaults(handler=run)


def _sections(doc: str) -> dict:
    out = {}
    for title, key in SECTIONS.items():
        match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", doc, re.DOTALL | re.MULTILINE)
        out[key] = match.group(1).strip() if match else ""
    return out


def describe(rule) -> dict:
    from ..output.sarif import fix_safety

    doc = rule.documentation()
    return {"code": rule.code, "name": rule.name, "summary": doc.split("\n\n", 1)[0].replace("\n", " "),
            "message": rule.message, "fix_title": rule.fix_title, "fix": fix_safety(rule),
            "targets": list(rule.targets), **_sections(doc), "documentation": doc}


def _text(rule) -> str:
    info = describe(rule)
    targets = "" if set(rule.targets) == {"mxnet", "runtime"} else f" (target {'/'.join(rule.targets)} only)"
    return f"# {rule.code} {rule.name}\n\nFix: {info['fix']}{targets}\n\n{info['documentation']}\n"


def run(args) -> int:
    from ..engine.rule import all_rules

    rules = all_rules()
    if args.all == bool(args.code):
        print("gluon-codemod rule: error: give one rule code (e.g. GLN003) or --all", file=sys.stderr)
        return 2
    chosen: List[type] = rules
    if args.code:
        wanted = args.code.strip()
        chosen = [r for r in rules if r.code == wanted.upper() or r.name == wanted.lower()]
        if not chosen:
            close = difflib.get_close_matches(wanted.upper(), [r.code for r in rules], n=1) + \
                difflib.get_close_matches(wanted.lower(), [r.name for r in rules], n=1)
            hint = f"did you mean {close[0]}? " if close else ""
            print(f"gluon-codemod rule: error: {args.code!r} is not a rule; {hint}known: "
                  f"{', '.join(r.code for r in rules)}", file=sys.stderr)
            return 2
    if args.output_format == "json":
        data = [describe(r) for r in chosen]
        print(json.dumps(data if args.all else data[0], indent=2, ensure_ascii=False))
    else:
        print("\n".join(_text(r) for r in chosen), end="")
    return 0
