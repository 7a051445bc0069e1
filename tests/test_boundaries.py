"""Import boundaries of the pipeline: text and rendering never touch the engine."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import salescope

PACKAGE = Path(salescope.__file__).parent
ENGINE_MODULES = (
    "ibis",
    "duckdb",
    "pyspark",
    "salescope.engine",
    "salescope.spark",
    "salescope.sources",
    "salescope.quality",
    "salescope.metrics",
    "salescope.analysis",
)
# pure declarations inside an engine package (tests/test_layers.py holds them light): the
# metric layer's measures, metrics and dimensions, which text names and orders things by
DECLARATIONS = ("salescope.metrics.semantic",)
COMPUTED_ONLY = [
    *sorted((PACKAGE / "narrative").glob("*.py")),
    *sorted((PACKAGE / "render").glob("*.py")),
    *sorted((PACKAGE / "deliver").glob("*.py")),
    PACKAGE / "model.py",
    PACKAGE / "facts.py",
]


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", COMPUTED_ONLY, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_sees_computed_facts_only(path: Path) -> None:
    bad = sorted(
        n for n in imported(path) if n.startswith(ENGINE_MODULES) and n not in DECLARATIONS
    )
    assert bad == [], f"{path.name} imports {bad}"


def test_the_boundary_check_finds_an_engine_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import ibis.expr.types as ir\nfrom salescope.quality import validate\n")
    assert {n for n in imported(sample) if n.startswith(ENGINE_MODULES)} == {
        "ibis.expr.types",
        "salescope.quality",
    }
