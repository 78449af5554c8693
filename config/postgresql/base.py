"""Django's PostgreSQL backend with server-side parameter binding, so that psycopg prepares the
statements a connection repeats and PostgreSQL stops planning them on every request.

Server-side binding sends one statement per query. django-pghistory and django-pgtrigger pass their
context by putting `SELECT set_config(...); ` in front of each statement (the user behind a change,
the triggers to ignore); the cursor below runs such a query as its two statements, in order, in the
same transaction, each with its own parameters.

pghistory's context is read only by its triggers, and the project's trackers all record UPDATEs
(orders/models/order.py; tests/test_database_backend.py fails when a tracker records anything else):
a statement that cannot update a row (an INSERT, a DELETE) is sent without it, saving a round trip
per write. An order created through the API wrote five contexts beside five INSERTs.
"""

import re

from django.db.backends.postgresql import base

CONTEXT_PREFIX = "SELECT set_config("
HISTORY_PREFIX = "SELECT set_config('pghistory.context_id'"
MAY_UPDATE = re.compile(r"\b(?:update|merge)\b", re.IGNORECASE)  # UPDATE, ON CONFLICT DO UPDATE, MERGE


class Cursor(base.ServerBindingCursor):
    def execute(self, query, params=None, **kwargs):
        if isinstance(query, str) and query.startswith(CONTEXT_PREFIX) and params is not None:
            prefix, separator, statement = query.partition("; ")
            if separator and statement.strip():
                needed = not prefix.startswith(HISTORY_PREFIX) or MAY_UPDATE.search(statement)
                if isinstance(params, dict):  # named placeholders: each statement takes the names it uses
                    if needed:
                        super().execute(prefix, params)
                    return self.execute(statement, params, **kwargs)
                count = prefix.count("%s")
                if needed:
                    super().execute(prefix, params[:count])
                return self.execute(statement, params[count:], **kwargs)
        return super().execute(query, params, **kwargs)


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self):
        params = super().get_connection_params()
        params["cursor_factory"] = Cursor
        return params
