"""Allocation: reserve stock for order lines, backorder the rest, give it back when orders close.

The decisions are fulfilment/services/allocation_rule.py's `plan`; this module gathers what it needs
under locks and writes what it decides, the same way for one order (order_allocate, after a create, an
edit, a cancellation) as for many (orders_allocate, after a channel's batch) and for orders still being
created (new_lines_allocate, inside an import's transaction).

Locks are always taken in the same order, orders by primary key and then stock rows by primary key, so
concurrent allocations never deadlock; availability is read only after the locks are held, and the stock
rows are locked last, so that they are held only for the writes and the commit.

The `allocation_keeps_totals` trigger keeps each stock row's `allocated` and each line's
`quantity_allocated` equal to the sum of their allocations. For a few rows that is the cheapest way: the
allocations are written with one statement each kind and the trigger does the rest. For thousands (an
import) it would update the same stock rows once per allocation, each update slower than the last (every
update leaves a row version the next one walks past): such batches set the trigger aside (set_based) and
apply the same totals with one UPDATE per table, checking that every row they meant to change changed
exactly once. The CHECK constraints (allocated within on hand, within the line's quantity) hold as ever.
"""

from collections.abc import Callable, Iterable

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from config.postgresql.copy import copy_lines
from config.postgresql.lookups import sql_array
from config.postgresql.triggers import set_based
from fulfilment.events import FulfilmentEvent
from fulfilment.models import Allocation, StockItem
from fulfilment.services.allocation_rule import HOLDS_STOCK, Held, Key, Need, Plan, plan, wanted
from orders import events
from orders.actors import Actor
from orders.events import EventRows
from orders.models import OrderLine, Warehouse

__all__ = [
    "HOLDS_STOCK",
    "backorders_allocate",
    "new_lines_allocate",
    "new_order_allocate",
    "order_allocate",
    "orders_allocate",
]

# From this many new allocations on, a write sets the totals trigger aside and sums set-based.
SET_BASED_FROM = 200

DEFAULT_WAREHOUSE_SQL = "SELECT id FROM orders_warehouse WHERE is_default ORDER BY id LIMIT 1"


def default_warehouse_id() -> int | None:
    return Warehouse.objects.filter(is_default=True).values_list("pk", flat=True).first()


def lock_stock(keys: set[tuple[int, int]]) -> dict[tuple[int, int], StockItem]:
    """Lock the stock rows for (warehouse_id, product_id) pairs, in primary-key order."""
    if not keys:
        return {}
    condition = Q()
    for warehouse_id, product_id in keys:
        condition |= Q(warehouse_id=warehouse_id, product_id=product_id)
    rows = StockItem.objects.select_for_update().filter(condition).order_by("pk")
    return {(row.warehouse_id, row.product_id): row for row in rows}


def lock_available(keys: Iterable[Key]) -> dict[Key, tuple[int, int]]:
    """Lock the stock rows for (warehouse, product) pairs in primary-key order; {key: (row, available)}.
    Pairs without a warehouse have no row."""
    keys = sorted({key for key in keys if key[0] is not None and key[1] is not None})
    if not keys:
        return {}
    warehouses, products = zip(*keys, strict=True)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.id, s.warehouse_id, s.product_id, s.on_hand - s.allocated FROM fulfilment_stockitem s "
            "JOIN unnest(%s::bigint[], %s::bigint[]) AS k(warehouse_id, product_id) "
            "ON s.warehouse_id = k.warehouse_id AND s.product_id = k.product_id ORDER BY s.id FOR UPDATE OF s",
            [sql_array(warehouses), sql_array(products)],
        )
        return {(warehouse, product): (pk, units) for pk, warehouse, product, units in cursor.fetchall()}


def _needs(order_ids: list[int]) -> list[Need]:
    """Lock the orders (by primary key) and read their lines and allocations, oldest order first."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT o.id, o.stage, o.is_deleted, COALESCE(o.warehouse_id, ({DEFAULT_WAREHOUSE_SQL})) "
            "FROM orders_order o WHERE o.id = ANY(%s::bigint[]) ORDER BY o.id FOR UPDATE OF o",
            [sql_array(order_ids)],
        )
        orders = {
            pk: (stage in HOLDS_STOCK and not deleted, warehouse_id)
            for pk, stage, deleted, warehouse_id in cursor.fetchall()
        }
        if not orders:
            return []
        # Read after the orders' locks are held: whoever changes lines holds their order's lock.
        cursor.execute(
            "SELECT l.order_id, l.id, l.sku, l.product_id, l.warehouse_id, l.quantity, l.quantity_cancelled, "
            "l.quantity_shipped, a.id, a.stock_item_id, s.warehouse_id, s.product_id, a.quantity "
            "FROM orders_orderline l JOIN orders_order o ON o.id = l.order_id "
            "LEFT JOIN fulfilment_allocation a ON a.line_id = l.id "
            "LEFT JOIN fulfilment_stockitem s ON s.id = a.stock_item_id "
            "WHERE l.order_id = ANY(%s::bigint[]) AND (l.product_id IS NOT NULL OR a.id IS NOT NULL) "
            "ORDER BY o.created_at, l.order_id, l.position, l.id, a.id",
            [sql_array(orders)],
        )
        rows = cursor.fetchall()
    needs: list[Need] = []
    for order_id, line_id, sku, product_id, warehouse_id, quantity, cancelled, shipped, *allocation in rows:
        if not needs or needs[-1].line_id != line_id:
            holds_stock, order_warehouse = orders[order_id]
            needs.append(
                Need(
                    order_id=order_id,
                    line_id=line_id,
                    sku=sku,
                    key=(warehouse_id or order_warehouse, product_id),
                    wanted=wanted(
                        quantity,
                        cancelled,
                        shipped,
                        holds_stock=holds_stock,
                        has_product=product_id is not None,
                    ),
                )
            )
        allocation_id, stock_id, stock_warehouse, stock_product, held = allocation
        if allocation_id is not None:
            needs[-1].held.append(Held(allocation_id, stock_id, (stock_warehouse, stock_product), held))
    return needs


@transaction.atomic
def orders_allocate(*, order_ids: list[int], actor: Actor | None = None) -> Plan:
    """Bring these orders' allocations in line with what they need now, oldest order first; returns the
    plan carried out (`changes_of(order_id)`: {"allocated": [...], "released": [...], "backordered": [...]}).

    Creation, line edits, warehouse moves, cancellation and deletion all come here: lines are topped up
    from available stock, give back what they no longer need (or hold in the wrong warehouse), and the
    rest is backordered. Units given back go to the oldest backorders.
    """
    actor = actor or Actor.system("Stock")
    needs = _needs(order_ids)
    # Every stock row the plan may write to, those it gives back to included, is locked first.
    keys = {need.key for need in needs if need.wanted} | {held.key for need in needs for held in need.held}
    result = plan(needs, lock_available(keys))
    _write(result, actor)
    for stock_id in sorted(result.freed):
        backorders_allocate(stock_item_id=stock_id, actor=actor)
    return result


def order_allocate(*, order_id: int, actor: Actor | None = None) -> dict[str, list[str]]:
    """orders_allocate for one order; returns what changed."""
    return orders_allocate(order_ids=[order_id], actor=actor).changes_of(order_id)


def _plan_new(orders: Iterable[tuple]) -> Plan:
    """Plan the stock of orders being created, (order, lines) pairs in memory, oldest order first: lock
    the stock rows and set each line's quantity_allocated to what the plan takes for it."""
    fallback: list[int | None] = []  # the default warehouse, read once a line and its order name none
    needs, lines_by_id = [], {}
    for order, lines in sorted(orders, key=lambda pair: (pair[0].created_at, pair[0].pk)):
        holds_stock = order.stage in HOLDS_STOCK
        for line in sorted(lines, key=lambda line: line.position):
            lines_by_id[line.pk] = line
            warehouse_id = line.warehouse_id or order.warehouse_id
            if warehouse_id is None:
                fallback = fallback or [default_warehouse_id()]
                warehouse_id = fallback[0]
            needs.append(
                Need(
                    order_id=order.pk,
                    line_id=line.pk,
                    sku=line.sku,
                    key=(warehouse_id, line.product_id),
                    wanted=wanted(
                        line.quantity,
                        line.quantity_cancelled,
                        line.quantity_shipped,
                        holds_stock=holds_stock,
                        has_product=line.product_id is not None,
                    ),
                )
            )
    result = plan(needs, lock_available(need.key for need in needs if need.wanted))
    for line_id, units in result.taken_by.items():
        lines_by_id[line_id].quantity_allocated += units
    return result


def new_lines_allocate(orders: Iterable[tuple], *, actor: Actor | None = None) -> Callable[[], None]:
    """Reserve stock for orders being created in the current transaction, before their lines are
    written: `orders` are (order, lines) pairs of orders.services.create_many's planned rows, whose lines
    have their ids already. Locks the stock rows, sets each line's quantity_allocated (the lines are then
    written once, with it), and returns the step that writes the allocations, the stock totals and the
    events, to run once the lines are written: what orders_allocate would do after the commit, with no
    committed order ever left without its allocation when a worker dies between the two."""
    result = _plan_new(orders)
    return lambda: _write(result, actor or Actor.system("Stock"), lines_counted=True)


def new_order_allocate(order, lines: list, *, actor: Actor | None = None) -> dict[str, list[str]]:
    """Reserve stock for one order created in the current transaction, its lines written (order_create):
    the allocations and their event are written now and the trigger counts them into the lines' and
    stock rows' totals, as it counts them into the lines in memory. Returns what changed."""
    result = _plan_new([(order, lines)])
    _write(result, actor or Actor.system("Stock"))
    return result.changes_of(order.pk)


def _write(result: Plan, actor: Actor, *, lines_counted: bool = False) -> None:
    """Write a plan: allocations removed, resized and added, the totals, one stock allocation event per
    order that changed. `lines_counted`: the lines were written with their quantity_allocated already.

    A small plan's new allocations and events go in one statement (its trigger keeps the totals): the
    stock rows stay locked until the commit, and every round trip in between holds them longer."""
    event_rows = EventRows(actor)
    changed = [(order_id, result.changes[order_id]) for order_id in result.changed_orders()]
    with connection.cursor() as cursor:
        if result.removed:
            cursor.execute("DELETE FROM fulfilment_allocation WHERE id = ANY(%s::bigint[])", [result.removed])
        if result.resized:
            ids, quantities = zip(*sorted(result.resized.items()), strict=True)
            cursor.execute(
                "UPDATE fulfilment_allocation a SET quantity = v.quantity "
                "FROM unnest(%s::bigint[], %s::integer[]) AS v(id, quantity) WHERE a.id = v.id",
                [list(ids), list(quantities)],
            )
        if len(result.new) < SET_BASED_FROM and not lines_counted:
            if result.new or changed:
                lines, stock, quantities = zip(*result.new, strict=True) if result.new else ((), (), ())
                insert_events, event_params = event_rows.insert(FulfilmentEvent.STOCK_ALLOCATION, changed)
                cursor.execute(
                    "WITH added AS (INSERT INTO fulfilment_allocation (line_id, stock_item_id, quantity, created_at) "
                    f"SELECT *, now() FROM unnest(%s::bigint[], %s::bigint[], %s::integer[])) {insert_events}",
                    [list(lines), list(stock), list(quantities), *event_params],
                )
            return
        stamp = timezone.now().isoformat()
        with set_based("allocation_totals"):
            copy_lines(
                Allocation._meta.db_table,
                ["line_id", "stock_item_id", "quantity", "created_at"],
                [f"{line}\t{stock}\t{quantity}\t{stamp}\n" for line, stock, quantity in result.new],
            )
            _add("fulfilment_stockitem", "allocated", result.taken_from)
            if not lines_counted:
                _add("orders_orderline", "quantity_allocated", result.taken_by)
    event_rows.write(
        [event_rows.line(order_id, FulfilmentEvent.STOCK_ALLOCATION, change) for order_id, change in changed]
    )


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
def backorders_allocate(*, stock_item_id: int, actor: Actor | None = None) -> list[int]:
    """Give newly available stock to backordered lines, oldest order first. Returns the orders served."""
    actor = actor or Actor.system("Stock")
    row = StockItem.objects.select_for_update().get(pk=stock_item_id)
    fallback = default_warehouse_id()
    in_warehouse = Q(warehouse_id=row.warehouse_id) | Q(
        warehouse__isnull=True, order__warehouse_id=row.warehouse_id
    )
    if row.warehouse_id == fallback:
        in_warehouse |= Q(warehouse__isnull=True, order__warehouse__isnull=True)
    candidates = (
        OrderLine.objects.filter(in_warehouse, product_id=row.product_id)
        .filter(order__stage__in=HOLDS_STOCK, order__is_deleted=False)
        .filter(quantity_allocated__lt=F("quantity") - F("quantity_cancelled") - F("quantity_shipped"))
        .select_related("order")
        .order_by("order__created_at", "order_id", "position", "pk")
    )
    served = []
    for line in candidates.iterator(chunk_size=200):
        row.refresh_from_db(fields=["on_hand", "allocated"])
        if row.available <= 0:
            break
        still_wanted = wanted(
            line.quantity, line.quantity_cancelled, line.quantity_shipped, holds_stock=True, has_product=True
        )
        take = min(still_wanted - line.quantity_allocated, row.available)
        allocation, created = Allocation.objects.get_or_create(
            line=line, stock_item=row, defaults={"quantity": take}
        )
        if not created:
            Allocation.objects.filter(pk=allocation.pk).update(quantity=F("quantity") + take)
        events.record(
            line.order,
            actor,
            FulfilmentEvent.STOCK_ALLOCATION,
            allocated=[f"{take} × {line.sku}"],
            released=[],
            backordered=[],
        )
        served.append(line.order_id)
    return served
