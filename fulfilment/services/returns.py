"""Returns (RMA, seeds 002 and 004): ask for shipped units back, receive them at the warehouse
(restock or write off, per line), refund what came back, and return the order once everything
shipped is back. A partial return leaves the order shipped or delivered."""

from django.db import transaction
from django.db.models import F, Sum
from django.template.loader import render_to_string
from django.utils import timezone

from fulfilment.errors import FulfilmentError, WrongItem
from fulfilment.events import FulfilmentEvent
from fulfilment.models import ReturnLine, ReturnReason, ReturnRequest, StockItem, StockMovement
from fulfilment.rendering import pdf_from_html
from fulfilment.services.allocation import backorders_allocate, default_warehouse_id, lock_stock
from fulfilment.services.documents import code128_svg
from fulfilment.services.picking import _product_for
from orders import events
from orders.actors import Actor, as_actor
from orders.models import Order, OrderLine, Warehouse
from orders.money.services.refunds import line_share, order_return_refund
from orders.services.common import locked_order, service_context
from orders.services.transitions import builtin_status, order_transition
from orders.workflow import Stage

RETURNABLE_FROM = frozenset({Stage.SHIPPED, Stage.DELIVERED, Stage.DELIVERY_FAILED})
RETURNS = Actor.system("Returns")


def _require(actor: Actor, permission: str, what: str) -> None:
    if not actor.has_perm(permission):
        raise FulfilmentError(f"You may not {what}.")


def returnable_quantities(order: Order) -> dict[int, int]:
    """Units per order line that a new return may still ask for: shipped, less returned, less those
    already expected back on open returns."""
    expected = dict(
        ReturnLine.objects.filter(
            order_line__order=order, return_request__state=ReturnRequest.State.REQUESTED
        )
        .values("order_line")
        .annotate(open=Sum(F("quantity") - F("quantity_received")))
        .values_list("order_line", "open")
    )
    return {
        line.pk: units
        for line in order.lines.filter(quantity_shipped__gt=0)
        if (units := line.quantity_shipped - line.quantity_returned - expected.get(line.pk, 0)) > 0
    }


@transaction.atomic
def return_create(
    *, order_id: int, quantities: dict[int, int], reason: str, actor, note: str = "",
    warehouse: Warehouse | None = None,
) -> ReturnRequest:  # fmt: skip
    """An RMA for some or all shipped units of a shipped or delivered order."""
    actor = as_actor(actor)
    _require(actor, "fulfilment.create_return", "create returns")
    if reason not in ReturnReason.values:
        raise FulfilmentError(f"Choose why it comes back ({', '.join(ReturnReason.labels)}).")
    with service_context("return_create", actor):
        order = locked_order(order_id)
        if order.is_deleted:
            raise FulfilmentError(f"{order} is deleted; restore it before creating a return.")
        if order.stage not in RETURNABLE_FROM:
            raise FulfilmentError(
                f"{order} is {order.status.label}; only shipped or delivered orders can be returned."
            )
        wanted = {pk: units for pk, units in quantities.items() if units}
        if not wanted:
            raise FulfilmentError("Enter how many units of at least one line come back.")
        returnable = returnable_quantities(order)
        lines = {line.pk: line for line in order.lines.filter(pk__in=wanted)}
        problems = []
        for pk, units in wanted.items():
            line = lines.get(pk)
            if line is None:
                problems.append(f"line {pk} is not on {order}")
            elif not 0 < units <= returnable.get(pk, 0):
                most = returnable.get(pk, 0)
                problems.append(
                    f"{line.sku}: return between 1 and {most}, not {units}"
                    if most
                    else f"{line.sku}: nothing left to return"
                )
        if problems:
            raise FulfilmentError(f"Cannot create the return for {order}: " + "; ".join(problems) + ".")
        warehouse = warehouse or order.warehouse or Warehouse.objects.get(pk=default_warehouse_id())
        request = ReturnRequest.objects.create(
            order=order, reason=reason, note=note.strip()[:300], warehouse=warehouse, created_by=actor.user
        )
        ReturnLine.objects.bulk_create(
            [
                ReturnLine(return_request=request, order_line_id=pk, quantity=units)
                for pk, units in wanted.items()
            ]
        )
        events.record(
            order, actor, FulfilmentEvent.RETURN_CREATED, number=request.number, reason=request.get_reason_display(),
            lines=[f"{units} × {lines[pk].sku}" for pk, units in wanted.items()],
        )  # fmt: skip
    return request


def _receivable(return_id: int, actor: Actor) -> tuple[ReturnRequest, Order]:
    _require(actor, "fulfilment.receive_return", "receive returns")
    order_id = ReturnRequest.objects.values_list("order_id", flat=True).get(pk=return_id)
    order = locked_order(order_id)
    request = ReturnRequest.objects.select_for_update().select_related("warehouse").get(pk=return_id)
    if request.state != ReturnRequest.State.REQUESTED:
        raise FulfilmentError(
            f"{request} is {request.get_state_display().lower()}; there is nothing left to receive."
        )
    return request, order


@transaction.atomic
def return_scan(*, return_id: int, code: str, actor) -> ReturnLine:
    """Count one unit that came back (barcode or SKU). An item not on the return is refused."""
    actor = as_actor(actor)
    request, _order = _receivable(return_id, actor)
    product = _product_for(code)
    if product is None:
        raise WrongItem(f"Nothing is known by “{code}”. It is not part of {request}.")
    lines = list(request.lines.filter(order_line__product=product).select_related("order_line"))
    if not lines:
        raise WrongItem(f"WRONG ITEM: {product.sku} is not on {request}. Set it aside.")
    line = next((line for line in lines if line.quantity_counted < line.quantity_open), None)
    if line is None:
        raise WrongItem(f"{product.sku}: every unit expected on {request} is already counted.")
    ReturnLine.objects.filter(pk=line.pk).update(quantity_counted=F("quantity_counted") + 1)
    line.refresh_from_db()
    return line


@transaction.atomic
def return_receive(
    *, return_id: int, actor, quantities: dict[int, int] | None = None,
    dispositions: dict[int, str] | None = None, warehouse: Warehouse | None = None,
) -> ReturnRequest:  # fmt: skip
    """Book the units that came back: restocked units go on hand in the warehouse (and serve
    backorders), written-off units are recorded and leave again at once. Records the refund of the
    received units (their share of each line total, at most what was paid and not refunded) and
    returns the order when every shipped unit is back.

    quantities per return line default to the units counted by scanning; dispositions to each line's.
    """
    actor = as_actor(actor)
    with service_context("return_receive", actor):
        request, order = _receivable(return_id, actor)
        warehouse = warehouse or request.warehouse
        lines = {line.pk: line for line in request.lines.select_related("order_line", "order_line__product")}
        received = (
            {pk: line.quantity_counted for pk, line in lines.items()}
            if quantities is None
            else dict(quantities)
        )
        received = {pk: units for pk, units in received.items() if units}
        if not received:
            raise FulfilmentError(f"Scan or count the units of {request} that came back.")
        dispositions = dispositions or {}
        problems = []
        for pk, units in received.items():
            line = lines.get(pk)
            if line is None:
                problems.append(f"line {pk} is not on {request}")
            elif not 0 < units <= line.quantity_open:
                problems.append(
                    f"{line.order_line.sku}: receive between 1 and {line.quantity_open}, not {units}"
                )
            elif dispositions.get(pk, line.disposition) not in ReturnLine.Disposition.values:
                problems.append(f"{line.order_line.sku}: choose restock or write off")
        if problems:
            raise FulfilmentError(f"Cannot receive {request}: " + "; ".join(problems) + ".")

        products = {lines[pk].order_line.product_id for pk in received}
        for product_id in sorted(products):
            StockItem.objects.get_or_create(warehouse=warehouse, product_id=product_id)
        stock = lock_stock({(warehouse.pk, product_id) for product_id in products})
        refund_lines, said, restocked = [], [], set()
        for pk, units in received.items():
            line = lines[pk]
            order_line = OrderLine.objects.select_for_update().get(pk=line.order_line_id)
            disposition = dispositions.get(pk, line.disposition)
            row = stock[(warehouse.pk, order_line.product_id)]
            movement = {"stock_item": row, "order": order, "user": actor.user}
            StockMovement.objects.create(
                kind=StockMovement.Kind.RETURN, quantity=units, reason=f"{request} received", **movement
            )
            if disposition == ReturnLine.Disposition.RESTOCK:
                StockItem.objects.filter(pk=row.pk).update(on_hand=F("on_hand") + units)
                restocked.add(row.pk)
                said.append(f"{units} × {order_line.sku} restocked in {warehouse.code}")
            else:
                # Booked in and written off at once: the movements still add up to what is on hand.
                StockMovement.objects.create(
                    kind=StockMovement.Kind.WRITE_OFF,
                    quantity=-units,
                    reason=f"{request} written off",
                    **movement,
                )
                said.append(f"{units} × {order_line.sku} written off")
            share = line_share(
                order_line, before=order_line.quantity_returned, after=order_line.quantity_returned + units
            )
            refund_lines.append(
                {"line": order_line.pk, "sku": order_line.sku, "quantity": units, "amount": str(share)}
            )
            OrderLine.objects.filter(pk=order_line.pk).update(
                quantity_returned=F("quantity_returned") + units
            )
            ReturnLine.objects.filter(pk=pk).update(
                quantity_received=F("quantity_received") + units, quantity_counted=0, disposition=disposition
            )
        for row_id in sorted(restocked):
            backorders_allocate(stock_item_id=row_id, actor=actor)

        refund = order_return_refund(
            order=order, actor=actor, lines=refund_lines, return_number=request.number,
            reason=f"{request} received",
        )  # fmt: skip
        request.received_at, request.received_by = timezone.now(), actor.user
        if not request.lines.filter(quantity_received__lt=F("quantity")).exists():
            request.state = ReturnRequest.State.RECEIVED
        request.save(update_fields=["received_at", "received_by", "state"])
        events.record(
            order, actor, FulfilmentEvent.RETURN_RECEIVED, number=request.number, lines=said,
            refund=str(refund.amount) if refund else "",
        )  # fmt: skip
        everything_back = not order.lines.filter(quantity_returned__lt=F("quantity_shipped")).exists()
        if everything_back:
            order_transition(
                order_id=order.pk,
                to=builtin_status(Stage.RETURNED),
                actor=actor if actor.has_perm("orders.return_order") else RETURNS,
                reason=f"{request}: everything shipped came back",
            )
    return request


@transaction.atomic
def return_close(*, return_id: int, actor, reason: str = "") -> ReturnRequest:
    """Close a return: nothing more is expected (the customer kept the rest, say)."""
    actor = as_actor(actor)
    if not (actor.has_perm("fulfilment.create_return") or actor.has_perm("fulfilment.receive_return")):
        raise FulfilmentError("You may not close returns.")
    order_id = ReturnRequest.objects.values_list("order_id", flat=True).get(pk=return_id)
    with service_context("return_close", actor):
        order = locked_order(order_id)
        request = ReturnRequest.objects.select_for_update().get(pk=return_id)
        if request.state == ReturnRequest.State.CLOSED:
            raise FulfilmentError(f"{request} is already closed.")
        request.state, request.closed_at = ReturnRequest.State.CLOSED, timezone.now()
        request.save(update_fields=["state", "closed_at"])
        ReturnLine.objects.filter(return_request=request).update(quantity_counted=0)
        events.record(
            order, actor, FulfilmentEvent.RETURN_CLOSED, number=request.number, reason=reason.strip()[:300]
        )
    return request


def return_slip_render(*, request: ReturnRequest) -> bytes:
    """The slip that travels in the parcel: the RMA number as a barcode, the lines expected back."""
    html = render_to_string(
        "fulfilment/returns/slip.html",
        {
            "order": request.order,
            "request": request,
            "lines": list(request.lines.select_related("order_line")),
            "title": f"Return slip {request.number}",
            "barcode": code128_svg(request.number),
            "printed_at": timezone.now(),
            "warehouse": request.warehouse,
        },
    )
    return pdf_from_html(html)


def return_slip_print(*, request: ReturnRequest, actor) -> bytes:
    """Render the slip and record the print on the order's timeline."""
    actor = as_actor(actor)
    if not (actor.has_perm("fulfilment.create_return") or actor.has_perm("fulfilment.receive_return")):
        raise FulfilmentError("You may not print return slips.")
    pdf = return_slip_render(request=request)
    events.record(
        request.order, actor, FulfilmentEvent.DOCUMENT_PRINTED, document=f"Return slip {request.number}"
    )
    return pdf
