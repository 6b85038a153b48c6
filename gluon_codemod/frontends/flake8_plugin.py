"""The flake8 front end: every finding of the engine as a `GLN` violation; never writes a file.

Registered under the `flake8.extension` entry point (see pyproject.toml), so `flake8` reports Gluon 1.x
constructs next to its own checks, and `--select`, `--ignore`, `--extend-ignore`, `--per-file-ignores`,
`# noqa` and `--jobs` work as for any other plugin: flake8 applies them to what `run()` yields.

Cost: detection runs on the `ast` tree flake8 has already parsed (the same one pyflakes gets), and a
file whose text cannot contain Gluon code is dismissed with a substring test before any rule runs.
The engine is imported on first use, not when flake8 loads its plugins.
"""
from __future__ import annotations

import ast
from typing import Iterator, List, Optional, Tuple

from .. import __version__
from ..engine.source import might_contain_gluon

# flake8 names stdin "stdin" (or --stdin-display-name); it has no package to resolve relative imports in.
_STDIN_NAMES = {"stdin", "-"}
_DEFAULT_TARGET = "mxnet"


class GluonChecker:
    """flake8 `tree` plugin: `GluonChecker(tree, lines, filename).run()` yields `(line, col, text, type)`."""

    name = "gluon-codemod"
    version = __version__
    #: `--gluon-target`, set by `parse_options`; "runtime" also reports `mxnet.gluon` imports (GLN010).
    target = _DEFAULT_TARGET

    def __init__(self, tree: ast.AST, lines: List[str], filename: str):
        self.tree = tree
        self.lines = lines
        self.filename = filename

    @classmethod
    def add_options(cls, parser) -> None:
        parser.add_option(
            "--gluon-target", default=_DEFAULT_TARGET, parse_from_config=True, choices=("mxnet", "runtime"),
            help="gluon-codemod target: mxnet (default) reports old Block API constructs; runtime also "
                 "reports mxnet.gluon imports to point at gluon_runtime (GLN010). (Default: %(default)s)")

    @classmethod
    def parse_options(cls, options) -> None:
        cls.target = options.gluon_target

    def run(self) -> Iterator[Tuple[int, int, str, type]]:
        text = "".join(self.lines)
        module_name = self._module_name() if "mxnet" in self.filename else None
        view = None
        if not might_contain_gluon(text, module_name):
            # A script that never names Gluon may still call a Block class of its project (a file that is
            # its own project, as in the standard library, has none to call)
            view = self._project_view(alone=False)
            if view is None or not view.concerns(text):
                return
        engine = _engine()
        if module_name is None:
            module_name = self._module_name()
        # flake8 applies `# noqa` itself, with its own rules (`--disable-noqa`, a comment at the end of a
        # multi-line statement): the engine reports everything (noqa=False) and leaves suppression to flake8.
        for finding, _edit in engine.analyze(text, tree=self.tree, target=self.target, module_name=module_name,
                                             project=view or self._project_view(), noqa=False):
            yield finding.line, finding.col, f"{finding.code} {finding.message}", type(self)

    def _project_view(self, alone: bool = True):
        """This file as a module of its whole project (indexed once, then read from the cache), so that
        its findings are those of `gluon-codemod check` over the project. `alone=False`: None for a file
        that is a project of its own."""
        if self.filename in _STDIN_NAMES or not self.filename.endswith(".py"):
            return None
        from ..run.project_cache import project_for, project_root_of

        if not alone and project_root_of(self.filename) is None:
            return None
        return project_for([self.filename], whole=True, target=self.target).view(self.filename)

    def _module_name(self) -> Optional[str]:
        if self.filename in _STDIN_NAMES:
            return None
        from ..run.files import module_name_for

        return module_name_for(self.filename)


_ENGINE = None


def _engine():
    """The engine module, imported on first use (it brings the rules, not libcst: a check never needs it)."""
    global _ENGINE
    if _ENGINE is None:
        from ..engine import pipeline as engine

        _ENGINE = engine
    return _ENGINE
