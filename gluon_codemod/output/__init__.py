"""What the user sees: output streams, the `--output-format` emitters, the summary and report, and the
edits a fix makes. Reads the typed results of `gluon_codemod.vocabulary`; never imports `run`.

What several emitters share is here, so that they need not import each other."""

#: The tool's name in the documents the formats write (GitHub annotations, JUnit, SARIF).
TOOL = "gluon-codemod"
