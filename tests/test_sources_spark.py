"""The CSV reader on PySpark: latin-1 text and ragged lines, as on DuckDB."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from salescope.engine import connect
from salescope.sources import read_inputs

pytestmark = pytest.mark.spark


def test_pyspark_reads_latin1_csv_and_keeps_ragged_lines(tmp_path: Path) -> None:
    header = ["order_id", "order_date", "customer", "quantity", "unit_price"]
    good = [
        ["A1", "2024-01-05", "Müller", "2", "10.50"],
        ["A2", "2024-01-06 10:00:00", "Café", "1", "99.99"],
        ["A3", "05/01/2024", "Señor Nuñez", "3", "4.25"],
    ]
    path = tmp_path / "latin.csv"
    with path.open("w", encoding="latin-1", newline="") as handle:
        out = csv.writer(handle, delimiter=";", lineterminator="\n")
        out.writerow(header)
        out.writerow(good[0])
        out.writerow(["A9", "2024-01-07", "too few"])  # line 3
        out.writerow(good[1])
        out.writerow([*good[2], "surplus"])  # line 5
        out.writerow(good[2])

    source = read_inputs(connect("pyspark"), [str(path)])

    table = source.table
    got = sorted(
        (r["order_id"], r["order_date"], r["customer"], r["quantity"])
        for r in table.to_pyarrow().to_pylist()
    )
    assert got == sorted((r[0], r[1], r[2], int(r[3])) for r in good)
    assert table.schema()["order_date"].is_string()  # dates are left to validation
    assert source.rejects is not None
    rejected = sorted(source.rejects.to_pyarrow().to_pylist(), key=lambda r: r["_line"])
    assert [(r["_line"], r["_raw"], r["_reason"]) for r in rejected] == [
        (3, "A9;2024-01-07;too few", "ragged_row"),
        (5, "A3;05/01/2024;Señor Nuñez;3;4.25;surplus", "ragged_row"),
    ]
    assert source.inputs[0].rows == len(good) + 2
    assert any("latin-1" in n for n in source.notes), source.notes
