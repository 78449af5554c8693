"""Bulk inserts with PostgreSQL COPY, for the rows mass actions and imports write by the thousand.

Django's bulk_create compiles one large INSERT in Python; COPY streams the rows instead and is several
times faster for timeline events and holds. Columns left out take their database defaults.
"""

import json
from collections.abc import Iterable, Sequence

from django.db import connection


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """COPY rows into `table`; dicts and lists become JSON. Returns the number of rows written."""
    count = 0
    column_list = ", ".join(f'"{column}"' for column in columns)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row([json.dumps(value) if isinstance(value, dict | list) else value for value in row])
            count += 1
    return count
