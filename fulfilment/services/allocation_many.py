"""Allocation for many new orders at once (imports): what order_allocate does for a new order, per batch.

A new order has no allocations yet, so bringing it in line means reserving what each line needs from
available stock and backordering the rest. The batch takes its locks in the usual order (orders by
primary key, then stock rows by primary key, as fulfilment/services/allocation.py does), reads
availability under those locks, and writes the allocations and their timeline events with one
statement each.

The `allocation_keeps_totals` trigger would update the stock row and the line once per allocation:
thousands of updates of the same few hundred stock rows in one transaction, each one slower than the
last (every update leaves a row version the next one walks past). The batch sets the trigger aside
for its own INSERT (pgtrigger.ignore, this transaction only) and applies the same totals with one
UPDATE per table, then checks that every stock row and line it meant to change changed exactly once;
the CHECK constraints (allocated within on hand, allocated within the line's quantity) hold as ever.
"""

from collections import defaultdict

import pgtrigger
from django.db import connection, transaction
from django.utils import timezone

from fulfilment.models import Allocation
from fulfilment.services.allocation import HOLDS_STOCK, default_warehouse_id
from orders.actors import Actor
from orders.services.create_many import NULL, copy_json, copy_rows, copy_text

TRIGGER = "fulfilment.Allocation:allocation_keeps_totals"


def _lock_stock(keys: set[tuple[int, int]]) -> dict[tuple[int, int], tuple[int, int]]:
    """Lock the stock rows for (warehouse, product) pairs in primary-key order; {key: (id, available)}."""
    if not keys:
        return {}
    warehouses, products = zip(*sorted(keys), strict=True)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.id, s.warehouse_id, s.product_id, s.on_hand - s.allocated FROM fulfilment_stockitem s "
            "JOIN unnest(%s::bigint[], %s::bigint[]) AS k(warehouse_id, product_id) "
            "ON s.warehouse_id = k.warehouse_id AND s.product_id = k.product_id ORDER BY s.id FOR UPDATE OF s",
            [list(warehouses), list(products)],
        )
        return {
            (warehouse, product): (pk, available) for pk, warehouse, product, available in cursor.fetchall()
        }


def _add(table: str, column: str, amounts: dict[int, int]) -> None:
    """table.column += amount for each id, in one statement; every id must be there."""
    if not amounts:
        return
    ids, quantities = zip(*sorted(amounts.items()), strict=True)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} t SET {column} = t.{column} + v.quantity "
            "FROM unnest(%s::bigint[], %s::integer[]) AS v(id, quantity) WHERE t.id = v.id",
            [list(ids), list(quantities)],
        )
        if cursor.rowcount != len(ids):
            raise RuntimeError(
                f"{table}: {cursor.rowcount} of {len(ids)} rows updated; allocation rolled back"
            )


@transaction.atomic
def orders_allocate_new(*, order_ids: list[int], actor: Actor | None = None) -> int:
    """Reserve stock for the lines of newly created orders, oldest order first. Returns the number of
    allocations made."""
    actor = actor or Actor.system("Stock")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, stage, warehouse_id, is_deleted FROM orders_order WHERE id = ANY(%s) ORDER BY id FOR UPDATE",
            [list(order_ids)],
        )
        orders = {
            pk: warehouse_id
            for pk, stage, warehouse_id, deleted in cursor.fetchall()
            if stage in HOLDS_STOCK and not deleted
        }
        if not orders:
            return 0
        cursor.execute(
            "SELECT l.id, l.order_id, l.product_id, l.warehouse_id, l.sku, l.quantity, l.quantity_cancelled, "
            "l.quantity_shipped, l.quantity_allocated FROM orders_orderline l JOIN orders_order o ON o.id = l.order_id "
            "WHERE l.order_id = ANY(%s) AND l.product_id IS NOT NULL ORDER BY o.created_at, l.order_id, l.position, l.id",
            [list(orders)],
        )
        lines = cursor.fetchall()
    fallback = default_warehouse_id()
    target = {line[0]: line[3] or orders[line[1]] or fallback for line in lines}
    stock = _lock_stock({(target[line[0]], line[2]) for line in lines if target[line[0]] is not None})
    available = {key: value[1] for key, value in stock.items()}
    stamp = timezone.now().isoformat()
    rows, per_stock, per_line = [], defaultdict(int), {}
    allocated, backordered = defaultdict(list), defaultdict(list)
    for pk, order_id, product_id, _warehouse, sku, quantity, cancelled, shipped, already in lines:
        need = max(quantity - cancelled - shipped, 0) - already
        key = (target[pk], product_id)
        take = min(need, available.get(key, 0))
        if take > 0:
            stock_id = stock[key][0]
            rows.append(f"{pk}\t{stock_id}\t{take}\t{stamp}\n")
            available[key] -= take
            per_stock[stock_id] += take
            per_line[pk] = take
            allocated[order_id].append(f"{take} × {sku}")
            need -= take
        if need > 0:
            backordered[order_id].append(f"{need} × {sku}")
    with pgtrigger.ignore(TRIGGER):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")  # sets the ignore for this transaction before the COPY
        copy_rows(Allocation._meta.db_table, ["line_id", "stock_item_id", "quantity", "created_at"], rows)
        _add("fulfilment_stockitem", "allocated", per_stock)
        _add("orders_orderline", "quantity_allocated", per_line)
    tail = f"\t{NULL if actor.user_id is None else actor.user_id}\t{actor.kind}\t{copy_text(actor.label)}\n"
    events = [
        f"{order_id}\tstock.allocation\t"
        + copy_json({"allocated": allocated[order_id], "released": [], "backordered": backordered[order_id]})
        + tail
        for order_id in sorted(set(allocated) | set(backordered))
    ]
    copy_rows(
        "orders_orderevent", ["order_id", "type", "params", "actor_id", "actor_kind", "actor_label"], events
    )
    return len(rows)
