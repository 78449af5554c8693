"""Payments (SPEC 6): received, failed and reversed; the payment an order arrives with. A payment that
makes an awaiting-payment order fully paid moves it on, a failed one cancels it (seed 001)."""

from django.db import transaction

from orders import events
from orders.actors import Actor, as_actor
from orders.errors import MoneyRefused, TransitionRefused
from orders.models import Order, PaymentMethod
from orders.money.events import MoneyEvent
from orders.money.models import Payment
from orders.money.selectors import COLLECTED_ON_DELIVERY, money_figures
from orders.money.services.common import (
    CENT,
    PAYMENTS,
    amount_text,
    logger,
    open_order,
    paid_refresh,
    require,
    reversal_reason,
    to_amount,
)
from orders.services.common import service_context
from orders.services.transitions import builtin_status, order_transition
from orders.workflow import FINAL, Stage


def _collector(order: Order, actor: Actor, method: str, collected_by):
    """Who collected the payment, after checking the actor may record it: with record_payment any
    payment; with record_collection (delivery agents) only cash or POS they collected themselves on
    an order assigned to them."""
    if method not in PaymentMethod.values:
        raise MoneyRefused(f"Unknown payment method {method!r}.")
    label = PaymentMethod(method).label
    if actor.has_perm("orders.record_payment"):
        if collected_by is not None and method not in COLLECTED_ON_DELIVERY:
            raise MoneyRefused(f"A delivery agent collects only cash or POS payments, not {label}.")
        return collected_by
    if actor.has_perm("orders.record_collection") and actor.user is not None:
        if method not in COLLECTED_ON_DELIVERY:
            raise MoneyRefused(f"You may record only cash or POS you collected on delivery, not {label}.")
        if order.assigned_agent_id != actor.user_id:
            raise MoneyRefused(
                f"{order} is not assigned to you; only its delivery agent records what was collected."
            )
        return actor.user
    raise MoneyRefused(f"You may not record payments on {order}.")


@transaction.atomic
def payment_record(
    *, order_id: int, amount, method: str, actor, reference: str = "", collected_by=None, note: str = ""
) -> Payment:
    """Record money received. At most the balance due; the payment that makes an awaiting-payment
    order fully paid moves it to processing (seed 001)."""
    actor = as_actor(actor)
    amount = to_amount(amount)
    with service_context("payment_record", actor):
        order = open_order(order_id, "a payment")
        collector = _collector(order, actor, method, collected_by)
        if order.stage in FINAL:
            raise MoneyRefused(f"{order} is {order.status.label}; payments are recorded only on open orders.")
        due = order.total - order.amount_paid
        if due <= 0:
            raise MoneyRefused(
                f"{order} is fully paid ({amount_text(order.amount_paid, order.currency)}); nothing is due."
            )
        if amount > due:
            raise MoneyRefused(
                f"{order} has {amount_text(due, order.currency)} left to pay; record at most that, not {amount}."
            )
        payment = Payment.objects.create(
            order=order, method=method, amount=amount, currency=order.currency, reference=reference.strip()[:100],
            note=note.strip()[:300], collected_by=collector, recorded_by=actor.user,
        )  # fmt: skip
        paid_refresh(order)
        events.record(
            order, actor, MoneyEvent.PAYMENT_RECORDED, payment=payment.pk, amount=str(amount),
            currency=order.currency, method=payment.get_method_display(), reference=payment.reference,
            collected_by=str(collector) if collector else "",
        )  # fmt: skip
        if order.stage == Stage.AWAITING_PAYMENT and order.is_paid:
            _move(
                order,
                Stage.PROCESSING,
                f"fully paid: {payment.get_method_display()} {amount_text(amount, order.currency)}",
            )
    return payment


def _move(order: Order, stage: Stage, reason: str) -> None:
    """The workflow's own move after a payment event. Refused moves leave the money recorded."""
    try:
        order_transition(order_id=order.pk, to=builtin_status(stage), actor=PAYMENTS, reason=reason)
    except TransitionRefused:
        logger.warning("%s was not moved to %s after a payment event", order, stage, exc_info=True)


@transaction.atomic
def payment_failure_record(
    *, order_id: int, actor, reason: str, amount=None, method: str = "", reference: str = ""
) -> Payment:
    """Record a failed payment attempt (a Payment in state failed, which counts for nothing). An order
    awaiting payment is cancelled by it (seed 001)."""
    actor = as_actor(actor)
    if not reason.strip():
        raise MoneyRefused("Say why the payment failed (the PSP's message, say).")
    with service_context("payment_failure_record", actor):
        order = open_order(order_id, "a payment failure")
        require(actor, "orders.record_payment", f"You may not record payment failures on {order}.")
        method = method or order.payment_method
        if method not in PaymentMethod.values:
            raise MoneyRefused(f"Unknown payment method {method!r}.")
        amount = to_amount(amount) if amount not in (None, "") else max(order.balance_due, CENT)
        payment = Payment.objects.create(
            order=order, method=method, state=Payment.State.FAILED, amount=amount, currency=order.currency,
            reference=reference.strip()[:100], note=reason.strip()[:300], recorded_by=actor.user,
        )  # fmt: skip
        events.record(
            order, actor, MoneyEvent.PAYMENT_FAILED, payment=payment.pk, amount=str(amount),
            currency=order.currency, method=payment.get_method_display(), reason=payment.note,
        )  # fmt: skip
        if order.stage == Stage.AWAITING_PAYMENT:
            _move(order, Stage.CANCELLED, f"payment failed: {payment.note}")
    return payment


@transaction.atomic
def payment_reverse(*, payment_id: int, actor, reason: str) -> Payment:
    """Correct a payment recorded by mistake with a reversing record; both stay visible."""
    actor = as_actor(actor)
    reason = reversal_reason(reason, "payment")
    order_id = Payment.objects.values_list("order_id", flat=True).get(pk=payment_id)
    with service_context("payment_reverse", actor):
        order = open_order(order_id, "a reversal")
        require(actor, "orders.record_payment", f"You may not reverse payments on {order}.")
        payment = Payment.objects.get(pk=payment_id)
        if payment.state != Payment.State.RECEIVED:
            raise MoneyRefused("A failed payment counts for nothing; there is nothing to reverse.")
        if payment.reverses_id:
            raise MoneyRefused("This record is itself a reversal; record the payment again instead.")
        if Payment.objects.filter(reverses=payment).exists():
            raise MoneyRefused(f"Payment {payment.pk} was already reversed.")
        figures = money_figures(order.pk)
        if figures["paid"] - payment.amount < figures["refunded"]:
            raise MoneyRefused(
                f"{amount_text(figures['refunded'], order.currency)} of {order} was refunded; reverse the refund "
                f"first, or the refunds would exceed what was paid."
            )
        reversal = Payment.objects.create(
            order=order, method=payment.method, amount=-payment.amount, currency=payment.currency,
            reference=payment.reference, note=reason, collected_by=payment.collected_by,
            recorded_by=actor.user, reverses=payment,
        )  # fmt: skip
        paid_refresh(order)
        events.record(
            order, actor, MoneyEvent.PAYMENT_REVERSED, payment=payment.pk, amount=str(payment.amount),
            currency=payment.currency, method=payment.get_method_display(), reason=reason,
        )  # fmt: skip
    return reversal


def payment_record_at_creation(*, order: Order, actor: Actor) -> Payment | None:
    """The payment a new order arrives with (a channel's "paid", the form's amount paid), as a record,
    so that Order.amount_paid is a sum of payments from the start. Called by order_create inside its
    transaction; the creation itself chose the order's first status."""
    if order.amount_paid <= 0:
        return None
    payment = Payment.objects.create(
        order=order, method=order.payment_method, amount=order.amount_paid, currency=order.currency,
        reference=order.channel_order_number[:100], note="paid when the order was created",
        recorded_by=actor.user,
    )  # fmt: skip
    events.record(
        order, actor, MoneyEvent.PAYMENT_RECORDED, payment=payment.pk, amount=str(payment.amount),
        currency=order.currency, method=payment.get_method_display(), reference=payment.reference,
        collected_by="",
    )  # fmt: skip
    return payment
