"""Runs over many files: discovery and exclusion, configuration, batches and worker processes, notebooks,
and the whole project (its index, its plan and their cache). Uses the engine; of `output`, only the fix
edits a run computes for SARIF (`output.fix_edits`); it prints nothing."""
