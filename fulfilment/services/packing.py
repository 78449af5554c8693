"""The packing station (seed 002, order preparation): scan what goes in the box, then close it."""

from django.db import transaction
from django.db.models import F

from fulfilment.errors import FulfilmentError, WrongItem
from fulfilment.events import FulfilmentEvent
from fulfilment.models import PackingRecord
from fulfilment.services.picking import _product_for
from orders import events
from orders.actors import as_actor
from orders.models import Order, OrderLine
from orders.services.common import locked_order
from orders.services.transitions import builtin_status, order_transition
from orders.workflow import Stage


def to_pack(line: OrderLine) -> int:
    """Units of a line that go in the box: what was picked and not yet packed or shipped."""
    return max(line.quantity_picked - line.quantity_packed - line.quantity_shipped, 0)


def _packable(order_id: int, actor) -> Order:
    if not actor.has_perm("fulfilment.pack_order"):
        raise FulfilmentError("You may not pack orders.")
    order = locked_order(order_id)
    if order.stage != Stage.PICKED:
        raise FulfilmentError(f"{order} is {order.status.label}; only picked orders are packed.")
    return order


@transaction.atomic
def packing_scan(*, order_id: int, code: str, actor) -> OrderLine:
    """Tick one unit off; an item that is not in this order, or already fully packed, is refused."""
    actor = as_actor(actor)
    order = _packable(order_id, actor)
    product = _product_for(code)
    if product is None:
        raise WrongItem(f"Nothing is known by “{code}”. This item does not belong in {order}.")
    lines = list(order.lines.filter(product=product).order_by("position", "pk"))
    if not lines:
        raise WrongItem(f"WRONG ITEM: {product.sku} is not in {order}. Take it out of the box.")
    line = next((line for line in lines if to_pack(line) > 0), None)
    if line is None:
        raise WrongItem(f"{product.sku}: every unit for {order} is already packed.")
    OrderLine.objects.filter(pk=line.pk).update(quantity_packed=F("quantity_packed") + 1)
    line.refresh_from_db()
    return line


@transaction.atomic
def packing_complete(*, order_id: int, packages: int, weight_grams: int, actor) -> Order:
    actor = as_actor(actor)
    order = _packable(order_id, actor)
    missing = [f"{to_pack(line)} × {line.sku}" for line in order.lines.all() if to_pack(line) > 0]
    if missing:
        raise FulfilmentError(f"{order} is not complete: still to pack {', '.join(missing)}.")
    if packages < 1 or weight_grams < 0:
        raise FulfilmentError("Record at least one package and a weight of 0 or more.")
    PackingRecord.objects.create(
        order=order, packages=packages, weight_grams=weight_grams, packed_by=actor.user
    )
    events.record(order, actor, FulfilmentEvent.PACKED, packages=packages, weight_grams=weight_grams)
    return order_transition(order_id=order.pk, to=builtin_status(Stage.PACKED), actor=actor, reason="packed")
