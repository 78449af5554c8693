"""Stock on hand: receipts and adjustments, each kept as a movement."""

from django.db import transaction

from fulfilment.errors import FulfilmentError
from fulfilment.models import BinLocation, StockItem, StockMovement
from fulfilment.services.allocation import backorders_allocate
from orders.actors import as_actor
from orders.bounds import integer_range
from orders.models import Product, Warehouse


def _stock_row(warehouse: Warehouse, product: Product) -> StockItem:
    row, _ = StockItem.objects.get_or_create(warehouse=warehouse, product=product)
    return StockItem.objects.select_for_update().get(pk=row.pk)


@transaction.atomic
def stock_receive(
    *, warehouse: Warehouse, product: Product, quantity: int, actor, reason: str = "", bin_code: str = ""
) -> StockItem:
    """Book goods in; backordered lines then get them, oldest order first."""
    actor = as_actor(actor)
    if not actor.has_perm("fulfilment.adjust_stock"):
        raise FulfilmentError("You may not receive stock.")
    if not isinstance(quantity, int) or quantity <= 0:
        raise FulfilmentError("Receive a whole number of units above 0.")
    row = _stock_row(warehouse, product)
    most = integer_range(StockItem, "on_hand")[1]
    if row.on_hand + quantity > most:  # the column's range, not a 500 (issue 15)
        raise FulfilmentError(
            f"{product.sku} would have {row.on_hand + quantity:,} units on hand; a stock row holds at most "
            f"{most:,}."
        )
    if bin_code.strip():
        row.bin, _ = BinLocation.objects.get_or_create(warehouse=warehouse, code=bin_code.strip().upper())
    row.on_hand += quantity
    row.save(update_fields=["on_hand", "bin", "updated_at"])
    StockMovement.objects.create(
        stock_item=row, kind=StockMovement.Kind.RECEIPT, quantity=quantity, reason=reason, user=actor.user
    )
    backorders_allocate(stock_item_id=row.pk, actor=actor)
    row.refresh_from_db()
    return row


@transaction.atomic
def stock_adjust(*, stock_item_id: int, counted: int, actor, reason: str) -> StockItem:
    """Set on-hand stock to what was counted. It cannot go below what is allocated to orders."""
    actor = as_actor(actor)
    if not actor.has_perm("fulfilment.adjust_stock"):
        raise FulfilmentError("You may not adjust stock.")
    if not reason.strip():
        raise FulfilmentError("Say why the stock is adjusted.")
    row = StockItem.objects.select_for_update().select_related("product").get(pk=stock_item_id)
    if counted < 0:
        raise FulfilmentError("Stock on hand cannot be negative.")
    if counted < row.allocated:
        raise FulfilmentError(
            f"{row.product.sku}: {row.allocated} units are allocated to orders; release them before counting "
            f"stock down to {counted}."
        )
    delta = counted - row.on_hand
    if delta == 0:
        return row
    row.on_hand = counted
    row.save(update_fields=["on_hand", "updated_at"])
    StockMovement.objects.create(
        stock_item=row,
        kind=StockMovement.Kind.ADJUSTMENT,
        quantity=delta,
        reason=reason.strip(),
        user=actor.user,
    )
    if delta > 0:
        backorders_allocate(stock_item_id=row.pk, actor=actor)
    return row
