"""The toolkit project under `before/` and `after/` is data for tests/codemod/test_project_acceptance.py:
its own tests run there, in a copy, on stock MXNet and on gluon_runtime, not in this suite."""
collect_ignore_glob = ["before", "after"]
