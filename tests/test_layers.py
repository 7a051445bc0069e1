"""Layers of the package: no import cycles, no import upwards, light modules stay light.

Imports are read with ``ast`` from every file under src/salescope, function-level and
``if TYPE_CHECKING:`` ones included (a type-only import still couples two modules).
Importing ``a.b.c`` from outside ``a.b`` also runs ``a/b/__init__.py``, so it counts as an
import of ``a.b`` too; the root package is the exception: its names load lazily, and the
subprocess checks below hold it to that.
"""

from __future__ import annotations

import ast
import functools
import itertools
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = "salescope"
SRC = Path(__file__).resolve().parent.parent / "src"

# Lowest first. A module may import modules of its own layer or of layers below. An entry
# names one module (``salescope.config``) or every module under a package
# (``salescope.render.*``); the exact name wins over ``.*``, a longer ``.*`` over a shorter.
LAYERS: list[list[str]] = [
    # helper: a second Python process for the PDF and the statistical fits (stdlib only)
    ["salescope.errors", "salescope._version", "salescope.redact", "salescope.helper"],
    # pure values and helpers: no engine, no pydantic (LIGHT_MODULES, checked below)
    [
        "salescope.lines",
        "salescope.model",
        "salescope.fact_ids",
        "salescope.settings",
        "salescope.resources",
        # calendar periods: read by sources.side (quota periods) and metrics, not only
        # by the analyses
        "salescope.analysis",
        "salescope.analysis.periods",
        # how numbers are written: insights and config use it, not only the narrative
        "salescope.narrative",
        "salescope.narrative.format",
        # how a stockout is named in a sentence: insights and the sections use it
        "salescope.narrative.wording",
        # the metric layer's declarations: config checks custom metrics against them
        "salescope.metrics",
        "salescope.metrics.semantic",
        # what a run tells its caller while it works (messages, stages, measured work)
        "salescope.progress",
    ],
    # spark: the Spark sessions behind the engine; filters: --where as Ibis expressions
    ["salescope.engine", "salescope.spark", "salescope.filters"],
    ["salescope.schema.*", "salescope.schema"],
    # salescope.yml's deliver: settings, and what a delivery came to
    ["salescope.deliver", "salescope.deliver.settings", "salescope.deliver.outcome"],
    # validates salescope.yml against the role names (schema.roles) and currency signs
    ["salescope.config"],
    # the quality modules that need no sources: the value parsing the readers share with
    # the validator (sources.side and sources.grouped import parse and formats), line
    # types, the score
    [
        "salescope.quality",
        "salescope.quality.parse",
        "salescope.quality.formats",
        "salescope.quality.line_types",
        "salescope.quality.score",
    ],
    ["salescope.sources.*", "salescope.sources"],
    # validate (sources.combine's FILE_COLUMN) and plausibility (the dataset model)
    ["salescope.quality.*"],
    ["salescope.metrics.*"],
    ["salescope.analysis.*"],
    ["salescope.facts"],
    ["salescope.passes"],  # the analyses in the order they run, with their facts
    ["salescope.insights.*", "salescope.insights"],
    ["salescope.narrative.*"],
    ["salescope.render.*", "salescope.render"],
    ["salescope.deliver.*"],  # sending a written report
    ["salescope.report_schema"],  # report.json's JSON Schema, generated from the model
    ["salescope.pipeline"],
    ["salescope.demo_data"],
    ["salescope.history", "salescope.since"],  # the run history and what changed between runs
    ["salescope.project"],  # salescope run: a report project, recorded in its history
    ["salescope.schedule"],  # crontab lines and systemd timers for `salescope run`
    ["salescope.cli", "salescope.terminal"],  # terminal: the CLI's progress display
    ["salescope.__main__"],  # python -m salescope
    ["salescope"],
]

# Importing these loads none of HEAVY (``import salescope.lines`` must not start ibis); the
# root package is one of them because every import runs it first.
LIGHT_MODULES = (
    "salescope",
    "salescope.metrics.semantic",
    "salescope.errors",
    "salescope.helper",
    "salescope.lines",
    "salescope.model",
    "salescope.settings",
    "salescope.analysis.periods",
    "salescope.narrative.format",
    "salescope.progress",
    "salescope.terminal",
)
HEAVY = ("ibis", "duckdb", "pandas", "statsmodels", "pyarrow", "numpy", "pyspark", "pydantic")


@dataclass(frozen=True)
class Import:
    source: str
    target: str
    where: str  # path:line of the import statement


def module_files(src: Path = SRC, root: str = ROOT) -> dict[str, Path]:
    files: dict[str, Path] = {}
    for path in sorted((src / root).rglob("*.py")):
        parts = path.relative_to(src).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        files[name] = path
    return files


def _is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def _known(name: str, modules: Mapping[str, Path]) -> str | None:
    """The module ``name`` loads: itself, else its longest known prefix (``a.b.attr``)."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def _targets(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        package = module if is_package else module.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{base}" if base else package
    # ``from a.b import c`` imports the module a.b.c when there is one, else a.b
    return [f"{base}.{alias.name}" for alias in node.names]


def _parents(name: str) -> list[str]:
    """``a.b.c`` -> ``["a.b", "a"]``."""
    parts = name.split(".")
    return [".".join(parts[:k]) for k in range(len(parts) - 1, 0, -1)]


def imports_of(modules: Mapping[str, Path], root: str = ROOT) -> list[Import]:
    found: dict[tuple[str, str], Import] = {}
    for module, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            where = f"{path.relative_to(SRC.parent) if SRC in path.parents else path}:"
            for name in _targets(node, module, _is_package(path)):
                target = _known(name, modules)
                if target is None or target == module:
                    continue
                # a/b/__init__.py runs on the way to a.b.c, unless a.b is being imported
                # already (the importer is inside it); the root package is lazy
                packages = [p for p in _parents(target) if p in modules and p != root]
                outside = [p for p in packages if module != p and not module.startswith(p + ".")]
                for dep in (target, *outside):
                    found.setdefault((module, dep), Import(module, dep, f"{where}{node.lineno}"))
    return sorted(found.values(), key=lambda i: (i.source, i.target))


def graph_of(imports: Iterable[Import]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for i in imports:
        graph.setdefault(i.source, set()).add(i.target)
        graph.setdefault(i.target, set())
    return graph


def find_cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """One cycle (as a path, first module repeated at the end) per strongly connected
    component of more than one module (Tarjan)."""
    edges = {v: sorted(ws) for v, ws in graph.items()}
    for ws in list(edges.values()):
        for w in ws:
            edges.setdefault(w, [])
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10 * len(edges) + 100))
    try:
        for v in sorted(edges):
            if v not in index:
                connect(v)
    finally:
        sys.setrecursionlimit(limit)
    return [_cycle_in(component, edges) for component in sorted(components)]


def _cycle_in(component: list[str], edges: Mapping[str, list[str]]) -> list[str]:
    """A shortest cycle through the component's first module (breadth-first)."""
    inside = set(component)
    start = component[0]
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for v in frontier:
            for w in edges[v]:
                if w == start:
                    path = [v]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return [start, *reversed(path[:-1]), start]
                if w in inside and w not in came_from:
                    came_from[w] = v
                    following.append(w)
        frontier = following
    raise AssertionError(f"no cycle in component {component}")  # pragma: no cover


def layer_of(module: str, layers: list[list[str]] = LAYERS) -> int | None:
    exact = {name: i for i, layer in enumerate(layers) for name in layer if "*" not in name}
    if module in exact:
        return exact[module]
    best: tuple[int, int] | None = None  # (length of the prefix, layer)
    for i, layer in enumerate(layers):
        for name in layer:
            prefix = name.removesuffix(".*")
            matches = name.endswith(".*") and module.startswith(prefix + ".")
            if matches and (best is None or len(prefix) > best[0]):
                best = (len(prefix), i)
    return None if best is None else best[1]


def upward(imports: Iterable[Import], layers: list[list[str]] = LAYERS) -> list[str]:
    found = []
    for i in imports:
        low, high = layer_of(i.source, layers), layer_of(i.target, layers)
        if low is not None and high is not None and high > low:
            found.append(f"{i.where}: {i.source} (layer {low}) imports {i.target} (layer {high})")
    return found


@functools.cache
def project() -> tuple[dict[str, Path], list[Import]]:
    modules = module_files()
    return modules, imports_of(modules)


def test_no_import_cycles() -> None:
    _, imports = project()
    cycles = find_cycles(graph_of(imports))
    where = {(i.source, i.target): i.where for i in imports}
    shown = [
        " -> ".join(cycle)
        + "".join(f"\n    {where[a, b]}: {a} -> {b}" for a, b in itertools.pairwise(cycle))
        for cycle in cycles
    ]
    assert not cycles, "import cycles:\n" + "\n".join(shown)


def test_every_module_has_a_layer() -> None:
    modules, _ = project()
    missing = sorted(m for m in modules if layer_of(m) is None)
    assert not missing, f"add these to LAYERS in {Path(__file__).name}: {missing}"


def test_no_upward_imports() -> None:
    bad = upward(project()[1])
    assert not bad, "imports against the layer order (lowest first: LAYERS):\n" + "\n".join(bad)


def test_layer_entries_name_real_modules() -> None:
    modules, _ = project()
    stale = [
        name
        for layer in LAYERS
        for name in layer
        if not any(
            m.startswith(name.removesuffix("*")) if name.endswith(".*") else m == name
            for m in modules
        )
    ]
    assert not stale, f"LAYERS names modules that do not exist: {stale}"


@pytest.mark.parametrize("module", LIGHT_MODULES)
def test_light_module_loads_no_heavy_library(module: str) -> None:
    code = (
        f"import sys, {module}; "
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]", f"import {module} loads {done.stdout.strip()}"


# what the report's stages need, not the command line: help and version stay quick
STAGE_LIBRARIES = (
    "statsmodels", "scipy", "weasyprint", "pyspark", "altair", "vl_convert", "pandas", "numpy",
    "ibis", "duckdb", "pyarrow", "jinja2", "holidays",
    # the report model and salescope.yml's reader: a third of start-up when loaded (typer
    # itself loads pydantic to check a command's options)
    "yaml", "salescope.model", "salescope.config",
)  # fmt: skip


def loaded_by(args: list[str], libraries: set[str], timeout: int = 60) -> list[str]:
    """Run ``salescope *args`` in a fresh interpreter: the ``libraries`` (packages or
    modules) it had imported when it ended, sorted."""
    code = (
        "import atexit, sys\n"
        "atexit.register(lambda: print(sorted({p for m in sys.modules "
        f"for p in (m, m.split('.')[0])}} & {libraries!r}), file=sys.stderr))\n"
        f"sys.argv = ['salescope', *{args!r}]\n"
        "from salescope.cli import main\n"
        "main()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, done.stderr
    loaded: list[str] = ast.literal_eval(done.stderr.strip().splitlines()[-1])
    return loaded


@pytest.mark.parametrize(
    "args", [["--help"], ["report", "--help"], ["schedule", "--help"], ["--version"]]
)
def test_command_line_help_loads_no_stage_library(args: list[str]) -> None:
    assert loaded_by(args, set(STAGE_LIBRARIES)) == [], f"salescope {args}"


@pytest.mark.parametrize("args", [["--help"], ["--version"]])
def test_help_and_version_load_neither_rich_nor_pydantic(args: list[str]) -> None:
    # the start-up budget is 0.3 s (benchmarks/small.py); Typer's rich help alone imports
    # rich's Markdown, pygments and tracebacks (about 0.1 s), pydantic takes about 0.15 s.
    # rich is loaded when the command line first writes with it (progress, errors, tables).
    libraries = {"rich", "pydantic", "markdown_it", "pygments"}
    assert loaded_by(args, libraries) == [], f"salescope {args}"


def test_the_pipeline_imports_the_model_libraries_only_when_a_stage_fits_a_model() -> None:
    # statsmodels with SciPy and pandas take about 1.5 s to import: `salescope validate`
    # imports the pipeline but fits no model
    code = (
        "import sys, salescope.pipeline; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'statsmodels', 'scipy'}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]", f"import salescope.pipeline loads {done.stdout.strip()}"


# what each format's writer alone needs: a report in other formats does not import it
WRITER_LIBRARIES = {
    "altair": {"html", "pdf", "png"},
    "vl_convert": {"html", "pdf", "png"},
    "weasyprint": {"pdf"},
    "openpyxl": {"xlsx"},
}


@pytest.mark.parametrize("formats", ["json,md", "json,md,csv", "html", "xlsx"])
def test_a_report_imports_only_the_writers_of_its_formats(formats: str, tmp_path: Path) -> None:
    from tests.test_cli import write_sales

    args = ["--quiet", "report", str(write_sales(tmp_path)), "--format", formats]
    loaded = loaded_by([*args, "--out", str(tmp_path / "out")], set(WRITER_LIBRARIES), 300)
    chosen = set(formats.split(","))
    assert loaded == sorted(lib for lib, users in WRITER_LIBRARIES.items() if users & chosen)


# The checks must be able to fail.


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"e2"}, "e2": {"e"}}
    assert find_cycles(graph) == [["a", "b", "c", "a"], ["e", "e2", "e"]]
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_the_layer_check_finds_an_upward_import(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "low").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "low" / "__init__.py").write_text("from pkg.low.base import X\n")
    (package / "low" / "base.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.high import Y\n"
    )
    (package / "high.py").write_text("def f():\n    from .low import base\n")
    (package / "mid.py").write_text("from pkg.low.base import X\n")
    modules = module_files(tmp_path, "pkg")
    found = imports_of(modules, root="pkg")
    assert {(i.source, i.target) for i in found} == {
        ("pkg.low", "pkg.low.base"),
        ("pkg.low.base", "pkg.high"),  # under TYPE_CHECKING
        ("pkg.high", "pkg.low.base"),  # function-level, relative
        ("pkg.high", "pkg.low"),  # its __init__ runs first
        ("pkg.mid", "pkg.low.base"),
        ("pkg.mid", "pkg.low"),
    }
    layers = [["pkg.low.*", "pkg.low"], ["pkg.mid"], ["pkg.high"]]
    assert [line.split(": ", 1)[1] for line in upward(found, layers)] == [
        "pkg.low.base (layer 0) imports pkg.high (layer 2)"
    ]
    assert find_cycles(graph_of(found)) == [["pkg.high", "pkg.low.base", "pkg.high"]]


# Modules loaded by name (importlib.import_module("salescope...")) are invisible to the
# checks above; these are the ones allowed, each an upward call made only when asked.
BY_NAME = {
    # a Report shows itself in a notebook through the renderer (Report._repr_html_)
    ("salescope.model", "salescope.render.notebook"),
}


def test_modules_imported_by_name_are_the_known_ones() -> None:
    found = set()
    for module, path in module_files().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute | ast.Name)
                and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and str(node.args[0].value).startswith(ROOT)
            ):
                found.add((module, str(node.args[0].value)))
    assert found == BY_NAME
