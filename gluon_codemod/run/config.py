"""`[tool.gluon-codemod]` in pyproject.toml: found by walking up from the current folder, as ruff does."""
from __future__ import annotations

import difflib
import os
import sys
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from ..analysis.modules import folders_up

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.8-3.10 only
    import tomli as tomllib

SECTION = "gluon-codemod"
# key -> (type description, check)
_LIST_OF_STR = ("a list of strings", lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v))
KEYS = {
    "select": _LIST_OF_STR,
    "ignore": _LIST_OF_STR,
    "exclude": _LIST_OF_STR,
    "extend-exclude": _LIST_OF_STR,
    "target": ("a string", lambda v: isinstance(v, str)),
    "unsafe-fixes": ("true or false", lambda v: isinstance(v, bool)),
    "per-file-ignores": ('a table of glob = ["CODE", ...] (e.g. "tests/*" = ["GLN001"])',
                         lambda v: isinstance(v, dict) and all(_LIST_OF_STR[1](x) for x in v.values())),
}


class ConfigError(Exception):
    """A configuration file that cannot be used; the message names the file and the key."""


@dataclass
class Config:
    path: Optional[str] = None  # the pyproject.toml it came from; None for defaults
    select: Optional[List[str]] = None
    ignore: List[str] = field(default_factory=list)
    exclude: List[str] = field(default_factory=list)
    extend_exclude: List[str] = field(default_factory=list)
    target: Optional[str] = None
    unsafe_fixes: Optional[bool] = None
    per_file_ignores: Dict[str, List[str]] = field(default_factory=dict)

    @property
    def base(self) -> str:
        """Folder that relative `exclude` patterns are relative to."""
        return os.path.dirname(os.path.abspath(self.path)) if self.path else os.getcwd()


def _section(path: str) -> Optional[Dict[str, Any]]:
    try:
        with open(path, "rb") as handle:
            document = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML ({exc}); fix the syntax or pass --no-config") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 (byte {exc.object[exc.start]:#04x} at offset {exc.start}); TOML "
                          "files must be UTF-8: re-save it as UTF-8, or pass --config FILE or --no-config") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    tool = document.get("tool")
    if not isinstance(tool, dict) or SECTION not in tool:
        return None
    section = tool[SECTION]
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: [tool.{SECTION}] must be a table, got {type(section).__name__}")
    return section


def find_config(start: Optional[str] = None) -> Optional[str]:
    """The closest pyproject.toml at or above `start` (default: cwd) with a [tool.gluon-codemod] table.

    A pyproject.toml without the table is passed over, so a sub-project's packaging file does not hide
    the repository's configuration.
    """
    for directory in folders_up(start or os.getcwd()):
        candidate = os.path.join(directory, "pyproject.toml")
        if os.path.isfile(candidate) and _section(candidate) is not None:
            return candidate
    return None


def load_config(path: str) -> Config:
    """Read and validate `[tool.gluon-codemod]` of `path` (a missing table gives the defaults)."""
    section = _section(path) or {}
    for key, value in section.items():
        if key not in KEYS:
            close = difflib.get_close_matches(key, list(KEYS), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise ConfigError(f"{path}: unknown key {key!r} in [tool.{SECTION}]; {hint}"
                              f"known keys: {', '.join(sorted(KEYS))}")
        what, ok = KEYS[key]
        if not ok(value):
            raise ConfigError(f"{path}: [tool.{SECTION}] {key} must be {what}, got {value!r}")
    return Config(path=path, select=section.get("select"), ignore=list(section.get("ignore", [])),
                  exclude=list(section.get("exclude", [])), extend_exclude=list(section.get("extend-exclude", [])),
                  target=section.get("target"), unsafe_fixes=section.get("unsafe-fixes"),
                  per_file_ignores=dict(section.get("per-file-ignores", {})))


def discover(explicit: Optional[str] = None, isolated: bool = False) -> Config:
    """The configuration in effect: `explicit` (--config), none (--no-config), or the closest one found."""
    if isolated:
        return Config()
    if explicit is not None:
        if not os.path.isfile(explicit):
            raise ConfigError(f"{explicit}: no such configuration file (--config expects a pyproject.toml)")
        return load_config(explicit)
    found = find_config()
    return load_config(found) if found else Config()
