"""Shipments: one or more per order, each with its lines; shipping everything moves the order on."""

from django.db import transaction
from django.db.models import F

from fulfilment.errors import FulfilmentError
from fulfilment.events import FulfilmentEvent
from fulfilment.models import Allocation, Shipment, ShipmentLine, StockItem, StockMovement
from fulfilment.services.allocation import lock_stock
from fulfilment.signals import shipment_created
from orders import events, workflow
from orders.actors import as_actor
from orders.models import OrderLine
from orders.services.common import locked_order
from orders.services.edit import order_tracking_add
from orders.services.transitions import builtin_status, order_transition
from orders.workflow import Stage

SHIPPABLE_FROM = frozenset({Stage.PROCESSING, Stage.PACKED})


@transaction.atomic
def shipment_create(
    *, order_id: int, carrier: str, actor, service: str = "", tracking_number: str = "",
    quantities: dict[int, int] | None = None,
) -> Shipment:  # fmt: skip
    """Ship the given quantities per line (all open units when None). Stock leaves the shelf; a
    partial shipment keeps the order where it is (SPEC 2.1), shipping everything moves it to shipped.
    From processing this is the fast path of seed 004: no picklist, same guards."""
    actor = as_actor(actor)
    if not actor.has_perm("fulfilment.ship_order"):
        raise FulfilmentError("You may not ship orders.")
    if not carrier.strip():
        raise FulfilmentError("Name the carrier.")
    order = locked_order(order_id)
    if order.stage not in SHIPPABLE_FROM:
        raise FulfilmentError(f"{order} is {order.status.label}; only processing or packed orders ship.")
    if workflow.payment_required_before_fulfilment(order.payment_method) and not order.is_paid:
        raise FulfilmentError(
            f"{order} is not paid: {order.get_payment_method_display()} orders must be paid before fulfilment."
        )
    lines = {line.pk: line for line in order.lines.filter(product__isnull=False).order_by("position", "pk")}
    open_units = {
        pk: line.quantity - line.quantity_cancelled - line.quantity_shipped for pk, line in lines.items()
    }
    wanted = (
        quantities if quantities is not None else {pk: units for pk, units in open_units.items() if units > 0}
    )
    wanted = {pk: units for pk, units in wanted.items() if units}
    if not wanted:
        raise FulfilmentError(f"Nothing to ship on {order}.")
    problems = []
    for pk, units in wanted.items():
        line = lines.get(pk)
        if line is None:
            problems.append(f"line {pk} is not on {order}")
        elif units < 0 or units > open_units[pk]:
            problems.append(f"{line.sku}: ship between 1 and {open_units[pk]}, not {units}")
        elif units > line.quantity_allocated:
            problems.append(
                f"{line.sku}: only {line.quantity_allocated} in stock for this order (backordered)"
            )
    if problems:
        raise FulfilmentError(f"Cannot ship {order}: " + "; ".join(problems) + ".")

    allocations = list(
        Allocation.objects.filter(line_id__in=wanted).select_related("stock_item").order_by("pk")
    )
    lock_stock({(a.stock_item.warehouse_id, a.stock_item.product_id) for a in allocations})
    shipment = Shipment.objects.create(
        order=order, carrier=carrier.strip(), service=service.strip(), tracking_number=tracking_number.strip(),
        shipped_by=actor.user,
    )  # fmt: skip
    remaining = dict(wanted)
    for allocation in allocations:
        units = min(remaining[allocation.line_id], allocation.quantity)
        if units <= 0:
            continue
        remaining[allocation.line_id] -= units
        # Allocation first, then on-hand: the stock row's CHECK (allocated <= on_hand) holds at each step.
        if units == allocation.quantity:
            allocation.delete()
        else:
            Allocation.objects.filter(pk=allocation.pk).update(quantity=F("quantity") - units)
        StockItem.objects.filter(pk=allocation.stock_item_id).update(on_hand=F("on_hand") - units)
        StockMovement.objects.create(
            stock_item_id=allocation.stock_item_id, kind=StockMovement.Kind.SHIPMENT, quantity=-units,
            reason=f"shipment {shipment.pk}", order=order, user=actor.user,
        )  # fmt: skip
    ShipmentLine.objects.bulk_create(
        [ShipmentLine(shipment=shipment, order_line_id=pk, quantity=units) for pk, units in wanted.items()]
    )
    for pk, units in wanted.items():
        OrderLine.objects.filter(pk=pk).update(quantity_shipped=F("quantity_shipped") + units)
    events.record(
        order, actor, FulfilmentEvent.SHIPMENT_CREATED, shipment=shipment.pk, carrier=shipment.carrier, service=shipment.service,
        tracking_number=shipment.tracking_number, lines=[f"{units} × {lines[pk].sku}" for pk, units in wanted.items()],
    )  # fmt: skip
    if shipment.tracking_number:
        order_tracking_add(order_id=order.pk, tracking_number=shipment.tracking_number)
    everything_shipped = not order.lines.filter(
        quantity_shipped__lt=F("quantity") - F("quantity_cancelled")
    ).exists()
    if everything_shipped:
        order_transition(
            order_id=order.pk, to=builtin_status(Stage.SHIPPED), actor=actor, reason=f"shipment {shipment.pk}"
        )
    shipment_created.send(sender=Shipment, shipment=shipment)
    return shipment
