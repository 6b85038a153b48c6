"""The engine: one file, one pass. Cheap text pre-filter, one `ast` traversal for every selected rule,
libcst only for the statements a fix rewrites. Imports nothing from `run`, `output` or `frontends`."""
