"""Each replica's health, checked at most every REPLICA_CHECK_SECONDS per process and cached: ok,
lagging (replay more than DATABASE_REPLICA_MAX_LAG_SECONDS behind) or down (no answer, or not a
standby). /healthz reports it; the router only sends reads to replicas that are ok."""

import contextlib
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connections

OK, LAGGING, DOWN = "ok", "lagging", "down"

# Lag is the age of the last replayed transaction while the standby has received WAL it has not
# replayed yet; a standby that has replayed all it received is not behind (an idle primary writes no
# transactions, and the age of the last one says nothing then).
CHECK_SQL = """
SELECT pg_is_in_recovery(),
       pg_last_wal_replay_lsn()::text,
       CASE WHEN pg_last_wal_receive_lsn() IS NULL
                 OR pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn() THEN 0
            ELSE COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()), 0)
       END::float8
"""


@dataclass(frozen=True)
class Health:
    alias: str
    state: str
    lag_seconds: float | None
    replay_lsn: int | None
    checked_at: float
    detail: str = ""

    def as_json(self) -> dict:
        # No host names: /healthz answers anyone who asks.
        return {
            "alias": self.alias,
            "state": self.state,
            "lag_seconds": None if self.lag_seconds is None else round(self.lag_seconds, 3),
            **({"detail": self.detail} if self.detail else {}),
        }


_cache: dict[str, Health] = {}
_lock = threading.Lock()


def replica_aliases() -> list[str]:
    return sorted((alias for alias in settings.DATABASES if alias.startswith("replica_")), key=_number)


def _number(alias: str) -> int:
    return int(alias.rsplit("_", 1)[1])


def lsn_number(text: str | None) -> int | None:
    """A WAL position ('16/B374D848') as a number that compares as positions do."""
    if not text:
        return None
    high, low = text.split("/")
    return (int(high, 16) << 32) + int(low, 16)


# Where the primary's WAL ends now, every commit included, even one still in the WAL buffers under
# synchronous_commit off (pg_current_wal_lsn(), the write position, can be behind it then), with the
# sizes record_end() needs.
PRIMARY_END_SQL = """
SELECT pg_current_wal_insert_lsn()::text,
       pg_size_bytes(current_setting('wal_segment_size')),
       current_setting('wal_block_size')::int
"""


def record_end(lsn: int, segment_size: int, block_size: int) -> int:
    """The insert position as the end of the last record. Just after a page boundary the insert position
    points past the new page's header (24 bytes, 40 on a segment's first page), where no record ends;
    the standby's replay position for the same WAL is the boundary itself."""
    header = 40 if lsn % segment_size == 40 else 24 if lsn % block_size == 24 else 0
    return lsn - header


def primary_end(cursor) -> int:
    cursor.execute(PRIMARY_END_SQL)
    text, segment_size, block_size = cursor.fetchone()
    return record_end(lsn_number(text), segment_size, block_size)


def health(alias: str, *, max_age: float | None = None) -> Health:
    """The replica's health as last checked, checked anew when older than max_age (by default
    REPLICA_CHECK_SECONDS)."""
    max_age = settings.REPLICA_CHECK_SECONDS if max_age is None else max_age
    known = _cache.get(alias)
    if known is not None and time.monotonic() - known.checked_at <= max_age:
        return known
    return check(alias)


def check(alias: str) -> Health:
    connection = connections[alias]
    try:
        with connection.cursor() as cursor:
            cursor.execute(CHECK_SQL)
            in_recovery, replay_lsn, lag = cursor.fetchone()
    except Exception as error:  # noqa: BLE001 - any failure means: do not read from it
        return mark_down(alias, type(error).__name__)
    if not in_recovery:
        return _store(Health(alias, DOWN, None, None, time.monotonic(), "not a standby (promoted?)"))
    state = LAGGING if lag > settings.DATABASE_REPLICA_MAX_LAG_SECONDS else OK
    return _store(Health(alias, state, float(lag), lsn_number(replay_lsn), time.monotonic()))


def mark_down(alias: str, detail: str) -> Health:
    with contextlib.suppress(Exception):  # a connection that is gone may fail to close too
        connections[alias].close()
    return _store(Health(alias, DOWN, None, None, time.monotonic(), detail))


def _store(result: Health) -> Health:
    with _lock:
        _cache[result.alias] = result
    return result


def report() -> list[dict]:
    """Every replica's health, for /healthz."""
    return [health(alias).as_json() for alias in replica_aliases()]
