"""The dependency rule of the layers, read from the source (docs/architektur.md):

    sources (pure Python, no Dagster)  <-  checks  <-  assets  <-  pipelines

Every import counts, also one inside a function. Nothing but the entry points and the tests
imports ``pipelines``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ["sources", "checks", "assets", "pipelines"]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
    return out


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
