"""The folder tree is the data flow (issue 23): read exports → model →
explain → engines → present → cli, imports running one way, down the flow,
with no circle, and no import hidden in a function but a heavy third-party
library's or the CLI's (which loads a command's code only when it runs, so
``ranking --help`` stays quick)."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "ranking"

#: Each stage, in flow order; a module may import its own stage and those
#: before it. ``base`` is what every stage uses (errors, the translation
#: table, text widths, where the default model is, and ``writing/``: files
#: out, whole or not at all).
STAGES = ["base", "reading", "model", "explain", "engines", "present", "cli"]
BASE = {"ranking", "ranking.errors", "ranking.messages", "ranking.text"}
BASE |= {"ranking.defaults"}
#: Loaded only where used: a second or more at import, or an optional extra.
HEAVY = ("scipy", "sklearn", "threadpoolctl", "distributed", "xlsxwriter")
HEAVY += ("pandas", "joblib")


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = _modules()


def _stage(module: str) -> str:
    if module in BASE or module.startswith("ranking.writing"):
        return "base"
    if module.startswith("ranking.cli") or module == "ranking.__main__":
        return "cli"
    if module.startswith("ranking.sim"):
        return "sim"
    return module.split(".")[1]


def _target(name: str) -> str:
    """The module of ``ranking`` an imported name lives in."""
    while name not in MODULES:
        name = name.rpartition(".")[0]
    return name


def _imports(module: str) -> list[tuple[ast.AST, str, bool]]:
    """(node, imported ranking module, inside a function) of one module."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    in_function = {
        id(node)
        for fn in ast.walk(tree)
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(fn)
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert not node.level, f"{module}: relative import"
            base = node.module or ""
            names = [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            found.append((node, name, id(node) in in_function))
    return found


@functools.cache
def _graph() -> dict[str, set[str]]:
    return {
        module: {
            _target(name)
            for _, name, _ in _imports(module)
            if name.startswith("ranking") and _target(name) != module
        }
        for module in MODULES
    }


def test_the_package_is_split_into_the_stages():
    stages = {_stage(m) for m in MODULES}
    assert stages == {*STAGES, "sim"}
    flat = sorted(
        m
        for m, path in MODULES.items()
        if path.parent == PACKAGE and m not in BASE and path.name != "__init__.py"
    )
    assert flat == ["ranking.__main__"], f"outside a stage: {flat}"


def test_no_import_circle():
    graph, seen, done, circles = _graph(), set(), set(), []

    def visit(module: str, path: list[str]) -> None:
        seen.add(module)
        for other in sorted(graph[module]):
            if other in path:
                circles.append(path[path.index(other) :] + [other])
            elif other not in seen:
                visit(other, [*path, other])
        done.add(module)

    for module in sorted(graph):
        if module not in seen:
            visit(module, [module])
    assert circles == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_run_down_the_flow(module):
    stage = _stage(module)
    upward = []
    for other in _graph()[module]:
        theirs = _stage(other)
        if stage == "sim":
            allowed = theirs in ("base", "sim")
        elif theirs == "sim":
            allowed = stage == "cli"
        else:
            allowed = STAGES.index(theirs) <= STAGES.index(stage)
        if not allowed:
            upward.append(other)
    assert upward == [], f"{module} ({stage}) imports a later stage"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_inside_functions_are_heavy_libraries_only(module):
    hidden = [
        name
        for _, name, inside in _imports(module)
        if inside and _stage(module) != "cli" and not name.startswith(HEAVY)
    ]
    assert hidden == []
