"""Reference data kept in each process: the small tables nearly every request reads (statuses, channels,
warehouses, hold and ship-by rules, the permissions a user's roles give), read again only after one
of them has changed.

Any statement that changes one of those tables sets the one row of `packline_reference_generation`
to a new value from a sequence, in its own transaction (migration orders/0021). A value kept here is
used while that row still holds the generation it was read under: one small query in place of the
table's, and no process ever serves a change later than its commit. The row is transactional, so
the transaction that makes a change sees it at once and the others when it commits; the sequence
never gives a value twice, so what a rolled-back transaction read is never taken for what is
committed.

Kept values are shared by every request of the process: treat them as read-only.
"""

from collections.abc import Callable, Hashable

from django.db import DEFAULT_DB_ALIAS, connections

from config.replicas.state import primary_reads

_kept: dict[Hashable, tuple[int, object]] = {}


def generation() -> int:
    """The reference tables' generation on the primary."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT value FROM packline_reference_generation")
        return cursor.fetchone()[0]


def reference[T](key: Hashable, load: Callable[[], T]) -> T:
    """`load()`'s value, as kept under `key` while the reference tables have not changed. `load` reads
    only those tables, and reads them on the primary, where the generation was read."""
    current = generation()
    kept = _kept.get(key)
    if kept is not None and kept[0] == current:
        return kept[1]  # type: ignore[return-value]
    with primary_reads():
        value = load()
    _kept[key] = (current, value)
    return value
