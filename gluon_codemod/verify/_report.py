"""The verification table: text for people, JSON for machines, and the exit status."""
from __future__ import annotations

import json
from typing import Dict, List, Optional

EXIT_OK, EXIT_DIFFERS, EXIT_ERROR = 0, 1, 2


class Report:
    """Every model's rows, the rewrite's unfixed findings, and per-phase timings."""

    def __init__(self, path: str, module_name: str):
        self.path = path
        self.module_name = module_name
        self.models: list = []
        self.skipped: List[Dict[str, str]] = []
        self.findings: Dict[str, list] = {}
        self.timings: Dict[str, float] = {}
        self.setup_error: Optional[str] = None

    @property
    def exit_code(self) -> int:
        states = {m.status for m in self.models}
        if self.setup_error or "error" in states:
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

    def to_dict(self) -> dict:
        return {
            "file": self.path, "module": self.module_name, "exit_code": self.exit_code,
            "setup_error": self.setup_error,
            "models": [m.to_dict() for m in self.models], "skipped": self.skipped,
            "findings": {path: [f.to_dict() for f in items] for path, items in self.findings.items()},
            "timings": self.timings, "phase_totals": self.phase_totals(),
        }

    def write_json(self, filename: str) -> None:
        with open(filename, "w", encoding="utf-8") as handle:
            json.dump(self.to_dict(), handle, indent=2)
            handle.write("\n")

    def format(self, per_model: bool = False, tracebacks: bool = True) -> str:
        """The table (one line per model with `per_model`), then tracebacks and unfixed findings."""
        lines = []
        if self.setup_error:
            lines.append(self.setup_error)
        if per_model:
            width = max([len(m.expr) for m in self.models] + [5])
            lines.append(f"{'model':<{width}}  status   checks")
            for model in self.models:
                cells = ", ".join(f"{c.name} {_cell(c)}" for c in model.checks)
                lines.append(f"{model.expr:<{width}}  {model.status:<7}  {cells}")
            for model in self.models:
                for check in model.checks:
                    if check.status != "ok" and check.detail:
                        lines.append(f"  {model.expr} {check.name}: {check.detail}")
        else:
            width = max([len(m.expr) for m in self.models] + [5])
            lines.append(f"{'model':<{width}}  {'check':<10}  {'status':<7}  {'max|diff|':>9}  detail")
            for model in self.models:
                for check in model.checks:
                    diff = "-" if check.max_diff is None else f"{check.max_diff:.2e}"
                    lines.append(f"{model.expr:<{width}}  {check.name:<10}  {check.status:<7}  {diff:>9}  "
                                 f"{check.detail}".rstrip())
        for item in self.skipped:
            lines.append(f"skipped {item['model']}: {item['reason']}")
        if tracebacks:
            for model in self.models:
                for check in model.checks:
                    if check.traceback:
                        lines.append(f"\n{model.expr} {check.name}: traceback of the failing side:\n"
                                     + check.traceback.rstrip())
        if self.findings:
            lines.append("\nFindings the rewrite did not fix (they often explain a difference):")
            for path, items in self.findings.items():
                lines.extend("  " + f.format(path) for f in items)
        lines.append(f"\nresult: {('ok', 'differences found', 'a side failed')[self.exit_code]}")
        return "\n".join(lines) + "\n"


def _cell(check) -> str:
    if check.status == "ok" and check.max_diff is not None:
        return f"ok({check.max_diff:.0e})"
    return check.status
