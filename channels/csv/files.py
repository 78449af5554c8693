"""An uploaded order file, read safely: stored under a name of our own, its encoding and delimiter
sniffed, refused when it is not a CSV at all, then read as records grouped by order.

Nothing here writes to the database. Row numbers are the spreadsheet's: the header is row 1.
"""

import codecs
import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from channels.csv.columns import auto_map

MAX_FIELD_CHARS = 100_000


MAX_COLUMNS = 500


SNIFF_CHARS = 64 * 1024


DELIMITERS = (",", ";", "\t", "|")


csv.field_size_limit(MAX_FIELD_CHARS)


class ImportRefused(Exception):
    """A file that cannot be imported at all; the message says why and what to do."""


class FileBroken(Exception):
    """The stored file stops being readable part-way (found while reading it, not at upload)."""

    def __init__(self, row: int, message: str):
        self.row = row
        super().__init__(f"row {row}: {message}")


SIGNATURES = {
    b"PK\x03\x04": "an Excel workbook or a zip archive",
    b"\xd0\xcf\x11\xe0": "an old Excel (.xls) workbook",
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\x1f\x8b": "a gzip archive",
    b"{\\rtf": "an RTF document",
}


NOT_CSV_SUFFIXES = {
    ".xlsx",
    ".xls",
    ".xlsm",
    ".ods",
    ".numbers",
    ".pdf",
    ".zip",
    ".json",
    ".xml",
    ".doc",
    ".docx",
}


SAVE_AS_CSV = "Save it as CSV (in Excel: File › Save As › CSV UTF-8) and upload that."


# Bytes that Windows-1252 leaves undefined: a file that has them is read as Latin-1.
CP1252_UNDEFINED = (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")


@dataclass
class StoredFile:
    size: int
    encoding: str
    delimiter: str
    headers: list[str]


def megabytes(size: int) -> str:
    return f"{size / 1_000_000:g} MB"


def store_upload(chunks: Iterable[bytes], path: Path, *, name: str, max_bytes: int) -> StoredFile:
    """Stream an upload to `path`, refusing what cannot be an order CSV; then sniff it. The file is
    removed again when it is refused."""
    suffix = Path(name).suffix.lower()
    if suffix in NOT_CSV_SUFFIXES:
        raise ImportRefused(f"{suffix} files are not CSV text. {SAVE_AS_CSV}")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        size, encoding = _write_checked(chunks, path, max_bytes)
        delimiter, headers = sniff(path, encoding)
        return StoredFile(size, encoding, delimiter, headers)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def _write_checked(chunks: Iterable[bytes], path: Path, max_bytes: int) -> tuple[int, str]:
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8, cp1252, size, head = True, True, 0, b""
    with path.open("wb") as output:
        for chunk in chunks:
            if not chunk:
                continue
            if size == 0 or len(head) < 8192:
                head = (head + chunk)[:8192]
            if size == 0:
                _check_head(chunk)
            nul = chunk.find(b"\x00")
            if nul >= 0:
                raise ImportRefused(
                    f"The file contains NUL bytes (the first at byte {size + nul + 1}): it is binary, not CSV "
                    f"text. {SAVE_AS_CSV}"
                )
            size += len(chunk)
            if size > max_bytes:
                raise ImportRefused(
                    f"The file is larger than {megabytes(max_bytes)}, the most one import takes. "
                    "Split it into smaller files and import them one after the other."
                )
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
            if cp1252 and any(byte in chunk for byte in CP1252_UNDEFINED):
                cp1252 = False
            output.write(chunk)
    if size == 0:
        raise ImportRefused("The file is empty.")
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    controls = sum(1 for byte in head if byte < 32 and byte not in (9, 10, 12, 13))
    if controls > max(2, len(head) // 100):
        raise ImportRefused(f"The file looks binary (it has control characters), not CSV text. {SAVE_AS_CSV}")
    if utf8:
        return size, "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
    return size, "cp1252" if cp1252 else "latin-1"


def _check_head(chunk: bytes) -> None:
    for signature, what in SIGNATURES.items():
        if chunk.startswith(signature):
            raise ImportRefused(f"This is {what}, not a CSV file. {SAVE_AS_CSV}")
    if chunk.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportRefused(
            "The file is UTF-16 text; save it as CSV UTF-8 (in Excel: File › Save As › CSV UTF-8)."
        )


def sniff(path: Path, encoding: str) -> tuple[str, list[str]]:
    """The delimiter (comma, semicolon, tab or pipe) and the header row; refuse a file without a
    header Packline recognises."""
    with path.open(encoding=encoding, newline="", errors="replace") as text:
        sample = text.read(SNIFF_CHARS)
        truncated = bool(text.read(1))
    rest = ""  # the start of a row too long for the sample
    if truncated and "\n" in sample:
        cut = sample.rfind("\n") + 1
        sample, rest = sample[:cut], sample[cut:]  # whole records only
    best: tuple | None = None
    for delimiter in DELIMITERS:
        try:
            rows = [row for row in csv.reader(io.StringIO(sample), delimiter=delimiter) if row]
        except csv.Error:
            continue
        if not rows:
            continue
        width = len(rows[0])
        body = rows[1:21]
        steady = sum(1 for row in body if len(row) == width) / len(body) if body else 1.0
        score = (width > 1, steady >= 0.8, steady, width)
        if best is None or score > best[0]:
            best = (score, delimiter, rows)
    if best is None:
        raise ImportRefused("The file has no rows.")
    _score, delimiter, rows = best
    headers = [cell.replace("\ufeff", "").strip() for cell in rows[0]]
    if len(headers) > MAX_COLUMNS:
        raise ImportRefused(
            f"The file has {len(headers):,} columns; an order file has at most {MAX_COLUMNS}. "
            "Is it really comma-, semicolon- or tab-separated?"
        )
    mapping, group_by = auto_map(headers)
    if not mapping and group_by is None:
        first = ", ".join(repr(header[:30]) for header in headers[:5])
        raise ImportRefused(
            "No recognisable header: the first row must name the columns (for example Order reference, "
            f"SKU, Quantity; download the template). The first row reads: {first}."
        )
    # A data row wider than any order file (a delimiter that is not one, a broken quote) is refused
    # for what it is, whether it fits the sample or runs past it.
    widths = [len(row) for row in rows[1:]] + ([rest.count(delimiter) + 1] if rest else [])
    if max(widths, default=0) > MAX_COLUMNS:
        raise ImportRefused(
            f"A row under the header has {max(widths):,}{' or more' if widths[-1] == max(widths) and rest else ''} "
            f"columns; an order file has at most {MAX_COLUMNS} (the header has {len(headers)}). "
            "Is it really comma-, semicolon- or tab-separated, with its quotes closed?"
        )
    if len(rows) < 2:
        raise ImportRefused("The file has a header row but no orders under it.")
    return delimiter, headers


class CountingReader(io.RawIOBase):
    """A binary file that counts the bytes read from it (the progress of a pass over the file)."""

    def __init__(self, raw):
        self.raw, self.count = raw, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        read = self.raw.readinto(buffer)
        self.count += read or 0
        return read

    def close(self) -> None:
        self.raw.close()
        super().close()


def read_records(
    path: Path, encoding: str, delimiter: str, counter: list | None = None
) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells) for every data row after the header, streamed. Raises FileBroken when the
    file cannot be read on (an over-long field, a broken encoding)."""
    try:
        raw = CountingReader(path.open("rb"))
    except OSError as error:
        raise FileBroken(1, "the stored file cannot be read (it was removed?); upload it again") from error
    if counter is not None:
        counter.append(raw)
    text = io.TextIOWrapper(io.BufferedReader(raw, 256 * 1024), encoding=encoding, newline="")
    row = 1
    try:
        reader = csv.reader(text, delimiter=delimiter)
        try:
            next(reader)
            for cells in reader:
                row += 1
                yield row, cells
        except csv.Error as error:
            message = str(error)
            if "field larger than field limit" in message:
                message = f"a cell is longer than {MAX_FIELD_CHARS:,} characters"
            raise FileBroken(row + 1, message) from error
        except UnicodeDecodeError as error:
            raise FileBroken(row + 1, f"the text is not valid {encoding}") from error
        except StopIteration:
            return
    finally:
        text.close()


@dataclass
class RowGroup:
    """The consecutive rows of one order."""

    reference: str
    rows: list[tuple[int, list[str]]]

    @property
    def first_row(self) -> int:
        return self.rows[0][0]

    @property
    def last_row(self) -> int:
        return self.rows[-1][0]


def group_rows(records: Iterable[tuple[int, list[str]]], group_by: int) -> Iterator[RowGroup]:
    """Consecutive rows with the same reference form one order; a row whose reference is empty
    continues the order above. Blank rows are skipped."""
    current: RowGroup | None = None
    for number, cells in records:
        reference = cells[group_by].strip() if group_by < len(cells) else ""
        # A row with its reference is not blank: the whole row is looked at only without one.
        if not reference and (not any(cells) or not "".join(cells).strip()):
            continue
        if current is not None and (not reference or reference == current.reference):
            current.rows.append((number, cells))
            continue
        if current is not None:
            yield current
        current = RowGroup(reference, [(number, cells)])
    if current is not None:
        yield current
