"""Money records are append-only: a mistake is corrected by a reversing record, both stay visible and
both are on the timeline; a record is reversed once, a reversal never, a paid-out refund never."""

import pytest

from orders.errors import MoneyRefused
from orders.models import Order, OrderEvent
from orders.money.models import Expense, Payment, Refund
from orders.money.selectors import PaymentStatus, order_breakdown, order_money_records
from orders.money.services.expenses import expense_record, expense_reverse
from orders.money.services.payments import payment_failure_record, payment_record, payment_reverse
from orders.money.services.refunds import refund_execute, refund_record, refund_reverse
from orders.workflow import Stage
from tests.orders.money.conftest import d

pytestmark = pytest.mark.django_db


def test_a_reversed_payment_stays_visible_next_to_its_reversal(order_of, csr):
    order = order_of(1, payment_method="cash")  # 12.00, processing
    payment = payment_record(order_id=order.pk, amount="12.00", method="cash", reference="R-1", actor=csr)

    reversal = payment_reverse(payment_id=payment.pk, reason="typed on the wrong order", actor=csr)

    records = order_money_records(order).payments
    assert [(row.pk, row.amount, row.is_reversed, row.is_reversal) for row in records] == [
        (payment.pk, d("12.00"), True, False),
        (reversal.pk, d("-12.00"), False, True),
    ]
    assert reversal.reverses_id == payment.pk
    assert Order.objects.get(pk=order.pk).amount_paid == d("0.00")
    assert order_breakdown(Order.objects.get(pk=order.pk)).status == PaymentStatus.UNPAID
    assert list(
        OrderEvent.objects.filter(order=order, type__startswith="payment.")
        .order_by("pk")
        .values_list("type", flat=True)
    ) == ["payment.recorded", "payment.reversed"]
    reversed_event = OrderEvent.objects.get(order=order, type="payment.reversed")
    assert reversed_event.params["reason"] == "typed on the wrong order"
    assert reversed_event.actor == csr


def test_a_payment_is_reversed_only_once_and_a_reversal_never(order_of, csr):
    order = order_of(1)
    payment = payment_record(order_id=order.pk, amount="12.00", method="cash", actor=csr)
    reversal = payment_reverse(payment_id=payment.pk, reason="mistake", actor=csr)

    with pytest.raises(MoneyRefused, match="already reversed"):
        payment_reverse(payment_id=payment.pk, reason="again", actor=csr)
    with pytest.raises(MoneyRefused, match="itself a reversal"):
        payment_reverse(payment_id=reversal.pk, reason="undo the undo", actor=csr)
    assert Payment.objects.filter(order=order).count() == 2


def test_a_reversal_needs_a_reason(order_of, csr):
    order = order_of(1)
    payment = payment_record(order_id=order.pk, amount="12.00", method="cash", actor=csr)

    with pytest.raises(MoneyRefused, match="Say why"):
        payment_reverse(payment_id=payment.pk, reason="  ", actor=csr)


def test_a_failed_payment_counts_for_nothing_and_cannot_be_reversed(order_of, csr):
    order = order_of(1)  # cash, processing: a failure does not cancel it
    failed = payment_failure_record(order_id=order.pk, amount="12.00", reason="card declined", actor=csr)

    assert Order.objects.get(pk=order.pk).amount_paid == d("0.00")
    assert Order.objects.get(pk=order.pk).stage == Stage.PROCESSING
    with pytest.raises(MoneyRefused, match="counts for nothing"):
        payment_reverse(payment_id=failed.pk, reason="x", actor=csr)


def test_a_payment_cannot_be_reversed_below_what_was_refunded(order_of, csr):
    order = order_of(1, payment_method="card")
    payment = payment_record(order_id=order.pk, amount="12.00", method="card", actor=csr)
    refund = refund_record(order_id=order.pk, amount="5.00", reason="goodwill", actor=csr)

    with pytest.raises(MoneyRefused, match="reverse the refund first"):
        payment_reverse(payment_id=payment.pk, reason="chargeback", actor=csr)

    refund_reverse(refund_id=refund.pk, reason="not owed after all", actor=csr)
    payment_reverse(payment_id=payment.pk, reason="chargeback", actor=csr)
    figures = order_breakdown(Order.objects.get(pk=order.pk))
    assert (figures.paid, figures.refunded) == (d("0.00"), d("0.00"))


def test_an_expense_is_reversed_with_a_negative_record(order_of, csr, agent):
    order = order_of(1, assigned_agent=agent)
    expense = expense_record(order_id=order.pk, category="delivery", amount="4.00", paid_by=agent, actor=csr)

    reversal = expense_reverse(expense_id=expense.pk, reason="duplicate receipt", actor=csr)

    assert (reversal.amount, reversal.paid_by, reversal.reverses) == (d("-4.00"), agent, expense)
    figures = order_breakdown(Order.objects.get(pk=order.pk))
    assert (figures.expenses, figures.expected_remittance) == (d("0.00"), d("0.00"))
    assert Expense.objects.filter(order=order).count() == 2
    with pytest.raises(MoneyRefused, match="already reversed"):
        expense_reverse(expense_id=expense.pk, reason="again", actor=csr)
    assert OrderEvent.objects.filter(order=order, type="expense.reversed").count() == 1


def test_a_refund_is_paid_out_with_a_reference_and_then_cannot_be_reversed(order_of, csr):
    order = order_of(1, payment_method="card")
    payment_record(order_id=order.pk, amount="12.00", method="card", actor=csr)
    refund = refund_record(order_id=order.pk, amount="12.00", reason="cancelled by phone", actor=csr)

    with pytest.raises(MoneyRefused, match="reference"):
        refund_execute(refund_id=refund.pk, reference=" ", actor=csr)
    refund_execute(refund_id=refund.pk, reference="PSP-RF-991", actor=csr)

    refund.refresh_from_db()
    assert (refund.reference, refund.executed_by, refund.executed_at is not None) == ("PSP-RF-991", csr, True)
    assert order_breakdown(Order.objects.get(pk=order.pk)).refunds_pending == d("0.00")
    with pytest.raises(MoneyRefused, match="already paid out"):
        refund_execute(refund_id=refund.pk, reference="again", actor=csr)
    with pytest.raises(MoneyRefused, match="cannot be reversed"):
        refund_reverse(refund_id=refund.pk, reason="oops", actor=csr)
    assert (
        OrderEvent.objects.filter(order=order, type="refund.executed").get().params["reference"]
        == "PSP-RF-991"
    )


def test_a_reversed_refund_is_not_paid_out(order_of, csr):
    order = order_of(1, payment_method="card")
    payment_record(order_id=order.pk, amount="12.00", method="card", actor=csr)
    refund = refund_record(order_id=order.pk, amount="3.00", reason="coupon", actor=csr)
    reversal = refund_reverse(refund_id=refund.pk, reason="coupon expired", actor=csr)

    with pytest.raises(MoneyRefused, match="was reversed"):
        refund_execute(refund_id=refund.pk, reference="X", actor=csr)
    with pytest.raises(MoneyRefused, match="is a reversal"):
        refund_execute(refund_id=reversal.pk, reference="X", actor=csr)
    assert [r.amount for r in Refund.objects.filter(order=order).order_by("pk")] == [d("3.00"), d("-3.00")]
