"""A shop's order, as the platform last described it, applied to Packline (SPEC 5): created through the
one creation path the first time; afterwards paid, refunded, edited, cancelled or held through the same
services a person's click goes through. Nothing here writes an order's fields itself.

Past 400 lines on purpose: creating and each kind of change (payment, refunds, edits, cancellation)
share the link, the actor and the hold-once rule, and read best together.

Work on one platform order is serialised by its PlatformOrderLink row lock, and a version older than
the one applied is recorded and skipped (`updated_at` decides), so a storm of redelivered, shuffled
webhooks ends with each order in its newest state."""

import logging
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection as db
from django.db import transaction
from django.db.models.functions import Lower

from channels.connections.models import Connection
from channels.intake.changes import address as _address
from channels.intake.changes import difference_text, differences, shop_previous
from channels.intake.changes import order_lines as _lines
from channels.intake.erased import erased_order_ids, without_personal_data
from channels.intake.events import ChannelEvent
from channels.intake.models import PlatformOrderLink
from channels.marketplaces.base import FinancialStatus, PlatformOrder
from orders import events, workflow
from orders.actors import Actor
from orders.errors import DuplicateOrder, MoneyRefused, OrderError
from orders.inputs import OrderInput
from orders.models import Customer, HoldReason, Order, PaymentMethod
from orders.money.models import Refund
from orders.money.services.payments import payment_failure_record, payment_record
from orders.money.services.refunds import refund_execute, refund_record
from orders.services.create import order_create
from orders.services.edit import order_update
from orders.services.planned import NewCustomer
from orders.services.transitions import TransitionRefused, order_cancel, order_hold
from orders.workflow import Stage

logger = logging.getLogger(__name__)

PAID = {FinancialStatus.PAID, FinancialStatus.PARTIALLY_REFUNDED, FinancialStatus.REFUNDED}
# Gateways whose money is collected at the door or by hand, not by the shop.
CASH_GATEWAYS = {"cash_on_delivery", "cod", "cash on delivery (cod)", "cash"}
TRANSFER_GATEWAYS = {"bank_transfer", "bacs", "bank deposit", "manual", "money order", "cheque"}
# Until picking starts, a shop's edit is applied; from then on a person decides (SPEC 5).
EDITABLE_STAGES = frozenset({Stage.AWAITING_PAYMENT, Stage.DRAFT, Stage.PROCESSING})
SHIPPED_STAGES = frozenset({Stage.SHIPPED, Stage.DELIVERED, Stage.DELIVERY_FAILED, Stage.RETURNED})


@dataclass
class Applied:
    """What applying one version did, for the sync log."""

    outcome: str  # "created", "updated", "unchanged", "stale", "skipped", "failed"
    order_id: int | None = None
    details: list[str] = field(default_factory=list)

    def text(self) -> str:
        return "; ".join(self.details)[:300]


def shop_actor(connection: Connection) -> Actor:
    return Actor.channel(f"{connection.label}: {connection.name}"[:100])


@transaction.atomic
def platform_order_apply(*, connection: Connection, platform_order: PlatformOrder) -> Applied:
    link = _locked_link(connection, platform_order.platform_order_id)
    applied_at = link.applied_updated_at
    if applied_at is not None and platform_order.updated_at < applied_at:
        return Applied(
            "stale",
            link.order_id,
            [
                f"older than the version applied ({platform_order.updated_at:%Y-%m-%d %H:%M:%S} < {applied_at:%Y-%m-%d %H:%M:%S}); not applied"
            ],
        )
    if link.order_id is not None and erased_order_ids([link.order_id]):
        platform_order = without_personal_data(connection, platform_order)
    if link.order_id is None:
        result = _create(connection, platform_order, link)
    elif applied_at is not None and platform_order.updated_at == applied_at:
        return Applied("unchanged", link.order_id, ["this version was applied already"])
    else:
        result = _update(connection, platform_order, link)
    if result.outcome in ("created", "updated", "unchanged"):
        link.applied_updated_at = platform_order.updated_at
        link.payload = platform_order.raw
        link.save(update_fields=["order", "applied_updated_at", "payload", "refunds_recorded"])
    return result


def _locked_link(connection: Connection, platform_order_id: str) -> PlatformOrderLink:
    # INSERT ... ON CONFLICT DO NOTHING, then lock: two workers with the same new order both end up
    # waiting on the one row, the second sees what the first applied.
    with db.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {PlatformOrderLink._meta.db_table} (connection_id, platform_order_id, payload, "
            "refunds_recorded) VALUES (%s, %s, '{}', '[]') ON CONFLICT DO NOTHING",
            [connection.pk, platform_order_id],
        )
    return PlatformOrderLink.objects.select_for_update().get(
        connection=connection, platform_order_id=platform_order_id
    )


# Creation ----------------------------------------------------------------------------------------


def counts_as_paid(connection: Connection, platform_order: PlatformOrder) -> bool:
    if (
        platform_order.financial_status not in PAID
        and platform_order.financial_status != FinancialStatus.PARTIALLY_PAID
    ):
        return False
    allowed = {gateway.lower() for gateway in connection.paid_gateways}
    return not allowed or any(gateway.lower() in allowed for gateway in platform_order.payment_gateways)


def payment_method(platform_order: PlatformOrder) -> str:
    gateways = {gateway.lower() for gateway in platform_order.payment_gateways}
    if gateways & CASH_GATEWAYS:
        return PaymentMethod.CASH
    if gateways & TRANSFER_GATEWAYS:
        return PaymentMethod.TRANSFER
    return PaymentMethod.CHANNEL


def new_customer(platform_order: PlatformOrder, address: dict) -> NewCustomer:
    """The buyer as a customer to create when no customer has their email (batched creation matches
    the email itself)."""
    buyer = platform_order.buyer
    email = buyer.email.strip()[:254]
    name = (buyer.name or address.get("name") or email or f"Customer of {platform_order.number}").strip()
    return NewCustomer(
        name=name[:200], email=email, phone=buyer.phone[:40], company=buyer.company[:200], address=address
    )


def _customer(platform_order: PlatformOrder, address: dict) -> Customer:
    """Same email, same customer: the oldest with it (as batched creation decides), else a new one."""
    new = new_customer(platform_order, address)
    if new.email:
        with_email = Customer.objects.annotate(email_lower=Lower("email")).filter(
            email_lower=new.email.lower()
        )
        known = with_email.order_by("pk").first()
        if known:
            return known
    return Customer.objects.create(
        name=new.name, email=new.email, phone=new.phone, company=new.company, address=new.address
    )


def order_input(
    connection: Connection, platform_order: PlatformOrder, *, batched: bool = False
) -> OrderInput:
    """The one OrderInput every door fills, from a shop's order. `batched`: the customer is left
    unsaved for batched creation to match by email (channels/intake/batch.py)."""
    shipping = _address(platform_order.shipping_address)
    paid = counts_as_paid(connection, platform_order)
    attributes = {str(k)[:100]: str(v)[:1000] for k, v in platform_order.attributes.items()}
    return OrderInput(
        customer=new_customer(platform_order, shipping) if batched else _customer(platform_order, shipping),
        lines=_lines(connection, platform_order),
        channel=connection.channel,
        channel_order_id=platform_order.platform_order_id,
        channel_order_number=platform_order.number[:60],
        shipping_address=shipping,
        billing_address=_address(platform_order.billing_address),
        shipping_method=platform_order.shipping_method[:100],
        payment_method=payment_method(platform_order),
        amount_paid=platform_order.amount_paid if paid else Decimal("0"),
        delivery_fee=platform_order.delivery_fee,
        currency=platform_order.currency[:3].upper(),
        notes=platform_order.notes,
        tags=[tag[:40] for tag in platform_order.tags if tag.strip()][:20],
        attributes=attributes,
        ship_by=platform_order.ship_by,
        cancellation_requested=(
            f"the buyer asked {connection.label} to cancel" if platform_order.cancellation_requested else ""
        ),
        warehouse=connection.warehouse,
        draft=not connection.auto_process,
        problems=list(platform_order.problems),
    )


def _create(connection: Connection, platform_order: PlatformOrder, link: PlatformOrderLink) -> Applied:
    if platform_order.cancelled_at is not None:
        return Applied("skipped", None, ["cancelled in the shop before it reached Packline; not created"])
    actor = shop_actor(connection)
    detail = f"{connection.label} store {connection.name}, order {platform_order.number}"
    try:
        order = order_create(
            data=order_input(connection, platform_order),
            actor=actor,
            source=connection.kind,
            source_detail=detail,
        )
    except DuplicateOrder as duplicate:
        # Created through another door with the same shop id (an earlier link lost): adopt it.
        order = Order.objects.get(
            channel=connection.channel, channel_order_id=platform_order.platform_order_id
        )
        link.order = order
        return _update(connection, platform_order, link, adopted=str(duplicate))
    link.order = order
    result = Applied("created", order.pk, [f"created {order.display_number}"])
    _refunds(connection, platform_order, link, order, actor, result)
    return result


# Changes -----------------------------------------------------------------------------------------


def _update(
    connection: Connection, platform_order: PlatformOrder, link: PlatformOrderLink, adopted: str = ""
) -> Applied:
    actor = shop_actor(connection)
    order = Order.objects.select_related("status").get(pk=link.order_id)
    result = Applied("updated", order.pk, [adopted] if adopted else [])
    if order.is_deleted:
        result.outcome = "unchanged"
        result.details.append(
            f"{order.number} was deleted in Packline; the shop's change is kept in the log only"
        )
        return result
    previous = shop_previous(connection, link)
    _payment(connection, platform_order, order, actor, result)
    _refunds(connection, platform_order, link, order, actor, result)
    if platform_order.cancelled_at is not None:
        _cancellation(connection, platform_order, order, actor, result)
    else:
        _edits(connection, platform_order, order, actor, result, previous)
        if platform_order.cancellation_requested:
            _cancellation_request(connection, order, actor, result)
    if not result.details:
        result.outcome = "unchanged"
        result.details.append("nothing Packline keeps changed")
    return result


def _fresh(order: Order) -> Order:
    return Order.objects.select_related("status").get(pk=order.pk)


def _payment(connection, platform_order, order, actor, result) -> None:
    order = _fresh(order)
    if workflow.Stage(order.stage) in workflow.FINAL:
        return
    if platform_order.financial_status == FinancialStatus.VOIDED and order.stage == Stage.AWAITING_PAYMENT:
        payment_failure_record(
            order_id=order.pk,
            actor=actor,
            reason=f"voided in {connection.label}",
            method=order.payment_method,
        )
        result.details.append("payment voided in the shop: cancelled")
        return
    if not counts_as_paid(connection, platform_order):
        return
    due = order.total - order.amount_paid
    received = min(platform_order.amount_paid - order.amount_paid, due)
    if received > 0:
        try:
            payment_record(
                order_id=order.pk, amount=received, method=PaymentMethod.CHANNEL, actor=actor,
                reference=f"{connection.label} order {platform_order.number}"[:100],
            )  # fmt: skip
            result.details.append(f"paid {received} in the shop")
        except (MoneyRefused, OrderError) as refused:
            result.details.append(f"payment not recorded: {refused}")


def _refunds(connection, platform_order, link, order, actor, result) -> None:
    done = set(link.refunds_recorded)
    for refund in platform_order.refunds:
        if refund.platform_refund_id in done or refund.amount <= 0:
            continue
        reference = f"{connection.label} refund {refund.platform_refund_id}"[:100]
        try:
            # A cancellation here already owes the customer their money (an unpaid-out refund): the
            # shop's refund is that payout, not a second refund.
            owed = (
                Refund.objects.filter(
                    order=order, executed_at__isnull=True, reverses__isnull=True, amount=refund.amount
                )
                .exclude(pk__in=Refund.objects.filter(reverses__isnull=False).values("reverses"))
                .first()
            )
            if owed is None:
                owed = refund_record(
                    order_id=order.pk, amount=refund.amount, actor=actor,
                    reason=f"Refunded in {connection.label}" + (f": {refund.note}" if refund.note else ""),
                    method=PaymentMethod.CHANNEL,
                )  # fmt: skip
            refund_execute(refund_id=owed.pk, actor=actor, reference=reference)
            result.details.append(f"refund {refund.amount} recorded")
        except (MoneyRefused, OrderError) as refused:
            result.details.append(f"refund {refund.platform_refund_id} not recorded: {refused}")
        done.add(refund.platform_refund_id)
    link.refunds_recorded = sorted(done)


def _hold_once(order: Order, actor: Actor, code: str, reason: str, result: Applied) -> bool:
    """Hold the order for this reason unless it is held for it already; True when it was held now."""
    if order.holds.filter(reason=code, released_at__isnull=True).exists():
        return False
    try:
        order_hold(order_id=order.pk, actor=actor, reason=reason[:300], code=code)
        result.details.append(f"on hold: {reason}")
        return True
    except TransitionRefused as refused:
        events.record(order, actor, ChannelEvent.NOTICED, shop=str(actor), text=f"{reason} ({refused})")
        result.details.append(f"{reason}; could not hold it: {refused}")
        return False


def _cancellation_request(connection, order, actor, result) -> None:
    """The buyer asked the shop to cancel: on hold for a CSR to approve or reject, unless it has
    shipped, whole or in part (then there is nothing left to cancel; the shop's return takes over)."""
    order = _fresh(order)
    label = connection.label
    if order.stage in workflow.FINAL:
        return
    if order.stage in SHIPPED_STAGES or any(line.quantity_shipped for line in order.lines.all()):
        text = f"the buyer asked {label} to cancel after shipping; not held"
        if not order.events.filter(type=ChannelEvent.NOTICED, params__text=text).exists():
            events.record(order, actor, ChannelEvent.NOTICED, shop=str(actor), text=text)
            result.details.append(text)
        return
    _hold_once(order, actor, HoldReason.CANCELLATION_REQUESTED, f"the buyer asked {label} to cancel", result)


def _cancellation(connection, platform_order, order, actor, result) -> None:
    order = _fresh(order)
    if order.stage == Stage.CANCELLED:
        return
    label = connection.label
    if order.stage in SHIPPED_STAGES or any(line.quantity_shipped for line in order.lines.all()):
        _hold_once(
            order, actor, HoldReason.CANCELLED_AFTER_SHIPPING, f"cancelled in {label} after shipping", result
        )
        return
    if not connection.sync_cancellations:
        _hold_once(
            order,
            actor,
            HoldReason.CANCELLATION_REQUESTED,
            f"cancelled in {label}; cancellation sync is off",
            result,
        )
        return
    try:
        order_cancel(order_id=order.pk, actor=actor, reason=f"Cancelled in {label}")
        result.details.append(f"cancelled in {label}")
    except TransitionRefused as refused:
        _hold_once(
            order, actor, HoldReason.CANCELLATION_REQUESTED, f"cancelled in {label}, but {refused}", result
        )


def _edits(connection, platform_order, order, actor, result, previous=None) -> None:
    order = _fresh(order)
    changes, lines, words = differences(connection, platform_order, order, previous)
    if not words:
        return
    stage = order.stage
    held_from = order.held_from.stage if order.stage == Stage.ON_HOLD and order.held_from_id else None
    if stage in EDITABLE_STAGES or held_from in EDITABLE_STAGES:
        try:
            order_update(
                order_id=order.pk, expected_version=order.version, changes=changes, lines=lines, actor=actor
            )
            result.details.append(f"changed in {connection.label}: {', '.join(words)}")
        except OrderError as refused:
            _hold_once(
                order,
                actor,
                HoldReason.CHANGED_AFTER_PICKING,
                f"changed in {connection.label} ({', '.join(words)}) but not applied: {refused}",
                result,
            )
        return
    if stage in SHIPPED_STAGES:
        events.record(
            order,
            actor,
            ChannelEvent.NOTICED,
            shop=str(actor),
            text=f"changed after shipping ({', '.join(words)}); not applied",
        )
        result.details.append(f"changed in the shop after shipping ({', '.join(words)}); not applied")
        return
    difference = difference_text(order, changes, lines)
    if _hold_once(
        order, actor, HoldReason.CHANGED_AFTER_PICKING, f"changed in {connection.label} after picking: {difference}",
        result,
    ):  # fmt: skip
        # The hold's detail has room for 300 characters; the timeline keeps the whole difference.
        events.record(
            order, actor, ChannelEvent.NOTICED, shop=str(actor), text=f"changed after picking: {difference}"
        )
