"""Runs over many files: discovery and exclusion, configuration, batches and worker processes, notebooks,
and the whole project (its index, its plan and their cache). Uses the engine; knows nothing of output."""
