"""Does every call of a project still match the signature it calls? (A checker for the tests.)

Walks the `.py` files of a tree, indexes them as `gluon_codemod` does, and binds each call of a class or
function of the project (resolved by scope and through imports) to the callee's current signature, as
Python would: too many positional arguments, a keyword the callee does not take, or an argument given
twice are mismatches. Calls of Gluon Block classes must not pass `prefix=`/`params=` any more.
Calls through `*args`/`**kwargs` are bound as far as they can be.
"""
from __future__ import annotations

import ast
import os
from dataclasses import replace
from typing import List, Optional, Tuple

from gluon_codemod.analysis.names import ImportTable, is_gluon_block_class
from gluon_codemod.run.project import Project
from gluon_codemod.analysis.project import Signature
from gluon_codemod.analysis.scopes import Scopes


def _parents(tree):
    parents = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
    return parents


def _local_signature(cls: ast.ClassDef, scopes: Scopes, project, module) -> Tuple[Optional[Signature], str]:
    seen = set()
    while cls is not None and id(cls) not in seen:
        seen.add(id(cls))
        init = next((s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None)
        if init is not None:
            return Signature.of(init, True), cls.name
        following = None
        for base in cls.bases:
            local = scopes.lookup(base.id, base) if isinstance(base, ast.Name) else None
            if local and len(local) == 1:
                following = local[0]
                break
            info = project.index.resolve(_qualify(module, base), project.index.modules.get(module.name))
            if info is not None:
                signature, owner, _ = project.index.init_of(info)
                return signature, owner.qualname if owner else info.qualname
        cls = following
    return None, ""


def _qualify(module, expr) -> Optional[str]:
    table = ImportTable(None)
    table.package = module.package
    table.names = module.imports
    table.star_from = module.star_imports
    return table.qualify(expr)


def _modules(root: str):
    """(project, path, source, module info, scopes) for each module of the `.py` files under `root`."""
    paths = sorted(os.path.join(folder, name) for folder, _, names in os.walk(root) for name in names
                   if name.endswith(".py"))
    project = Project.load(paths)
    for path, source in project.sources.items():
        module = project.index.by_path.get(os.path.abspath(path))
        if module is not None:
            # one tree per module: a tree the project did not keep is parsed again at each `.tree`
            source = replace(source, kept_tree=source.tree)
            yield project, path, source, module, Scopes(source.tree, _parents(source.tree))


def mismatches(root: str) -> List[str]:
    """`path:line: what` for every call in the `.py` files under `root` that does not bind."""
    found = []
    for project, path, source, module, scopes in _modules(root):
        functions = {s.name: Signature.of(s, False) for s in source.tree.body if isinstance(s, ast.FunctionDef)}
        for call in ast.walk(source.tree):
            if not isinstance(call, ast.Call):
                continue
            signature, label = None, ""
            func = call.func
            local = scopes.lookup(func.id, func) if isinstance(func, ast.Name) else None
            if local and len(local) == 1:
                signature, label = _local_signature(local[0], scopes, project, module)
            elif isinstance(func, ast.Name) and func.id in functions and scopes.binding_scope(
                    func.id, func) is source.tree:
                signature, label = functions[func.id], func.id
            elif not local:
                qualified = _qualify(module, func)
                if is_gluon_block_class(qualified):
                    last = qualified.rsplit(".", 1)[-1]
                    for keyword in call.keywords:
                        shared = last == "SymbolBlock" and keyword.arg == "params"
                        if keyword.arg in ("prefix", "params") and not shared:
                            found.append(f"{path}:{call.lineno}: `{keyword.arg}=` given to Gluon `{last}`")
                    continue
                info = project.index.resolve(qualified, module)
                if info is not None:
                    signature, owner, _ = project.index.init_of(info)
                    label = owner.qualname if owner else info.qualname
                else:
                    resolved = project.index.resolve_function(qualified, module)
                    if resolved is not None:
                        label, signature = resolved
            if signature is not None:
                problem = _bind(call, signature)
                if problem:
                    found.append(f"{path}:{call.lineno}: `{label}` {problem}")
    return found


def _bind(call: ast.Call, signature: Signature) -> Optional[str]:
    positional = [a for a in call.args if not isinstance(a, ast.Starred)]
    starred = any(isinstance(a, ast.Starred) for a in call.args)
    if not starred and len(positional) > len(signature.positional) and not signature.varargs:
        return f"takes {len(signature.positional)} positional arguments but the call passes {len(positional)}"
    filled = set(signature.positional[:len(positional)]) if not starred else set()
    for name in _keywords(call):
        if name in filled:
            return f"gets `{name}` twice"
        if not signature.declares(name) and not signature.varkw:
            return f"does not take `{name}=`"
    return None


def _keywords(call: ast.Call) -> List[str]:
    """The keyword names a call passes, also those unpacked from a literal `**{...}` or `**dict(...)`."""
    names = []
    for keyword in call.keywords:
        value = keyword.value
        if keyword.arg is not None:
            names.append(keyword.arg)
        elif isinstance(value, ast.Dict):
            names += [key.value for key in value.keys if isinstance(key, ast.Constant) and isinstance(key.value, str)]
        elif isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "dict":
            names += [inner.arg for inner in value.keywords if inner.arg is not None]
    return names


def old_api_sites(root: str) -> List[Tuple[str, int, int, str]]:
    """(path, first line, last line, what) for each Gluon 1.x naming construct left in the `.py` files under `root`: a
    `name_scope()`, `params.get(...)`, `save_params`/`load_params`, a `prefix`/`params` parameter of a Block
    class's `__init__`, and a `prefix=`/`params=` argument given to a Gluon or project Block class.
    Found independently of the rules (plain `ast` and the project index), to hold their findings to."""
    found = []
    for project, path, source, module, scopes in _modules(root):
        for node in ast.walk(source.tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                attr = node.func.attr
                if attr == "name_scope" and not node.args:
                    found.append((path, node.lineno, node.end_lineno, "name_scope()"))
                elif attr in ("get", "get_constant") and isinstance(node.func.value, ast.Attribute) \
                        and node.func.value.attr == "params" and (attr == "get_constant" or node.keywords):
                    # (`block.params.get(name)` alone is a lookup in the new API's dict of own Parameters)
                    found.append((path, node.lineno, node.end_lineno, f"params.{attr}()"))
                elif attr in ("save_params", "load_params"):
                    found.append((path, node.lineno, node.end_lineno, f"{attr}()"))
            if isinstance(node, ast.Call):
                names = [k.arg for k in node.keywords if k.arg in ("prefix", "params")]
                if names and _is_block_class(node.func, scopes, project, module):
                    found.append((path, node.lineno, node.end_lineno, f"{'/'.join(names)}= to a Block"))
            if isinstance(node, ast.ClassDef):
                info = module.classes.get(scopes.qualname(node))
                init = next((s for s in node.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None)
                if info is not None and info.is_block and init is not None:
                    for arg in init.args.args + init.args.kwonlyargs:
                        if arg.arg in ("prefix", "params"):
                            found.append((path, arg.lineno, arg.end_lineno, f"{arg.arg} parameter of a Block"))
    return found


def _is_block_class(func, scopes: Scopes, project, module) -> bool:
    local = scopes.lookup(func.id, func) if isinstance(func, ast.Name) else None
    if local:
        info = module.classes.get(scopes.qualname(local[0]))
        return bool(info and info.is_block)
    qualified = _qualify(module, func)
    if is_gluon_block_class(qualified):
        return qualified.rsplit(".", 1)[-1] != "SymbolBlock"
    info = project.index.resolve(qualified, module)
    return bool(info and info.is_block)


def unreported(sites, findings: List[str]) -> List[str]:
    """The sites with no finding (`path:line:...` lines of a check) on any of their lines."""
    reported = set()
    for line in findings:
        path, number = line.split(":")[:2]
        reported.add((os.path.normpath(path), int(number)))
    return [f"{path}:{first}: {what}" for path, first, last, what in sites
            if not any((os.path.normpath(path), n) in reported for n in range(first, last + 1))]
