"""Bulk inserts with PostgreSQL COPY, for the rows mass actions write by the thousand.

Django's bulk_create compiles one large INSERT in Python; COPY streams the rows instead and is several
times faster for timeline events and holds. The rows are written in COPY's text format here rather
than through psycopg's per-row `write_row`: the rows of a mass change share all their values but the
order (the same event parameters, actor and reason for a thousand orders), so those are formatted once.
Columns left out take their database defaults.
"""

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from json.encoder import c_make_encoder, encode_basestring

from django.db import connection

BLOCK = 5000  # rows per write to the server


def copy_escape(text: str) -> str:
    """A string in COPY's text format: backslash, tab, newline and carriage return escaped."""
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def copy_escapes(*texts: str) -> tuple[str, ...]:
    """copy_escape() of each text, for a row's text columns: one look over them all first, since they
    rarely need it (a dozen calls per imported order otherwise)."""
    joined = "".join(texts)
    if "\\" in joined or "\t" in joined or "\n" in joined or "\r" in joined:
        return tuple(map(copy_escape, texts))
    return texts


# JSON as rows carry it: compact, non-ASCII as it is (json.dumps(value, ensure_ascii=False,
# separators=(",", ":"))). JSONEncoder.encode sets up its C encoder anew on every call, which costs as
# much as encoding an address or a timeline entry's parameters (about five per imported order); the C
# encoder is set up once here. No check for circular references: the rows' values are plain data. The
# public path is kept where the C encoder is missing or answers differently.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _c_json_text():
    try:
        encode = c_make_encoder(None, _ENCODER.default, encode_basestring, None, ":", ",", False, False, True)
    except TypeError:  # missing (None), or another Python's signature
        return None

    def json_text(value) -> str:
        return "".join(encode(value, 0))

    sample = {"name": 'Zoë "Q"', "figures": [1, 2.5, None, True, False], "nested": {"a\\b": "\n\t\u2028"}}
    return json_text if json_text(sample) == _ENCODER.encode(sample) else None


json_text = _c_json_text() or _ENCODER.encode


def copy_text(value) -> str:
    """One value in COPY's text format: NULL is \\N; dicts and lists become JSON."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict | list):
        value = json.dumps(value)
    elif isinstance(value, datetime | date):
        value = value.isoformat()
    return copy_escape(str(value))


def copy_lines(table: str, columns: Sequence[str], lines: list[str]) -> int:
    """COPY lines already in COPY's text format (each ending in a newline) into `table`, in blocks.
    Returns the number of rows written."""
    if not lines:
        return 0
    column_list = ", ".join(f'"{column}"' for column in columns)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy,
    ):
        for start in range(0, len(lines), BLOCK):
            copy.write("".join(lines[start : start + BLOCK]))
    return len(lines)


def copy_rows(table: str, columns: Sequence[str], groups: Iterable[tuple[Iterable, Sequence]]) -> int:
    """COPY rows into `table` that differ only in their first column, as groups: (the first column's
    values, the values of the other columns shared by those rows). Returns the number of rows written.

    A mass change writes a thousand events that name a thousand orders and share everything else; the
    shared part is formatted once per group and each row is one string join.
    """
    lines = []
    for firsts, shared in groups:
        tail = "".join(f"\t{copy_text(value)}" for value in shared) + "\n"
        lines += [f"{first}{tail}" if type(first) is int else f"{copy_text(first)}{tail}" for first in firsts]
    return copy_lines(table, columns, lines)
