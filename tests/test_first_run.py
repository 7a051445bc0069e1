"""The first, config-free run on real export shapes: every figure against its truth.

The shapes and their truth, worked out in plain Python from the generated records, are in
tests/corpus/shapes.py; `python -m tests.corpus.scoreboard` shows the same checks as a
table.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import salescope
from tests.conftest import fixed_clock
from tests.corpus.registry import ALL_SHAPES as SHAPES
from tests.corpus.scoreboard import check


@pytest.mark.parametrize("name", list(SHAPES))
def test_first_run_reports_the_truth(name: str, tmp_path: Path) -> None:
    shape = SHAPES[name](tmp_path / "data")
    report = salescope.run(list(shape.inputs), clock=fixed_clock)

    problems = [c.line() for c in check(report, shape.truth) if not c.ok]
    q = report.quality
    if q.rows_read != q.rows_accepted + q.rows_quarantined:
        problems.append(
            f"rows_read {q.rows_read} != accepted {q.rows_accepted} "
            f"+ quarantined {q.rows_quarantined}"
        )
    if shape.truth.currency is None:
        out = tmp_path / "out"
        salescope.write_outputs(report, out, formats=("md",))
        markdown = (out / "report.md").read_text(encoding="utf-8")
        symbols = [s for s in ("$", "€", "£") if s in markdown]
        if symbols:
            problems.append(f"report.md shows {symbols} though the export states no currency")
    assert not problems, f"{shape.notes}\n" + "\n".join(problems)
