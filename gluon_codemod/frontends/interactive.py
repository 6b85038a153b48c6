"""`fix --interactive[=all]`: review each fix as a diff, then write the accepted ones with a plan that follows.

1. Review. File after file, each fix is shown (its findings, their reason, and the diff of applying it on
   top of what was accepted before in that file) and asked about: `[y]es` apply, `[n]o` decline, `[a]ll`
   apply this and every later fix without asking, `[q]uit` stop asking. Unsafe fixes (they change
   checkpoint keys or symbol names) are asked about; safe ones are applied without asking, unless
   `--interactive=all`. A question is one fix site: the findings of one rule on one line (the engine
   can decline fixes per line and rule, as a `# noqa: CODE` there would).
2. Plan. The project's plan is settled again with the declined sites: a signature keeps a `prefix`
   a declined call still passes (in any file), so an accepted change of that signature is withdrawn,
   which is safe, and said so.
3. Write. Every reviewed file is rewritten with that plan, each in one rename, and only after the last
   answer: Ctrl-C during the review writes nothing. Quit writes the fixes accepted so far (with the
   safe fixes of the file being reviewed, unless `--interactive=all`); the files after it are left as
   they are, and the plan treats them as not rewritten.
"""
from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Dict, List, Optional, Set, TextIO, Tuple

from ..atomic_write import write_atomic
from ..run.batch import options_for, read_regular, unified_diff
from ..run.files import module_name_for
from ..vocabulary import Finding, Mode, Options, SourceError

PROMPT = "Apply this fix? [y]es/[n]o/[a]ll/[q]uit: "
#: Settling rounds: each one only adds declined sites, so the plan settles, usually in one.
_MAX_ROUNDS = 8

Site = Tuple[int, str]  # (line, rule code) in the text the engine was given


class _Quit(Exception):
    pass


@dataclass
class Question:
    site: Site
    findings: List[Finding]
    safe: bool


class Reviewer:
    """Asks on `out` and reads the answers from `answers`; counts what was answered."""

    def __init__(self, ask_safe: bool, answers: TextIO = sys.stdin, out: TextIO = sys.stdout):
        self.ask_safe = ask_safe
        self.answers, self.out = answers, out
        self.accept_all = False

    def wants(self, question: Question) -> bool:
        """Whether `question` is asked at all (else it is accepted)."""
        return not self.accept_all and (self.ask_safe or not question.safe)

    def ask(self, where: str, question: Question, diff: str) -> bool:
        from ..output.formats import rule_names

        code = question.site[1]
        kind = "safe fix" if question.safe else "UNSAFE fix: it may change checkpoint keys or symbol names"
        self.out.write(f"\n{where}: {code} {rule_names().get(code, '')} ({kind}; "
                       f"`gluon-codemod rule {code}` explains)\n")
        for finding in question.findings:
            self.out.write(f"  {finding.message}\n")
            if finding.fix_title:
                self.out.write(f"    fix: {finding.fix_title}\n")
        self.out.write(diff)
        while True:
            self.out.write(PROMPT)
            self.out.flush()
            answer = self.answers.readline()
            if not answer:  # end of input: stop as with quit
                raise _Quit()
            choice = answer.strip().lower()[:1]
            if choice == "y":
                return True
            if choice == "n":
                return False
            if choice == "a":
                self.accept_all = True
                return True
            if choice == "q":
                raise _Quit()
            self.out.write("Please answer y, n, a or q.\n")


@dataclass
class Review:
    """One file under review. The engine is handed texts (the file; a notebook's cells as one module, or
    cell by cell): the answers are kept per text, and a fix of a text nobody was asked about is declined."""

    path: str
    original: bytes
    options: Options
    project: object = None  # the settled `_project.Project` (.py files), or None
    questions: Dict[object, List[Question]] = field(default_factory=dict)
    accepted: Dict[object, Set[Site]] = field(default_factory=dict)
    texts: List[object] = field(default_factory=list)  # in the order the engine got them
    trial: Optional[Tuple[object, Site]] = None
    refused: Set[Tuple[object, Site]] = field(default_factory=set)  # answered no
    accept_everything: bool = False

    @property
    def notebook(self) -> bool:
        return self.path.endswith(".ipynb")

    def view(self):
        if self.project is not None:
            return self.project.view(self.path)
        # a notebook is its own project: an empty index is what a file alone sees (and declines need a view)
        from ..analysis.plan import ProjectView
        from ..analysis.project import ProjectIndex

        return ProjectView(ProjectIndex([]), None, None, self.path)

    def questions_of(self, source) -> List[Question]:
        if source not in self.questions:
            from ..engine.pipeline import analyze
            from ..engine.source import decode_source

            text = decode_source(source).text if isinstance(source, bytes) else source
            sites: Dict[Site, Question] = {}
            try:
                found = analyze(text, target=self.options.target, select=self.options.select,
                                ignore=self.options.ignore, module_name=module_name_for(self.path),
                                project=self.view(), unsafe_fixes=True)
            except (SourceError, RecursionError):
                found = []  # the fix reports it
            for finding, edit in found:
                if edit is None:
                    continue
                site = (finding.line, finding.code)
                question = sites.setdefault(site, Question(site, [], True))
                question.findings.append(finding)
                question.safe = question.safe and edit.safe
            self.questions[source] = list(sites.values())
        return self.questions[source]

    def transform(self, source):
        """The engine on one text, applying the accepted fixes of it only (and the one being tried)."""
        from ..engine.pipeline import fix_code

        if source not in self.texts:
            self.texts.append(source)
        view = self.view()
        if not self.accept_everything:
            accepted = set(self.accepted.get(source, ()))
            if self.trial is not None and self.trial[0] == source:
                accepted.add(self.trial[1])
            view.declined = frozenset(q.site for q in self.questions_of(source) if q.site not in accepted)
        fixed = fix_code(source, target=self.options.target, select=self.options.select,
                         ignore=self.options.ignore, unsafe_fixes=True, module_name=module_name_for(self.path),
                         project=view)
        return fixed.code, fixed.findings

    def run(self) -> bytes:
        """The file with the fixes accepted so far (raises SourceError for a file the engine cannot take)."""
        if self.notebook:
            from ..run.notebook import process_notebook

            return process_notebook(self.original, self.transform)[0]
        return self.transform(self.original)[0]

    def where(self, source, site: Site) -> str:
        if not self.notebook:
            return f"{self.path}:{site[0]}"
        from ..run.notebook import locate

        cell, line = locate(self.original, source, site[0])
        return f"{self.path}:cell {cell}:{line}" if cell is not None else self.path

    def diff(self, old: bytes, new: bytes) -> str:
        if self.notebook:
            from ..run.notebook import cell_diff

            return cell_diff(self.path, old, new)
        return unified_diff(self.path, old, new).decode("utf-8", "replace")

    def declined(self, answered: bool = True) -> List[Tuple[str, Question]]:
        """The fixes answered no (`answered`), or the ones never asked about: they changed nothing alone
        (the fix refuses, or needs one that was declined), or the review quit before them."""
        return [(self.where(source, q.site), q) for source in self.texts for q in self.questions_of(source)
                if q.site not in self.accepted.get(source, ()) and ((source, q.site) in self.refused) == answered]


def review(item: Review, reviewer: Reviewer) -> None:
    """Ask about each fix of the file; the answers are left in `item.accepted`. Raises _Quit."""
    if item.notebook:
        item.accept_everything = True
        item.run()  # which texts the engine is handed: the cells as one module, or one by one
        item.accept_everything = False
        if len(item.texts) > 1:
            item.texts = item.texts[1:]  # the module could not be rewritten: the cells went one by one
    else:
        item.texts = [item.original]
    for source in item.texts:
        item.accepted[source] = {q.site for q in item.questions_of(source) if not reviewer.wants(q)}
    current = item.run()
    progress = True
    while progress:  # a fix may change nothing alone and follow one accepted later (a signature, its base call)
        progress = False
        for source in item.texts:
            for question in item.questions_of(source):
                if question.site in item.accepted[source] or (source, question.site) in item.refused:
                    continue
                if not reviewer.wants(question):  # after an [a]ll
                    item.accepted[source].add(question.site)
                    continue
                item.trial = (source, question.site)
                try:
                    new = item.run()
                finally:
                    item.trial = None
                if new == current:
                    continue  # nothing to show: it refuses, or needs a fix not accepted (yet)
                if reviewer.ask(item.where(source, question.site), question, item.diff(current, new)):
                    item.accepted[source].add(question.site)
                    current, progress = new, True
                else:
                    item.refused.add((source, question.site))


@dataclass
class Outcome:
    path: str
    new: bytes
    findings: List[Finding]
    withdrawn: List[str] = field(default_factory=list)


def _settled_outcomes(items: List[Review], paths: List[str], options: Options) -> List[Outcome]:
    """The reviewed `.py` files fixed with a plan settled on what was declined (see the module's docstring)."""
    from ..engine.pipeline import fix_code
    from ..run.project import Project
    from ..run.project_cache import project_paths

    project = Project.load(project_paths(paths), in_run=[item.path for item in items])
    declined = _declined_sites(items)
    for _ in range(_MAX_ROUNDS):
        project.settle(select=options.select, ignore=options.ignore, target=options.target, unsafe_fixes=True,
                       declined=declined)
        outcomes, more = [], False
        for item in items:
            item_options = item.options
            fixed = fix_code(item.original, target=item_options.target, select=item_options.select,
                             ignore=item_options.ignore, unsafe_fixes=True, module_name=module_name_for(item.path),
                             project=project.view(item.path))
            applied = {(f.line, f.code) for f in fixed.findings if f.fixed}
            accepted = item.accepted.get(item.original, set())
            if applied - accepted:  # never apply what was not asked about: decline it, settle again
                declined[item.path] |= applied - accepted
                more = True
            done = Counter((f.line, f.code) for f in fixed.findings if f.fixed)
            withdrawn = [f"{item.path}:{q.site[0]}: {q.site[1]}" + (
                f" ({done[q.site]} of {len(q.findings)} applied)" if done[q.site] else "")
                for q in item.questions_of(item.original) if q.site in accepted and done[q.site] < len(q.findings)]
            outcomes.append(Outcome(item.path, fixed.code, fixed.findings, withdrawn))
        if not more:
            for item, outcome in zip(items, outcomes):
                if declined[item.path]:
                    outcome.findings = _left_after(outcome, item, project)
            return outcomes
    raise RuntimeError("the plan did not settle")  # (each round only declines more: cannot happen)


def _declined_sites(items: List[Review]) -> Dict[str, Set[Site]]:
    """Per reviewed `.py` file, the fix sites not accepted (declined, or never asked about)."""
    return {item.path: {q.site for q in item.questions_of(item.original)} - item.accepted.get(item.original, set())
            for item in items if not item.notebook}


def _left_after(outcome: Outcome, item: Review, project) -> List[Finding]:
    """The fixed findings, and what a check of the written file reports: a declined fix counts as a `noqa`
    for this run's analysis, which does not report it; the written file has no such comment."""
    from ..engine.pipeline import check_code

    left = check_code(outcome.new, target=item.options.target, select=item.options.select,
                      ignore=item.options.ignore, module_name=module_name_for(item.path),
                      project=project.view(item.path).after_fix())
    return [f for f in outcome.findings if f.fixed] + left


def _notebook_outcome(item: Review, errors: List[str]) -> Outcome:
    from ..run.notebook import process_notebook

    new, cells = process_notebook(item.original, item.transform)
    for cell in cells:
        if cell.error is not None:  # that cell is left as it is; the others are fixed
            errors.append(cell.error.format(item.path))
    return Outcome(item.path, new, [f for cell in cells for f in cell.findings])


def run_interactive(paths: List[str], options: Options, ask_safe: bool) -> int:
    """Review each file in turn, then write; returns the exit status."""
    if not sys.stdin.isatty():
        print("gluon-codemod: error: --interactive needs a terminal to ask in (stdin is not one); use "
              "`fix --diff` to review in a pipe", file=sys.stderr)
        return 2
    options = replace(options, mode=Mode.FIX)
    reviewer = Reviewer(ask_safe)
    project = _initial_project(paths, options)
    items: List[Review] = []
    errors: List[str] = []
    quit_at: Optional[str] = None
    for path in paths:
        try:
            original, skipped = read_regular(path)  # (a FIFO would block, a link to /dev/zero never end)
        except OSError as exc:
            errors.append(SourceError(f"cannot read: {exc.strerror or exc}").format(path))
            continue
        if original is None:
            print(f"gluon-codemod: {path}: {skipped}", file=sys.stderr)
            continue
        item = Review(path, original, options_for(path, options), project if path.endswith(".py") else None)
        try:
            review(item, reviewer)
        except _Quit:
            quit_at = path
        except SourceError as err:
            errors.append(err.format(path))
            continue
        items.append(item)
        if item.project is not None and _declined_sites([item])[path]:
            # the files reviewed next are shown with a plan that follows these answers: a signature whose
            # call was declined is not offered for removal
            project.settle(select=options.select, ignore=options.ignore, target=options.target, unsafe_fixes=True,
                           declined=_declined_sites(items))
        if quit_at is not None:
            break
    outcomes = _settled_outcomes([i for i in items if not i.notebook], paths, options) \
        if any(not i.notebook for i in items) else []
    outcomes += [_notebook_outcome(i, errors) for i in items if i.notebook]
    written = _write(items, outcomes, errors)
    return _summary(items, outcomes, errors, written, quit_at)


def _initial_project(paths: List[str], options: Options):
    """The run's project settled as if every fix were accepted: what each file's review starts from."""
    if not any(path.endswith(".py") for path in paths):
        return None
    from ..run.project import Project
    from ..run.project_cache import project_paths

    project = Project.load(project_paths(paths), in_run=paths)
    project.settle(select=options.select, ignore=options.ignore, target=options.target, unsafe_fixes=True)
    return project


def _write(items: List[Review], outcomes: List[Outcome], errors: List[str]) -> int:
    """Write each changed file in one rename; returns how many were written. Ctrl-C between two files
    says which were written (each file is whole, old or new) and goes on as an interrupt (exit 130)."""
    originals = {item.path: item.original for item in items}
    changed = [outcome for outcome in outcomes if outcome.new != originals[outcome.path]]
    done: List[str] = []
    try:
        for outcome in changed:
            try:
                with open(outcome.path, "rb") as handle:
                    if handle.read() != originals[outcome.path]:
                        errors.append(SourceError("changed by someone else during the review; left as it is "
                                                  "(run again)").format(outcome.path))
                        continue
                write_atomic(outcome.path, outcome.new)
                done.append(outcome.path)
            except OSError as exc:
                errors.append(SourceError(f"cannot write: {exc.strerror or exc}").format(outcome.path))
    except KeyboardInterrupt:
        left = [outcome.path for outcome in changed if outcome.path not in done]
        print(f"\ngluon-codemod: interrupted while writing: written: {', '.join(done) or 'none'}; left unchanged: "
              f"{', '.join(left)}", file=sys.stderr)
        raise
    return len(done)


def _summary(items: List[Review], outcomes: List[Outcome], errors: List[str], written: int,
             quit_at: Optional[str]) -> int:
    err = sys.stderr
    if quit_at is not None:
        print(f"\ngluon-codemod: quit at {quit_at}; the files after it were left unchanged", file=err)
    declined = [pair for item in items for pair in item.declined()]
    if declined:
        print("\nDeclined (left as they are, reported as findings):", file=err)
        for where, question in declined:
            print(f"  {where}: {question.site[1]} {question.findings[0].message}", file=err)
    unasked = [pair for item in items for pair in item.declined(answered=False)]
    if unasked:
        print("\nNot asked, not applied (alone they change nothing: the fix refuses or needs one that was "
              "declined; or the review quit before them):", file=err)
        for where, question in unasked:
            print(f"  {where}: {question.site[1]} {question.findings[0].message}", file=err)
    withdrawn = [w for outcome in outcomes for w in outcome.withdrawn]
    if withdrawn:
        print("\nAccepted, but not applied: a declined fix keeps what these would change, so the code stays "
              "consistent (safe):", file=err)
        for where in withdrawn:
            print(f"  {where}", file=err)
    kept = [(o.path, f) for o in outcomes for f in o.findings if not f.fixed and "keeps its" in f.message]
    if kept:
        print("\nKept, because a call that is not fixed still passes it:", file=err)
        for path, finding in kept:
            print(f"  {finding.format(path)}", file=err)
    for error in errors:
        print(error, file=err)
    applied = sum(1 for o in outcomes for f in o.findings if f.fixed)
    declined_count = sum(len(q.findings) for _, q in declined)
    print(f"\ngluon-codemod fix --interactive: {written} file{'s' if written != 1 else ''} rewritten, "
          f"{applied} fix{'es' if applied != 1 else ''} applied, {declined_count} declined"
          + (f", {len(withdrawn)} withdrawn" if withdrawn else ""), file=err)
    if errors:
        return 2
    left = any(not f.fixed for o in outcomes for f in o.findings)
    return 1 if written or left or declined or unasked else 0
