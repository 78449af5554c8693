"""Orders created and shipped per UTC hour and channel: the summary behind the dashboard's week charts.

At a million orders the dashboard may not count the week's orders and shipments on every request
(issue 19); it reads this summary (orders.models.OrderActivity) instead: 168 hours times the channels.

The database keeps it, like the webhook outbox (orders/webhooks/outbox.py), because orders and timeline
events are written both by the ORM and by COPY (imports, batched creation, mass changes):
- a statement trigger on orders_order INSERT counts each statement's new live orders, per hour and
  channel;
- a statement trigger on orders_orderevent INSERT counts the moves into Shipped (SHIPPED_EVENT) of
  live orders, at the event's hour, in the order's channel;
- a row trigger on orders_order UPDATE, only when is_deleted, channel_id or created_at changes (a soft
  delete, a restore), takes the order's counts out of where they were and adds them where they belong;
- row triggers on DELETE take out what a removed order or Shipped event counted.

The triggers only append rows, never update a counter, so writers in concurrent transactions never
wait on one another's counter row. `activity_compact()` (beat, every few minutes) folds the rows of
each hour and channel into one; readers sum whatever rows there are. `activity_rebuild()` counts
everything again from the orders and the timeline: the backfill of migration 0020 and the tests'
yardstick for the triggers; `activity_add_orders()` counts what the bench generator wrote with the
triggers off.

Changing the SQL below needs a migration that installs it again: tests/dashboard/test_activity.py
fails until the installed functions are the ones written here.
"""

from datetime import datetime

from django.db import connection, transaction
from django.db.models import Sum

from orders.models import OrderActivity

TABLE = OrderActivity._meta.db_table
# SHIPPED_EVENT (orders/querysets.py), in SQL, for an event row `e`.
SHIPPED = "{e}.type = 'status.changed' AND {e}.params->>'new_stage' = 'shipped'"
HOUR = "date_trunc('hour', {column}, 'UTC')"

ORDERS_INSERTED = "orders_activity_orders_inserted"
EVENTS_INSERTED = "orders_activity_events_inserted"
ORDER_CHANGED = "orders_activity_order_changed"
ORDER_DELETED = "orders_activity_order_deleted"
EVENT_DELETED = "orders_activity_event_deleted"


def _function(name: str, body: str) -> str:
    return f"""CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
{body}
    RETURN NULL;
END
$body$;"""


FUNCTIONS = {
    ORDERS_INSERTED: f"""    INSERT INTO {TABLE} (hour, channel_id, created, shipped)
    SELECT {HOUR.format(column="created_at")}, channel_id, count(*), 0
    FROM new_orders WHERE NOT is_deleted GROUP BY 1, 2;""",
    EVENTS_INSERTED: f"""    INSERT INTO {TABLE} (hour, channel_id, created, shipped)
    SELECT {HOUR.format(column="e.created_at")}, o.channel_id, 0, count(*)
    FROM new_events e JOIN orders_order o ON o.id = e.order_id
    WHERE {SHIPPED.format(e="e")} AND NOT o.is_deleted GROUP BY 1, 2;""",
    ORDER_CHANGED: f"""    INSERT INTO {TABLE} (hour, channel_id, created, shipped)
    SELECT hour, channel_id, sum(created), sum(shipped) FROM (
        SELECT {HOUR.format(column="side.created_at")} AS hour, side.channel_id, side.sign AS created,
               0 AS shipped
        FROM (VALUES (OLD.created_at, OLD.channel_id, -1, NOT OLD.is_deleted),
                     (NEW.created_at, NEW.channel_id, 1, NOT NEW.is_deleted))
             AS side(created_at, channel_id, sign, live)
        WHERE side.live
        UNION ALL
        SELECT {HOUR.format(column="e.created_at")}, side.channel_id, 0, side.sign
        FROM orders_orderevent e,
             (VALUES (OLD.channel_id, -1, NOT OLD.is_deleted), (NEW.channel_id, 1, NOT NEW.is_deleted))
             AS side(channel_id, sign, live)
        WHERE side.live AND e.order_id = NEW.id AND {SHIPPED.format(e="e")}
    ) AS change
    GROUP BY 1, 2 HAVING sum(created) <> 0 OR sum(shipped) <> 0;""",
    ORDER_DELETED: f"""    INSERT INTO {TABLE} (hour, channel_id, created, shipped)
    VALUES ({HOUR.format(column="OLD.created_at")}, OLD.channel_id, -1, 0);""",
    EVENT_DELETED: f"""    INSERT INTO {TABLE} (hour, channel_id, created, shipped)
    SELECT {HOUR.format(column="OLD.created_at")}, o.channel_id, 0, -1
    FROM orders_order o WHERE o.id = OLD.order_id AND NOT o.is_deleted;""",
}

TRIGGERS = {
    ORDERS_INSERTED: "AFTER INSERT ON orders_order REFERENCING NEW TABLE AS new_orders FOR EACH STATEMENT",
    EVENTS_INSERTED: "AFTER INSERT ON orders_orderevent REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT",
    ORDER_CHANGED: (
        "AFTER UPDATE OF is_deleted, channel_id, created_at ON orders_order FOR EACH ROW WHEN "
        "((OLD.is_deleted, OLD.channel_id, OLD.created_at) IS DISTINCT FROM "
        "(NEW.is_deleted, NEW.channel_id, NEW.created_at))"
    ),
    ORDER_DELETED: "AFTER DELETE ON orders_order FOR EACH ROW WHEN (NOT OLD.is_deleted)",
    # Django deletes an order's events before the order (its cascade), so the order is still there.
    EVENT_DELETED: f"AFTER DELETE ON orders_orderevent FOR EACH ROW WHEN ({SHIPPED.format(e='OLD')})",
}


def _table(name: str) -> str:
    """The table trigger `name` is on, as TRIGGERS says ("... ON orders_order ...")."""
    return TRIGGERS[name].split(" ON ")[1].split()[0]


def install_sql() -> list[str]:
    """The functions and triggers, as migration 0020 installs them."""
    statements = []
    for name, body in FUNCTIONS.items():
        statements += [
            _function(name, body),
            f"DROP TRIGGER IF EXISTS {name} ON {_table(name)}",
            f"CREATE TRIGGER {name} {TRIGGERS[name]} EXECUTE FUNCTION {name}()",
        ]
    return statements


def uninstall_sql() -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {name} ON {_table(name)}; DROP FUNCTION IF EXISTS {name}()"
        for name in FUNCTIONS
    ]


# What the orders with ids in [%(first)s, %(last)s] and their events count (all orders: 0 to max).
COUNT_SQL = f"""INSERT INTO {TABLE} (hour, channel_id, created, shipped)
SELECT hour, channel_id, sum(created), sum(shipped) FROM (
    SELECT {HOUR.format(column="created_at")} AS hour, channel_id, count(*) AS created, 0 AS shipped
    FROM orders_order WHERE NOT is_deleted AND id BETWEEN %(first)s AND %(last)s GROUP BY 1, 2
    UNION ALL
    SELECT {HOUR.format(column="e.created_at")}, o.channel_id, 0, count(*)
    FROM orders_orderevent e JOIN orders_order o ON o.id = e.order_id
    WHERE {SHIPPED.format(e="e")} AND NOT o.is_deleted AND o.id BETWEEN %(first)s AND %(last)s GROUP BY 1, 2
) AS counted GROUP BY 1, 2"""
EVERY_ORDER = {"first": 0, "last": 2**63 - 1}

COMPACT_SQL = f"""WITH split AS (
    SELECT hour, channel_id FROM {TABLE} GROUP BY 1, 2 HAVING count(*) > 1
), folded AS (
    DELETE FROM {TABLE} a USING split s WHERE a.hour = s.hour AND a.channel_id = s.channel_id
    RETURNING a.hour, a.channel_id, a.created, a.shipped
)
INSERT INTO {TABLE} (hour, channel_id, created, shipped)
SELECT hour, channel_id, sum(created), sum(shipped) FROM folded
GROUP BY 1, 2 HAVING sum(created) <> 0 OR sum(shipped) <> 0"""


def activity_rebuild() -> int:
    """Count every hour again from the orders and the timeline; returns the rows written. The lock
    makes writers that would add rows meanwhile wait, so each change is counted exactly once: either
    committed before (in the count) or after (its own row)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {TABLE} IN EXCLUSIVE MODE")
        cursor.execute(f"DELETE FROM {TABLE}")
        cursor.execute(COUNT_SQL, EVERY_ORDER)
        return cursor.rowcount


def activity_add_orders(first_id: int, last_id: int) -> None:
    """Count new orders (ids first_id to last_id) and their events, written with the triggers off
    (bench/generate_orders.py), in the writer's own transaction."""
    with connection.cursor() as cursor:
        cursor.execute(COUNT_SQL, {"first": first_id, "last": last_id})


def activity_compact() -> int:
    """Fold the rows of each hour and channel into one; returns the rows folded away. The sums stay."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {TABLE}")
        before = cursor.fetchone()[0]
        cursor.execute(COMPACT_SQL)
        cursor.execute(f"SELECT count(*) FROM {TABLE}")
        return before - cursor.fetchone()[0]


def activity_since(start: datetime) -> dict[tuple[datetime, int], tuple[int, int]]:
    """(UTC hour, channel id) -> (live orders created, moves into Shipped of live orders), from `start`."""
    rows = (
        OrderActivity.objects.filter(hour__gte=start)
        .values("hour", "channel_id")
        .annotate(created_sum=Sum("created"), shipped_sum=Sum("shipped"))
        .order_by()
    )
    return {(row["hour"], row["channel_id"]): (row["created_sum"], row["shipped_sum"]) for row in rows}
