"""The runtime's modules import each other without cycles, all at the top of the file.

Base classes must not depend on the layers built on them (a container declares itself with
`_is_container = True` instead of `_summary` importing `nn.Sequential`); an import hidden inside
a function is how a cycle hides, so none of the runtime's own modules is imported that way.
"""
import ast
from pathlib import Path

import pytest

RUNTIME = Path(__file__).resolve().parents[2] / 'runtime'


def _module_name(path):
    parts = list(path.relative_to(RUNTIME).with_suffix('').parts)
    if parts[-1] == '__init__':
        parts = parts[:-1]
    return '.'.join(['runtime'] + parts)


def _exists(module):
    base = RUNTIME.joinpath(*module.split('.')[1:])
    return base.with_suffix('.py').exists() or (base / '__init__.py').exists()


def _package_of(path):
    name = _module_name(path)
    return name if path.name == '__init__.py' else name.rsplit('.', 1)[0]


def internal_imports(path):
    """`[(imported runtime module, line, at top level?)]` of one file's relative imports."""
    tree = ast.parse(path.read_text(encoding='utf-8'))
    top_level = {id(node) for node in tree.body}
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or not node.level:
            continue
        base = _package_of(path).split('.')
        base = base[:len(base) - (node.level - 1)]
        module = '.'.join(base + ([node.module] if node.module else []))
        targets = [module + '.' + a.name for a in node.names if _exists(module + '.' + a.name)]
        for target in targets or [module]:
            out.append((target, node.lineno, id(node) in top_level))
    return out


def _graph():
    return {_module_name(path): internal_imports(path) for path in sorted(RUNTIME.rglob('*.py'))}


def find_cycle(graph):
    """One import cycle as a list of modules, or None."""
    state, stack = {}, []

    def visit(module):
        state[module] = 'open'
        stack.append(module)
        for target in graph.get(module, ()):
            if state.get(target) == 'open':
                return stack[stack.index(target):] + [target]
            if target not in state:
                cycle = visit(target)
                if cycle:
                    return cycle
        stack.pop()
        state[module] = 'done'
        return None

    for module in sorted(graph):
        if module not in state:
            cycle = visit(module)
            if cycle:
                return cycle
    return None


def test_no_import_cycle():
    graph = {module: {target for target, _, _ in imports} for module, imports in _graph().items()}
    assert 'runtime._hybrid' in graph['runtime._symbol_block']  # the scan sees the imports
    assert find_cycle(graph) is None, ' -> '.join(find_cycle(graph))


def test_runtime_modules_are_imported_at_the_top():
    hidden = ['%s:%d imports %s inside a function' % (module, line, target)
              for module, imports in _graph().items()
              for target, line, top in imports if not top]
    assert not hidden, hidden


def test_base_classes_do_not_import_layers():
    graph = _graph()
    for base in ('runtime._block', 'runtime._hybrid', 'runtime._summary', 'runtime.parameter'):
        layers = [t for t, _, _ in graph[base]
                  if t.startswith(('runtime.nn', 'runtime.rnn', 'runtime.contrib'))]
        assert not layers, '%s imports %s' % (base, layers)


@pytest.mark.parametrize('graph,cycle', [
    ({'a': {'b'}, 'b': {'c'}, 'c': {'a'}}, ['a', 'b', 'c', 'a']),
    ({'a': {'b'}, 'b': set(), 'c': {'b'}}, None),
])
def test_find_cycle(graph, cycle):
    assert find_cycle(graph) == cycle
