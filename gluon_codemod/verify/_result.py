"""Rows of the verification table, as plain data: they cross from the child process as JSON (no MXNet here)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

# every check, in the order a model runs them; `--skip` takes these names (and `hybridize` for `hybrid`)
CHECKS = ("structure", "attributes", "init", "eager", "grad", "checkpoint", "train-step", "train-forward",
          "sharing", "hybrid")
SKIP_ALIASES = {"hybridize": "hybrid", "training": "train-step,train-forward", "attrs": "attributes",
                "trainer": "train-step"}


def parse_skip(items: Sequence[str]) -> List[str]:
    """`--skip grad --skip hybridize,checkpoint` -> check names; an unknown name is a ValueError."""
    names = []
    for item in items:
        for part in item.split(","):
            part = part.strip()
            for name in SKIP_ALIASES.get(part, part).split(","):
                if name not in CHECKS:
                    raise ValueError(f"--skip {part!r} is not a check: give one of {', '.join(CHECKS)}")
                if name not in names:
                    names.append(name)
    return names


@dataclass
class Options:
    inputs: Sequence[Tuple[int, ...]]
    dtype: str = "float32"
    ctx: str = "cpu"
    rtol: float = 1e-4
    atol: float = 1e-5
    seed: int = 0
    timeout: Optional[float] = 300.0
    input_range: Tuple[float, float] = (0.0, 1.0)
    int_values: bool = False
    skip: Sequence[str] = ()
    numpy: bool = False  # inputs as `mx.np` arrays: the child sets it from the mode the file's import left

    def to_dict(self) -> dict:
        return {k: (list(map(list, v)) if k == "inputs" else list(v) if isinstance(v, tuple) else v)
                for k, v in self.__dict__.items()}

    @classmethod
    def from_dict(cls, data: dict) -> "Options":
        data = dict(data)
        data["inputs"] = [tuple(s) for s in data["inputs"]]
        data["input_range"] = tuple(data["input_range"])
        data["skip"] = tuple(data.get("skip", ()))
        return cls(**data)


@dataclass
class Check:
    name: str
    status: str  # ok | alike (both sides fail alike) | differs | error | skipped
    max_diff: Optional[float] = None
    detail: str = ""
    traceback: Optional[str] = None

    def to_dict(self) -> dict:
        return {"check": self.name, "status": self.status, "max_diff": self.max_diff, "detail": self.detail,
                "traceback": self.traceback}

    @classmethod
    def from_dict(cls, data: dict) -> "Check":
        return cls(data["check"], data["status"], data["max_diff"], data["detail"], data["traceback"])


@dataclass
class ModelResult:
    expr: str
    checks: List[Check] = field(default_factory=list)
    timings: Dict[str, Dict[str, float]] = field(default_factory=dict)
    file: str = ""
    used_files: List[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        states = {c.status for c in self.checks}
        for state in ("error", "differs"):
            if state in states:
                return state
        return "ok" if states & {"ok", "alike"} else "skipped"

    def check(self, name: str) -> Optional[Check]:
        return next((c for c in self.checks if c.name == name), None)

    def to_dict(self) -> dict:
        return {"model": self.expr, "file": self.file, "status": self.status,
                "checks": [c.to_dict() for c in self.checks], "timings": self.timings,
                "used_files": self.used_files}

    @classmethod
    def from_dict(cls, data: dict) -> "ModelResult":
        return cls(data["model"], [Check.from_dict(c) for c in data["checks"]], data.get("timings", {}),
                   data.get("file", ""), list(data.get("used_files", [])))
