"""Line changes until a line is picked (seed 002): cancel it, replace its product, move its warehouse."""

from django.db import transaction

from orders import bounds, events, workflow
from orders.actors import as_actor
from orders.errors import OrderError
from orders.inputs import LineInput, OrderInput
from orders.models import Order, OrderLine, Product, Warehouse
from orders.services.common import locked_order, service_context
from orders.services.create import apply_totals, build_lines, search_vector
from orders.signals import order_lines_changed


def _changeable(order_line_id: int, actor) -> tuple[Order, OrderLine]:
    line = OrderLine.objects.select_related("order").get(pk=order_line_id)
    order = locked_order(line.order_id)
    line = OrderLine.objects.select_related("product", "warehouse").get(pk=order_line_id)
    if not actor.has_perm("orders.edit_prices"):
        raise OrderError("You may not change order lines.")
    if order.is_deleted or order.stage in workflow.LINES_LOCKED:
        raise OrderError(f"{order} is {order.status.label}: its lines are locked.")
    if not line.is_changeable:
        if line.quantity_picked or line.quantity_shipped:
            raise OrderError(f"{line.sku} on {order} is already picked; it can no longer change.")
        raise OrderError(f"{line.sku} on {order} is already cancelled.")
    return order, line


def _after_change(order: Order) -> None:
    lines = list(order.lines.select_related("product"))
    apply_totals(order, lines)
    errors = bounds.stored_total_errors(order, lines)
    if errors:  # a dearer product on a large line: the change is refused, nothing kept
        raise OrderError(" ".join(errors["total"]))
    order.search_vector = search_vector(order, lines)
    order.version += 1
    order.save(update_fields=[*Order.TOTAL_FIELDS, "search_vector", "version", "updated_at"])
    transaction.on_commit(lambda: order_lines_changed.send(sender=Order, order_id=order.pk))


@transaction.atomic
def order_line_cancel(*, line_id: int, actor, reason: str = "") -> OrderLine:
    actor = as_actor(actor)
    with service_context("order_line_cancel", actor):
        order, line = _changeable(line_id, actor)
        line.quantity_cancelled = line.quantity
        line.save(update_fields=["quantity_cancelled"])
        events.record(
            order, actor, events.EventType.LINE_CANCELLED, sku=line.sku, quantity=line.quantity, reason=reason
        )
        _after_change(order)
        return line


@transaction.atomic
def order_line_replace(*, line_id: int, sku: str, actor, quantity: int | None = None) -> OrderLine:
    """Cancel the line and add another product, at that product's price: the same quantity unless
    `quantity` says otherwise (the API may give one; the order page keeps the line's)."""
    actor = as_actor(actor)
    with service_context("order_line_replace", actor):
        order, line = _changeable(line_id, actor)
        if quantity is not None and (
            isinstance(quantity, bool)
            or not isinstance(quantity, int)
            or not 1 <= quantity <= bounds.QUANTITY_MAX
        ):
            raise OrderError(
                f"Quantity must be a whole number from 1 to {bounds.QUANTITY_MAX:,}, not {quantity!r}."
            )
        product = Product.objects.filter(sku=sku.strip(), active=True).first()
        if product is None:
            raise OrderError(f"There is no active product with SKU {sku.strip()!r}.")
        if product.pk == line.product_id:
            raise OrderError(f"{line.sku} is already the product on this line.")
        quantity = line.quantity if quantity is None else quantity
        line.quantity_cancelled = line.quantity
        line.save(update_fields=["quantity_cancelled"])
        (replacement,) = build_lines(
            OrderInput(customer=None, lines=[LineInput(sku=product.sku, quantity=quantity)]),
            {product.sku: product},
        )
        if replacement.line_total > bounds.MONEY_MAX:
            raise OrderError(
                f"{quantity:,} × {product.sku} comes to {bounds.amount_text(replacement.line_total)}, more "
                f"than the largest amount Packline stores ({bounds.amount_text(bounds.MONEY_MAX)})."
            )
        replacement.order = order
        replacement.position = line.position
        replacement.warehouse = line.warehouse
        replacement.save()
        events.record(
            order, actor, events.EventType.LINE_REPLACED, old=line.sku, new=product.sku, quantity=quantity
        )
        _after_change(order)
        return replacement


@transaction.atomic
def order_line_move(*, line_id: int, warehouse: Warehouse, actor) -> OrderLine:
    actor = as_actor(actor)
    with service_context("order_line_move", actor):
        order, line = _changeable(line_id, actor)
        old = line.warehouse or order.warehouse
        if old == warehouse:
            return line
        line.warehouse = warehouse
        line.save(update_fields=["warehouse"])
        events.record(
            order, actor, events.EventType.LINE_MOVED, sku=line.sku, old=str(old or "—"), new=str(warehouse)
        )
        _after_change(order)
        return line
