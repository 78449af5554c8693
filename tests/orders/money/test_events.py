"""The money services' timeline events (issue 14): registered next to the money services, each worded
on the order page and escaped; the one MoneyEvent is the registry's."""

import pytest

from orders.money.events import MoneyEvent
from orders.money.services.expenses import expense_record, expense_reverse
from orders.money.services.payments import payment_failure_record, payment_record, payment_reverse
from orders.money.services.refunds import refund_execute, refund_record, refund_reverse
from orders.timeline import order_timeline, render_timeline
from tests.event_wording import constants_of, shown_on_the_timeline, types_registered_by, with_markup

pytestmark = pytest.mark.django_db

# Each type orders/money/events.py registers, with parameters as orders/money/services.py writes them.
MONEY_EVENTS = {
    "payment.recorded": (
        {"payment": 1, "amount": "12.50", "currency": "EUR", "method": "Cash", "reference": "R-1",
         "collected_by": "Ada"},
        "Payment of 12.50 EUR recorded (Cash, ref R-1), collected by Ada",
    ),
    "payment.failed": (
        {"payment": 2, "amount": "5.00", "currency": "EUR", "method": "Card", "reason": "declined"},
        '<span class="text-danger">Payment of 5.00 EUR failed</span> (Card): declined',
    ),
    "payment.reversed": (
        {"payment": 1, "amount": "12.50", "currency": "EUR", "method": "Cash", "reason": "counterfeit"},
        "Payment 1 of 12.50 EUR reversed: counterfeit",
    ),
    "expense.recorded": (
        {"expense": 3, "amount": "4.00", "currency": "EUR", "category": "Fuel", "paid_by": "Ada",
         "note": "van"},
        "Expense fuel 4.00 EUR paid by Ada: van",
    ),
    "expense.reversed": (
        {"expense": 3, "amount": "4.00", "currency": "EUR", "category": "Fuel", "reason": "typo"},
        "Expense 3 of 4.00 EUR reversed: typo",
    ),
    "refund.recorded": (
        {"refund": 4, "amount": "3.00", "currency": "GBP", "kind": "Return", "reason": "damaged",
         "return_number": "RMA-7"},
        "Refund of 3.00 GBP recorded (return RMA-7): damaged",
    ),
    "refund.executed": (
        {"refund": 4, "amount": "3.00", "currency": "GBP", "reference": "TX-9"},
        "Refund 4 of 3.00 GBP paid out, ref TX-9",
    ),
    "refund.reversed": (
        {"refund": 4, "amount": "3.00", "currency": "GBP", "reason": "wrong order"},
        "Refund 4 of 3.00 GBP reversed: wrong order",
    ),
}  # fmt: skip


def test_every_money_event_type_is_registered_and_worded_on_the_timeline():
    assert types_registered_by("orders.money.events") == set(MONEY_EVENTS) == constants_of(MoneyEvent)
    shown = shown_on_the_timeline({type: params for type, (params, _) in MONEY_EVENTS.items()})
    assert shown == {type: wording for type, (_, wording) in MONEY_EVENTS.items()}


def test_every_value_in_a_money_event_is_escaped_on_the_timeline():
    shown = shown_on_the_timeline({type: with_markup(params) for type, (params, _) in MONEY_EVENTS.items()})
    for type, wording in shown.items():
        assert "<b " not in wording, type


def test_every_event_the_money_services_write_is_worded_on_the_timeline(order_of, csr, manager):
    order = order_of(2)  # 24.00, cash, processing: the failure does not cancel it
    payment_failure_record(
        order_id=order.pk, amount="24.00", method="card", reason="card declined", actor=csr
    )
    typo = payment_record(order_id=order.pk, amount="10.00", method="cash", actor=csr)
    payment_reverse(payment_id=typo.pk, reason="typed on the wrong order", actor=manager)
    payment_record(order_id=order.pk, amount="24.00", method="cash", reference="R-1", actor=csr)
    refund = refund_record(order_id=order.pk, amount="5.00", reason="goodwill", actor=csr)
    refund_execute(refund_id=refund.pk, reference="TX-1", actor=manager)
    coupon = refund_record(order_id=order.pk, amount="2.00", reason="coupon", actor=csr)
    refund_reverse(refund_id=coupon.pk, reason="coupon expired", actor=csr)
    expense = expense_record(order_id=order.pk, category="delivery", amount="4.00", actor=csr)
    expense_reverse(expense_id=expense.pk, reason="duplicate receipt", actor=csr)

    html = render_timeline(order_timeline(order), "timeline")
    written = set(order.events.values_list("type", flat=True))
    assert constants_of(MoneyEvent) <= written
    for type in written:
        assert f"<div>{type} {{" not in html, f"{type} is shown without wording"
    assert f"Payment of 24.00 {order.currency} failed</span> (Card): card declined" in html


def test_the_money_services_name_the_registered_types():
    from orders.money.services import payments as money

    assert money.MoneyEvent is MoneyEvent  # the services write the registry's own constants
