"""Analysis the rules share, on the standard library's `ast` (no libcst), built once per file or project.

- `modules`: module names from paths (packages with and without `__init__.py`, `src/` layouts), the root.
- `project`: the project index, every module's imports and classes per scope, Blocks across modules.
- `scopes`: which class a name stands for at a place in a module.
- `plan`: which `prefix`/`params` removals the whole project follows; `consistency`: what a module tells it.
- `call_resolver`: what a call calls and binds at which slot (`CallResolver`, `arguments_passing`), and
  the check of every call against the final signatures (with `binding`); `escapes`: where a class of the
  project is used as a value, and which of those uses (tables of classes, registries) can be followed;
  `mappings`: the `prefix`/`params` a `**cfg` is given in the call's scope, and whether its keys are known;
- `prefix_flow`: where a module's classes and factories send `prefix`/`params` (GLN002, GLN003), on top
  of the call resolution; `callees`: the typed values both answer with (what a call builds, what a
  callable does with them).
- `old_api`: receiver roles and the 1.x naming patterns; `legacy_names`: 1.x names traced to structural
  keys; `checkpoint_files`: which files are `export()` or `SymbolBlock` checkpoints.
- `value_flow`: whether a value reaches a Block attribute (GLN005); `constants`: strings folded through
  constants of the file and the project (GLN012); `module_source`: another module parsed on demand;
  `call_sites`: what every caller in the project passes for a function's parameter (GLN012).
"""
