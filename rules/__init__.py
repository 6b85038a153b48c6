"""Migration rules: one module per rule, found by `gluon_codemod.engine.rule.all_rules()`.

Each module holds a `Rule` subclass with its code, message, fix, fix safety, ruff-style documentation
(What it does / Why is this bad? / Example / Use instead / Fix safety) and VALID/INVALID examples,
which run as tests.
"""
