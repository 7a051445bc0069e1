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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO

from salescope.model import Check
from salescope.narrative import format as fmt
from salescope.sources.grouped import Grouping, carry_down, find_grouping

BLOCK = 1 << 20
SAMPLE = 1 << 16
DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "','", ";": "';'", "\t": "tab", "|": "'|'"}
# Bytes 0x80-0x9f are printable in cp1252 but control characters in latin-1; these five
# are undefined in cp1252, so a file holding them is latin-1.
_NOT_C1 = bytes(b for b in range(256) if not 0x80 <= b <= 0x9F)
_NOT_LEAD = bytes(range(0xC0))  # all but the bytes that open a multi-byte sequence
_CP1252_UNDEFINED = tuple(bytes([b]) for b in b"\x81\x8d\x8f\x90\x9d")
# A byte that is not valid UTF-8, as the "surrogateescape" decoder gives it back.
_ESCAPED = re.compile("[\udc80-\udcff]")
_LINE_END = re.compile("[\r\n]")
DAMAGED_LINES_KEPT = 16  # damaged lines remembered with their text (the header is among them)
LOCATE_LIMIT = 1000  # invalid bytes located before a file that looks like cp1252 is given up on
SNIPPET = 100  # characters of a damaged line kept as an example
# Each byte that is not valid UTF-8 is read as one U+FFFD (Python's "replace" gives one
# per broken sequence), so the bytes counted are the replacement characters in the data.
REPLACE_BYTES = "salescope-replace-bytes"
INVALID_UTF8 = "invalid_utf8"  # the check on rows holding such a byte (docs/quality.md)


def _replace_bytes(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return "\ufffd" * (exc.end - exc.start), exc.end


codecs.register_error(REPLACE_BYTES, _replace_bytes)


@dataclass(frozen=True)
class Encoding:
    """``name`` is the Python codec; ``engine_name`` what the engines are told, or None
    when the file must be transcoded to UTF-8 first (neither engine reads cp1252)."""

    name: str
    label: str
    engine_name: str | None


UTF8 = Encoding("utf-8", "UTF-8", "utf-8")
UTF8_BOM = Encoding("utf-8-sig", "UTF-8 with byte-order mark", "utf-8")
# UTF-8 holding bytes that are not valid UTF-8: copied with each one as U+FFFD for the
# engines, which refuse such a line (see :class:`Damage`).
UTF8_DAMAGED = Encoding("utf-8", "UTF-8", None)
UTF8_BOM_DAMAGED = Encoding("utf-8-sig", "UTF-8 with byte-order mark", None)
LATIN1 = Encoding("latin-1", "latin-1 (ISO-8859-1; not valid UTF-8)", "latin-1")
CP1252 = Encoding("cp1252", "cp1252 (Windows-1252; not valid UTF-8)", None)
UTF16 = Encoding("utf-16", "UTF-16", None)


def open_bytes(path: Path) -> IO[bytes]:
    """The file's bytes, decompressed when it ends in ``.gz``."""
    if path.suffix.lower() == ".gz":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def errors_for(encoding: Encoding) -> str:
    """The decoding error handler for ``encoding``: one U+FFFD per invalid byte of UTF-8."""
    return REPLACE_BYTES if encoding.name in ("utf-8", "utf-8-sig") else "replace"


@dataclass(frozen=True)
class DamagedLine:
    """A line holding bytes that are not valid UTF-8."""

    line: int  # 1-based; LF, CRLF and a lone CR end a line, as the engines split them
    bytes: int  # invalid bytes on the line
    text: str  # the line with each invalid byte as U+FFFD, cut to ``SNIPPET`` characters


@dataclass(frozen=True)
class Damage:
    """The bytes that are not valid UTF-8 in a file read as UTF-8.

    ``lines`` counts the lines holding one; ``first`` keeps the first of them (up to
    ``DAMAGED_LINES_KEPT``), enough to tell the header and title lines from the data.
    """

    bytes: int
    lines: int
    first: tuple[DamagedLine, ...]

    def below(self, header_line: int) -> tuple[Damage, int]:
        """The damage in the data (the lines after ``header_line``) and the invalid bytes
        in the header and the lines above it."""
        above = [d for d in self.first if d.line <= header_line]
        top = sum(d.bytes for d in above)
        data = tuple(d for d in self.first if d.line > header_line)
        return Damage(self.bytes - top, self.lines - len(above), data), top


class _Evidence:
    """What one pass over a file's bytes says about its encoding.

    Counts multi-byte sequences that are valid UTF-8 and bytes that are not, and where
    the invalid bytes are (line numbers and text); once a byte is invalid, notes the
    bytes 0x80-0x9f that tell cp1252 from latin-1. A block that decodes is weighed by
    counting its lead bytes; one that does not is decoded with "surrogateescape" (each
    invalid byte comes back as a lone surrogate), so the counting runs in C.

    Looking for the lines of invalid bytes stops (``locate`` turns False) once they
    plainly outnumber the valid sequences: text in cp1252 or latin-1 has an invalid byte
    on most lines. :func:`examine_encoding` looks again in the rare file that turns out
    to be UTF-8 all the same (``locate_all``).
    """

    def __init__(self, locate_all: bool = False) -> None:
        self.valid = 0  # multi-byte sequences that are valid UTF-8
        self.invalid = 0  # bytes that are not valid UTF-8
        self.lines = 0  # lines holding an invalid byte
        self.first: list[DamagedLine] = []
        self.c1 = False  # a byte 0x80-0x9f (from the first invalid byte on)
        self.cp1252_undefined = False  # one of the five bytes cp1252 leaves undefined
        self.locate = True
        self._locate_all = locate_all
        self._pending = b""  # a character cut by the end of the last block
        self._line = 1  # the line the next byte is on
        self._cr = False  # the bytes so far end with CR (a CRLF may straddle two blocks)
        self._last = 0  # the last line found damaged

    def feed(self, block: bytes, final: bool = False) -> None:
        data = self._pending + block if self._pending else block
        cut = len(data) if final else _whole_characters(data)
        chunk, self._pending = (data, b"") if cut == len(data) else (data[:cut], data[cut:])
        if self._cr and chunk[:1] == b"\n":
            self._line -= 1  # the CR already ended this line
        if not chunk.isascii():
            try:
                chunk.decode("utf-8")
                self.valid += len(chunk.translate(None, _NOT_LEAD))
            except UnicodeDecodeError:
                self._weigh_damaged(chunk)
        if self.invalid:
            if not self.c1:
                self.c1 = bool(chunk.translate(None, _NOT_C1))
            if not self.cp1252_undefined:
                self.cp1252_undefined = any(b in chunk for b in _CP1252_UNDEFINED)
        if chunk:
            self._line += chunk.count(b"\n")
            if b"\r" in chunk:
                self._line += chunk.count(b"\r") - chunk.count(b"\r\n")
            self._cr = chunk.endswith(b"\r")

    def _weigh_damaged(self, chunk: bytes) -> None:
        text = chunk.decode("utf-8", "surrogateescape")
        wide = len(text) - len(text.encode("ascii", "ignore"))
        bad = len(chunk) - len(text.encode("utf-8", "ignore"))
        self.valid += wide - bad
        self.invalid += bad
        if self.locate:
            self._find_lines(text)
            self.locate = self._locate_all or not (
                self.invalid > LOCATE_LIMIT and self.invalid > 2 * self.valid
            )

    def _find_lines(self, text: str) -> None:
        """Count the lines of ``text`` holding an invalid byte; keep the first ones.

        ``text`` is the block being weighed; its first character is on ``self._line``.
        """
        line, at = self._line, 0
        found = _ESCAPED.search(text)
        while found is not None:
            where = found.start()
            line += _breaks(text, at, where)
            at = where
            end = _LINE_END.search(text, where)
            stop = end.start() if end else len(text)
            if line != self._last:  # a line cut by a block boundary is counted once
                self.lines += 1
                self._last = line
                if len(self.first) < DAMAGED_LINES_KEPT:
                    self.first.append(_damaged_line(text, line, where, stop))
            elif self.first and self.first[-1].line == line:  # the rest of a kept line
                kept = self.first[-1]
                n = len(_ESCAPED.findall(text, where, stop))
                self.first[-1] = replace(kept, bytes=kept.bytes + n)
            found = _ESCAPED.search(text, stop)

    def damage(self) -> Damage:
        return Damage(self.invalid, self.lines, tuple(self.first))


def _whole_characters(data: bytes) -> int:
    """Where ``data`` ends but for a UTF-8 sequence the next block completes."""
    for back in range(1, min(3, len(data)) + 1):
        byte = data[-back]
        if byte < 0x80:
            break
        if byte >= 0xC0:  # a lead byte: its sequence is 2, 3 or 4 bytes long
            size = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            return len(data) - back if size > back else len(data)
    return len(data)


def _breaks(text: str, start: int, end: int) -> int:
    """Line ends in ``text[start:end]``: LF, CRLF or a lone CR."""
    return (
        text.count("\n", start, end) + text.count("\r", start, end) - text.count("\r\n", start, end)
    )


def _damaged_line(text: str, line: int, where: int, stop: int) -> DamagedLine:
    begin = max(text.rfind("\n", 0, where), text.rfind("\r", 0, where)) + 1
    if stop - begin > SNIPPET:  # a window around the first invalid byte
        begin = max(begin, min(where - SNIPPET // 2, stop - SNIPPET))
    snippet = _ESCAPED.sub("\ufffd", text[begin : min(stop, begin + SNIPPET)])
    return DamagedLine(line, len(_ESCAPED.findall(text, where, stop)), snippet)


def examine_encoding(path: Path) -> tuple[Encoding, Damage | None]:
    """The file's encoding, decided from one streamed pass over its bytes, and the
    bytes that are not valid UTF-8 when it is read as UTF-8 all the same.

    Every byte decodes: UTF-8. Otherwise the evidence is weighed: more multi-byte
    sequences that are valid UTF-8 than invalid bytes is UTF-8 with damage (each invalid
    byte is read as U+FFFD, see :class:`Damage`); text in cp1252 or latin-1 makes such
    sequences only by chance (an accented capital followed by a symbol), so it keeps
    its reading: cp1252 when bytes 0x80-0x9f occur and none of those cp1252 leaves
    undefined, else latin-1.
    """
    with open_bytes(path) as handle:
        head = handle.read(4)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return UTF16, None
    bom = head.startswith(codecs.BOM_UTF8)
    evidence = _weigh(path, bom)
    if not evidence.invalid:
        return (UTF8_BOM if bom else UTF8), None
    if evidence.valid > evidence.invalid:
        if not evidence.locate:  # it gave up looking for the lines early on
            evidence = _weigh(path, bom, locate_all=True)
        return (UTF8_BOM_DAMAGED if bom else UTF8_DAMAGED), evidence.damage()
    if evidence.c1 and not evidence.cp1252_undefined:
        return CP1252, None
    return LATIN1, None


def _weigh(path: Path, bom: bool, locate_all: bool = False) -> _Evidence:
    evidence = _Evidence(locate_all)
    with open_bytes(path) as handle:
        if bom:
            handle.read(3)
        for block in iter(lambda: handle.read(BLOCK), b""):
            evidence.feed(block)
        evidence.feed(b"", final=True)
    return evidence


def detect_encoding(path: Path) -> Encoding:
    """The file's encoding (see :func:`examine_encoding`)."""
    return examine_encoding(path)[0]


def invalid_utf8(
    name: str, damage: Damage, header_line: int, notes: list[str]
) -> tuple[Check, ...]:
    """The warning on the rows of file ``name`` holding a byte that is not valid UTF-8
    (none when only the header or a line above it does); the note that states the reading
    goes into ``notes`` (the report's assumptions).

    Rows are counted by line: a quoted field that spans lines counts each damaged line.
    """
    data, top = damage.below(header_line)
    shown = data.first[:5]
    lines = ("line " if data.lines == 1 else "lines ") + ", ".join(str(d.line) for d in shown)
    lines += ", ..." if data.lines > len(shown) else ""
    parts = []
    if data.lines:
        parts = [f"{fmt.plural(data.bytes, 'byte')} in {fmt.plural(data.lines, 'row')}"]
    if top:
        parts.append(f"{fmt.plural(top, 'byte')} in the header")
    one = (data.bytes if data.lines else 0) + top == 1
    notes.append(
        f"{name}: read as UTF-8; "
        + " and ".join(parts)
        + (" was not valid UTF-8 and was" if one else " were not valid UTF-8 and were")
        + " replaced (each byte by U+FFFD"
        + (f"; {lines})" if data.lines else ")")
    )
    if not data.lines:
        return ()
    check = Check(
        INVALID_UTF8,
        "warning",
        None,
        data.lines,
        f"{name}: {fmt.plural(data.bytes, 'byte')} on these rows ({lines}) "
        f"{'is' if data.bytes == 1 else 'are'} not valid UTF-8 in "
        "a file that is UTF-8 elsewhere; each was read as U+FFFD and the rows kept. Text "
        "holding one may be split from its correct spelling; an amount or date holding one "
        "fails its own check",
        tuple(f"line {d.line}: {d.text}" for d in data.first[:3]),
    )
    return (check,)


def transcode(path: Path, encoding: Encoding, target: Path, uniform_newlines: bool = False) -> None:
    """Write ``path`` as UTF-8 into ``target``, block by block (byte-order mark dropped).

    ``uniform_newlines`` turns CRLF and lone CR line ends into LF.
    """
    codec = "utf-8-sig" if encoding.name == "utf-8" else encoding.name
    with open_bytes(path) as src, target.open("w", encoding="utf-8", newline="\n") as dst:
        text = io.TextIOWrapper(
            src,
            encoding=codec,
            errors=errors_for(encoding),
            newline=None if uniform_newlines else "",
        )
        for block in iter(lambda: text.read(BLOCK), ""):
            dst.write(block)


def read_sample(path: Path, encoding: Encoding) -> str:
    """The first ~64 KB as text, cut after the last complete line."""
    with open_bytes(path) as handle:
        data = handle.read(SAMPLE)
        more = bool(handle.read(1))
    text = data.decode(encoding.name, errors=errors_for(encoding))
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
        if encoding.engine_name == "utf-8":
            yield from iter(lambda: handle.read(BLOCK), b"")
            return
        decoder = codecs.getincrementaldecoder(encoding.name)(errors_for(encoding))
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
        text = io.TextIOWrapper(
            raw, encoding=encoding.name, errors=errors_for(encoding), newline=""
        )

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
        text = io.TextIOWrapper(src, encoding=codec, errors=errors_for(encoding), newline="")
        for _ in range(layout.header_line - 1):
            text.readline()
        reader = csv.reader(text, delimiter=layout.delimiter)
        writer = csv.writer(dst, delimiter=layout.delimiter, lineterminator="\n")
        header = next(reader, [])
        writer.writerow([grouping.name, *header[1:]])
        writer.writerows(row for row in carry_down(reader, grouping) if any(row))
