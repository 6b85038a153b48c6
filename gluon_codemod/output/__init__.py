"""What the user sees: output streams, the `--output-format` emitters, the summary and report, and the
edits a fix makes. Reads the typed results of `gluon_codemod.vocabulary`; never imports `run`."""
