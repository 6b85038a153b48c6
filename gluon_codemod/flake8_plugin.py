"""`gluon_codemod.flake8_plugin:GluonChecker` stays importable: the `flake8.extension` entry point and
users' configurations name it. The plugin lives in `gluon_codemod.frontends.flake8_plugin`."""
from .frontends.flake8_plugin import GluonChecker

__all__ = ["GluonChecker"]
