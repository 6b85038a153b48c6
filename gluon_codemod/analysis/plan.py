"""The project's plan: which signatures lose `prefix`/`params`, and which keep them and why.

A signature change is safe for the project only together with the fix of every call that passes the
removed parameter. The plan is settled before any file is rewritten (see `gluon_codemod.run.project`):
each module that defines Blocks or factories says which parameters its rules would remove and what its
callables do with the ones they receive (`Facts`); the calls of the whole project are then checked
against those removals, and a removal that some call would not follow is withdrawn (`kept`, with the
reason) until nothing changes. Every file is then analysed once more with the settled plan.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import AbstractSet, Dict, List, Optional, Set, Tuple, Union

from .callees import Status
from .project import ClassInfo, ModuleInfo, ProjectIndex

Key = Tuple[str, str]  # (callable key `module:qualname`, parameter name)


@dataclass(frozen=True)
class Unfollowed:
    """A call that passes a parameter whose removal it would not follow: why the parameter stays."""

    path: str  # the call's file, as the run names it
    line: int  # in the code the plan was settled on
    why: str

    def describe(self, after_fix: bool = False) -> str:
        where = f"{self.path}:{self.line}" + (" (its line before this run's fixes)" if after_fix else "")
        return f"the call at {where} passes it ({self.why})"


@dataclass(frozen=True)
class KeptByDefinition:
    """A parameter that its own callable cannot drop (a comment inside it, a `# noqa` on the argument
    that hands it on, ...): why."""

    why: str

    def describe(self, after_fix: bool = False) -> str:
        return self.why


@dataclass(frozen=True)
class Escaped:
    """A class used as a value (handed to a decorator, stored, passed, returned): the calls made through
    that value cannot be followed, so its signature cannot change safely."""

    name: str  # the class
    how: str  # "is stored in `REGISTRY`"
    path: str
    line: int
    #: The module-level container it is stored in (`pkg.decoder.REGISTRY`), whose calls may be followed.
    container: Optional[str] = None
    #: Why the calls through that container cannot be followed, once looked at.
    why: Optional[str] = None

    def describe(self, after_fix: bool = False) -> str:
        where = f"{self.path}:{self.line}" + (" (its line before this run's fixes)" if after_fix else "")
        return f"`{self.name}` {self.how} at {where}; calls through it cannot be followed" + (
            f" ({self.why})" if self.why else "")


@dataclass(frozen=True)
class Unbound:
    """A call that would not bind its callable's final signature once this run's edits are made."""

    path: str
    line: int
    label: str
    why: str

    def describe(self, after_fix: bool = False) -> str:
        where = f"{self.path}:{self.line}" + (" (its line before this run's fixes)" if after_fix else "")
        return f"the call at {where} would no longer bind `{self.label}` ({self.why})"


@dataclass(frozen=True)
class StillUsed:
    """A use of a parameter in its callable's body that no edit of this run removes (the argument that
    hands it on stays): removing the parameter would refuse, and its calls would no longer bind."""

    path: str
    line: int
    name: str

    def describe(self, after_fix: bool = False) -> str:
        where = f"{self.path}:{self.line}" + (" (its line before this run's fixes)" if after_fix else "")
        return f"`{self.name}` is still used at {where}, where no edit of this run removes it"


Kept = Union[Unfollowed, KeptByDefinition, Escaped, Unbound, StillUsed]


@dataclass
class Plan:
    #: What each callable does with the `prefix`/`params` it receives (see `callees.Status`).
    statuses: Dict[Key, Optional[Status]] = field(default_factory=dict)
    #: Parameters the rules remove from a callable's signature.
    removed: Set[Key] = field(default_factory=set)
    #: Parameters that stay: because a call would not follow their removal (that call), or because their
    #: own callable cannot drop them (why).
    kept: Dict[Key, Kept] = field(default_factory=dict)
    #: With `--unsafe-fixes`: removals of classes and factories used as values, whose calls through those
    #: values cannot be followed; their signature edits are unsafe.
    escaped: Dict[Key, Escaped] = field(default_factory=dict)
    #: Module-level containers of classes (`REGISTRY`, `LAYERS`) whose every use the project makes is a
    #: call that binds each class's final signature: a call through one is a call of each of its classes.
    followed: Dict[str, Set[str]] = field(default_factory=dict)
    #: Call edits withdrawn because the call would not bind what it calls without the argument they
    #: drop: (path, line, column) of the call -> why. Their findings stay, reported with the reason.
    withdrawn: Dict[Tuple[str, int, int], str] = field(default_factory=dict)

    def callable_modules(self) -> Set[Tuple[str, str]]:
        """(module, plain name) of the callables the plan changes or keeps (`('pkg.model', 'Head')`)."""
        keys = {key for key, _ in self.removed} | {key for key, _ in self.kept}
        return {(key.split(":", 1)[0], key.rsplit(":", 1)[1].replace(".__init__", "").split(".")[0])
                for key in keys}

    def callable_names(self) -> Set[str]:
        """The plain names (`Head`, `make_embed`) of the callables the plan changes or keeps."""
        keys = {key for key, _ in self.removed} | {key for key, _ in self.kept}
        return {key.rsplit(":", 1)[1].replace(".__init__", "").split(".")[0] for key in keys}


@dataclass
class Facts:
    """What one module's analysis tells the plan."""

    statuses: Dict[Key, Optional[Status]] = field(default_factory=dict)
    removed: Set[Key] = field(default_factory=set)
    #: Calls passing a parameter whose removal is planned, and that no edit of this run drops.
    unfollowed: Dict[Key, Unfollowed] = field(default_factory=dict)
    #: Parameters that only hand the argument on to Blocks, and that their callable cannot drop: why.
    kept_by_definition: Dict[Key, KeptByDefinition] = field(default_factory=dict)
    #: The callables whose statuses or removals this analysis read (another module's), and those whose
    #: kept parameters it read: it must run again if one of these entries of the plan changes.
    consulted: Set[str] = field(default_factory=set)
    consulted_kept: Set[str] = field(default_factory=set)
    #: Classes whose planned removals are not safe: used as a value where calls cannot be followed.
    escapes: Dict[Key, List[Escaped]] = field(default_factory=dict)
    #: Module-level tables of classes (`REGISTRY`, `LAYERS`) by qualified name: the keys of all they hold
    #: (None: something in it is not a class or factory of the project).
    table_members: Dict[str, Optional[Set[str]]] = field(default_factory=dict)
    #: Calls that would not bind the final signature of a callable whose signature the plan changes.
    unbound: Dict[Key, Union[Unbound, StillUsed]] = field(default_factory=dict)
    #: Calls whose own dropped arguments leave them unbound (the callable's signature does not change).
    unbound_calls: Dict[Tuple[str, int, int], str] = field(default_factory=dict)


#: Text without one of these has nothing of the 1.x naming API for a rule to find, outside calls of the
#: callables the plan changes (named in it) and code that says "gluon".
_OLD_API_TOKENS = ("prefix", "params", "name_scope", ".name", "_unfuse")


class ProjectView:
    """What a file's analysis sees of its project: the index, the plan, and which module it is."""

    def __init__(self, index: ProjectIndex, plan: Optional[Plan], module: Optional[ModuleInfo], path: str = "",
                 applied: bool = False, rewritten: bool = True, planning: bool = False,
                 declined: AbstractSet[Tuple[int, str]] = frozenset(), indexes: Optional[dict] = None):
        self.index = index
        self.plan = plan if plan is not None else Plan()
        self.module = module
        self.path = path
        #: The plan's removals are already applied to this code (the check of a rewritten file).
        self.applied = applied
        #: This run rewrites the file (a fix over other files leaves its calls as they are).
        self.rewritten = rewritten
        #: Only what the plan needs (statuses, removed signatures) is wanted from this analysis.
        self.planning = planning
        #: The plan is being checked against this module's final edits (escapes, bindings): see `settle`.
        self.settling = False
        #: (line, code) of the findings whose fixes the user declined (`fix --interactive`): they count
        #: as silenced by a `# noqa` there, for this run's edits and plan, without a comment being written.
        self.declined = declined
        #: The project's `FileIndex` of each tree it keeps (by `id`), shared by the analyses of a file.
        self.indexes = indexes
        self.facts = Facts()

    @property
    def display(self) -> str:
        return self.path or (self.module.path if self.module else "<file>")

    @property
    def site(self) -> str:
        """The file as `Plan.withdrawn` names it, whichever way the run names it (absolute)."""
        return self.module.path if self.module is not None else os.path.abspath(self.path or "<file>")

    def after_fix(self) -> "ProjectView":
        """The view of this module once rewritten: the planned removals are done (and a declined fix is
        a finding left, reported at its line in the rewritten code)."""
        return ProjectView(self.index, self.plan, self.module, self.path, applied=True, rewritten=self.rewritten)

    def concerns(self, text: str) -> bool:
        """Whether code that never mentions Gluon may still call a callable whose signature the plan
        changes or keeps (`from blocks import Head; Head(8, 'head_')` in a script)."""
        module = self.module
        if self.plan.escaped and module is not None:
            # a class whose removal this run applies although it is used as a value may be called through
            # that value from any module of the project (`block(units, 'b_')`, whatever the text says)
            return True
        # It names a callable the plan changes, or spells something of the 1.x naming API (what every rule
        # that may fire there looks for), and imports a module of the project that defines Blocks or
        # forwarders, or one of its classes: a call there may pass what a Block constructor no longer
        # takes, a factory's result may be a Block. (A module that imports none of them cannot reach one
        # by name: `class Bottleneck(nn.Module)` of a PyTorch module of the same project is not concerned.)
        named = [key for key, name in self.plan.callable_modules() if name in text]
        # (a table whose every use is followed is a name of each of its classes: `REGISTRY[kind](4, **cfg)`)
        named += [table.rpartition(".")[0] for table in self.plan.followed if table.rpartition(".")[2] in text]
        if named:
            return module is None or self._imports_blocks() or self._imports_towards(named)
        return module is not None and any(token in text for token in _OLD_API_TOKENS) and self._imports_blocks()

    def _imports_towards(self, modules) -> bool:
        """Whether the module imports one of `modules`, something in it, or a package above it (`import
        pkg` reaches `pkg.model.Head`; `from pkg import Head` may be a re-export of it)."""
        for target in (*self.module.imports.values(), *self.module.star_imports):
            for name in (target, target.rpartition(".")[0]):
                if name and any(m == name or m.startswith(name + ".") for m in modules):
                    return True
        return False

    def _imports_blocks(self) -> bool:
        module = self.module
        return any(self.index.leads_to_blocks(target, module)
                   for target in (*module.imports.values(), *module.star_imports))

    def resolve(self, qualified: Optional[str]) -> Optional[ClassInfo]:
        return self.index.resolve(qualified, self.module)

    def key(self, qualname: str) -> str:
        return f"{self.module.name if self.module else '<file>'}:{qualname}"

    def status(self, key: str, name: str) -> Optional[Status]:
        self.facts.consulted.add(key)
        return self.plan.statuses.get((key, name), Status.UNKNOWN)

    def kept(self, key: str, name: str, by_calls_only: bool = False) -> Optional[str]:
        """Why the plan keeps parameter `name` of callable `key`, or None. `by_calls_only`: only when a
        call keeps it (a callable's own reason is its analysis's to find again)."""
        self.facts.consulted_kept.add(key)
        why = self.plan.kept.get((key, name))
        if why is None or (by_calls_only and isinstance(why, KeptByDefinition)):
            return None
        return why.describe(after_fix=self.applied)

    def escaped_slots(self) -> List[Tuple[str, str, int]]:
        """(class, parameter, positional slot) of each parameter this run removes from a class or factory
        used as a value whose calls cannot be followed (`--unsafe-fixes`): a call through a value that fills
        that slot may call it."""
        found = []
        for (key, name), escaped in sorted(self.plan.escaped.items()):
            if not self.removes(key, name):
                continue
            signature, _owner = self.index.signature_of(key)
            if signature is not None and name in signature.positional:
                found.append((escaped.name, name, signature.positional.index(name)))
        return found

    def removes(self, key: str, name: str) -> bool:
        """Whether this run removes parameter `name` from callable `key`'s signature."""
        self.facts.consulted.add(key)
        self.facts.consulted_kept.add(key)
        return (key, name) in self.plan.removed and (key, name) not in self.plan.kept
