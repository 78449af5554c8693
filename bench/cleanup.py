"""Cleaning up after a suite: the suites that create orders (fulfilment, jobs, imports) put them in
channels of their own and remove them again, so that the benchmark database stays at the orders the
orders suite generated (bench/generate_orders.py) from one run of `make bench` to the next."""

import pgtrigger
from django.db import connection, transaction

from orders.dashboard.activity import activity_compact
from orders.models import Channel, Order, OrderLine


def bench_channel(code: str, *, name: str = "", kind: str = "bench") -> Channel:
    """A channel only the benchmark writes to."""
    return Channel.objects.get_or_create(code=code, defaults={"name": name or code, "kind": kind})[0]


def delete_channels_orders(prefix: str) -> int:
    """Remove the orders of every benchmark channel whose code starts with `prefix` (runs of a suite
    that was stopped half-way included)."""
    codes = list(Channel.objects.filter(code__startswith=prefix).values_list("code", flat=True))
    return delete_orders(codes)


def delete_orders(channel_codes: list[str]) -> int:
    """Remove the orders of these channels, which only a suite writes to (the application never
    hard-deletes; this is the benchmark's own data): rows pointing at those orders' lines, then at the
    orders, then the orders. Returns the number of orders removed."""
    ids = list(Channel.objects.filter(code__in=channel_codes).values_list("pk", flat=True))
    if not ids:
        return 0
    # Allocations go with their lines; their trigger would walk the same stock rows once per allocation,
    # so it is set aside and the stock rows' totals are recomputed from what is left.
    with (
        transaction.atomic(),
        pgtrigger.ignore("fulfilment.Allocation:allocation_keeps_totals"),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "CREATE TEMP TABLE bench_gone ON COMMIT DROP AS SELECT id FROM orders_order WHERE channel_id = ANY(%s)",
            [ids],
        )
        cursor.execute(
            "CREATE TEMP TABLE bench_gone_lines ON COMMIT DROP AS "
            "SELECT id FROM orders_orderline WHERE order_id IN (SELECT id FROM bench_gone)"
        )
        cursor.execute(
            "CREATE TEMP TABLE bench_stock ON COMMIT DROP AS SELECT DISTINCT stock_item_id AS id "
            "FROM fulfilment_allocation WHERE line_id IN (SELECT id FROM bench_gone_lines)"
        )
        for model, gone in ((OrderLine, "bench_gone_lines"), (Order, "bench_gone")):
            for child, column in _references(model):
                if child != "orders_orderline":
                    cursor.execute(f'DELETE FROM {child} WHERE "{column}" IN (SELECT id FROM {gone})')
        cursor.execute(
            "UPDATE fulfilment_stockitem s SET allocated = COALESCE("
            "(SELECT sum(a.quantity) FROM fulfilment_allocation a WHERE a.stock_item_id = s.id), 0) "
            "WHERE s.id IN (SELECT id FROM bench_stock)"
        )
        cursor.execute("DELETE FROM orders_orderline WHERE id IN (SELECT id FROM bench_gone_lines)")
        cursor.execute("DELETE FROM orders_order WHERE id IN (SELECT id FROM bench_gone)")
        deleted = cursor.rowcount
    # Each removed order and Shipped event appended a row to the dashboard's hourly summary (its row
    # triggers on DELETE): hundreds of thousands after the imports suite. Beat folds them within five
    # minutes in a live database; the next suite must not read them unfolded.
    activity_compact()
    vacuum()
    return deleted


def _references(model) -> list[tuple[str, str]]:
    """(table, column) of every row that points at `model`, from the models (the timeline's references
    carry no database constraint to find them by)."""
    found = []
    relations = [
        field
        for field in model._meta.get_fields(include_hidden=True)
        if field.is_relation and field.auto_created and not field.concrete
    ]
    for relation in relations:
        if relation.related_model is model:
            continue
        if relation.many_to_many:
            through = relation.through._meta
            column = next(
                f.column for f in through.get_fields() if getattr(f, "related_model", None) is model
            )
            found.append((through.db_table, column))
        else:
            found.append((relation.related_model._meta.db_table, relation.field.column))
    return found


def vacuum() -> None:
    """Leave the tables the suites write to as a live database keeps them (autovacuum has run), so
    that one measurement does not pay for the last one's dead rows."""
    tables = [
        "orders_order", "orders_orderline", "orders_orderevent", "orders_orderhold", "orders_customer",
        "orders_payment", "fulfilment_allocation", "fulfilment_stockitem", "sales_channels_importoutcome",
        "orders_orderactivity",
    ]  # fmt: skip
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM (ANALYZE) {table}")
