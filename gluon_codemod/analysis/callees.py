"""What a call builds, as the `prefix`/`params` analysis sees it, and what a callable does with them.

A callee is one of:
- `GluonClass("Dense")`: a Gluon Block class;
- `FileClass(node)`: a Block class of the file (also `cls(...)` and `type(self)(...)` inside it);
- `Factory(node)`: a module-level function or a classmethod of the file;
- `ProjectClass(info)`: a Block class of another module of the project;
- `UNKNOWN_BLOCK`: a Block whose class cannot be known (a base that cannot be resolved, two
  same-named classes of one scope, a parameter that receives Block classes).

A callable's `Status` for a `prefix` or `params` it receives is `GLUON` when the argument only ever reaches
Gluon (the new API drops it, and so may every caller), `OWN` when user code reads it, `UNKNOWN` when the
plan has not analysed the callable, `UNFOLLOWED` when a factory hands its `**kwargs` on to a value the tool
cannot resolve; None when it does not take the argument (or, for a factory, the
argument reaches no Block).
"""
from __future__ import annotations

import ast
import enum
from dataclasses import dataclass
from typing import Union

from .project import ClassInfo


class Status(enum.Enum):
    GLUON = "gluon"
    OWN = "own"
    UNKNOWN = "unknown"
    #: A factory's `**kwargs` go to a value whose class the tool cannot follow (`REGISTRY[name](**kwargs)`).
    UNFOLLOWED = "unfollowed"


@dataclass(frozen=True)
class GluonClass:
    name: str


@dataclass(frozen=True)
class FileClass:
    node: ast.ClassDef


@dataclass(frozen=True)
class Factory:
    func: ast.FunctionDef


@dataclass(frozen=True, eq=False)
class ProjectClass:
    info: ClassInfo

    def __eq__(self, other) -> bool:
        return isinstance(other, ProjectClass) and other.info is self.info

    def __hash__(self) -> int:
        return id(self.info)


@dataclass(frozen=True)
class UnknownBlock:
    pass


UNKNOWN_BLOCK = UnknownBlock()

Callee = Union[GluonClass, FileClass, Factory, ProjectClass, UnknownBlock]
