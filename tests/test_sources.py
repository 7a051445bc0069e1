"""Readers for delimited text: delimiters, encodings, ragged lines, headers, stacking, errors.

Every fixture is written here with Python's csv module, and every check compares what
the engine holds with what was written.
"""

from __future__ import annotations

import csv
import gzip
from decimal import Decimal
from pathlib import Path
from typing import Any

import ibis.expr.types as ir
import pytest

from salescope.engine import Engine, connect
from salescope.errors import InputError
from salescope.sources import Source, read_inputs

HEADER = ["order_id", "order_date", "customer", "quantity", "unit_price"]
LINES = [
    ["A1", "2024-01-05", "Müller GmbH", "2", "10.50"],
    ["A2", "2024-01-06", "Café Zoë", "1", "99.99"],
    ["A3", "2024-02-07", "Señor Nuñez", "3", "4.25"],
    ["A4", "2024-02-08", "Œuvre – €uro", "5", "1.10"],  # € and – exist in cp1252 only
]


@pytest.fixture()
def engine() -> Engine:
    return connect("duckdb")


def rows(table: ir.Table, *columns: str) -> list[tuple[Any, ...]]:
    """The table's rows (chosen columns), sorted, as the engine returns them."""
    data = table.select(*columns).to_pyarrow().to_pylist()
    return sorted(tuple(r[c] for c in columns) for r in data)


def write_csv(path: Path, lines: list[list[str]], *, delimiter: str = ",", encoding: str) -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle, delimiter=delimiter, lineterminator="\n").writerows(lines)
    return path


def reject_rows(source: Source) -> list[dict[str, Any]]:
    assert source.rejects is not None
    return sorted(source.rejects.to_pyarrow().to_pylist(), key=lambda r: r["_line"])


def test_semicolon_cp1252_file_gives_back_the_exact_text(engine: Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "export.csv", [HEADER, *LINES], delimiter=";", encoding="cp1252")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")  # the fixture really is not UTF-8

    source = read_inputs(engine, [str(path)])

    assert rows(source.table, "order_id", "customer") == sorted((r[0], r[2]) for r in LINES)
    assert source.inputs[0].rows == len(LINES)
    assert source.rejects is None
    assert any("cp1252" in n and "';'" in n for n in source.notes), source.notes


def test_latin1_file_is_read_without_transcoding(engine: Engine, tmp_path: Path) -> None:
    lines = [r for r in LINES if "€" not in r[2]]
    path = write_csv(tmp_path / "latin.csv", [HEADER, *lines], encoding="latin-1")
    source = read_inputs(engine, [str(path)])
    assert rows(source.table, "customer") == sorted((r[2],) for r in lines)
    assert any("latin-1" in n for n in source.notes), source.notes
    assert not any("converted" in n for n in source.notes)


def test_utf8_bom_is_not_part_of_the_first_column_name(engine: Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "bom.csv", [HEADER, *LINES], encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    source = read_inputs(engine, [str(path)])
    assert list(source.table.columns) == HEADER
    assert rows(source.table, "order_id") == sorted((r[0],) for r in LINES)


@pytest.mark.parametrize(("suffix", "delimiter"), [(".tsv", "\t"), (".txt", "|"), (".csv", ",")])
def test_delimiter_is_sniffed(engine: Engine, tmp_path: Path, suffix: str, delimiter: str) -> None:
    path = write_csv(
        tmp_path / f"data{suffix}", [HEADER, *LINES], delimiter=delimiter, encoding="utf-8"
    )
    source = read_inputs(engine, [str(path)])
    assert list(source.table.columns) == HEADER
    got = rows(source.table, "order_id", "quantity", "unit_price")
    assert got == sorted((r[0], int(r[3]), float(r[4])) for r in LINES)


def test_numbers_are_typed_but_dates_and_decimal_commas_stay_text(
    engine: Engine, tmp_path: Path
) -> None:
    lines = [
        ["order_date", "shipped_at", "quantity", "unit_price", "amount_de"],
        ["2024-01-05", "2024-01-05 10:00:00", "2", "10.5", "1.234,50"],
        ["05/01/2024", "2024-01-06 11:30:00", "3", "4", "12,00"],
    ]
    path = write_csv(tmp_path / "types.csv", lines, delimiter=";", encoding="utf-8")
    schema = read_inputs(engine, [str(path)]).table.schema()
    assert schema["order_date"].is_string()
    assert schema["shipped_at"].is_string()
    assert schema["quantity"].is_integer()
    assert schema["unit_price"].is_floating()
    assert schema["amount_de"].is_string()


def test_ragged_lines_become_rejects_with_their_line_and_text(
    engine: Engine, tmp_path: Path
) -> None:
    # Two blank lines before the header, a quoted field spanning two lines, CRLF endings
    # on one record: line numbers must still point at the physical lines of the file.
    text = [
        "",
        "",
        ";".join(HEADER),
        'A1;2024-01-05;"Müller\nGmbH";2;10.50',
        "A2;2024-01-06;too few",
        "A3;2024-01-07;Café;3;4.25",
        "A4;2024-01-08;Zoë;1;1.00;surplus;fields",
        "A5;2024-01-09;Nuñez;5;2.00\r",
    ]
    path = tmp_path / "ragged.csv"
    path.write_bytes("\n".join(text).encode("utf-8") + b"\n")
    data_records = 5  # A1 (two lines) .. A5

    source = read_inputs(engine, [str(path)])

    table_rows = int(source.table.count().to_pyarrow().as_py())
    rejected = reject_rows(source)
    assert table_rows + len(rejected) == data_records
    assert source.inputs[0].rows == data_records
    assert [(r["_line"], r["_raw"], r["_reason"]) for r in rejected] == [
        (6, "A2;2024-01-06;too few", "ragged_row"),
        (8, "A4;2024-01-08;Zoë;1;1.00;surplus;fields", "ragged_row"),
    ]
    assert {r["_file"] for r in rejected} == {str(path)}
    assert rows(source.table, "order_id", "customer") == [
        ("A1", "Müller\nGmbH"),
        ("A3", "Café"),
        ("A5", "Nuñez"),
    ]
    assert any("lines 6, 8" in n for n in source.notes), source.notes


def test_header_only_file_has_columns_and_no_rows(engine: Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "empty_export.csv", [HEADER], encoding="utf-8")
    source = read_inputs(engine, [str(path)])
    assert list(source.table.columns) == HEADER
    assert int(source.table.count().to_pyarrow().as_py()) == 0
    assert source.inputs[0].rows == 0


@pytest.mark.parametrize("content", [b"", b"\n\n  \n"])
def test_empty_file_is_an_input_error(engine: Engine, tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "nothing.csv"
    path.write_bytes(content)
    with pytest.raises(InputError) as err:
        read_inputs(engine, [str(path)])
    assert "empty" in err.value.message and err.value.hint


def test_gzipped_csv_reads_like_the_plain_one(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "sales.csv.gz"
    with gzip.open(path, "wt", encoding="cp1252", newline="") as handle:
        csv.writer(handle, delimiter=";", lineterminator="\n").writerows([HEADER, *LINES])
    source = read_inputs(engine, [str(path)])
    assert rows(source.table, "customer") == sorted((r[2],) for r in LINES)


def test_files_with_the_same_columns_stack_into_one_table(engine: Engine, tmp_path: Path) -> None:
    first = write_csv(tmp_path / "jan.csv", [HEADER, *LINES[:2]], encoding="utf-8")
    # Same columns, other order and spelling; integer prices here, decimals there.
    second_header = ["Unit Price", "Quantity", "Customer", "Order Date", "Order ID"]
    second_lines = [["7", "1", "Ana", "2024-03-01", "B1"], ["3", "4", "Bo", "2024-03-02", "B2"]]
    second = write_csv(tmp_path / "mar.csv", [second_header, *second_lines], encoding="utf-8")
    third = write_csv(tmp_path / "feb.csv", [HEADER, *LINES[2:]], delimiter=";", encoding="cp1252")

    source = read_inputs(engine, [str(first), str(second), str(third)])

    # plus which input each line came from (copies across overlapping exports count once)
    assert list(source.table.columns) == [*HEADER, "_salescope_file"]
    assert [i.rows for i in source.inputs] == [2, 2, 2]
    total = (
        source.table.aggregate(v=(source.table.quantity * source.table.unit_price).sum())
        .to_pyarrow()["v"][0]
        .as_py()
    )
    want = sum(Decimal(r[3]) * Decimal(r[4]) for r in LINES)
    want += sum(Decimal(r[1]) * Decimal(r[0]) for r in second_lines)
    assert total == pytest.approx(float(want), abs=1e-9)
    assert rows(source.table, "order_id") == sorted(
        [(r[0],) for r in LINES] + [(r[4],) for r in second_lines]
    )
    assert any("3 inputs" in n for n in source.notes), source.notes


def test_differing_types_are_widened_to_text(engine: Engine, tmp_path: Path) -> None:
    a = write_csv(tmp_path / "a.csv", [["day", "amount"], ["2024-01-01", "5"]], encoding="utf-8")
    b = write_csv(tmp_path / "b.csv", [["day", "amount"], ["2024-01-02", "n/a"]], encoding="utf-8")
    source = read_inputs(engine, [str(a), str(b)])
    assert source.table.schema()["amount"].is_string()
    assert rows(source.table, "amount") == [("5",), ("n/a",)]
    assert any("'amount'" in n and "string" in n for n in source.notes), source.notes


def test_glob_and_directory_read_every_data_file(engine: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    for i, line in enumerate(LINES):
        write_csv(folder / f"part{i}.csv", [HEADER, line], encoding="utf-8")
    (folder / "README.md").write_text("not data")
    for spec in (str(folder), str(folder / "part*.csv")):
        source = read_inputs(engine, [spec])
        assert len(source.inputs) == len(LINES)
        assert rows(source.table, "order_id") == sorted((r[0],) for r in LINES)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("data.xyz", "Parquet"), ("old.xls", ".xlsx"), ("notes.md.gz", "Parquet")],
)
def test_unsupported_file_type_names_what_is_supported(
    engine: Engine, tmp_path: Path, name: str, expected: str
) -> None:
    path = tmp_path / name
    path.write_text("order_date,amount\n2024-01-01,1\n")
    with pytest.raises(InputError) as err:
        read_inputs(engine, [str(path)])
    assert err.value.hint and expected in err.value.hint
    assert "\n" not in err.value.one_line()


def test_missing_file_and_empty_glob_are_input_errors(engine: Engine, tmp_path: Path) -> None:
    for spec in (str(tmp_path / "nowhere.csv"), str(tmp_path / "none*.csv")):
        with pytest.raises(InputError) as err:
            read_inputs(engine, [spec])
        assert err.value.hint


def test_corrupt_parquet_is_an_input_error(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"PAR1 this is not parquet at all")
    with pytest.raises(InputError) as err:
        read_inputs(engine, [str(path)])
    assert "Parquet" in err.value.message and err.value.hint


def test_unterminated_quote_keeps_the_rest_of_the_file_as_a_reject(
    engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "open_quote.csv"
    path.write_text('id,name\n1,ok\n2,"never closed\n3,lost?\n', encoding="utf-8")
    source = read_inputs(engine, [str(path)])
    assert rows(source.table, "id", "name") == [("1", "ok")]  # read as text, nothing typed
    rejected = reject_rows(source)
    assert [(r["_line"], r["_reason"]) for r in rejected] == [(3, "ragged_row")]
    assert '2,"never closed' in rejected[0]["_raw"] and "3,lost?" in rejected[0]["_raw"]
    assert source.inputs[0].rows == 1 + len(rejected)
    assert any("read as text" in n for n in source.notes), source.notes


@pytest.mark.parametrize("name", ["accents.csv", "accents.csv.gz"])
def test_reject_lines_are_exact_after_many_accented_characters(
    engine: Engine, tmp_path: Path, name: str
) -> None:
    # DuckDB decodes latin-1 to UTF-8 itself; its byte offsets then count two bytes per
    # accented letter, which must not push a reject onto a later line.
    lines = ["id;name;qty"] + [f"{i};{'é' * 40};{i}" for i in range(1, 6)]
    lines += ["6;short", "7;ü;1", "8;ü;1", "9;x;1;2"]
    data = ("\n".join(lines) + "\n").encode("latin-1")
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    source = read_inputs(engine, [str(path)])
    assert [(r["_line"], r["_raw"]) for r in reject_rows(source)] == [
        (7, "6;short"),
        (10, "9;x;1;2"),
    ]
    assert source.inputs[0].rows == len(lines) - 1


def test_old_mac_line_endings_and_mixed_endings_are_read(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "mac.csv"
    path.write_bytes(b"id,amount\r1,2.5\r2,3\r\n3,4\n")  # CR, CR, CRLF, LF
    source = read_inputs(engine, [str(path)])
    assert rows(source.table, "id", "amount") == [(1, 2.5), (2, 3.0), (3, 4.0)]


def test_control_characters_leave_column_names(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "nul.csv"
    path.write_bytes(b"date,rev\x00enue,\x01\n2024-01-05,1,x\n")
    source = read_inputs(engine, [str(path)])
    assert list(source.table.columns) == ["date", "revenue", "column_3"]
    assert rows(source.table, "revenue") == [(1,)]


def test_file_that_is_not_gzip_is_an_input_error(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "sales.csv.gz"
    path.write_bytes(b"not gzip at all")
    with pytest.raises(InputError) as err:
        read_inputs(engine, [str(path)])
    assert "CSV" in err.value.message and err.value.hint
