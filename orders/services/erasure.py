"""Erasing a buyer's personal data (a marketplace's account deletion, a GDPR erasure request): the
orders stay, with their numbers, lines, money, statuses and shipments; who the buyer was does not.

What goes, on each order: the buyer's name, email and phone, the shipping and billing address (the
country stays: tax and statistics need it, and it names nobody), the gift message and the notes (on a
shop's order they are the buyer's own words), the channel's extras except those the caller names as
harmless, and every copy of those values the order kept elsewhere: timeline entries (a field edit's
old and new address, a shop's "changed after picking: ..." note), hold details, and the database's own
change capture. The customer row goes too, unless it also has orders of someone else's request.

One transaction, rows locked in id order. Orders already erased are left alone: a second request for
the same buyer changes nothing and writes no second timeline entry.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.apps import apps
from django.db import transaction

from orders import events
from orders.actors import Actor, as_actor
from orders.errors import OrderError
from orders.models import Customer, Order, OrderEvent, OrderHold
from orders.money.models import Expense, Payment, Refund
from orders.services.common import service_context
from orders.services.create import search_vector
from orders.services.edit import FIELD_LABELS

ERASED_NAME = "Erased buyer"
ERASED = "[erased]"
# The timeline's field edits whose old and new values are the buyer's.
PERSONAL_FIELD_LABELS = frozenset(
    FIELD_LABELS[name] for name in ("shipping_address", "billing_address", "gift_message", "notes")
)
# Shorter values ("GB", "2", "Flat") are everywhere in ordinary text: replacing them would erase other
# words, and they name nobody on their own.
SHORTEST_VALUE = 4
FREE_TEXT = (
    (OrderHold, "detail"), (Payment, "note"), (Payment, "reference"), (Expense, "note"), (Refund, "reason"),
)  # fmt: skip


@dataclass
class Erasure:
    """What one request erased."""

    order_ids: list[int] = field(default_factory=list)  # erased now (not those erased before)
    customer_ids: list[int] = field(default_factory=list)
    customers_kept: list[int] = field(default_factory=list)  # they have other orders: left as they are


@transaction.atomic
def personal_data_erase(
    *,
    order_ids: Iterable[int],
    actor: Actor,
    reason: str,
    keep_attributes: Iterable[str] = (),
    also_erase: Iterable[str] = (),
) -> Erasure:
    """Erase the personal data of the buyer of these orders. `reason` ends the timeline's sentence
    ("Buyer's personal data erased at eBay's request"); `keep_attributes` are channel extras that name
    nobody (a legacy order id); `also_erase` are further values known to be the buyer's (a marketplace
    user name) to remove wherever the orders kept a copy."""
    actor = as_actor(actor)
    # Nothing can bring the data back: of people, only superadmins (the one role with every
    # permission); a marketplace's request comes as a channel actor, which acts for the application.
    if not actor.has_perm("orders.delete_customer"):
        raise OrderError("Only a superadmin may erase a buyer's personal data.")
    ids = sorted(set(order_ids))
    result = Erasure()
    if not ids:
        return result
    kept = set(keep_attributes)
    with service_context("personal_data_erase", actor):
        # Lock in id order, so two requests over overlapping orders never deadlock.
        list(Order.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
        orders = [
            order
            for order in Order.objects.filter(pk__in=ids).select_related("customer").order_by("pk")
            if not _erased(order, kept)
        ]
        values = {
            order.pk: _personal_values(order, kept)
            | _personal_values_of_customer(order.customer)
            | set(also_erase)
            for order in orders
        }
        # Customers first: an order's search document names its customer's company.
        for customer_id in sorted({order.customer_id for order in orders}):
            customer = Customer.objects.select_for_update().get(pk=customer_id)
            if Order.objects.filter(customer_id=customer_id).exclude(pk__in=ids).exists():
                result.customers_kept.append(customer_id)
            elif _erase_customer(customer):
                result.customer_ids.append(customer_id)
        customers = Customer.objects.in_bulk({order.customer_id for order in orders})
        for order in orders:
            order.customer = customers[order.customer_id]
            _erase_order(order, kept)
            _scrub_copies(order, values[order.pk])
            events.personal_data_erased(order, actor, reason=reason)
            result.order_ids.append(order.pk)
    return result


def _erased_address(address: dict) -> dict:
    country = (address or {}).get("country")
    return {"country": country} if country else {}


def _erased_fields(order: Order, kept: set[str]) -> dict:
    return {
        "customer_name": ERASED_NAME,
        "customer_email": "",
        "customer_phone": "",
        "shipping_address": _erased_address(order.shipping_address),
        "billing_address": _erased_address(order.billing_address),
        "gift_message": "",
        "notes": "",
        "attributes": {key: value for key, value in (order.attributes or {}).items() if key in kept},
    }


def _erased(order: Order, kept: set[str]) -> bool:
    return all(getattr(order, name) == value for name, value in _erased_fields(order, kept).items())


def _erase_order(order: Order, kept: set[str]) -> None:
    fields = _erased_fields(order, kept)
    for name, value in fields.items():
        setattr(order, name, value)
    # The search document held the name, email and phone; an edit form opened before now must not
    # write the old address back (order_update refuses a stale version).
    order.search_vector = search_vector(order, list(order.lines.all()))
    order.version += 1
    order.save(update_fields=[*fields, "search_vector", "version", "updated_at"])


def _erase_customer(customer: Customer) -> bool:
    erased = {"name": ERASED_NAME, "email": "", "phone": "", "company": "", "address": {}}
    if all(getattr(customer, name) == value for name, value in erased.items()):
        return False
    Customer.objects.filter(pk=customer.pk).update(**erased)
    return True


def _texts(value) -> set[str]:
    if isinstance(value, dict):
        return set().union(*(_texts(item) for item in value.values())) if value else set()
    if isinstance(value, list | tuple):
        return set().union(*(_texts(item) for item in value)) if value else set()
    text = "" if value is None else str(value).strip()
    return {text} if text else set()


def _without_country(address: dict) -> dict:
    return {key: value for key, value in (address or {}).items() if key != "country"}


def _personal_values(order: Order, kept: set[str]) -> set[str]:
    values = _texts([order.customer_name, order.customer_email, order.customer_phone])
    values |= _texts([_without_country(order.shipping_address), _without_country(order.billing_address)])
    values |= _texts([order.gift_message, order.notes])
    values |= _texts({k: v for k, v in (order.attributes or {}).items() if k not in kept})
    return values


def _personal_values_of_customer(customer: Customer) -> set[str]:
    return _texts(
        [customer.name, customer.email, customer.phone, customer.company, _without_country(customer.address)]
    )


def _pattern(values: set[str]) -> re.Pattern | None:
    wanted = sorted(
        (value for value in values if len(value) >= SHORTEST_VALUE and value != ERASED_NAME),
        key=len,
        reverse=True,
    )
    if not wanted:
        return None
    # Whole values only: "Leeds" goes, "LEEDS-MUG" (a SKU) stays.
    return re.compile(
        r"(?<!\w)(?:" + "|".join(re.escape(value) for value in wanted) + r")(?!\w)", re.IGNORECASE
    )


def _scrubbed(value, pattern: re.Pattern):
    if isinstance(value, str):
        return pattern.sub(ERASED, value)
    if isinstance(value, list):
        return [_scrubbed(item, pattern) for item in value]
    if isinstance(value, dict):
        return {key: _scrubbed(item, pattern) for key, item in value.items()}
    return value


def _scrub_copies(order: Order, values: set[str]) -> None:
    """The copies the order kept of what was erased: timeline entries, hold details, captured changes."""
    pattern = _pattern(values)
    for event in OrderEvent.objects.filter(order=order).only("pk", "type", "params"):
        params = event.params
        if event.type == events.EventType.EDITED:
            params = {
                **params,
                "changes": [
                    {**change, "old": ERASED, "new": ERASED}
                    if change.get("field") in PERSONAL_FIELD_LABELS
                    else change
                    for change in params.get("changes", [])
                ],
            }
        if pattern is not None:
            params = _scrubbed(params, pattern)
        if params != event.params:
            OrderEvent.objects.filter(pk=event.pk).update(params=params)
    if pattern is not None:
        # Free text written about the order: hold reasons, and what people noted on its money (the
        # amounts stay as they are).
        for model, name in FREE_TEXT:
            for pk, text in model.objects.filter(order=order).exclude(**{name: ""}).values_list("pk", name):
                scrubbed = pattern.sub(ERASED, text)
                if scrubbed != text:
                    model.objects.filter(pk=pk).update(**{name: scrubbed})
    # Changes made outside the services were captured with the address as it was (orders/models).
    snapshots = apps.get_model("orders", "OrderSnapshot").objects.filter(pgh_obj_id=order.pk)
    for snapshot in snapshots.exclude(shipping_address={}).only("pk", "shipping_address"):
        erased = _erased_address(snapshot.shipping_address)
        if erased != snapshot.shipping_address:
            snapshots.filter(pk=snapshot.pk).update(shipping_address=erased)
