"""A project's memory does not grow with its trees (issue 20): the index and the plan hold per-file summaries,
no `ast`/libcst tree; `Project` keeps trees only up to `KEPT_TREES_TEXT` of Gluon source and parses the
others again, with the same findings. (The scaling itself is measured by benchmarks/memory.py.)"""
import ast
import gc
import os
import types

import libcst
import pytest

from gluon_codemod import check_code, fix_code
from gluon_codemod.run import project as project_module
from gluon_codemod.run.project import Project

HERE = os.path.dirname(os.path.abspath(__file__))
SHOP = os.path.join(HERE, "projects", "shop", "before")
EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(HERE)), "examples")
_NOT_DATA = (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType, types.MethodType,
             types.CodeType, types.FrameType)


def _python_files(root):
    return sorted(os.path.join(folder, name) for folder, _, names in os.walk(root) for name in names
                  if name.endswith(".py") and "__pycache__" not in folder)


def _trees_reachable_from(*roots):
    """The `ast` and libcst nodes reachable from `roots` through their data (classes, modules and
    functions are not followed: they lead to everything)."""
    found, seen, stack = [], set(), list(roots)
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, _NOT_DATA):
            continue
        seen.add(id(obj))
        if isinstance(obj, (ast.AST, libcst.CSTNode)):
            found.append(obj)
            continue
        stack.extend(gc.get_referents(obj))
    return found


@pytest.fixture
def shop(monkeypatch):
    monkeypatch.chdir(SHOP)
    return _python_files(".")


def test_the_walk_finds_a_tree_where_there_is_one(shop):
    # (or the test below could not fail)
    project = Project.load(shop)
    kept = [source for source in project.sources.values() if source.kept_tree is not None]
    assert kept and _trees_reachable_from(kept[0])
    assert _trees_reachable_from({"x": [libcst.parse_module("x = 1\n")]})


@pytest.mark.parametrize("root", [SHOP, EXAMPLES], ids=["shop", "examples"])
def test_the_index_and_the_plan_hold_no_trees(root, monkeypatch):
    monkeypatch.chdir(root)
    project = Project.load(_python_files("."))
    assert project.index.by_path  # something was indexed
    project.settle()
    assert _trees_reachable_from(project.index, project.plan) == []
    light = project.without_sources()  # what the cache gets (and workers that are not forked)
    assert _trees_reachable_from(light) == []


def test_trees_are_kept_only_for_gluon_files_within_the_budget(shop, monkeypatch):
    project = Project.load(shop)
    for path, source in project.sources.items():
        gluon = project_module.might_contain_gluon(source.text, source.module)
        assert (source.kept_tree is not None) == gluon, path
    monkeypatch.setattr(project_module, "KEPT_TREES_TEXT", 0)
    assert all(source.kept_tree is None for source in Project.load(shop).sources.values())


def test_files_parsed_again_get_the_same_findings_and_fixes(shop, monkeypatch):
    def results():
        project = Project.load(shop)
        project.settle()
        out = {}
        for path, source in project.sources.items():
            view = project.view(path)
            checked = check_code(source.text, project=view, tree=project.tree(path, source.text))
            fixed = fix_code(source.text, project=project.view(path))
            out[path] = ([(f.line, f.col, f.code, f.message) for f in checked], fixed.code)
        return project.plan, out

    plan_kept, kept = results()
    monkeypatch.setattr(project_module, "KEPT_TREES_TEXT", 0)
    plan_parsed, parsed = results()
    assert any(findings for findings, _ in kept.values())  # the project has something to find
    assert parsed == kept
    assert (plan_parsed.removed, plan_parsed.statuses) == (plan_kept.removed, plan_kept.statuses)


def test_the_projects_a_process_remembers_hold_no_trees(shop, monkeypatch):
    # a flake8 worker asks for the project once per file; what it keeps between files is the index and the plan
    from gluon_codemod.run import project_cache

    monkeypatch.setattr(project_cache, "_LOADED", {})
    project = project_cache.project_for(shop, whole=True)
    assert project.sources  # this run (the CLI's) gets the texts and the kept trees
    remembered = list(project_cache._LOADED.values())
    assert len(remembered) == 1 and not remembered[0].sources
    assert _trees_reachable_from(remembered) == []
    again = project_cache.project_for(shop, whole=True)
    assert again is remembered[0]
    assert again.view(shop[0]).index is project.index


def test_modules_read_on_demand_by_the_rules_are_kept_only_up_to_a_bound(tmp_path, monkeypatch):
    from gluon_codemod.analysis import module_source

    monkeypatch.setattr(module_source, "_PARSED", type(module_source._PARSED)())
    monkeypatch.setattr(module_source, "KEPT", 3)
    paths = []
    for index in range(5):
        path = tmp_path / f"m{index}.py"
        path.write_text(f"X = {index}\n")
        paths.append(str(path))
        assert module_source.parse_file(str(path)).body[0].value.value == index
    assert list(module_source._PARSED) == paths[2:]
    assert module_source.parse_file(paths[2]) is module_source._PARSED[paths[2]][1]  # used again: kept
    assert list(module_source._PARSED)[-1] == paths[2]
