"""The CSV reader on PySpark: latin-1 text and ragged lines, as on DuckDB."""

from __future__ import annotations

import csv
from pathlib import Path

import ibis
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


def test_pyspark_profile_counts_distinct_values_as_duckdb_does(tmp_path: Path) -> None:
    """Spark's profile counts distinct values with one set per column (collect_set), not
    COUNT(DISTINCT): the counts equal DuckDB's and a count by hand, blanks and missing
    cells left out."""
    from salescope.engine import sample_distinct
    from salescope.schema.profile import profile_table

    rows = [
        ["A1", "2024-01-05", " Ann ", "2", "10.5", "20240105"],
        ["A1", "2024-01-05", "Ann", "1", "10.5", "20240105"],
        ["A2", "2024-01-06", "", "3", "", "20240106"],
        ["A3", "", "Bob", "", "7.25", "20240107"],
        ["A3", "2024-01-07", "   ", "2", "7.25", ""],
        ["A4", "2024-01-08", "Cy", "5", "0.0", "20240108"],
    ]
    path = tmp_path / "lines.csv"
    with path.open("w", newline="") as handle:
        out = csv.writer(handle, lineterminator="\n")
        out.writerow(["order_id", "order_date", "customer", "quantity", "price", "day"])
        out.writerows(rows)
    # by hand: distinct non-empty values after trimming text
    by_hand = [len({r[i].strip() for r in rows if r[i].strip()}) for i in range(len(rows[0]))]
    assert by_hand == [4, 4, 3, 4, 3, 4]

    profiles = {}
    for name in ("duckdb", "pyspark"):
        table = read_inputs(connect(name), [str(path)]).table
        profiles[name] = profile_table(table)
        assert [c.distinct for c in profiles[name].columns] == by_hand, name
        # a filtered count: the distinct customers (as read) of lines of more than one unit
        read = table.to_pyarrow().to_pylist()
        expected = {r["customer"] for r in read if (r["quantity"] or 0) > 1} - {None}
        many = table.quantity > 1
        query = table.aggregate(n=sample_distinct(table.customer, where=many))
        assert ("COLLECT_SET" in str(ibis.to_sql(query))) == (name == "pyspark")
        found = query.to_pyarrow()
        assert found.to_pylist()[0]["n"] == len(expected) >= 2, name
    assert profiles["pyspark"] == profiles["duckdb"]


def test_two_lines_whose_row_hashes_collide_on_spark_are_no_copies(tmp_path: Path) -> None:
    """The first scan suspects exact copies when rows outnumber distinct row hashes. Spark's
    own ``hash`` has 32 bits: among 300,000 distinct lines some pairs share one. Such a
    pair is two lines, not a line and its copy (validation hashes rows with 64 bits, and
    counts suspected copies exactly)."""
    from salescope.config import Config
    from salescope.engine import row_hash
    from salescope.pipeline import validate_inputs
    from tests.conftest import FIXED_CLOCK

    header = ["order_id", "order_date", "customer_id", "revenue"]
    many = tmp_path / "many.csv"
    with many.open("w", newline="") as handle:
        out = csv.writer(handle, lineterminator="\n")
        out.writerow(header)
        out.writerows([f"A{i}", "2024-01-05", "K1", "10.5"] for i in range(300_000))
    engine = connect("pyspark")
    table = read_inputs(engine, [str(many)]).table
    hashed = table.mutate(h=ibis.struct({n: table[n] for n in header}).hash())
    shared = hashed.group_by("h").aggregate(n=hashed.count()).filter(lambda t: t.n > 1)
    pair = hashed.semi_join(shared.limit(1), "h").order_by("order_id").to_pyarrow()
    ids = pair["order_id"].to_pylist()
    assert len(ids) == 2 and ids[0] != ids[1]  # one hash, two different lines
    # salescope's own row hash tells them apart
    both = table.filter(table.order_id.isin(ids))
    rehashed = both.select(h=row_hash(ibis.struct({n: both[n] for n in header})))
    assert len(set(rehashed.to_pyarrow()["h"].to_pylist())) == 2

    two = tmp_path / "two.csv"
    with two.open("w", newline="") as handle:
        out = csv.writer(handle, lineterminator="\n")
        out.writerow(header)
        out.writerows([i, "2024-01-05", "K1", "10.5"] for i in ids)
    validation, _ = validate_inputs([two], Config(), engine, FIXED_CLOCK.date())
    quality = validation.quality
    assert (quality.rows_read, quality.rows_accepted) == (2, 2)
    assert [c.code for c in quality.checks if c.code == "duplicate_line"] == []
