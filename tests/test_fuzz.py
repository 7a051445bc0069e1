"""No input may make the CLI crash: exit 0, or exit 2 with one ``error:`` line.

The CLI contract (DESIGN.md): exit 2 on a user error with one line ``error: ...`` on
stderr and no traceback; exit 1 only for a bug. The CLI runs in-process (``cli.main``
with a patched ``sys.argv``) on random bytes, random delimited text, truncated files and
files whose extension lies about their content.
"""

from __future__ import annotations

import codecs
import csv
import json
import sys
import tempfile
from pathlib import Path
from typing import Literal

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from salescope import cli
from tests.messy import documented_codes, read_quarantine

EXTENSIONS = (".csv", ".tsv", ".txt", ".parquet", ".xlsx", ".json", ".jsonl", ".csv.gz")
NAMES = (
    "date",
    "order_date",
    "Invoice Date",
    "revenue",
    "amount",
    "quantity",
    "price",
    "customer_id",
    "region",
    "status",
    "",
    "date",  # a duplicate header name
    "x",
)
CELLS = (
    "2024-01-05",
    "12/1/2010 8:26",
    "25/12/2024",
    "03/04/2024",
    "20240105",
    "45000",
    "1704067200",
    "2024-01-05T23:30:00-05:00",
    "1989-12-31",
    "2099-01-01",
    "0",
    "-3",
    "12.50",
    "$1,234.50",
    "€ 99,90",
    "(123.00)",
    "15%",
    "1e308",
    "-0",
    "NaN",
    "inf",
    "Total",
    "Cancelled",
    "Returned",
    "=HYPERLINK(1)",
    "C1",
    "  C1 ",
    "",
    " ",
    "null",
    "\x00",
    "😀",
    "date",
    "revenue",
)
# one example is a run of the whole CLI: shrinking a failure would take minutes
FUZZ = settings(
    deadline=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


def run_cli(
    data: bytes,
    name: str,
    tmp: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[int, str, Path]:
    """``salescope --quiet report FILE --format json``: (exit code, stderr, out dir)."""
    capsys.readouterr()  # drop what an earlier example left
    path = tmp / name
    path.write_bytes(data)
    out = tmp / "out"
    argv = ["salescope", "--quiet", "report", str(path), "--format", "json", "--out", str(out)]
    monkeypatch.setattr(sys, "argv", argv)
    code: int | str | None = 0
    try:
        cli.main()
    except SystemExit as exc:
        code = exc.code
    return (code if isinstance(code, int) else 1 if code else 0), capsys.readouterr().err, out


def check_contract(code: int, err: str, out: Path) -> None:
    assert code in (0, 2), f"exit {code} (a bug), stderr: {err!r}"
    if code == 2:
        assert "Traceback" not in err, err
        assert err.endswith("\n") and err.count("\n") == 1, f"not one line: {err!r}"
        assert err.startswith("error: "), err
    else:
        # a report: principle 3 holds on whatever was read
        data = json.loads((out / "report.json").read_text(encoding="utf-8"))
        q = data["quality"]
        assert q["rows_read"] == q["rows_accepted"] + q["rows_quarantined"], q
        assert q["rows_read"] == sum(i["rows"] for i in data["run"]["inputs"]), data["run"]
        quarantine = read_quarantine(out / "quarantine.csv")
        assert len(quarantine) == q["rows_quarantined"]
        reasons = {row["_reason"] for row in quarantine}
        undocumented = reasons - documented_codes()
        assert not undocumented, f"undocumented quarantine reasons: {sorted(undocumented)}"


DATES = (*CELLS[:10], "2024-02-30", "31/31/2024", "soon", "")
AMOUNTS = ("12.50", "$1,234.50", "€ 99,90", "(123.00)", "15%", "0", "-3", "1e308", "", "n/a")
REQUIRED = (("date", "revenue"), ("order_date", "quantity", "unit_price"), ("Date", "Amount"))


@st.composite
def delimited_text(draw: st.DrawFn) -> bytes:
    """Text that is nearly a sales CSV: a date and an amount column with messy values,
    other columns, then a random delimiter, quoting, line end, BOM, encoding, stray
    quotes and line breaks, and maybe a cut half-way."""
    delimiter = draw(st.sampled_from((",", ";", "\t", "|")))
    required = draw(st.sampled_from(REQUIRED))
    extra = draw(st.lists(st.sampled_from(NAMES), max_size=3))
    header = draw(st.permutations([*required, *extra]))
    free = st.one_of(st.sampled_from(CELLS), st.text(max_size=12))

    def cell(name: str) -> st.SearchStrategy[str]:
        pool = DATES if "date" in name.lower() else AMOUNTS if name in required else CELLS
        return st.one_of(st.sampled_from(pool), st.sampled_from(pool), free)

    row = st.tuples(*(cell(n) for n in header)).map(list)
    ragged = st.lists(free, max_size=len(header) + 2)
    rows = draw(st.lists(st.one_of(row, row, row, ragged), max_size=12))
    quoting: Literal[0, 1, 2, 3] = draw(
        st.sampled_from((csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONE))
    )
    newline = draw(st.sampled_from(("\n", "\n", "\r\n", "\r")))
    handle = _Buffer()
    writer = csv.writer(
        handle,
        delimiter=delimiter,
        quoting=quoting,
        escapechar="\\" if quoting == csv.QUOTE_NONE else None,
        lineterminator=newline,
    )
    for line in [header, *rows]:
        if line == [""] and quoting == csv.QUOTE_NONE:
            line = []  # csv cannot write one empty field unquoted: a blank line instead
        writer.writerow(line)
    text = handle.text
    if draw(st.integers(0, 3)) == 0:  # stray quotes and line breaks anywhere
        for _ in range(draw(st.integers(1, 4))):
            at = draw(st.integers(0, len(text)))
            text = text[:at] + draw(st.sampled_from(('"', "\n", "\r", '""', delimiter))) + text[at:]
    encoding = draw(st.sampled_from(("utf-8", "utf-8", "utf-8-sig", "utf-16", "cp1252")))
    data = text.encode(encoding, errors="replace")
    if draw(st.integers(0, 3)) == 0:  # cut anywhere: an export that stopped half-way
        data = data[: draw(st.integers(0, len(data)))]
    return data


class _Buffer:
    def __init__(self) -> None:
        self.text = ""

    def write(self, s: str) -> int:
        self.text += s
        return len(s)


near_csv = st.tuples(delimited_text(), st.sampled_from((".csv", ".csv", ".tsv", ".txt")))
inputs = st.one_of(
    st.tuples(st.binary(max_size=400), st.sampled_from(EXTENSIONS)),
    near_csv,
    near_csv,
    near_csv,
    st.tuples(
        st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.sampled_from((".json", ".jsonl", ".csv")),
    ),
)


@settings(FUZZ, max_examples=80)
@given(case=inputs)
def test_no_input_crashes_the_cli(
    case: tuple[bytes, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data, extension = case
    with tempfile.TemporaryDirectory() as tmp:
        code, err, out = run_cli(data, "input" + extension, Path(tmp), capsys, monkeypatch)
        check_contract(code, err, out)


NASTY: dict[str, tuple[bytes, str]] = {
    "empty_file": (b"", ".csv"),
    "header_only": (b"date,revenue\n", ".csv"),
    "bom_and_header_only": (codecs.BOM_UTF8 + b"order_date;revenue\r\n", ".csv"),
    "no_date_parses": (b"date,revenue\nsoon,1\nlater,2\n", ".csv"),
    "no_amount_parses": (b"date,revenue\n2024-01-05,free\n2024-01-06,n/a\n", ".csv"),
    "unmatched_quote": (b'date,revenue\n2024-01-05,"10\n2024-01-06,5\n', ".csv"),
    "huge_field": (b"date,revenue\n2024-01-05,1\n2024-01-06," + b"9" * 3_000_000 + b"\n", ".csv"),
    "mac_line_endings": (b"date,revenue\r2024-01-05,1\r", ".csv"),
    "nul_bytes": (b"date,revenue\n2024-01-05,1\x00\x00\n\x00\n", ".csv"),
    "binary_as_csv": (bytes(range(256)) * 4, ".csv"),
    "junk_parquet": (b"PAR1" + bytes(range(200)) + b"PAR1", ".parquet"),
    "junk_xlsx": (b"PK\x03\x04" + bytes(100), ".xlsx"),
    "junk_json": (b'{"date": "2024-01-05", "revenue": ', ".json"),
    "json_scalar": (b"42", ".json"),
    "utf16_csv": ("date,revenue\n2024-01-05,1\n".encode("utf-16"), ".csv"),
    "ragged_rows": (b"date,revenue\n2024-01-05,1,extra,cells\n2024-01-06\n2024-01-07,2\n", ".csv"),
    "stray_quote": (b'date,revenue\n2024-01-05,1\n2024-01-06,"1"x\n', ".csv"),
    "ragged_row_with_text": (b"date,revenue\n2024-01-05,1\n2024-01-06,abc,extra\n", ".csv"),
    "nul_in_header": (b"date,rev\x00enue\n2024-01-05,1\n", ".csv"),
    "junk_gzip": (b"not gzip at all", ".csv.gz"),
}


@pytest.mark.parametrize("case", NASTY, ids=list(NASTY))
def test_nasty_inputs_follow_the_contract(
    case: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data, extension = NASTY[case]
    code, err, out = run_cli(data, "input" + extension, tmp_path, capsys, monkeypatch)
    check_contract(code, err, out)
