"""Refunds: recorded, paid out, reversed; and the automatic ones, on cancellation and on return
(seed 004), which the transition service asks for after an order enters those stages."""

from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from config.postgresql.copy import copy_escape, copy_lines
from config.postgresql.sequences import reserve_many
from orders import events
from orders.actors import Actor, as_actor
from orders.copy_rows import NULL, REFUND_COLUMNS, constant_columns, copy_id
from orders.errors import MoneyRefused
from orders.events import EventRows
from orders.models import Order, OrderEvent, OrderLine, PaymentMethod
from orders.money.events import MoneyEvent
from orders.money.models import Refund
from orders.money.selectors import money_figures
from orders.money.services.common import (
    CENT,
    REFUNDS,
    amount_text,
    open_order,
    require,
    reversal_reason,
    to_amount,
)
from orders.services.common import locked_order, service_context
from orders.workflow import Stage


def refund_recorded_params(refund: Refund) -> dict:
    """The timeline parameters of a refund recorded, for the services here and batched creation
    (orders/services/create_many.py) alike, so that both word it the same."""
    return {
        "refund": refund.pk,
        "amount": str(refund.amount),
        "currency": refund.currency,
        "kind": refund.get_kind_display(),
        "reason": refund.reason,
        "return_number": refund.return_number,
    }


def refund_executed_params(refund: Refund) -> dict:
    """The timeline parameters of a refund paid out (see refund_recorded_params)."""
    return {
        "refund": refund.pk,
        "amount": str(refund.amount),
        "currency": refund.currency,
        "reference": refund.reference,
    }


def _refund_create(
    order: Order, actor: Actor, *, amount: Decimal, kind: str, reason: str, method: str = "",
    lines: list[dict] | None = None, return_number: str = "",
) -> Refund:  # fmt: skip
    refund = Refund.objects.create(
        order=order, kind=kind, amount=amount, currency=order.currency, method=method or order.payment_method,
        reason=reason.strip()[:300], lines=lines or [], return_number=return_number, recorded_by=actor.user,
    )  # fmt: skip
    events.record(order, actor, MoneyEvent.REFUND_RECORDED, **refund_recorded_params(refund))
    return refund


def _refundable(order: Order) -> Decimal:
    figures = money_figures(order.pk)
    return figures["paid"] - figures["refunded"]


@transaction.atomic
def refund_record(
    *, order_id: int, amount, actor, reason: str, method: str = "", lines: list[dict] | None = None
) -> Refund:
    """Record a refund owed to the customer (a goodwill gesture, a price correction). At most what was
    paid and not yet refunded; it is paid out later (refund_execute)."""
    actor = as_actor(actor)
    amount = to_amount(amount)
    if not reason.strip():
        raise MoneyRefused("Say why the customer is refunded.")
    if method and method not in PaymentMethod.values:
        raise MoneyRefused(f"Unknown refund method {method!r}.")
    with service_context("refund_record", actor):
        order = open_order(order_id, "a refund")
        require(actor, "orders.record_refund", f"You may not record refunds on {order}.")
        available = _refundable(order)
        if amount > available:
            raise MoneyRefused(
                f"Only {amount_text(available, order.currency)} of {order} was paid and not yet refunded; "
                f"refund at most that, not {amount}."
            )
        return _refund_create(
            order, actor, amount=amount, kind=Refund.Kind.MANUAL, reason=reason, method=method, lines=lines
        )


@transaction.atomic
def refund_execute(*, refund_id: int, actor, reference: str) -> Refund:
    """Mark a refund paid out, with the bank or PSP reference. The amount never changes."""
    actor = as_actor(actor)
    if not reference.strip():
        raise MoneyRefused("Enter the reference of the payout (bank transfer or PSP refund id).")
    order_id = Refund.objects.values_list("order_id", flat=True).get(pk=refund_id)
    with service_context("refund_execute", actor):
        order = open_order(order_id, "a refund payout")
        require(actor, "orders.record_refund", f"You may not execute refunds on {order}.")
        refund = Refund.objects.get(pk=refund_id)
        if refund.reverses_id:
            raise MoneyRefused("This record is a reversal; there is nothing to pay out.")
        if Refund.objects.filter(reverses=refund).exists():
            raise MoneyRefused(
                f"Refund {refund.pk} was reversed; record a new refund if it is owed after all."
            )
        if refund.executed_at:
            raise MoneyRefused(f"Refund {refund.pk} was already paid out (reference {refund.reference}).")
        refund.executed_at = timezone.now()
        refund.executed_by = actor.user
        refund.reference = reference.strip()[:100]
        refund.save(update_fields=["executed_at", "executed_by", "reference"])
        events.record(order, actor, MoneyEvent.REFUND_EXECUTED, **refund_executed_params(refund))
    return refund


@transaction.atomic
def refund_reverse(*, refund_id: int, actor, reason: str) -> Refund:
    """Correct a refund recorded by mistake, while it is not paid out yet."""
    actor = as_actor(actor)
    reason = reversal_reason(reason, "refund")
    order_id = Refund.objects.values_list("order_id", flat=True).get(pk=refund_id)
    with service_context("refund_reverse", actor):
        order = open_order(order_id, "a reversal")
        require(actor, "orders.record_refund", f"You may not reverse refunds on {order}.")
        refund = Refund.objects.get(pk=refund_id)
        if refund.reverses_id:
            raise MoneyRefused("This record is itself a reversal; record the refund again instead.")
        if Refund.objects.filter(reverses=refund).exists():
            raise MoneyRefused(f"Refund {refund.pk} was already reversed.")
        if refund.executed_at:
            raise MoneyRefused(
                f"Refund {refund.pk} was paid out (reference {refund.reference}); it cannot be reversed. "
                f"If the customer paid it back, record that as a payment."
            )
        reversal = Refund.objects.create(
            order=order, kind=refund.kind, amount=-refund.amount, currency=refund.currency, method=refund.method,
            reason=reason, lines=refund.lines, return_number=refund.return_number, recorded_by=actor.user,
            reverses=refund,
        )  # fmt: skip
        events.record(
            order, actor, MoneyEvent.REFUND_REVERSED, refund=refund.pk, amount=str(refund.amount),
            currency=refund.currency, reason=reason,
        )  # fmt: skip
    return reversal


@transaction.atomic
def order_cancellation_refund(*, order_id: int, actor: Actor = REFUNDS) -> Refund | None:
    """Seed 004: a cancelled order refunds everything paid and not yet refunded. Idempotent: once
    refunded, nothing is left to refund, so a repeated call records nothing."""
    with service_context("order_cancellation_refund", actor):
        order = locked_order(order_id)
        if order.stage != Stage.CANCELLED:
            return None
        amount = _refundable(order)
        if amount <= 0:
            return None
        return _refund_create(
            order, actor, amount=amount, kind=Refund.Kind.CANCELLATION, reason="order cancelled"
        )


def line_share(line: OrderLine, *, before: int, after: int) -> Decimal:
    """The part of the line's total for units before+1..after, rounded so the parts add up to the
    line total exactly however the units are split."""

    def part(units: int) -> Decimal:
        return (line.line_total * units / line.quantity).quantize(CENT, rounding=ROUND_HALF_UP)

    return part(after) - part(before)


def order_return_refund(
    *, order: Order, actor: Actor, lines: list[dict], return_number: str = "", reason: str = "returned"
) -> Refund | None:
    """The refund of returned lines ([{"line", "sku", "quantity", "amount"}]), at most what is paid and
    not yet refunded (an unpaid cash-on-delivery order refunds nothing). For services that checked
    their own permission (receiving a return) and hold the order's lock."""
    amount = sum((Decimal(line["amount"]) for line in lines), Decimal("0.00"))
    amount = min(amount, _refundable(order))
    if amount <= 0:
        return None
    with service_context("order_return_refund", actor):
        return _refund_create(
            order, actor, amount=amount, kind=Refund.Kind.RETURN, reason=reason, lines=lines,
            return_number=return_number,
        )  # fmt: skip


@transaction.atomic
def order_returned_refund(*, order_id: int, actor: Actor = REFUNDS) -> Refund | None:
    """SPEC 2.1: entering returned refunds the returned lines. Units received through a return were
    refunded on receipt; shipped units not returned through one (a mass "return") are refunded here.
    Idempotent like order_cancellation_refund."""
    with service_context("order_returned_refund", actor):
        order = locked_order(order_id)
        if order.stage != Stage.RETURNED:
            return None
        lines = []
        for line in order.lines.filter(quantity_shipped__gt=F("quantity_returned")).order_by(
            "position", "pk"
        ):
            units = line.quantity_shipped - line.quantity_returned
            share = line_share(line, before=line.quantity_returned, after=line.quantity_shipped)
            lines.append({"line": line.pk, "sku": line.sku, "quantity": units, "amount": str(share)})
        return order_return_refund(order=order, actor=actor, lines=lines, reason="order returned")


# The batch form, for orders created many at once -------------------------------------------------


def refund_due(p) -> Decimal:
    """The refund a planned order arrives with: what BatchOrder.refund says (all of it when it gives
    no amount), never more than the order arrived paid with (refund_record's rule)."""
    refund = p.item.refund
    if refund is None or p.order is None:
        return Decimal("0.00")
    paid = p.order.amount_paid
    amount = (
        paid if refund.amount is None else min(Decimal(refund.amount).quantize(CENT, ROUND_HALF_UP), paid)
    )
    return max(amount, Decimal("0.00"))


def refunds_at_creation_many(event_rows: EventRows, planned: list) -> None:
    """The batch form of refund_record + refund_execute, for orders batched creation just wrote
    (orders/services/create_many.py): the refunds they arrived with (BatchOrder.refund), each as refund_record
    and refund_execute leave it: a Refund row paid out, and its "recorded" and "paid out" timeline
    events in the money services' own words. Call inside the batch's transaction."""
    due = [(p, amount) for p in planned if p.item.refund is not None and (amount := refund_due(p)) > 0]
    if not due:
        return
    extra_columns, extra = constant_columns(Refund, set(REFUND_COLUMNS))
    ids = reserve_many({Refund: len(due)})[Refund]
    stamp = timezone.now()
    actor = event_rows.actor
    user_id = copy_id(actor.user_id)
    event = event_rows.line
    rows, events = [], []
    for (p, amount), refund_id in zip(due, ids, strict=True):
        order, given = p.order, p.item.refund
        at = (given.at or stamp).isoformat()
        refund = Refund(
            pk=refund_id, order_id=order.pk, kind=given.kind, amount=amount, currency=order.currency,
            method=order.payment_method, reason=given.reason.strip()[:300],
            reference=(given.reference.strip() or order.channel_order_number or "imported")[:100],
        )  # fmt: skip
        rows.append(
            f"{refund_id}\t{order.pk}\t{refund.kind}\t{amount}\t{copy_escape(refund.currency)}\t"
            f"{refund.method}\t{copy_escape(refund.reason)}\t[]\t\t{user_id}\t{at}\t{at}\t{user_id}\t"
            f"{copy_escape(refund.reference)}\t{NULL}{extra}\n"
        )
        events.append(event(order.pk, MoneyEvent.REFUND_RECORDED, refund_recorded_params(refund)))
        events.append(event(order.pk, MoneyEvent.REFUND_EXECUTED, refund_executed_params(refund)))
    copy_lines(Refund._meta.db_table, REFUND_COLUMNS + extra_columns, rows)
    copy_lines(OrderEvent._meta.db_table, event_rows.columns, events)
