"""Money services (SPEC 6): payments, expenses, refunds and remittances, and the moves they trigger.

Records are append-only: each service adds a row (a reversal is a new, negative row) and the
timeline event in the order's transaction, under the order's row lock, so two cashiers never
overpay or over-refund an order. Order.amount_paid is a cache of the received payments' sum that
only this module writes (_paid_refresh).

Workflow moves (seeds 001 and 004), made by the system on the workflow's behalf, through
order_transition:
- the payment that makes an awaiting-payment order fully paid moves it to processing;
- a payment failure (payment_failure_record: a Payment row in state "failed", counting for nothing)
  moves an awaiting-payment order to cancelled;
- entering cancelled records the refund of what was paid, and entering returned the refund of the
  shipped lines no return has refunded yet (called by the transition service after the commit,
  orders/services/transitions.py, so every path that cancels, the mass actions included, is covered).
"""

import logging
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from orders import events
from orders.actors import Actor, as_actor
from orders.errors import MoneyRefused, TransitionRefused
from orders.models import Order, OrderLine, PaymentMethod
from orders.money.events import MoneyEvent
from orders.money.models import Expense, ExpenseCategory, Payment, Refund, Remittance
from orders.money.selectors import COLLECTED_ON_DELIVERY, agent_owed, money_figures
from orders.services.common import locked_order, service_context
from orders.services.transitions import builtin_status, order_transition
from orders.workflow import FINAL, Stage

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("9999999999.99")
PAYMENTS = Actor.system("Payments")
REFUNDS = Actor.system("Refunds")


def to_amount(value, what: str = "amount") -> Decimal:
    """A positive amount of money with at most two decimals, or MoneyRefused saying what is wrong."""
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise MoneyRefused(f"Enter the {what} as a number, e.g. 12.50, not {value!r}.") from None
    if not amount.is_finite():
        raise MoneyRefused(f"Enter the {what} as a number, e.g. 12.50.")
    if amount != amount.quantize(CENT, rounding=ROUND_HALF_UP):
        raise MoneyRefused(f"Amounts have at most 2 decimal places; {amount} has more.")
    if amount <= 0:
        raise MoneyRefused(f"The {what} must be above 0, not {amount}.")
    if amount > MAX_AMOUNT:
        raise MoneyRefused(f"The {what} {amount} is too large.")
    return amount.quantize(CENT)


def _text(amount: Decimal, currency: str) -> str:
    return f"{amount:,.2f} {currency}"


def _paid_refresh(order: Order) -> None:
    """Bring the Order.amount_paid cache in line with the payment rows (order locked by the caller)."""
    order.amount_paid = money_figures(order.pk)["paid"]
    order.save(update_fields=["amount_paid", "updated_at"])


def _open_order(order_id: int, what: str) -> Order:
    order = locked_order(order_id)
    if order.is_deleted:
        raise MoneyRefused(f"{order} is deleted; restore it before recording {what} on it.")
    return order


def _require(actor: Actor, permission: str, message: str) -> None:
    if not actor.has_perm(permission):
        raise MoneyRefused(message)


def _reason(reason: str, what: str) -> str:
    if not reason.strip():
        raise MoneyRefused(f"Say why the {what} is reversed.")
    return reason.strip()[:300]


# Payments -------------------------------------------------------------------------------------------


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
        order = _open_order(order_id, "a payment")
        collector = _collector(order, actor, method, collected_by)
        if order.stage in FINAL:
            raise MoneyRefused(f"{order} is {order.status.label}; payments are recorded only on open orders.")
        due = order.total - order.amount_paid
        if due <= 0:
            raise MoneyRefused(
                f"{order} is fully paid ({_text(order.amount_paid, order.currency)}); nothing is due."
            )
        if amount > due:
            raise MoneyRefused(
                f"{order} has {_text(due, order.currency)} left to pay; record at most that, not {amount}."
            )
        payment = Payment.objects.create(
            order=order, method=method, amount=amount, currency=order.currency, reference=reference.strip()[:100],
            note=note.strip()[:300], collected_by=collector, recorded_by=actor.user,
        )  # fmt: skip
        _paid_refresh(order)
        events.record(
            order, actor, MoneyEvent.PAYMENT_RECORDED, payment=payment.pk, amount=str(amount),
            currency=order.currency, method=payment.get_method_display(), reference=payment.reference,
            collected_by=str(collector) if collector else "",
        )  # fmt: skip
        if order.stage == Stage.AWAITING_PAYMENT and order.is_paid:
            _move(
                order,
                Stage.PROCESSING,
                f"fully paid: {payment.get_method_display()} {_text(amount, order.currency)}",
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
        order = _open_order(order_id, "a payment failure")
        _require(actor, "orders.record_payment", f"You may not record payment failures on {order}.")
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
    reason = _reason(reason, "payment")
    order_id = Payment.objects.values_list("order_id", flat=True).get(pk=payment_id)
    with service_context("payment_reverse", actor):
        order = _open_order(order_id, "a reversal")
        _require(actor, "orders.record_payment", f"You may not reverse payments on {order}.")
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
                f"{_text(figures['refunded'], order.currency)} of {order} was refunded; reverse the refund "
                f"first, or the refunds would exceed what was paid."
            )
        reversal = Payment.objects.create(
            order=order, method=payment.method, amount=-payment.amount, currency=payment.currency,
            reference=payment.reference, note=reason, collected_by=payment.collected_by,
            recorded_by=actor.user, reverses=payment,
        )  # fmt: skip
        _paid_refresh(order)
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


# Expenses -------------------------------------------------------------------------------------------


def _payer(order: Order, actor: Actor, paid_by):
    if actor.has_perm("orders.record_expense"):
        return paid_by
    if actor.has_perm("orders.record_delivery_expense") and actor.user is not None:
        if order.assigned_agent_id != actor.user_id:
            raise MoneyRefused(f"{order} is not assigned to you; record expenses on your own deliveries.")
        return actor.user
    raise MoneyRefused(f"You may not record expenses on {order}.")


@transaction.atomic
def expense_record(*, order_id: int, category: str, amount, actor, paid_by=None, note: str = "") -> Expense:
    """Record a cost of the order, paid by a delivery agent (paid_by) or by the company (None)."""
    actor = as_actor(actor)
    amount = to_amount(amount)
    if category not in ExpenseCategory.values:
        raise MoneyRefused(f"Choose the expense category ({', '.join(ExpenseCategory.labels)}).")
    with service_context("expense_record", actor):
        order = _open_order(order_id, "an expense")
        payer = _payer(order, actor, paid_by)
        expense = Expense.objects.create(
            order=order, category=category, amount=amount, currency=order.currency, paid_by=payer,
            note=note.strip()[:300], recorded_by=actor.user,
        )  # fmt: skip
        events.record(
            order, actor, MoneyEvent.EXPENSE_RECORDED, expense=expense.pk, amount=str(amount),
            currency=order.currency, category=expense.get_category_display(),
            paid_by=str(payer) if payer else "the company", note=expense.note,
        )  # fmt: skip
    return expense


@transaction.atomic
def expense_reverse(*, expense_id: int, actor, reason: str) -> Expense:
    actor = as_actor(actor)
    reason = _reason(reason, "expense")
    order_id = Expense.objects.values_list("order_id", flat=True).get(pk=expense_id)
    with service_context("expense_reverse", actor):
        order = _open_order(order_id, "a reversal")
        _require(actor, "orders.record_expense", f"You may not reverse expenses on {order}.")
        expense = Expense.objects.get(pk=expense_id)
        if expense.reverses_id:
            raise MoneyRefused("This record is itself a reversal; record the expense again instead.")
        if Expense.objects.filter(reverses=expense).exists():
            raise MoneyRefused(f"Expense {expense.pk} was already reversed.")
        reversal = Expense.objects.create(
            order=order, category=expense.category, amount=-expense.amount, currency=expense.currency,
            paid_by=expense.paid_by, note=reason, recorded_by=actor.user, reverses=expense,
        )  # fmt: skip
        events.record(
            order, actor, MoneyEvent.EXPENSE_REVERSED, expense=expense.pk, amount=str(expense.amount),
            currency=expense.currency, category=expense.get_category_display(), reason=reason,
        )  # fmt: skip
    return reversal


# Refunds --------------------------------------------------------------------------------------------


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
        order = _open_order(order_id, "a refund")
        _require(actor, "orders.record_refund", f"You may not record refunds on {order}.")
        available = _refundable(order)
        if amount > available:
            raise MoneyRefused(
                f"Only {_text(available, order.currency)} of {order} was paid and not yet refunded; "
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
        order = _open_order(order_id, "a refund payout")
        _require(actor, "orders.record_refund", f"You may not execute refunds on {order}.")
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
    reason = _reason(reason, "refund")
    order_id = Refund.objects.values_list("order_id", flat=True).get(pk=refund_id)
    with service_context("refund_reverse", actor):
        order = _open_order(order_id, "a reversal")
        _require(actor, "orders.record_refund", f"You may not reverse refunds on {order}.")
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


# Remittance -----------------------------------------------------------------------------------------


def _locked_agent(agent_id: int):
    return get_user_model().objects.select_for_update().get(pk=agent_id)


@transaction.atomic
def remittance_mark(
    *, agent, amount, currency: str, actor, period_start: date | None = None, period_end: date | None = None,
    note: str = "",
) -> Remittance:  # fmt: skip
    """Record cash an agent handed over; at most what they owe."""
    actor = as_actor(actor)
    amount = to_amount(amount)
    _require(actor, "orders.mark_remitted", "You may not mark remittances.")
    agent = _locked_agent(agent.pk)
    owed = agent_owed(agent.pk, currency)
    if amount > owed:
        raise MoneyRefused(f"{agent} owes {_text(owed, currency)}; mark at most that remitted, not {amount}.")
    if period_start and period_end and period_start > period_end:
        raise MoneyRefused("The period starts after it ends.")
    return Remittance.objects.create(
        agent=agent, amount=amount, currency=currency, period_start=period_start, period_end=period_end,
        note=note.strip()[:300], recorded_by=actor.user,
    )  # fmt: skip


@transaction.atomic
def remittance_reverse(*, remittance_id: int, actor, reason: str) -> Remittance:
    """Undo a remittance marked by mistake: managers only, with a reversing record."""
    actor = as_actor(actor)
    reason = _reason(reason, "remittance")
    _require(actor, "orders.mark_remitted", "Only a manager may reverse a remittance.")
    agent_id = Remittance.objects.values_list("agent_id", flat=True).get(pk=remittance_id)
    _locked_agent(agent_id)
    remittance = Remittance.objects.get(pk=remittance_id)
    if remittance.reverses_id:
        raise MoneyRefused("This record is itself a reversal; mark the remittance again instead.")
    if Remittance.objects.filter(reverses=remittance).exists():
        raise MoneyRefused(f"Remittance {remittance.pk} was already reversed.")
    return Remittance.objects.create(
        agent_id=agent_id, amount=-remittance.amount, currency=remittance.currency,
        period_start=remittance.period_start, period_end=remittance.period_end, note=reason,
        recorded_by=actor.user, reverses=remittance,
    )  # fmt: skip


@transaction.atomic
def order_paid_move_on(*, order_id: int) -> Order:
    """An order entering awaiting payment already fully paid (a draft confirmed, a hold released)
    goes on to processing, as the payment itself would have moved it (seed 001)."""
    with service_context("order_paid_move_on", PAYMENTS):
        order = locked_order(order_id)
        if order.stage == Stage.AWAITING_PAYMENT and order.total > 0 and order.is_paid:
            _move(order, Stage.PROCESSING, "fully paid")
    return order


def order_money_on_stage(*, order_id: int, stage: str):
    """What money does when an order enters a stage (the transition service calls it after the commit)."""
    if stage == Stage.CANCELLED:
        return order_cancellation_refund(order_id=order_id)
    if stage == Stage.RETURNED:
        return order_returned_refund(order_id=order_id)
    if stage == Stage.AWAITING_PAYMENT:
        return order_paid_move_on(order_id=order_id)
    return None
