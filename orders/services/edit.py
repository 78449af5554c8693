"""Edits that are not status changes: fields and lines, assignment, notes, soft delete and restore."""

from django.db import transaction
from django.utils import timezone

from orders import bounds, events, workflow
from orders.actors import as_actor
from orders.errors import OrderError, OrderInvalid, StaleEdit
from orders.inputs import LineInput, OrderInput, validate, validate_prices
from orders.models import ADDRESS_KEYS, Order, OrderLine, Product
from orders.services.common import locked_order, service_context
from orders.services.create import apply_totals, build_lines, money, search_vector
from orders.signals import order_deletion_changed, order_lines_changed
from orders.workflow import Stage

# Fields a CSR edits on the order form, with the label the timeline shows.
FIELD_LABELS = {
    "shipping_address": "Shipping address",
    "billing_address": "Billing address",
    "shipping_method": "Shipping method",
    "payment_method": "Payment method",
    "delivery_fee": "Delivery fee",
    "po_number": "PO number",
    "customer_reference": "Customer reference",
    "gift_message": "Gift message",
    "notes": "Notes",
    "tags": "Tags",
    "priority": "Priority",
    "warehouse": "Warehouse",
    "assigned_csr": "CSR",
    "assigned_agent": "Delivery agent",
}
PRICE_FIELDS = {"delivery_fee", "payment_method"}


def _text(value) -> str:
    if isinstance(value, dict):  # an address: the same order before and after, whatever the JSON's order
        keys = [key for key in ADDRESS_KEYS if key in value] + sorted(set(value) - set(ADDRESS_KEYS))
        return ", ".join(str(value[key]) for key in keys if value[key])
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return "" if value is None else str(value)


def editable_fields(order: Order, user) -> set[str]:
    """What this user (or actor: a shop's changes come from a channel actor) may change on this order
    now (SPEC 1 and the issue's stage rules)."""
    user = as_actor(user)
    if order.is_deleted or not user.has_perm("orders.change_order") or order.stage in workflow.ADDRESS_LOCKED:
        return set()
    fields = set(FIELD_LABELS) - PRICE_FIELDS
    if order.stage == Stage.PACKED:
        # Packed: the box is closed; only where it goes and how can still change (until shipped).
        fields = {"shipping_address", "shipping_method"}
    if not user.has_perm("orders.assign_order"):
        fields -= {"assigned_csr", "assigned_agent"}
    if user.has_perm("orders.edit_prices") and order.stage not in workflow.LINES_LOCKED:
        fields |= PRICE_FIELDS | {"lines"}
    return fields


@transaction.atomic
def order_update(
    *, order_id: int, expected_version: int, changes: dict, lines: list[LineInput] | None, actor
):
    """Apply a form's changes. Refused when the order changed since the form was opened (stale), or
    when a field is not editable for this user in this stage."""
    actor = as_actor(actor)
    with service_context("order_update", actor):
        order = locked_order(order_id)
        if order.version != expected_version:
            raise StaleEdit(
                f"{order} was changed by someone else since you opened it. Reload it to see their changes, "
                "then make yours again."
            )
        allowed = editable_fields(order, actor)
        asked = {name for name, value in changes.items() if getattr(order, name) != value}
        if lines is not None:
            asked.add("lines")
        refused = asked - allowed
        if refused:
            names = ", ".join(sorted(FIELD_LABELS.get(name, name) for name in refused))
            raise OrderError(f"{order} is {order.status.label}: you cannot change {names} now.")
        if "delivery_fee" in asked and changes["delivery_fee"] < 0:  # as creation's validate() says it
            raise OrderInvalid({"delivery_fee": ["Delivery fee cannot be negative."]})
        recorded = []
        for name in sorted(asked - {"lines"}):
            old, new = getattr(order, name), changes[name]
            recorded.append({"field": FIELD_LABELS[name], "old": _text(old), "new": _text(new)})
            setattr(order, name, money(new) if name == "delivery_fee" else new)
        current_lines = list(order.lines.select_related("product"))
        if "lines" in asked:
            recorded += _replace_lines(order, current_lines, lines)
            current_lines = list(order.lines.select_related("product"))
        if not recorded:
            return order
        apply_totals(order, current_lines)
        errors = bounds.stored_total_errors(order, current_lines)
        if errors:  # a delivery fee or lines that take the total past numeric(12,2); nothing is kept
            raise OrderInvalid(errors)
        order.search_vector = search_vector(order, current_lines)
        order.version += 1
        # The fields this edit changed and what follows from them: a full save would write back every
        # other column (status among them) as it was read.
        edited = sorted(asked - {"lines"})
        order.save(update_fields=[*edited, *Order.TOTAL_FIELDS, "search_vector", "version", "updated_at"])
        events.edited(order, actor, changes=recorded)
    if "lines" in asked:
        transaction.on_commit(lambda: order_lines_changed.send(sender=Order, order_id=order.pk))
    order.refresh_from_db()
    return order


def _replace_lines(order: Order, current: list[OrderLine], lines: list[LineInput]) -> list[dict]:
    errors = validate(OrderInput(customer=order.customer, lines=lines))
    if errors:
        raise OrderInvalid(errors)
    products = {p.sku: p for p in Product.objects.filter(sku__in={line.sku for line in lines}, active=True)}
    # The same price checks as creation: a discount past the line's price, a line past numeric(12,2).
    errors = validate_prices(OrderInput(customer=order.customer, lines=lines), products)
    if errors:
        raise OrderInvalid(errors)
    before = {line.sku: (line.quantity, line.unit_price, line.discount) for line in current}
    new_lines = build_lines(OrderInput(customer=order.customer, lines=lines), products)
    after = {line.sku: (line.quantity, line.unit_price, line.discount) for line in new_lines}
    if before == after:
        return []
    OrderLine.objects.filter(order=order).delete()
    for line in new_lines:
        line.order = order
    OrderLine.objects.bulk_create(new_lines)
    describe = lambda q, price, discount: f"{q} × {price}" + (f" − {discount}" if discount else "")  # noqa: E731
    changes = []
    for sku in sorted(before.keys() | after.keys()):
        if before.get(sku) != after.get(sku):
            changes.append(
                {
                    "field": f"Line {sku}",
                    "old": describe(*before[sku]) if sku in before else "",
                    "new": describe(*after[sku]) if sku in after else "removed",
                }
            )
    return changes


@transaction.atomic
def order_assign(*, order_id: int, actor, csr=..., agent=...) -> Order:
    """Assign the CSR and/or the delivery agent; pass None to unassign, leave out to keep."""
    actor = as_actor(actor)
    if not actor.has_perm("orders.assign_order"):
        raise OrderError("You may not assign orders.")
    with service_context("order_assign", actor):
        order = locked_order(order_id)
        changed = []
        for role, field, person in (
            ("CSR", "assigned_csr", csr),
            ("Delivery agent", "assigned_agent", agent),
        ):
            if person is ... or getattr(order, f"{field}_id") == getattr(person, "pk", None):
                continue
            old = getattr(order, field)
            setattr(order, field, person)
            changed.append(field)
            events.assigned(order, actor, role=role, old=_text(old), new=_text(person))
        if changed:
            order.version += 1
            order.save(update_fields=[*changed, "version", "updated_at"])
        return order


@transaction.atomic
def order_note_add(*, order_id: int, actor, text: str) -> Order:
    actor = as_actor(actor)
    if not text.strip():
        raise OrderError("A note cannot be empty.")
    if not actor.has_perm("orders.note_order"):
        raise OrderError("You may not add notes.")
    order = Order.objects.get(pk=order_id)
    events.note_added(order, actor, text=text.strip())
    return order


def _announce_deletion(order_id: int, *, deleted: bool) -> None:
    transaction.on_commit(
        lambda: order_deletion_changed.send(sender=Order, order_id=order_id, deleted=deleted)
    )


@transaction.atomic
def order_soft_delete(*, order_id: int, actor, reason: str) -> Order:
    """Hide an order everywhere except the superadmin's Deleted tab. Nothing is ever hard-deleted."""
    actor = as_actor(actor)
    if not actor.has_perm("orders.delete_order"):
        raise OrderError("You may not delete orders.")
    if not reason.strip():
        raise OrderError("Say why the order is deleted.")
    if problem := bounds.text_problem(reason, Order, "delete_reason"):
        raise OrderError(problem)
    with service_context("order_soft_delete", actor):
        order = locked_order(order_id)
        if order.is_deleted:
            return order
        order.is_deleted, order.deleted_at, order.deleted_by = True, timezone.now(), actor.user
        order.delete_reason = reason.strip()
        order.version += 1
        order.save(
            update_fields=["is_deleted", "deleted_at", "deleted_by", "delete_reason", "version", "updated_at"]
        )
        events.deleted(order, actor, reason=order.delete_reason)
        _announce_deletion(order.pk, deleted=True)
        return order


@transaction.atomic
def order_restore(*, order_id: int, actor) -> Order:
    actor = as_actor(actor)
    if not actor.has_perm("orders.restore_order"):
        raise OrderError("Only a superadmin can restore deleted orders.")
    with service_context("order_restore", actor):
        order = locked_order(order_id)
        if not order.is_deleted:
            return order
        order.is_deleted, order.deleted_at, order.deleted_by, order.delete_reason = False, None, None, ""
        order.version += 1
        order.save(
            update_fields=["is_deleted", "deleted_at", "deleted_by", "delete_reason", "version", "updated_at"]
        )
        events.restored(order, actor)
        _announce_deletion(order.pk, deleted=False)
        return order


@transaction.atomic
def order_tracking_add(*, order_id: int, tracking_number: str) -> Order:
    """Remember a shipment's tracking number on the order, so the list's search finds it."""
    order = locked_order(order_id)
    if tracking_number in order.tracking_numbers:
        return order
    order.tracking_numbers = [*order.tracking_numbers, tracking_number]
    order.search_vector = search_vector(order, list(order.lines.all()))
    order.save(update_fields=["tracking_numbers", "search_vector", "updated_at"])
    return order
