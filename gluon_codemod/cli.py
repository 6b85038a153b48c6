"""`gluon_codemod.cli:main` stays importable: the `gluon-codemod` entry point names it.
The command line lives in `gluon_codemod.frontends.cli`."""
from .frontends.cli import main

__all__ = ["main"]
