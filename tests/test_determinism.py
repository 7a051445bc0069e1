"""Determinism (DESIGN principle 4): the same inputs and config give the same report.json,
apart from the run block's duration and stage timings, and byte-identical Markdown; the
order of the input rows changes no figure."""

from __future__ import annotations

import difflib
import json
import random
from pathlib import Path
from typing import Any

import pytest

import salescope
from salescope.config import load_config
from salescope.demo_data import DemoFiles, write_demo_data
from salescope.narrative.view import build_view
from salescope.render.json import render_json
from salescope.render.md import render_markdown
from tests.conftest import fixed_clock
from tests.test_golden import REL_TOL, Outcome, fact_differences, input_path, run_fixture

# the demo at a size whose two runs take seconds, not the session's larger demo_report:
# twice that one would be most of this module's time
DEMO_ROWS = 5_000

# measured wall-clock times of the run: the only part of report.json that may change
TIMINGS = ("duration_s", "stages")


def comparable(json_text: str) -> dict[str, Any]:
    """report.json as a dict without the run's timings (time, id and inputs stay)."""
    data: dict[str, Any] = json.loads(json_text)
    for key in TIMINGS:
        data["run"].pop(key, None)
    return data


def assert_same_report(first: dict[str, Any], second: dict[str, Any]) -> None:
    if first != second:
        diff = difflib.unified_diff(
            json.dumps(first, indent=1, sort_keys=True).splitlines(keepends=True),
            json.dumps(second, indent=1, sort_keys=True).splitlines(keepends=True),
            fromfile="first run",
            tofile="second run",
        )
        pytest.fail("report.json differs between two runs:\n" + "".join(diff), pytrace=False)


def assert_same_markdown(first: str, second: str) -> None:
    if first.encode("utf-8") != second.encode("utf-8"):
        diff = difflib.unified_diff(
            first.splitlines(keepends=True),
            second.splitlines(keepends=True),
            fromfile="first run",
            tofile="second run",
        )
        pytest.fail("report.md differs between two runs:\n" + "".join(diff), pytrace=False)


def shuffled_copy(source: Path, target: Path, seed: int) -> Path:
    """``source`` with its data rows in another order (the header stays first)."""
    header, *rows = source.read_text(encoding="utf-8").splitlines(keepends=True)
    order = rows[:]
    random.Random(seed).shuffle(order)
    assert order != rows and sorted(order) == sorted(rows)
    target.write_text(header + "".join(order), encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def shop_runs() -> tuple[Outcome, Outcome]:
    return run_fixture("shop_export"), run_fixture("shop_export")


@pytest.fixture(scope="module")
def small_demo(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    return write_demo_data(tmp_path_factory.mktemp("demo") / "data", rows=DEMO_ROWS, seed=11)


def test_shop_export_twice_gives_the_same_report(shop_runs: tuple[Outcome, Outcome]) -> None:
    first, second = shop_runs
    assert first.report.run.id == second.report.run.id  # the fixed clock and input hashes
    assert_same_report(comparable(first.json_text), comparable(second.json_text))
    assert_same_markdown(first.markdown, second.markdown)


def test_demo_twice_gives_the_same_report(small_demo: DemoFiles) -> None:
    """The demo with its side tables (marketing, campaigns, quotas, inventory) and its
    config: every analysis runs, forecast and seasonality included."""
    first, again = (
        salescope.run(small_demo.inputs, load_config(small_demo.config), clock=fixed_clock)
        for _ in range(2)
    )
    assert again.run.id == first.run.id
    assert_same_report(comparable(render_json(first)), comparable(render_json(again)))
    assert_same_markdown(
        render_markdown(first, build_view(first)), render_markdown(again, build_view(again))
    )


@pytest.mark.parametrize("name", ["shop_export", "returns_shipping"])
def test_row_order_changes_no_fact(
    name: str, tmp_path: Path, shop_runs: tuple[Outcome, Outcome]
) -> None:
    """The same lines in another order give the same facts (floats within the golden
    tolerance: a sum may add its terms in another order)."""
    original = shop_runs[0] if name == "shop_export" else run_fixture(name)
    copy = shuffled_copy(input_path(name), tmp_path / input_path(name).name, seed=20240630)
    reordered = run_fixture(name, copy)
    assert reordered.report.run.inputs[0].sha256 != original.report.run.inputs[0].sha256
    differences = fact_differences(original.facts, reordered.facts)
    assert not differences, (
        f"reordering the rows of {name} changed {len(differences)} fact(s) "
        f"(beyond {REL_TOL:g} relative):\n" + "\n".join(differences)
    )
