"""Whole-project runs: index every file of the run, settle the plan, then check or fix each file with it.

`Project.load(paths)` reads and parses the files (stdlib `ast`) and builds the index. It keeps each
file's text, and the trees of the first files up to `KEPT_TREES_TEXT` of source: a tree costs ~30 times
its text, so keeping them all would make a project's memory grow with the project (0.45 MiB a file); a
file whose tree was not kept is parsed again when it is analysed. `project.settle(...)` decides which
signature changes the whole project can follow (see `analysis.plan`); `project.view(path)` is what each
file's analysis then gets. The findings of a file
are the same whichever way it is reached: the CLI over a folder, or flake8 and the pre-commit hooks
one file at a time (they load the file's whole project, cached: see `project_cache`).
"""
from __future__ import annotations

import ast
import gc
import os
import stat
from dataclasses import dataclass, replace
from typing import Dict, Iterable, Optional, Sequence

from ..vocabulary import SourceError
from ..engine.source import decode_source, might_contain_gluon
from ..analysis.modules import find_root, module_name
from ..analysis.callees import Status
from ..analysis.plan import KeptByDefinition, Plan, ProjectView
from ..analysis.call_resolver import ARGS
from ..analysis.project import ProjectIndex, index_module
from .workers import Forked, balanced_shares, fork_map

#: Rounds of withdrawing removals that some call cannot follow; each round only withdraws, so the
#: plan settles, usually in one or two.
_MAX_ROUNDS = 8
#: Rounds for the statuses of classes that hand `prefix` on to classes of other modules.
_MAX_STATUS_ROUNDS = 6
#: Characters of source whose trees (and file indexes) are kept for the run: the Gluon files of a project
#: this size (gluoncv's ~400 files, 4 MB) are parsed once; in a larger one the files beyond it are parsed
#: again at each analysis, and memory stays about what this costs (~130 MiB) plus the index (a few KiB a
#: file).
KEPT_TREES_TEXT = 4 * 2**20


@dataclass
class ProjectSource:
    path: str
    module: Optional[str]
    text: str
    kept_tree: Optional[ast.Module] = None

    @property
    def tree(self) -> ast.Module:
        """The kept tree, or the text parsed again (see the module's docstring)."""
        return self.kept_tree if self.kept_tree is not None else ast.parse(self.text)


def _module_names(paths: Iterable[str]) -> Dict[str, Optional[str]]:
    roots: Dict[str, str] = {}
    names = {}
    for path in paths:
        folder = os.path.dirname(os.path.abspath(path))
        root = roots.get(folder)
        if root is None:
            root = roots[folder] = find_root(folder)
        names[path] = module_name(path, root)
    return names


class Project:
    """The Python files of one run (or one repository), indexed, with the plan settled on demand."""

    def __init__(self, sources: Dict[str, ProjectSource], index: ProjectIndex,
                 in_run: Optional[Iterable[str]] = None):
        self.sources = sources
        self.index = index
        self.plan = Plan()
        #: The files this run rewrites (None: all). A call in another file keeps what it passes.
        self.in_run = None if in_run is None else {os.path.abspath(p) for p in in_run}
        #: Per file (absolute path): the (line, code) of fixes the user declined (see `ProjectView.declined`).
        self.declined: Dict[str, frozenset] = {}
        #: The `FileIndex` of each kept tree (by `id`; None until built), shared by the analyses of a file.
        #: (Only kept trees: the id of a tree parsed again and freed would name the next one.)
        self._indexes: Dict[int, object] = {id(source.kept_tree): None for source in sources.values()
                                            if source.kept_tree is not None}

    def without_sources(self) -> "Project":
        """The index and the plan only (what worker processes and the cache need)."""
        light = Project({}, self.index)
        light.plan, light.in_run, light.declined = self.plan, self.in_run, self.declined
        return light

    @classmethod
    def load(cls, paths: Sequence[str], read=None, in_run: Optional[Iterable[str]] = None,
             jobs: int = 1) -> "Project":
        """Index the `.py` files among `paths`; files that cannot be read, decoded or parsed are left
        out here (each file's own run reports them). `jobs`: processes that may share the parsing."""
        names = _module_names(p for p in paths if p.endswith(".py"))
        # The collector's passes over the trees while parsing would cost more than the parsing itself. The
        # index and the kept trees live for the whole run and hold no reference cycles (reference counting
        # frees the other trees once indexed), so they are moved out of the collector's sight (`gc.freeze`).
        collecting = gc.isenabled()
        gc.disable()
        try:
            sources, modules = cls._parse_all(names, read, jobs)
        finally:
            gc.freeze()
            if collecting:
                gc.enable()
        return cls(sources, ProjectIndex(modules), in_run)

    @staticmethod
    def _parse_all(names: Dict[str, Optional[str]], read, jobs: int):
        """(sources, module indexes), in the order of `names`.

        The trees of the files that may hold Gluon code are kept (up to `KEPT_TREES_TEXT`), so these
        are parsed here; the others are only indexed (a third of gluoncv's text), and with `jobs` > 1
        forked processes parse and index them meanwhile (see `workers.Forked`)."""
        texts = {}
        for path in names:
            try:
                texts[path] = decode_source(read(path) if read is not None else _read(path)).text
            except (OSError, SourceError, ValueError):
                continue
        holds_gluon = {path: might_contain_gluon(text, names[path]) for path, text in texts.items()}
        gluon = [path for path in texts if holds_gluon[path]]
        # (a file that cannot hold Gluon code is not analysed again: its tree would be kept for nothing)
        others = [path for path in texts if not holds_gluon[path]]
        # path -> (whether it parses, its module index or None); with jobs > 1 the others are indexed in
        # forked processes while this one parses the Gluon files
        forking = jobs > 1 and len(others) >= _FORKED_FILES
        if forking:
            shares = balanced_shares(others, min(jobs - 1, len(others) // _FORKED_FILES), lambda p: len(texts[p]))
        else:
            shares = [list(range(len(others)))]
        with Forked(lambda path: _index_only(texts[path], names[path], path), others, shares, fork=forking) as forked:
            indexed = {}
            trees = {}
            kept_text = 0
            for path in gluon:
                try:
                    tree, index = _parse_and_index(texts[path], names[path], path)
                except _UNPARSABLE:
                    indexed[path] = False, None
                    continue
                indexed[path] = True, index
                if kept_text + len(texts[path]) <= KEPT_TREES_TEXT:
                    kept_text += len(texts[path])
                    trees[path] = tree
                del tree  # (unless kept: freed here, before the next file is parsed)
            indexed.update((others[i], result) for i, result in forked.results().items())
        sources: Dict[str, ProjectSource] = {}
        modules = []
        for path, name in names.items():
            parses, index = indexed.get(path, (False, None))
            if parses:
                sources[path] = ProjectSource(path, name, texts[path], trees.get(path))
                if index is not None:
                    modules.append(index)
        return sources, modules

    def view(self, path: str) -> ProjectView:
        absolute = os.path.abspath(path)
        module = self.index.by_path.get(absolute)
        return ProjectView(self.index, self.plan, module, path,
                           rewritten=self.in_run is None or absolute in self.in_run,
                           declined=self.declined.get(absolute, frozenset()), indexes=self._indexes)

    def tree(self, path: str, text: str) -> Optional[ast.Module]:
        """The tree of `path` (the kept one, or parsed again), if the project read exactly `text`."""
        source = self.sources.get(path)
        return source.tree if source is not None and source.text == text else None

    # -- the plan ------------------------------------------------------------------------------------
    def settle(self, *, select=None, ignore=None, target: str = "mxnet", unsafe_fixes: bool = False,
               declined: Optional[Dict[str, Iterable]] = None, jobs: int = 1) -> Plan:
        """Decide which `prefix`/`params` removals every call of the project follows in this run.

        `declined`: per file, the (line, code) of fixes the user declined; they are not applied, and a
        signature keeps a parameter that a declined call passes. `jobs`: processes that may share each
        round's analyses (the plan is the same)."""
        if declined is not None:
            self.declined = {os.path.abspath(path): frozenset(sites) for path, sites in declined.items()}
        plan = self.plan = Plan()
        # (a module that never says "gluon" may still hand `prefix` on to the project's Blocks)
        gluon = [s for s in self.sources.values()
                 if might_contain_gluon(s.text, s.module) or self.view(s.path).concerns(s.text)]
        definers = [s for s in gluon if self._defines_callables(s)]
        definers += self._forwarders_beside(gluon, definers)
        if not definers:
            return plan
        from ..engine.pipeline import analyze  # (not for a project without Gluon code: libcst comes with it)
        from ..engine.rule import codes_declaring, selected_rules
        # The rules declare what they do: which remove `prefix`/`params` from signatures (the plan is made of
        # their removals), which drop arguments from calls (the plan counts on them).
        removers = codes_declaring("removes_parameters")
        removes = bool(codes_declaring("removes_parameters", selected_rules(select, ignore, target)))

        def run(source: ProjectSource, planning: bool = False, **options):
            view = self.view(source.path)
            view.planning, view.settling = planning, not planning
            try:
                analyze(source.text, tree=source.tree, target=target, unsafe_fixes=unsafe_fixes, project=view,
                        **options)
            except (SourceError, RecursionError):
                pass
            return view.facts

        def run_all(sources, **options) -> list:  # (with jobs > 1, forked processes take a share)
            return fork_map(lambda source: run(source, **options), sources,
                            jobs if len(sources) >= _FORKED_FILES else 1, lambda source: len(source.text))

        plain = self._plain_statuses(definers)
        facts_of: Dict[str, object] = {}
        dirty = definers
        for _ in range(_MAX_ROUNDS):
            # A factory that hands `prefix` to a class of another module can drop it once that class does:
            # a module is analysed again while an entry of the plan that it read changes.
            for _ in range(_MAX_STATUS_ROUNDS):
                for source, facts in zip(dirty, run_all(dirty, planning=True, select=list(removers))):
                    facts_of[source.path] = facts
                statuses, removed = dict(plain), set()
                for source in definers:
                    statuses.update(facts_of[source.path].statuses)
                    removed |= facts_of[source.path].removed
                removed = removed if removes else set()
                changed = _changed_keys(plan.statuses, statuses, plan.removed, removed)
                plan.statuses, plan.removed = statuses, removed
                dirty = [s for s in definers if facts_of[s.path].consulted & changed]
                if not dirty:
                    break
            for source in definers:  # parameters their own callables cannot drop: their calls get findings
                for key, why in facts_of[source.path].kept_by_definition.items():
                    if key not in plan.kept or isinstance(plan.kept[key], KeptByDefinition):
                        plan.kept[key] = why
            if not plan.removed and not plan.kept:
                break  # (a kept parameter's calls are checked too: an argument dropped there may be required)
            # The calls that pass a removed parameter: in the files naming a callable the plan changes (`cls(...)`
            # and `super().__init__` are in a class's own file, which names it), through the rules that drop
            # call arguments, as this run selects them.
            names = plan.callable_names()
            droppers = list(codes_declaring("drops_arguments", selected_rules(select, ignore, target)))
            unfollowed: Dict = {}
            escapes: Dict = {}
            members: Dict = {}
            withdrawn = dict(plan.withdrawn)
            naming = [source for source in self.sources.values() if any(name in source.text for name in names)]
            # (with no such rule selected, no call drops anything: `ignore` empties the selection)
            selection = {"select": droppers, "ignore": None} if droppers else {
                "select": list(removers), "ignore": list(removers)}
            for facts in run_all(naming, **selection):
                # The plan is checked, not assumed: a call left unbound by the final edits withdraws the
                # removals of the callable it calls; a class used as a value whose calls cannot be
                # followed keeps its parameters (with `--unsafe-fixes` they go, and each call through
                # a value that passes them is reported: see GLN002).
                for found in (facts.unfollowed, facts.unbound):
                    for key, why in found.items():
                        unfollowed.setdefault(key, why)
                for key, found in facts.escapes.items():
                    escapes.setdefault(key, []).extend(found)
                members.update(facts.table_members)
                for site, why in facts.unbound_calls.items():
                    withdrawn.setdefault(site, why)
            # A table of classes whose every use is a call binding each class's new signature is followed
            # (those calls lose `prefix=` with GLN002); what else escapes stays, reported in a safe run.
            followed_before = dict(plan.followed)
            for key, why in self._follow_tables(escapes, members).items():
                if unsafe_fixes:
                    plan.escaped.setdefault(key, why)
                else:
                    unfollowed.setdefault(key, why)
            new = {key: why for key, why in unfollowed.items() if key not in plan.kept}
            if not new and withdrawn == plan.withdrawn and plan.followed == followed_before:
                break
            plan.withdrawn = withdrawn
            plan.kept.update(new)
            changed = {key for key, _ in new}
            tables = {table.rsplit(".", 1)[1] for table in set(plan.followed) ^ set(followed_before)}
            # (a call through a table now followed builds Blocks: what its callable does with `prefix` changes)
            dirty = [s for s in definers if facts_of[s.path].consulted_kept & changed
                     or any(table in s.text for table in tables)]
        return plan

    def _follow_tables(self, escapes: Dict, members: Dict) -> Dict:
        """The escapes left once the module-level tables whose every use is followed are (`plan.followed`)."""
        tables = {e.container for found in escapes.values() for e in found if e.container}
        verdicts = {table: self._table_problem(table, members.get(table)) for table in sorted(tables)}
        self.plan.followed = {table: members[table] for table, why in verdicts.items() if why is None}
        left = {}
        for key, found in escapes.items():
            for escaped in found:
                why = verdicts.get(escaped.container) if escaped.container else None
                if escaped.container is None or why is not None:
                    left[key] = replace(escaped, why=why) if why else escaped
                    break
        return left

    def _table_problem(self, table: str, members) -> Optional[str]:
        """Why the calls through the module-level table `table` cannot be taken for calls of each class it
        holds (`members`), or None: every use of it in the project is such a call, binding each one's new
        signature once GLN002 drops its `prefix=`."""
        from ..analysis.binding import final_signature, unbound
        from ..analysis.call_resolver import CallResolver, removed_names
        from ..analysis.escapes import table_uses
        from ..engine.rule import codes_declaring
        from ..engine.context import FileContext
        from ..engine.lines import split_lines

        plan, name = self.plan, table.rsplit(".", 1)[1]
        # (the rules that drop a class's `prefix=` at its calls, not those removing parameters from signatures)
        call_droppers = set(codes_declaring("drops_arguments")) - set(codes_declaring("removes_parameters"))
        if not members:
            return f"`{name}` holds something that is not a class of the project"
        is_dict = self._is_dict(table)
        signatures = []
        for key in sorted(members):
            if plan.statuses.get((key, "prefix"), Status.UNKNOWN) not in (Status.GLUON, None):
                return f"`{key.split(':', 1)[1]}` does more with a `prefix` than hand it to Gluon"
            signature, owner = self.index.signature_of(key)
            if signature is not None:
                signatures.append((owner, final_signature(signature, removed_names(plan, owner))))
        for source in self.sources.values():
            if name not in source.text:
                continue
            view = self.view(source.path)
            ctx = FileContext(source.tree, split_lines(source.text), source.module, project=view,
                              is_package=source.path.endswith("__init__.py"), source=source.text)
            calls, problem = table_uses(ctx, CallResolver(ctx, source.tree), table, is_dict)
            if problem is not None:
                return f"{problem[1]} at {source.path}:{problem[0]}"
            for call in calls:
                # (GLN002 drops a `prefix=` keyword, not silenced; a `prefix` inside a `**mapping` stays)
                keyword = next((k for k in call.keywords if k.arg == "prefix"), None)
                dropped = ("prefix",) if keyword is not None and not any(
                    ctx.suppressed(keyword.lineno, code) for code in call_droppers) else ()
                for owner, signature in signatures:
                    why = unbound(call, signature, 0, dropped)
                    if why is not None:
                        shown = owner.split(':', 1)[1]
                        return f"the call at {source.path}:{call.lineno} would not bind `{shown}` ({why})"
        return None

    def _is_dict(self, table: str) -> bool:
        """Whether the module-level table `table` is bound, once, to a dict (`REGISTRY = {}`, `dict(...)`)."""
        module_name, _, name = table.rpartition(".")
        source = next((s for s in self.sources.values() if s.module == module_name), None)
        if source is None:
            return False
        bound = [statement.value for statement in source.tree.body
                 if isinstance(statement, (ast.Assign, ast.AnnAssign)) and statement.value is not None
                 and any(isinstance(t, ast.Name) and t.id == name
                         for t in (statement.targets if isinstance(statement, ast.Assign) else [statement.target]))]
        return len(bound) == 1 and (isinstance(bound[0], ast.Dict) or (
            isinstance(bound[0], ast.Call) and isinstance(bound[0].func, ast.Name) and bound[0].func.id == "dict"))

    def _defines_callables(self, source: ProjectSource) -> bool:
        """Whether the module defines a Block class, or a function that may take `prefix`/`params` (it
        declares one, or takes `**kwargs`): the callables whose statuses the plan needs. Any other
        function of it takes neither: its statuses are known from the index (`_plain_statuses`)."""
        module = self.index.by_path.get(os.path.abspath(source.path))
        return module is None or any(info.is_block for info in module.classes.values()) or any(
            _may_take_prefix(signature) for signature in module.functions.values())

    def _forwarders_beside(self, gluon, definers) -> list:
        """The modules that never say "gluon" but define a function that may take `prefix`/`params` and
        import (directly, or through other such modules) a module of `definers`: `def build(**cfg): return
        Head(4, **cfg)` in a utility module hands a `prefix` on to a Block, and its calls elsewhere must
        follow what becomes of it. Found on the index's imports, without analysing any module."""
        analysed = {os.path.abspath(source.path) for source in gluon}
        reached = {module.name for module in (self.index.by_path.get(os.path.abspath(source.path))
                                              for source in definers) if module is not None}
        waiting = []  # (source, its module's name, the modules it imports)
        for source in self.sources.values():
            module = self.index.by_path.get(os.path.abspath(source.path))
            if (module is not None and os.path.abspath(source.path) not in analysed
                    and any(_may_take_prefix(signature) for signature in module.functions.values())):
                waiting.append((source, module.name, self.index.imported_modules(module)))
        found = []
        while True:
            joining = [entry for entry in waiting if entry[2] & reached]
            if not joining:
                return found
            for entry in joining:
                found.append(entry[0])
                reached.add(entry[1])
                waiting.remove(entry)

    def _plain_statuses(self, definers) -> Dict:
        """The statuses of the module-level functions that take neither `prefix` nor `params` in the
        modules not analysed for the plan: None, as the analysis would say."""
        analysed = {os.path.abspath(source.path) for source in definers}
        return {(f"{module.name}:{name}", arg): None for path, module in self.index.by_path.items()
                if path not in analysed for name, signature in module.functions.items()
                if not _may_take_prefix(signature) for arg in ARGS}


#: Below this many files, forking for a share of the work costs more than it saves.
_FORKED_FILES = 16
_UNPARSABLE = (SyntaxError, ValueError, RecursionError, MemoryError)


def _parse_and_index(text: str, name: Optional[str], path: str):
    """(tree, module index) of one file, the index None for a file outside any package (no module
    name); raises one of `_UNPARSABLE` for a file that does not parse."""
    tree = ast.parse(text)
    return tree, index_module(tree, name, os.path.abspath(path)) if name else None


def _index_only(text: str, name: Optional[str], path: str):
    """(whether the file parses, its module index or None): what a forked process sends back."""
    try:
        return True, _parse_and_index(text, name, path)[1]
    except _UNPARSABLE:
        return False, None


def _may_take_prefix(signature) -> bool:
    return signature.varkw or any(signature.declares(name) for name in ARGS)


def _changed_keys(old_statuses, statuses, old_removed, removed) -> set:
    """The callables whose status or removals differ between two versions of the plan."""
    changed = {key for key, _ in old_removed ^ removed}
    for entry in set(old_statuses) | set(statuses):
        if old_statuses.get(entry, Status.UNKNOWN) != statuses.get(entry, Status.UNKNOWN):
            changed.add(entry[0])
    return changed


def _read(path: str) -> bytes:
    if not stat.S_ISREG(os.stat(path).st_mode):  # a FIFO would block, a link to /dev/zero never end
        raise OSError(f"{path}: not a regular file")
    with open(path, "rb") as handle:
        return handle.read()
