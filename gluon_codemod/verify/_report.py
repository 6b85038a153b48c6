"""The verification table: text for people, JSON for machines (written atomically), and the exit status."""
from __future__ import annotations

import json
import os
import tempfile
from typing import Dict, List

EXIT_OK, EXIT_DIFFERS, EXIT_ERROR = 0, 1, 2


class Report:
    """Every model's rows, the rewrite's unfixed findings, and per-phase timings."""

    def __init__(self, path: str, module_name: str):
        self.path = path
        self.module_name = module_name
        self.files: List[str] = [path]
        self.models: list = []
        self.skipped: List[Dict[str, str]] = []
        self.findings: Dict[str, list] = {}
        self.rewrite_errors: Dict[str, str] = {}
        self.timings: Dict[str, float] = {}
        self.setup_errors: List[Dict[str, str]] = []
        self.notes: List[str] = []
        self.modes: Dict[str, Dict[str, str]] = {}  # file -> {"mode": "numpy" | "ndarray", "why": ...}

    @property
    def setup_error(self):
        # a file that does not parse is said as `check` says it: `m.py:14:12: error: cannot parse: ...`
        return "\n".join(f"{e['where']}: error: {e['message']}" if e.get("where") else f"{e['file']}: {e['message']}"
                         for e in self.setup_errors) or None

    @property
    def exit_code(self) -> int:
        states = {m.status for m in self.models}
        if self.setup_errors or "error" in states:
            return EXIT_ERROR
        return EXIT_DIFFERS if "differs" in states else EXIT_OK

    def phase_totals(self) -> Dict[str, float]:
        """Seconds per phase over all models, both sides together (plus rewrite and import)."""
        totals = dict(self.timings)
        for model in self.models:
            for phase, sides in model.timings.items():
                if phase != "total":
                    totals[phase] = totals.get(phase, 0.0) + sum(sides.values())
        return {k: round(v, 6) for k, v in totals.items()}

    def used_findings(self) -> Dict[str, list]:
        """Findings of the files some model's code uses (the rest of the root is noise)."""
        used = {f for m in self.models for f in m.used_files}
        return {path: items for path, items in self.findings.items() if path in used}

    def to_dict(self) -> dict:
        return {
            "file": self.path, "files": self.files, "module": self.module_name, "exit_code": self.exit_code,
            "setup_error": self.setup_error, "setup_errors": self.setup_errors,
            "models": [m.to_dict() for m in self.models], "skipped": self.skipped,
            "findings": {path: [f.to_dict() for f in items] for path, items in self.used_findings().items()},
            "rewrite_errors": self.rewrite_errors, "notes": self.notes, "modes": self.modes,
            "timings": self.timings, "phase_totals": self.phase_totals(),
        }

    def write_json(self, filename: str) -> None:
        """Write to a temporary file beside `filename`, then rename: a reader never sees half a report."""
        folder = os.path.dirname(os.path.abspath(filename))
        fd, tmp = tempfile.mkstemp(prefix=".verify-", suffix=".json", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(self.to_dict(), handle, indent=2)
                handle.write("\n")
            os.replace(tmp, filename)
        except BaseException:
            os.unlink(tmp)
            raise

    def format(self, per_model: bool = False) -> str:
        """The table (one line per model with `per_model`), then tracebacks and each model's unfixed findings."""
        lines = []
        if self.setup_error:
            lines.append(self.setup_error)
        width = max([len(m.expr) for m in self.models] + [5])
        if per_model:
            lines.append(f"{'model':<{width}}  status   checks")
            for model in self.models:
                cells = ", ".join(f"{c.name} {_cell(c)}" for c in model.checks)
                lines.append(f"{model.expr:<{width}}  {model.status:<7}  {cells}")
            for model in self.models:
                for check in model.checks:
                    if check.status not in ("ok", "skipped") and check.detail:
                        lines.append(f"  {model.expr} {check.name}: {check.detail}")
        else:
            lines.append(f"{'model':<{width}}  {'check':<13}  {'status':<7}  {'max|diff|':>9}  detail")
            for model in self.models:
                for check in model.checks:
                    diff = "-" if check.max_diff is None else f"{check.max_diff:.2e}"
                    lines.append(f"{model.expr:<{width}}  {check.name:<13}  {check.status:<7}  {diff:>9}  "
                                 f"{check.detail}".rstrip())
        for path, mode in self.modes.items():
            where = f"{os.path.basename(path)}: " if len(self.modes) > 1 else ""
            lines.append(f"mode: {where}{mode['mode']} ({mode['why']})")
        for item in self.skipped:
            lines.append(f"skipped {item['model']}: {item['reason']}")
        lines.extend(f"note: {note}" for note in self.notes)
        for error in self.rewrite_errors.values():
            # each error starts with its file (and, where the file does not parse, its line and column);
            # a verified file that does not parse was said first already
            if error not in (self.setup_error or ""):
                lines.append(f"not rewritten (left as it is): {error}")
        for model in self.models:
            for check in model.checks:
                if check.traceback:
                    lines.append(f"\n{model.expr} {check.name}: traceback of the failing side:\n"
                                 + check.traceback.rstrip())
        for model in self.models:
            found = [(p, f) for p in model.used_files for f in self.findings.get(p, [])]
            if found:
                lines.append(f"\nFindings the rewrite did not fix in the files {model.expr} uses "
                             "(they often explain a difference):")
                lines.extend("  " + f.format(path) for path, f in found)
        lines.append(f"\nresult: {('ok', 'differences found', 'a side failed')[self.exit_code]}")
        return "\n".join(lines) + "\n"


def _cell(check) -> str:
    if check.status == "ok" and check.max_diff is not None:
        return f"ok({check.max_diff:.0e})"
    return check.status
