"""The JSON API's money of one order: list, record and reverse payments, expenses and refunds, as the
order page's money panel does. Each endpoint checks the permission its page view checks (403), finds
the order through what the token's user may see (404), reads the posted values through the page's own
form and calls the same service; refusals keep the page's sentence (409 money-refused)."""

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Status

from config.api import auth
from config.api.problems import form_problems, invalid
from orders.api import ERRORS, WRITE_ERRORS, visible_order
from orders.money import selectors as money_selectors
from orders.money.api_schemas import (
    ExpenseIn,
    ExpenseOut,
    PaymentIn,
    PaymentOut,
    RefundIn,
    RefundOut,
    ReverseIn,
)
from orders.money.forms import ExpenseForm, PaymentForm, RefundForm, ReverseForm, agents_for_money_forms
from orders.money.models import Expense, Payment, Refund
from orders.money.services.expenses import expense_record, expense_reverse
from orders.money.services.payments import payment_record, payment_reverse
from orders.money.services.refunds import refund_record, refund_reverse

router = Router(tags=["money"], auth=auth.read)

# The page views' gates (orders/money/views.py): one of these permissions opens each form.
RECORD_PAYMENT = ("orders.record_payment", "orders.record_collection")
RECORD_EXPENSE = ("orders.record_expense", "orders.record_delivery_expense")


def _readable_order(request: HttpRequest, number: str):
    """The order page shows its money panel to everyone who may open the page."""
    auth.require(request, ("orders.view_order",), "Your role does not see orders.")
    return visible_order(request, number)


def _cleaned(form) -> dict:
    """The page form's cleaned data, or a 422 naming each field as the request does."""
    if not form.is_valid():
        raise invalid(*form_problems(form))
    return form.cleaned_data


def _agent_choice(form, field: str, username: str | None) -> int | str:
    """The form's value for a delivery agent named by username. The form offers the field only to
    those who may name someone else (delivery agents record what they collected or paid themselves)."""
    if username is None:
        return ""
    if field not in form.fields:
        raise invalid((field, "You record only your own; leave this field out."))
    agent = agents_for_money_forms().filter(username=username).values_list("pk", flat=True).first()
    if agent is None:
        raise invalid((field, f"No delivery agent is called {username!r}."))
    return agent


def _name(user) -> str | None:
    return user.username if user is not None else None


def _record(row, reversed_by: int | None = None) -> dict:
    return {
        "id": row.pk,
        "amount": row.amount,
        "currency": row.currency,
        "recorded_by": _name(row.recorded_by),
        "recorded_at": row.recorded_at,
        "reverses": row.reverses_id,
        "reversed_by": reversed_by,
    }


def payment_out(payment: Payment, reversed_by: int | None = None) -> dict:
    return {
        **_record(payment, reversed_by),
        "method": payment.method,
        "state": payment.state,
        "reference": payment.reference,
        "note": payment.note,
        "collected_by": _name(payment.collected_by),
    }


def expense_out(expense: Expense, reversed_by: int | None = None) -> dict:
    return {
        **_record(expense, reversed_by),
        "category": expense.category,
        "paid_by": _name(expense.paid_by),
        "note": expense.note,
    }


def refund_out(refund: Refund, reversed_by: int | None = None) -> dict:
    return {
        **_record(refund, reversed_by),
        "kind": refund.kind,
        "method": refund.method,
        "reason": refund.reason,
        "lines": refund.lines,
        "return_number": refund.return_number,
        "executed_at": refund.executed_at,
        "executed_by": _name(refund.executed_by),
        "reference": refund.reference,
    }


def _records(request: HttpRequest, number: str, kind: str, serialise) -> list[dict]:
    """The order's payments, expenses or refunds as its page lists them: oldest first, each naming the
    record that reverses it, if any."""
    order = _readable_order(request, number)
    rows = getattr(money_selectors.order_money_records(order, present=frozenset({kind})), kind)
    reversals = {row.reverses_id: row.pk for row in rows if row.reverses_id}
    return [serialise(row, reversals.get(row.pk)) for row in rows]


def _to_reverse(model, request: HttpRequest, number: str, record_id: int, payload: ReverseIn):
    """The record of this order to reverse (404 unless it is the order's) and the checked reason."""
    order = visible_order(request, number)
    if not 1 <= record_id < 2**63:
        raise Http404(f"No such {model._meta.verbose_name} on {order}.")
    record = get_object_or_404(model, pk=record_id, order=order)
    return record, _cleaned(ReverseForm({"reason": payload.reason}))["reason"]


# Payments -------------------------------------------------------------------------------------------


@router.get(
    "/orders/{number}/payments", response={200: list[PaymentOut], **ERRORS}, summary="An order's payments"
)
def list_payments(request: HttpRequest, number: str):
    """Received and failed payments and their reversals, oldest first."""
    return _records(request, number, "payments", payment_out)


@router.post(
    "/orders/{number}/payments",
    auth=auth.write,
    response={201: PaymentOut, **WRITE_ERRORS},
    summary="Record a payment received",
)
def record_payment(request: HttpRequest, number: str, payload: PaymentIn):
    """At most the balance due. The payment that makes an order awaiting payment fully paid moves it
    to processing. A delivery agent records cash or POS they collected on their own orders."""
    auth.require(request, RECORD_PAYMENT, "Your role does not record payments.")
    order = visible_order(request, number)
    collector_only = not request.user.has_perm("orders.record_payment")
    data = {"amount": payload.amount, "method": payload.method, "reference": payload.reference}
    data["collected_by"] = _agent_choice(
        PaymentForm(collector_only=collector_only), "collected_by", payload.collected_by
    )
    cleaned = _cleaned(PaymentForm(data, collector_only=collector_only))
    payment = payment_record(
        order_id=order.pk, amount=cleaned["amount"], method=cleaned["method"], reference=cleaned["reference"],
        collected_by=cleaned.get("collected_by"), actor=request.user,
    )  # fmt: skip
    return Status(201, payment_out(payment))


@router.post(
    "/orders/{number}/payments/{payment_id}/reverse",
    auth=auth.write,
    response={201: PaymentOut, **WRITE_ERRORS},
    summary="Reverse a payment",
)
def reverse_payment(request: HttpRequest, number: str, payment_id: int, payload: ReverseIn):
    """A reversing record of the opposite amount; both stay. A reversal cannot be reversed."""
    auth.require(request, ("orders.record_payment",), "Your role does not reverse payments.")
    payment, reason = _to_reverse(Payment, request, number, payment_id, payload)
    return Status(201, payment_out(payment_reverse(payment_id=payment.pk, reason=reason, actor=request.user)))


# Expenses -------------------------------------------------------------------------------------------


@router.get(
    "/orders/{number}/expenses", response={200: list[ExpenseOut], **ERRORS}, summary="An order's expenses"
)
def list_expenses(request: HttpRequest, number: str):
    return _records(request, number, "expenses", expense_out)


@router.post(
    "/orders/{number}/expenses",
    auth=auth.write,
    response={201: ExpenseOut, **WRITE_ERRORS},
    summary="Record an expense",
)
def record_expense(request: HttpRequest, number: str, payload: ExpenseIn):
    """Paid by a delivery agent (`paid_by`) or the company. A delivery agent records what they paid
    delivering their own orders."""
    auth.require(request, RECORD_EXPENSE, "Your role does not record expenses.")
    order = visible_order(request, number)
    payer_only = not request.user.has_perm("orders.record_expense")
    data = {"category": payload.category, "amount": payload.amount, "note": payload.note}
    data["paid_by"] = _agent_choice(ExpenseForm(payer_only=payer_only), "paid_by", payload.paid_by)
    cleaned = _cleaned(ExpenseForm(data, payer_only=payer_only))
    expense = expense_record(
        order_id=order.pk, category=cleaned["category"], amount=cleaned["amount"],
        paid_by=cleaned.get("paid_by"), note=cleaned["note"], actor=request.user,
    )  # fmt: skip
    return Status(201, expense_out(expense))


@router.post(
    "/orders/{number}/expenses/{expense_id}/reverse",
    auth=auth.write,
    response={201: ExpenseOut, **WRITE_ERRORS},
    summary="Reverse an expense",
)
def reverse_expense(request: HttpRequest, number: str, expense_id: int, payload: ReverseIn):
    auth.require(request, ("orders.record_expense",), "Your role does not reverse expenses.")
    expense, reason = _to_reverse(Expense, request, number, expense_id, payload)
    return Status(201, expense_out(expense_reverse(expense_id=expense.pk, reason=reason, actor=request.user)))


# Refunds --------------------------------------------------------------------------------------------


@router.get(
    "/orders/{number}/refunds", response={200: list[RefundOut], **ERRORS}, summary="An order's refunds"
)
def list_refunds(request: HttpRequest, number: str):
    """Recorded refunds, paid out or still owed, and their reversals, oldest first."""
    return _records(request, number, "refunds", refund_out)


@router.post(
    "/orders/{number}/refunds",
    auth=auth.write,
    response={201: RefundOut, **WRITE_ERRORS},
    summary="Record a refund owed to the customer",
)
def record_refund(request: HttpRequest, number: str, payload: RefundIn):
    """At most what was paid and not yet refunded; it is paid out later (on the order page)."""
    auth.require(request, ("orders.record_refund",), "Your role does not record refunds.")
    order = visible_order(request, number)
    cleaned = _cleaned(
        RefundForm({"amount": payload.amount, "reason": payload.reason, "method": payload.method})
    )
    refund = refund_record(
        order_id=order.pk, amount=cleaned["amount"], reason=cleaned["reason"], method=cleaned["method"],
        actor=request.user,
    )  # fmt: skip
    return Status(201, refund_out(refund))


@router.post(
    "/orders/{number}/refunds/{refund_id}/reverse",
    auth=auth.write,
    response={201: RefundOut, **WRITE_ERRORS},
    summary="Reverse a refund not yet paid out",
)
def reverse_refund(request: HttpRequest, number: str, refund_id: int, payload: ReverseIn):
    auth.require(request, ("orders.record_refund",), "Your role does not reverse refunds.")
    refund, reason = _to_reverse(Refund, request, number, refund_id, payload)
    return Status(201, refund_out(refund_reverse(refund_id=refund.pk, reason=reason, actor=request.user)))
