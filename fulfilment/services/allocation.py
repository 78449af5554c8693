"""Allocation: reserve stock for order lines, backorder the rest, give it back when orders close.

Locks are always taken in the same order, stock rows by primary key first, so concurrent
allocations never deadlock; availability is read only after the locks are held.
"""

from collections import defaultdict

from django.db import transaction
from django.db.models import F, Q

from fulfilment.events import FulfilmentEvent
from fulfilment.models import Allocation, StockItem
from orders import events
from orders.actors import Actor
from orders.models import Order, OrderLine, Warehouse
from orders.workflow import Stage

# Stages in which an order holds stock (seed 001: even unpaid and concept orders reserve it).
HOLDS_STOCK = frozenset(
    {
        Stage.AWAITING_PAYMENT,
        Stage.DRAFT,
        Stage.PROCESSING,
        Stage.PICKING,
        Stage.PICKED,
        Stage.PACKED,
        Stage.ON_HOLD,
    }
)


def default_warehouse_id() -> int | None:
    return Warehouse.objects.filter(is_default=True).values_list("pk", flat=True).first()


def line_warehouse_id(line: OrderLine, order: Order, fallback: int | None) -> int | None:
    return line.warehouse_id or order.warehouse_id or fallback


def lock_stock(keys: set[tuple[int, int]]) -> dict[tuple[int, int], StockItem]:
    """Lock the stock rows for (warehouse_id, product_id) pairs, in primary-key order."""
    if not keys:
        return {}
    condition = Q()
    for warehouse_id, product_id in keys:
        condition |= Q(warehouse_id=warehouse_id, product_id=product_id)
    rows = StockItem.objects.select_for_update().filter(condition).order_by("pk")
    return {(row.warehouse_id, row.product_id): row for row in rows}


def _wanted(line: OrderLine, holds_stock: bool) -> int:
    """How many units of this line should be reserved now: what is still to ship and not yet picked
    stays reserved until it ships."""
    if not holds_stock or line.product_id is None:
        return 0
    return max(line.quantity - line.quantity_cancelled - line.quantity_shipped, 0)


@transaction.atomic
def order_allocate(*, order_id: int, actor: Actor | None = None) -> dict:
    """Bring the order's allocations in line with what it needs now; returns what changed.

    Creation, line edits, warehouse moves and cancellation all come here: it tops lines up from
    available stock, releases what a line no longer needs (or holds in the wrong warehouse), and
    leaves the rest backordered.
    """
    actor = actor or Actor.system("Stock")
    order = Order.objects.select_for_update(of=("self",)).get(pk=order_id)
    holds_stock = order.stage in HOLDS_STOCK and not order.is_deleted
    fallback = default_warehouse_id() if order.warehouse_id is None else order.warehouse_id
    # The order's lock keeps its lines as they are; the stock locks keep out other allocations.
    lines = list(order.lines.filter(product__isnull=False).order_by("position", "pk"))
    keys = {(line_warehouse_id(line, order, fallback), line.product_id) for line in lines}
    keys |= set(
        Allocation.objects.filter(line__order=order).values_list(
            "stock_item__warehouse_id", "stock_item__product_id"
        )
    )
    stock = lock_stock({key for key in keys if key[0] is not None})
    by_line = defaultdict(list)
    for allocation in (
        Allocation.objects.filter(line__order=order).select_related("stock_item").order_by("pk")
    ):
        by_line[allocation.line_id].append(allocation)
    allocated, released, backordered = [], [], []
    freed: set[int] = set()  # stock rows this order gave units back to
    new_allocations: list[Allocation] = []
    for line in lines:
        target = line_warehouse_id(line, order, fallback)
        wanted = _wanted(line, holds_stock)
        kept = 0
        held_here = None
        for allocation in by_line.pop(line.pk, []):
            in_place = allocation.stock_item.warehouse_id == target
            keep = min(allocation.quantity, wanted - kept) if in_place else 0
            if keep <= 0:
                allocation.delete()
                released.append(f"{allocation.quantity} × {line.sku}")
                freed.add(allocation.stock_item_id)
            elif keep < allocation.quantity:
                released.append(f"{allocation.quantity - keep} × {line.sku}")
                freed.add(allocation.stock_item_id)
                allocation.quantity = keep
                allocation.save(update_fields=["quantity"])
            if keep > 0:
                kept += keep
                held_here = allocation
        need = wanted - kept
        row = stock.get((target, line.product_id))
        if need > 0 and row is not None:
            take = min(need, row.available)  # the locked row is current; our own takes are counted below
            if take > 0:
                row.allocated += take
                if held_here is not None:
                    Allocation.objects.filter(pk=held_here.pk).update(quantity=F("quantity") + take)
                else:
                    new_allocations.append(Allocation(line=line, stock_item=row, quantity=take))
                allocated.append(f"{take} × {line.sku}")
                need -= take
        if need > 0:
            backordered.append(f"{need} × {line.sku}")
    Allocation.objects.bulk_create(new_allocations)
    for leftovers in by_line.values():  # allocations of lines that no longer have a product
        for allocation in leftovers:
            allocation.delete()
            freed.add(allocation.stock_item_id)
    changes = {"allocated": allocated, "released": released, "backordered": backordered}
    if allocated or released or (backordered and holds_stock):
        events.record(order, actor, FulfilmentEvent.STOCK_ALLOCATION, **changes)
    # Units given back go to the oldest backordered orders, as a receipt's would.
    for stock_item_id in sorted(freed):
        backorders_allocate(stock_item_id=stock_item_id, actor=actor)
    return changes


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
        take = min(
            line.quantity - line.quantity_cancelled - line.quantity_shipped - line.quantity_allocated,
            row.available,
        )
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
