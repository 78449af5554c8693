"""Bulk inserts with PostgreSQL COPY, for the rows mass actions write by the thousand.

Django's bulk_create compiles one large INSERT in Python; COPY streams the rows instead and is several
times faster for timeline events and holds. The rows are written in COPY's text format here rather
than through psycopg's per-row `write_row`: the rows of a mass change share most of their values (the
same event parameters, actor and reason for a thousand orders), so each shared value is formatted once.
Columns left out take their database defaults.
"""

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from django.db import connection

BLOCK = 5000  # rows per write to the server


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
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """COPY rows into `table`. Returns the number of rows written."""
    # Formatted values by object identity; the object is kept with its text, so its id is not reused.
    formatted: dict[int, tuple[object, str]] = {}

    def text(value) -> str:
        if type(value) is int:
            return str(value)
        known = formatted.get(id(value))
        if known is None:
            known = formatted[id(value)] = (value, copy_text(value))
        return known[1]

    count = 0
    column_list = ", ".join(f'"{column}"' for column in columns)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy,
    ):
        lines: list[str] = []
        for row in rows:
            lines.append("\t".join([text(value) for value in row]) + "\n")
            if len(lines) == BLOCK:
                copy.write("".join(lines))
                count += len(lines)
                lines = []
        if lines:
            copy.write("".join(lines))
            count += len(lines)
    return count
