"""Which encoding a text file is read in, decided from its bytes, and what a damaged
UTF-8 file gives: each byte that is not valid UTF-8 becomes U+FFFD in its own row, the
rows holding one are flagged (``invalid_utf8``) and the reading is stated.

Every expected value is worked out here from the strings the test writes.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import salescope
from salescope.engine import Engine, connect
from salescope.sources import Source, read_inputs
from salescope.sources.text import BLOCK, examine_encoding
from tests.conftest import fixed_clock

HEADER = ["Date de commande", "Produit", "Catégorie", "Montant"]
ROWS = [
    ["2024-03-01", "Crème brûlée", "Desserts", "10.50"],
    ["2024-03-02", "Müsli croquant", "Petit-déjeuner", "4.25"],
    ["2024-03-03", "Jalapeño", "Épices", "3.00"],
    ["2024-03-04", "Smørbrød", "Plats", "12.00"],
    ["2024-03-05", "中文茶", "Boissons", "7.75"],
    ["2024-03-06", "Ελληνικό μέλι", "Épicerie", "9.10"],
    ["2024-03-07", "Борщ", "Plats", "6.40"],
]


@pytest.fixture
def engine() -> Engine:
    return connect("duckdb")


def csv_bytes(rows: list[list[str]], header: list[str] = HEADER, end: str = "\n") -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator=end).writerows([header, *rows])
    return out.getvalue().encode("utf-8")


def values(source: Source, column: str) -> list[Any]:
    table = source.table
    return [r[column] for r in table.order_by(table[HEADER[0]]).to_pyarrow().to_pylist()]


def run(path: Path, tmp_path: Path) -> tuple[salescope.Report, dict[str, Any]]:
    report = salescope.run([path], period="all", clock=fixed_clock)
    out = tmp_path / "out"
    salescope.write_outputs(report, out, formats=("json",))
    return report, json.loads((out / "report.json").read_text(encoding="utf-8"))


def check(data: dict[str, Any], code: str = "invalid_utf8") -> dict[str, Any] | None:
    return next((c for c in data["quality"]["checks"] if c["code"] == code), None)


@pytest.mark.parametrize("bad", [b"\xff", b"\x80"], ids=["0xff", "lone continuation"])
def test_one_invalid_byte_is_replaced_in_its_row_only(tmp_path: Path, bad: bytes) -> None:
    data = csv_bytes(ROWS)
    damaged = "Müsli croquant".encode()
    data = data.replace(damaged, damaged.replace(b"cr", b"c" + bad))
    assert data.decode("utf-8", "replace").count("\ufffd") == 1
    path = tmp_path / "ventes.csv"
    path.write_bytes(data)

    report, doc = run(path, tmp_path)

    q = report.quality
    assert q.mapping["category"] == "Catégorie"
    assert q.mapping["product_name"] == "Produit"
    assert q.rows_read == len(ROWS) == q.rows_accepted + q.rows_quarantined
    assert q.rows_quarantined == 0
    expected = {r[1]: float(r[3]) for r in ROWS}
    expected["Müsli c\ufffdoquant"] = expected.pop("Müsli croquant")
    product = report.breakdown("product")
    assert product is not None
    assert {m.key: m.revenue for m in product.rows} == pytest.approx(expected)
    kpi = report.kpi("revenue")
    assert kpi is not None
    assert kpi.value == pytest.approx(sum(float(r[3]) for r in ROWS))  # nothing dropped
    category = report.breakdown("category")
    assert category is not None
    assert {m.key for m in category.rows} == {r[2] for r in ROWS}

    found = check(doc)
    assert found is not None
    assert (found["severity"], found["rows"]) == ("warning", 1)
    assert found["examples"] == ["line 3: 2024-03-02,Müsli c\ufffdoquant,Petit-déjeuner,4.25"]
    assert "line 3" in found["message"]
    assert (
        "ventes.csv: read as UTF-8; 1 byte in 1 row was not valid UTF-8 and was "
        "replaced (each byte by U+FFFD; line 3)"
    ) in doc["quality"]["assumptions"]


def test_several_damaged_rows_are_counted_once_each(engine: Engine, tmp_path: Path) -> None:
    """Bad bytes on four rows (two on one of them, one in the middle of a Chinese
    character), with CRLF line ends: four rows flagged, each byte one U+FFFD."""
    rows = [list(r) for r in ROWS]
    data = csv_bytes(rows, end="\r\n")
    tea = "中文茶".encode()
    edits = [
        ("Crème brûlée".encode(), "Crème brûlée".encode().replace(b"br", b"b\xfe")),
        ("Jalapeño".encode(), b"J\xc0lape\xf1o"),  # 0xc0 never starts UTF-8; latin-1 ñ
        (tea, tea[:1] + b"\xff" + tea[2:]),  # breaks 中: its 3 bytes become 3 U+FFFD
        ("Борщ".encode(), "Борщ".encode() + b"\x80"),
    ]
    for old, new in edits:
        data = data.replace(old, new)
    path = tmp_path / "export.csv"
    path.write_bytes(data)

    encoding, damage = examine_encoding(path)
    assert encoding.name == "utf-8"
    assert damage is not None
    assert (damage.bytes, damage.lines) == (1 + 2 + 3 + 1, 4)
    assert [d.line for d in damage.first] == [2, 4, 6, 8]
    assert [d.bytes for d in damage.first] == [1, 2, 3, 1]

    source = read_inputs(engine, [str(path)])
    expected = [r[1] for r in ROWS]
    expected[0] = "Crème b\ufffdûlée"
    expected[2] = "J\ufffdlape\ufffdo"
    expected[4] = "\ufffd" * 3 + "文茶"
    expected[6] = "Борщ\ufffd"
    assert values(source, "Produit") == expected
    assert values(source, "Catégorie") == [r[2] for r in ROWS]
    assert source.inputs[0].rows == len(ROWS)
    assert source.rejects is None
    assert [(c.code, c.severity, c.rows) for c in source.checks] == [("invalid_utf8", "warning", 4)]
    assert source.checks[0].examples[0] == "line 2: 2024-03-01,Crème b\ufffdûlée,Desserts,10.50"
    assert any("7 bytes in 4 rows" in n and "lines 2, 4, 6, 8)" in n for n in source.notes)


def test_a_damaged_amount_is_quarantined_by_its_own_check(tmp_path: Path) -> None:
    data = csv_bytes(ROWS).replace(b"12.00", b"12\xff00")
    path = tmp_path / "sales.csv"
    path.write_bytes(data)

    report, doc = run(path, tmp_path)

    q = report.quality
    assert q.rows_read == len(ROWS) == q.rows_accepted + q.rows_quarantined
    assert q.rows_quarantined == 1
    unparseable = check(doc, "unparseable_revenue")
    assert unparseable is not None and unparseable["rows"] == 1
    flagged = check(doc)
    assert flagged is not None and flagged["rows"] == 1
    kpi = report.kpi("revenue")
    assert kpi is not None
    assert kpi.value == pytest.approx(sum(float(r[3]) for r in ROWS) - 12.0)


def test_a_bad_byte_in_the_header_is_no_row(engine: Engine, tmp_path: Path) -> None:
    data = csv_bytes(ROWS).replace(b"Montant", b"Mont\xe9nt", 1)
    path = tmp_path / "sales.csv"
    path.write_bytes(data)
    source = read_inputs(engine, [str(path)])
    assert "Mont\ufffdnt" in source.table.columns
    assert source.checks == ()
    assert any("read as UTF-8; 1 byte in the header" in n for n in source.notes)


def test_cp1252_file_reads_as_before(engine: Engine, tmp_path: Path) -> None:
    """€ (0x80) and smart quotes (0x93, 0x94) are cp1252; 'CAFÉ’' happens to be a valid
    UTF-8 pair (0xc9 0x92), which the many invalid bytes outweigh."""
    rows = [
        ["2024-03-01", "Crème “brûlée”", "Desserts", "€ 10,50"],
        ["2024-03-02", "CAFÉ’S BEST", "Boissons", "€ 4,25"],
        ["2024-03-03", "Pâté – maison", "Épicerie", "3,00"],
    ]
    path = tmp_path / "cp.csv"
    with path.open("w", encoding="cp1252", newline="") as handle:
        csv.writer(handle, delimiter=";", lineterminator="\r\n").writerows([HEADER, *rows])
    raw = path.read_bytes()
    assert b"\x80" in raw and b"\x93" in raw and b"\x94" in raw and b"\xc9\x92" in raw

    encoding, damage = examine_encoding(path)
    assert (encoding.name, damage) == ("cp1252", None)
    source = read_inputs(engine, [str(path)])
    assert values(source, "Produit") == [r[1] for r in rows]
    assert values(source, "Catégorie") == [r[2] for r in rows]
    assert values(source, "Montant") == [r[3] for r in rows]
    assert any("cp1252" in n for n in source.notes)
    assert source.checks == ()


def test_latin1_file_reads_as_before(engine: Engine, tmp_path: Path) -> None:
    rows = [
        ["2024-03-01", "Crème brûlée", "Desserts", "10.50"],
        ["2024-03-02", "Smørbrød", "Plats", "12.00"],
        ["2024-03-03", "Jalapeño", "Épices", "3.00"],
    ]
    path = tmp_path / "latin.csv"
    path.write_bytes(
        csv_bytes(rows).decode("utf-8").encode("latin-1") + b"2024-03-04,Ctrl\x81,Plats,1.00\n"
    )
    encoding, damage = examine_encoding(path)
    assert (encoding.name, damage) == ("latin-1", None)  # 0x81 is undefined in cp1252
    source = read_inputs(engine, [str(path)])
    assert values(source, "Produit") == [*(r[1] for r in rows), "Ctrl\x81"]
    assert values(source, "Catégorie") == [*(r[2] for r in rows), "Plats"]
    assert any("latin-1" in n for n in source.notes)
    assert source.checks == ()


def test_lines_are_counted_across_blocks(tmp_path: Path) -> None:
    """A CRLF and a Chinese character each cut by the end of a read block, and a lone CR
    line end: the damaged lines are numbered as the engines split lines."""
    line = "2024-03-01,中文,x,1\r\n".encode()
    body = bytearray(b"a,b,c,d\r\n")
    while len(body) + len(line) <= BLOCK - 1:
        body += line
    body += b"x" * (BLOCK - 1 - len(body)) + b"\r\n"  # the block ends between CR and LF
    body += "中".encode() * 3 + b"\xff\r"  # a damaged line ended by a lone CR
    body += b"\x80\n"
    tea = "茶".encode()
    cut = BLOCK * 2 - len(body) - 1  # 茶 straddles the second block boundary
    body += b"y" * cut + tea + b"\xfe\n"
    path = tmp_path / "long.csv"
    path.write_bytes(bytes(body))

    encoding, damage = examine_encoding(path)
    assert encoding.name == "utf-8"
    assert damage is not None

    def line_of(position: int) -> int:
        before = bytes(body[:position])
        return before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n") + 1

    where = [i for i, b in enumerate(body) if b in (0xFF, 0x80, 0xFE)]
    assert [d.line for d in damage.first] == [line_of(i) for i in where]
    assert (damage.bytes, damage.lines) == (3, 3)


# --- property ---------------------------------------------------------------------------

ASCII = "abcdefghijklmnopqrstuvwxyz"
WIDE = "éüñøçåßÉÑΩλжщ中文字日本語한국"
# Bytes that are invalid UTF-8 wherever they stand among these names: continuation bytes
# (no lead byte is left open before them) and bytes that never start a sequence.
INVALID = [*range(0x80, 0xC0), 0xC0, 0xC1, *range(0xF5, 0x100)]

name = st.tuples(
    st.text(ASCII, min_size=1, max_size=6),
    st.text(WIDE, min_size=1, max_size=4),
    st.text(ASCII, min_size=1, max_size=6),
).map("".join)


@st.composite
def damaged_files(draw: st.DrawFn) -> tuple[list[str], list[tuple[int, int, int]]]:
    """Product names and the bytes to put in place of some of their ASCII letters:
    (row, character index, byte), at most one replaced byte per row on average."""
    names = draw(st.lists(name, min_size=1, max_size=12))
    spots = [(r, i) for r, n in enumerate(names) for i, ch in enumerate(n) if ch in ASCII]
    k = draw(st.integers(0, len(names)))
    chosen = draw(st.lists(st.sampled_from(spots), min_size=k, max_size=k, unique=True))
    return names, [(r, i, draw(st.sampled_from(INVALID))) for r, i in sorted(chosen)]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=damaged_files())
def test_replaced_bytes_are_found_row_by_row(
    case: tuple[list[str], list[tuple[int, int, int]]],
) -> None:
    names, replaced = case
    rows = [[f"2024-03-{i % 28 + 1:02d}", n, "Plats", str(i + 1)] for i, n in enumerate(names)]
    data = bytearray(csv_bytes(rows))
    starts = [data.index(f"\n{r[0]},{r[1]},".encode()) + 12 for r in rows]  # each name's start
    expected = list(names)
    for row, index, byte in replaced:
        at = starts[row] + len(names[row][:index].encode())
        assert data[at] == ord(names[row][index])
        data[at] = byte
        expected[row] = expected[row][:index] + "\ufffd" + expected[row][index + 1 :]
    touched = {row for row, _, _ in replaced}

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sales.csv"
        path.write_bytes(bytes(data))
        encoding, damage = examine_encoding(path)
        assert encoding.name == "utf-8"  # valid multi-byte sequences outnumber the bad bytes
        if not replaced:
            assert damage is None
        else:
            assert damage is not None
            assert (damage.bytes, damage.lines) == (len(replaced), len(touched))
            assert [d.line for d in damage.first] == sorted(r + 2 for r in touched)
        source = read_inputs(connect("duckdb"), [str(path)])
        assert values(source, "Produit") == expected
        assert values(source, "Montant") == [i + 1 for i in range(len(rows))]
        assert source.inputs[0].rows == len(rows)
        assert [c.rows for c in source.checks] == ([len(touched)] if touched else [])


def test_json_lines_with_a_bad_byte(engine: Engine, tmp_path: Path) -> None:
    records = [{"date": r[0], "product": r[1], "revenue": float(r[3])} for r in ROWS]
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()
    path = tmp_path / "sales.jsonl"
    path.write_bytes(data.replace(b"Jalape", b"Jal\xe2pe"))  # line 3: JSON lines have no header
    source = read_inputs(engine, [str(path)])
    table = source.table
    products = [r["product"] for r in table.order_by("date").to_pyarrow().to_pylist()]
    assert products == [r[1] if r[1] != "Jalapeño" else "Jal\ufffdpeño" for r in ROWS]
    assert [(c.code, c.rows, c.examples[0][:8]) for c in source.checks] == [
        ("invalid_utf8", 1, "line 3: ")
    ]
