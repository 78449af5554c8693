"""Allocation for many new orders at once (imports): what order_allocate does for a new order, per batch.

A new order has no allocations yet, so bringing it in line means reserving what each line needs from
available stock and backordering the rest. The batch takes its locks in the usual order (orders by
primary key, then stock rows by primary key, as fulfilment/services/allocation.py does), reads
availability under those locks, and writes the allocations and their timeline events with one
statement each.

The `allocation_keeps_totals` trigger would update the stock row and the line once per allocation:
thousands of updates of the same few hundred stock rows in one transaction, each one slower than the
last (every update leaves a row version the next one walks past). The batch sets the trigger aside
for its own INSERT (set_based: its WHEN condition, for those statements only) and applies the same totals with one
UPDATE per table, then checks that every stock row and line it meant to change changed exactly once;
the CHECK constraints (allocated within on hand, allocated within the line's quantity) hold as ever.

An import allocates inside the transaction that creates its orders (`new_lines_allocate`): the lines
are then written once, with their allocated quantity, instead of being written, locked, read back and
updated after the commit; and no committed order is ever left without its allocation when a worker
dies between the two. The stock rows are locked last, just before the lines are written, so the
locks are held only for the end of that transaction.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable

from django.db import connection, transaction
from django.utils import timezone

from config.postgresql.copy import copy_lines
from config.postgresql.lookups import sql_array
from config.postgresql.triggers import set_based
from fulfilment.events import FulfilmentEvent
from fulfilment.models import Allocation
from fulfilment.services.allocation import HOLDS_STOCK, default_warehouse_id
from orders.actors import Actor
from orders.events import EventRows


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
            [sql_array(warehouses), sql_array(products)],
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
            "SELECT id, stage, warehouse_id, is_deleted FROM orders_order WHERE id = ANY(%s::bigint[]) "
            "ORDER BY id FOR UPDATE",
            [sql_array(order_ids)],
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
            "WHERE l.order_id = ANY(%s::bigint[]) AND l.product_id IS NOT NULL "
            "ORDER BY o.created_at, l.order_id, l.position, l.id",
            [sql_array(orders)],
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
    _write(rows, per_stock, allocated, backordered, actor)
    _add("orders_orderline", "quantity_allocated", per_line)
    return len(rows)


def _write(rows: list[str], per_stock: dict[int, int], allocated, backordered, actor: Actor) -> None:
    """The allocations, the stock rows' totals and one stock.allocation event per order."""
    with set_based("allocation_totals"):
        copy_lines(Allocation._meta.db_table, ["line_id", "stock_item_id", "quantity", "created_at"], rows)
        _add("fulfilment_stockitem", "allocated", per_stock)
    event_rows = EventRows(actor)
    event_rows.write(
        [
            event_rows.line(
                order_id,
                FulfilmentEvent.STOCK_ALLOCATION,
                {"allocated": allocated[order_id], "released": [], "backordered": backordered[order_id]},
            )
            for order_id in sorted(set(allocated) | set(backordered))
        ]
    )


def new_lines_allocate(orders: Iterable[tuple], *, actor: Actor | None = None) -> Callable[[], None]:
    """Reserve stock for orders being created in the current transaction, before their lines are
    written: `orders` are (order, lines) pairs of orders.services.create_many's planned rows, whose
    lines have their ids already. Locks the stock rows (by primary key), sets each line's
    quantity_allocated, and returns the step that writes the allocations, the stock totals and the
    events, to run once the lines are written. What orders_allocate_new does after the commit, with
    the same order (oldest order first), the same rows and the same events."""
    actor = actor or Actor.system("Stock")
    fallback = default_warehouse_id()
    wanted = []
    for order, lines in sorted(orders, key=lambda pair: (pair[0].created_at, pair[0].pk)):
        if order.stage not in HOLDS_STOCK:
            continue
        for line in sorted(lines, key=lambda line: line.position):
            target = line.warehouse_id or order.warehouse_id or fallback
            if line.product_id is not None:
                wanted.append((order.pk, line, (target, line.product_id)))
    stock = _lock_stock({key for _order_id, _line, key in wanted if key[0] is not None})
    available = {key: value[1] for key, value in stock.items()}
    stamp = timezone.now().isoformat()
    rows, per_stock = [], defaultdict(int)
    allocated, backordered = defaultdict(list), defaultdict(list)
    for order_id, line, key in wanted:
        need = (
            max(line.quantity - line.quantity_cancelled - line.quantity_shipped, 0) - line.quantity_allocated
        )
        take = min(need, available.get(key, 0))
        if take > 0:
            stock_id = stock[key][0]
            rows.append(f"{line.pk}\t{stock_id}\t{take}\t{stamp}\n")
            available[key] -= take
            per_stock[stock_id] += take
            line.quantity_allocated += take
            allocated[order_id].append(f"{take} × {line.sku}")
            need -= take
        if need > 0:
            backordered[order_id].append(f"{need} × {line.sku}")
    return lambda: _write(rows, per_stock, allocated, backordered, actor)
