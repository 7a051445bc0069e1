"""Looking at a text file's bytes before an engine parses it.

Encoding, delimiter and header line are decided here, in Python, on the raw bytes, so
both engines get the same explicit options and the notes can say what was decided.
Every pass streams the file in blocks; none holds it in memory.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import gzip
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from salescope.sources.grouped import Grouping, carry_down, find_grouping

BLOCK = 1 << 20
SAMPLE = 1 << 16
DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "','", ";": "';'", "\t": "tab", "|": "'|'"}
# Bytes 0x80-0x9f are printable in cp1252 but control characters in latin-1; these five
# are undefined in cp1252, so a file holding them is latin-1.
_C1 = re.compile(rb"[\x80-\x9f]")
_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")


@dataclass(frozen=True)
class Encoding:
    """``name`` is the Python codec; ``engine_name`` what the engines are told, or None
    when the file must be transcoded to UTF-8 first (neither engine reads cp1252)."""

    name: str
    label: str
    engine_name: str | None


UTF8 = Encoding("utf-8", "UTF-8", "utf-8")
UTF8_BOM = Encoding("utf-8-sig", "UTF-8 with byte-order mark", "utf-8")
LATIN1 = Encoding("latin-1", "latin-1 (ISO-8859-1; not valid UTF-8)", "latin-1")
CP1252 = Encoding("cp1252", "cp1252 (Windows-1252; not valid UTF-8)", None)
UTF16 = Encoding("utf-16", "UTF-16", None)


def open_bytes(path: Path) -> IO[bytes]:
    """The file's bytes, decompressed when it ends in ``.gz``."""
    if path.suffix.lower() == ".gz":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def detect_encoding(path: Path) -> Encoding:
    """UTF-8 if every byte decodes strictly (checked block by block), else cp1252/latin-1."""
    with open_bytes(path) as handle:
        head = handle.read(4)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return UTF16
        bom = head.startswith(codecs.BOM_UTF8)
        decoder = codecs.getincrementaldecoder("utf-8")("strict")
        block = head
        c1: set[int] = set()
        valid = True
        while block:
            if valid:
                try:
                    decoder.decode(block)
                except UnicodeDecodeError:
                    valid = False
            if not valid:
                c1.update(m.group()[0] for m in _C1.finditer(block))
            block = handle.read(BLOCK)
        if valid:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                valid = False
    if valid:
        return UTF8_BOM if bom else UTF8
    if c1 and not c1 & _CP1252_UNDEFINED:
        return CP1252
    return LATIN1


def transcode(path: Path, encoding: Encoding, target: Path, uniform_newlines: bool = False) -> None:
    """Write ``path`` as UTF-8 into ``target``, block by block (byte-order mark dropped).

    ``uniform_newlines`` turns CRLF and lone CR line ends into LF.
    """
    codec = "utf-8-sig" if encoding.name == "utf-8" else encoding.name
    with open_bytes(path) as src, target.open("w", encoding="utf-8", newline="\n") as dst:
        text = io.TextIOWrapper(
            src, encoding=codec, errors="replace", newline=None if uniform_newlines else ""
        )
        for block in iter(lambda: text.read(BLOCK), ""):
            dst.write(block)


def read_sample(path: Path, encoding: Encoding) -> str:
    """The first ~64 KB as text, cut after the last complete line."""
    with open_bytes(path) as handle:
        data = handle.read(SAMPLE)
        more = bool(handle.read(1))
    text = data.decode(encoding.name, errors="replace")
    if more and "\n" in text:
        text = text[: text.rindex("\n") + 1]
    return text


@dataclass(frozen=True)
class TextLayout:
    """How a delimited file is laid out: delimiter, header line, header field count."""

    delimiter: str
    header_line: int  # 1-based line of the header (leading blank lines skipped)
    fields: int


def text_lines(sample: str) -> list[str]:
    """Lines ending in LF, CRLF or a lone CR, endings kept (what the engines split on)."""
    return list(io.StringIO(sample, newline=""))


def records(lines: list[str], delimiter: str) -> list[list[str]]:
    """The non-empty CSV records of ``lines``, up to any the csv module cannot parse."""
    found: list[list[str]] = []
    with contextlib.suppress(csv.Error):
        for record in csv.reader(lines, delimiter=delimiter):
            if record:
                found.append(record)
    return found


def leading_blank_lines(sample: str) -> int:
    count = 0
    for line in text_lines(sample):
        if line.strip():
            return count
        count += 1
    return count


TITLE_LINES = 10  # lines above the header a file may have (report titles, export notes)


def _header_at(lines: list[str], delimiter: str) -> tuple[float, int, int] | None:
    """(share of records as wide as the header, header offset, width) for ``delimiter``.

    The header is the first line that splits into two or more fields and is as wide as
    the records below it; lines above it (a title, an export note) are skipped. The very
    first line is kept as the header unless it is one field wide or half the records
    disagree with it, so ragged data is not mistaken for a title.
    """
    for offset in range(min(TITLE_LINES, len(lines))):
        if not lines[offset].strip():
            continue  # a blank line between a title and the header is neither
        found = records(lines[offset : offset + 60], delimiter)
        if not found or len(found[0]) < 2:
            continue
        width = len(found[0])
        data = found[1:-1] if len(found) > 2 else found[1:]
        same = sum(len(r) == width for r in data) / len(data) if data else 1.0
        if (offset == 0 and same >= 0.5) or same >= 0.8:
            return same, offset, width
    return None


def sniff_layout(sample: str, preferred: str = ",") -> TextLayout | None:
    """Pick the delimiter and header line that split the first lines most consistently.

    Each candidate delimiter is scored by the share of records as wide as its header (see
    ``_header_at``), then by how few lines it skips; ties go to ``preferred`` (tab for
    .tsv). A file no candidate splits is one column wide and keeps ``preferred``.
    None if there is no text.
    """
    skip = leading_blank_lines(sample)
    lines = text_lines(sample)[skip:]
    if not lines:
        return None
    best: tuple[float, int, int] | None = None
    choice, offset = preferred, 0
    for delimiter in sorted(DELIMITERS, key=lambda d: d != preferred):
        found = _header_at(lines, delimiter)
        if found is None:
            continue
        same, at, _ = found
        score = (same, -at, 0 if delimiter == preferred else -1)
        if best is None or score > best:
            best, choice, offset = score, delimiter, at
    header = records(lines[offset : offset + 50], choice)[:1] or [[]]
    return TextLayout(choice, skip + offset + 1, len(header[0]))


def _utf8_blocks(path: Path, encoding: Encoding) -> Iterator[bytes]:
    """The file's bytes as the engine sees them: UTF-8 (BOM kept), block by block."""
    with open_bytes(path) as handle:
        if encoding.name in ("utf-8", "utf-8-sig"):
            yield from iter(lambda: handle.read(BLOCK), b"")
            return
        decoder = codecs.getincrementaldecoder(encoding.name)("replace")
        for block in iter(lambda: handle.read(BLOCK), b""):
            yield decoder.decode(block).encode("utf-8")
        yield decoder.decode(b"", final=True).encode("utf-8")


def physical_lines(path: Path, encoding: Encoding, positions: Iterable[int]) -> Iterator[int]:
    """For byte offsets in increasing order, the 1-based line each one falls on.

    DuckDB counts records, not lines, so a quoted field with line breaks shifts its
    line numbers; counting the newline bytes before each record's offset does not drift.
    Offsets are in UTF-8, as DuckDB decodes the file (latin-1 included).
    """
    blocks = _utf8_blocks(path, encoding)
    block = next(blocks, b"")
    offset = 0  # file offset of block[0]
    done = 0  # bytes of block already counted
    newlines = 0  # newlines before offset + done
    for position in positions:
        while block and position > offset + len(block):
            newlines += block.count(b"\n", done)
            offset += len(block)
            block, done = next(blocks, b""), 0
        cut = min(max(position - offset, done), len(block))
        newlines += block.count(b"\n", done, cut)
        done = cut
        yield newlines + 1


def record_lines(
    path: Path, encoding: Encoding, delimiter: str, wanted: Iterable[int]
) -> Iterator[tuple[int, int | None, int]]:
    """(index, 1-based first line, field count) for each wanted 0-based data record.

    ``wanted`` must increase; it is consumed lazily, so a stream of indexes works.
    Records are split as the engines split them (double-quote quoting, blank lines
    skipped, the first record is the header), so an engine's record index maps to the
    line the record starts on even when quoted fields span lines. An index past the
    end (or beyond a field csv cannot hold) gets line None.
    """
    line_no = 0
    with open_bytes(path) as raw:
        text = io.TextIOWrapper(raw, encoding=encoding.name, errors="replace", newline="")

        def lines() -> Iterator[str]:
            nonlocal line_no
            for line in text:
                line_no += 1
                yield line

        # csv.reader pulls lines only as a record needs them, so the next record
        # starts on the line after the last one pulled.
        reader = csv.reader(lines(), delimiter=delimiter)
        index = -2  # the first non-empty record is the header, index -1
        ended = False
        for target in wanted:
            found: tuple[int, int] | None = None
            while not ended and index < target:
                start = line_no + 1
                try:
                    record = next(reader, None)
                except csv.Error:  # a field beyond csv's size limit: lines stay unknown
                    record = None
                if record is None:
                    ended = True
                elif record:
                    index += 1
                    if index == target:
                        found = (start, len(record))
            yield (target, *found) if found else (target, None, 0)


def grouping_of(sample: str, layout: TextLayout) -> Grouping | None:
    """The grouped-report layout (see :mod:`salescope.sources.grouped`) of the sample."""
    lines = text_lines(sample)
    found = records(lines[layout.header_line - 1 :], layout.delimiter)
    if len(found) < 2:
        return None
    titles = [
        cell for r in records(lines[: layout.header_line - 1], layout.delimiter) for cell in r
    ]
    return find_grouping(found[0], found[1:], titles)


def ungroup(
    path: Path, encoding: Encoding, layout: TextLayout, grouping: Grouping, target: Path
) -> None:
    """Write ``path`` as a plain UTF-8 table into ``target``: its header first (named
    ``grouping.name`` in the first cell), then the rows below it with each heading's label
    carried down (see :func:`salescope.sources.grouped.carry_down`)."""
    codec = "utf-8-sig" if encoding.name == "utf-8" else encoding.name
    with open_bytes(path) as src, target.open("w", encoding="utf-8", newline="") as dst:
        text = io.TextIOWrapper(src, encoding=codec, errors="replace", newline="")
        for _ in range(layout.header_line - 1):
            text.readline()
        reader = csv.reader(text, delimiter=layout.delimiter)
        writer = csv.writer(dst, delimiter=layout.delimiter, lineterminator="\n")
        header = next(reader, [])
        writer.writerow([grouping.name, *header[1:]])
        writer.writerows(row for row in carry_down(reader, grouping) if any(row))
