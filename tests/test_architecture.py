"""The dependency rule of the layers, read from the source (docs/architektur.md):

    sources (pure Python, no Dagster)  <-  checks  <-  assets  <-  pipelines

Every import counts, also one inside a function. Nothing but the entry points and the tests
imports ``pipelines``.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ["sources", "checks", "assets", "pipelines"]


@functools.cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def _names(nodes) -> set[str]:
    """What import statements name: ``import a.b`` -> a.b; ``from a import b`` -> a and a.b."""
    out: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return out


def _imports(path: Path) -> set[str]:
    """Every import of the module, also inside functions."""
    return _names(ast.walk(_tree(path)))


MODULES = sorted(p for layer in LAYERS for p in (ROOT / layer).rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_a_layer_imports_only_the_layers_below_it(path):
    own = LAYERS.index(path.relative_to(ROOT).parts[0])
    for name in _imports(path):
        top = name.split(".")[0]
        if top in LAYERS:
            assert LAYERS.index(top) <= own, f"{path.relative_to(ROOT)} imports {name} (layer {top} is above {LAYERS[own]})"


def test_sources_are_free_of_dagster():
    for path in (ROOT / "sources").rglob("*.py"):
        assert not any(n.split(".")[0] == "dagster" for n in _imports(path)), path.relative_to(ROOT)


def test_the_rule_is_not_vacuous():
    """The scan sees the imports it must see (a rename of the layers would otherwise pass)."""
    assert "sources.settings" in _imports(ROOT / "assets" / "resources.py")
    assert "assets.resources" in _imports(ROOT / "assets" / "staging" / "assets.py")
    assert len(MODULES) > 40


def test_the_size_cycle_and_import_scans_see_what_they_must():
    assert not _pulls_in_heavy("sources.settings") and _pulls_in_heavy("assets.report.charts")
    graph = _graph()
    assert "sources.settings" in graph["assets.resources"] and "sources.demo.inbox" in graph["sources.demo"]
    assert "sources.demo" not in graph["sources.demo.inbox"]  # `from package import module` is an edge to the module


# --- sizes, cycles, local imports (issue 13; docs/architektur.md "Rules of the tree") -----------

MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 80
# Imported inside a function only because they cost start-up time a run does not always need
# (seconds for GX, ~1 s for matplotlib and Dagster, ~0.3 s for polars, which the command line
# imports only after it has started the GX helper); each such import carries a comment saying so.
# A module of the project may be imported inside a function only if it imports one of them.
HEAVY = {"great_expectations", "pandas", "matplotlib", "docx", "xlsxwriter", "fastexcel", "dagster", "yaml", "numpy", "scipy",
         "polars"}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_module_and_function_sizes(path):
    n_lines = len(path.read_text(encoding="utf-8").splitlines())
    assert n_lines <= MAX_MODULE_LINES, f"{path.relative_to(ROOT)}: {n_lines} lines"
    for node in ast.walk(_tree(path)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            n = node.end_lineno - node.lineno + 1
            assert n <= MAX_FUNCTION_LINES, f"{path.relative_to(ROOT)}:{node.lineno} {node.name}: {n} lines"


def _local_imports(tree: ast.AST):
    for fn in ast.walk(tree):
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in ast.walk(fn):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    yield node


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_function_local_imports_are_heavy_and_say_why(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    for node in _local_imports(_tree(path)):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else [f"{node.module}.{a.name}" for a in node.names]
        where = f"{path.relative_to(ROOT)}:{node.lineno}"
        light = [n for n in names if n.split(".")[0] not in HEAVY and not _pulls_in_heavy(n) and not _pulls_in_heavy(n.rsplit(".", 1)[0])]
        assert not light, f"{where}: local import of a light module {light}"
        # a comment on the line or on one of the lines right above it (the import block's comment)
        assert any("#" in l for l in lines[max(0, node.lineno - 6): node.lineno]), f"{where}: local import without a comment why"


def _top_level_imports(path: Path) -> set[str]:
    return _names(_tree(path).body)


def _pulls_in_heavy(module: str, seen: set[str] | None = None) -> bool:
    """Does importing this project module import a heavy library (at any depth)?"""
    seen = set() if seen is None else seen
    path = next((p for p in (ROOT / (module.replace(".", "/") + ".py"), ROOT / module.replace(".", "/") / "__init__.py") if p.exists()), None)
    if path is None or module in seen:
        return False
    seen.add(module)
    deps = _top_level_imports(path)
    return any(d.split(".")[0] in HEAVY for d in deps) or any(
        d.split(".")[0] in LAYERS and _pulls_in_heavy(d, seen) for d in deps)


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def _graph() -> dict[str, set[str]]:
    names = {_module_name(p): p for p in MODULES}
    graph: dict[str, set[str]] = {}
    for name, path in names.items():
        deps = set()
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.Import):
                deps |= {a.name for a in node.names if a.name in names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                # `from package import module` depends on the module; `from module import name` on the module
                subs = {f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in names}
                deps |= subs
                if node.module in names and len(subs) < len(node.names):
                    deps.add(node.module)
        graph[name] = deps - {name}
    return graph


def test_no_import_cycle_between_modules():
    graph, state, path = _graph(), {}, []

    def visit(m: str) -> None:
        state[m] = "open"
        path.append(m)
        for d in sorted(graph[m]):
            # a package's __init__ importing its own modules is how a package names its API
            if m != d.rsplit(".", 1)[0] and state.get(d) == "open":
                raise AssertionError("import cycle: " + " -> ".join(path[path.index(d):] + [d]))
            if d not in state:
                visit(d)
        path.pop()
        state[m] = "done"

    for m in sorted(graph):
        if m not in state:
            visit(m)
