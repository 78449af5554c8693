"""Every derived money figure (SPEC 6): paid, refunded, balance due, payment status, expenses total and
expected remittance are sums of the records, and Order.amount_paid is their cache."""

from decimal import Decimal

import pytest

from orders.models import Order, OrderEvent
from orders.money.models import Expense, Payment, Refund
from orders.money.selectors import PaymentStatus, order_breakdown, payment_status
from orders.money.services.expenses import expense_record
from orders.money.services.payments import payment_record
from orders.money.services.refunds import refund_record
from orders.services.transitions import builtin_status, order_transition
from orders.workflow import Stage
from tests.orders.money.conftest import d

pytestmark = pytest.mark.django_db


def breakdown(order):
    return order_breakdown(Order.objects.get(pk=order.pk))


def test_an_unpaid_order_owes_its_whole_total(order_of):
    order = order_of(3, payment_method="card", delivery_fee="4.50")

    figures = breakdown(order)

    assert (figures.subtotal, figures.tax_total, figures.delivery_fee, figures.total) == (
        d("30.00"), d("6.00"), d("4.50"), d("40.50"),
    )  # fmt: skip
    assert (figures.paid, figures.refunded, figures.balance_due) == (d("0.00"), d("0.00"), d("40.50"))
    assert figures.status == PaymentStatus.UNPAID
    assert (figures.expenses, figures.expected_remittance) == (d("0.00"), d("0.00"))


def test_payments_add_up_to_paid_and_the_cache_follows_them(order_of, csr):
    order = order_of(3, payment_method="card")  # 36.00

    payment_record(order_id=order.pk, amount="10.00", method="card", actor=csr)
    partly = breakdown(order)
    payment_record(order_id=order.pk, amount="26.00", method="transfer", actor=csr)
    fully = breakdown(order)

    assert (partly.paid, partly.balance_due, partly.status) == (
        d("10.00"),
        d("26.00"),
        PaymentStatus.PARTIALLY_PAID,
    )
    assert (fully.paid, fully.balance_due, fully.status) == (d("36.00"), d("0.00"), PaymentStatus.PAID)
    assert Order.objects.get(pk=order.pk).amount_paid == d("36.00")
    assert Payment.objects.filter(order=order).count() == 2


def test_refunds_are_counted_apart_from_payments(order_of, csr):
    order = order_of(2, payment_method="card")  # 24.00
    payment_record(order_id=order.pk, amount="24.00", method="card", actor=csr)

    refund_record(order_id=order.pk, amount="5.00", reason="scratched box", actor=csr)
    partly = breakdown(order)
    refund_record(order_id=order.pk, amount="19.00", reason="goodwill", actor=csr)
    fully = breakdown(order)

    assert (partly.paid, partly.refunded, partly.net_paid) == (d("24.00"), d("5.00"), d("19.00"))
    assert partly.status == PaymentStatus.PARTIALLY_REFUNDED
    assert (fully.refunded, fully.net_paid, fully.status) == (d("24.00"), d("0.00"), PaymentStatus.REFUNDED)
    assert fully.refunds_pending == d("24.00")
    # Refunds never make an order owe money again.
    assert fully.balance_due == d("0.00")
    assert Order.objects.get(pk=order.pk).amount_paid == d("24.00")


def test_expenses_total_both_the_agents_and_the_companys(order_of, csr, agent):
    order = order_of(1, assigned_agent=agent)

    expense_record(order_id=order.pk, category="delivery", amount="3.00", paid_by=agent, actor=csr)
    expense_record(order_id=order.pk, category="packaging", amount="1.25", actor=csr)

    figures = breakdown(order)
    assert figures.expenses == d("4.25")
    assert figures.expenses_by_agent == d("3.00")
    assert set(Expense.objects.filter(order=order).values_list("paid_by", flat=True)) == {agent.pk, None}


def test_expected_remittance_is_cash_and_pos_the_agent_collected_less_what_they_paid(order_of, csr, agent):
    order = order_of(2, assigned_agent=agent, delivery_fee="6.00")  # cash on delivery, 30.00
    payment_record(order_id=order.pk, amount="20.00", method="cash", actor=agent)
    payment_record(order_id=order.pk, amount="8.00", method="pos", actor=agent)
    payment_record(order_id=order.pk, amount="2.00", method="transfer", actor=csr)  # not the agent's
    expense_record(order_id=order.pk, category="delivery", amount="3.50", actor=agent)
    expense_record(order_id=order.pk, category="courier_fee", amount="9.00", actor=csr)  # the company's

    figures = breakdown(order)

    assert figures.collected_by_agent == d("28.00")
    assert figures.expected_remittance == d("24.50")
    assert (figures.paid, figures.balance_due, figures.expenses) == (d("30.00"), d("0.00"), d("12.50"))


def test_a_cancelled_order_owes_nothing(order_of, manager):
    order = order_of(1, payment_method="card")
    order_transition(order_id=order.pk, to=builtin_status(Stage.CANCELLED), actor=manager, reason="test")

    assert breakdown(order).balance_due == d("0.00")


def test_an_order_created_paid_arrives_with_its_payment_record(order_of):
    order = order_of(1, payment_method="channel", amount_paid=Decimal("12.00"))

    payment = Payment.objects.get(order=order)
    assert (payment.amount, payment.method, payment.state) == (d("12.00"), "channel", Payment.State.RECEIVED)
    assert order.amount_paid == breakdown(order).paid == d("12.00")
    assert order.stage == Stage.PROCESSING
    assert OrderEvent.objects.filter(order=order, type="payment.recorded").count() == 1


def test_amounts_are_stored_with_two_decimals_in_the_orders_currency(order_of, csr):
    order = order_of(1, payment_method="card", currency="EUR")
    payment = payment_record(order_id=order.pk, amount="5.5", method="card", actor=csr)
    refund = refund_record(order_id=order.pk, amount=Decimal("1.10"), reason="coupon", actor=csr)

    payment.refresh_from_db()
    assert (str(payment.amount), payment.currency) == ("5.50", "EUR")
    assert (Refund.objects.get(pk=refund.pk).currency, breakdown(order).currency) == ("EUR", "EUR")


@pytest.mark.parametrize(
    ("total", "paid", "refunded", "status"),
    [
        ("10.00", "0.00", "0.00", PaymentStatus.UNPAID),
        ("10.00", "0.01", "0.00", PaymentStatus.PARTIALLY_PAID),
        ("10.00", "9.99", "0.00", PaymentStatus.PARTIALLY_PAID),
        ("10.00", "10.00", "0.00", PaymentStatus.PAID),
        ("0.00", "0.00", "0.00", PaymentStatus.PAID),
        ("10.00", "10.00", "0.01", PaymentStatus.PARTIALLY_REFUNDED),
        ("10.00", "4.00", "1.00", PaymentStatus.PARTIALLY_REFUNDED),
        ("10.00", "10.00", "10.00", PaymentStatus.REFUNDED),
        ("10.00", "4.00", "4.00", PaymentStatus.REFUNDED),
    ],
)
def test_the_payment_status_follows_paid_and_refunded_against_the_total(total, paid, refunded, status):
    assert payment_status(total=Decimal(total), paid=Decimal(paid), refunded=Decimal(refunded)) == status
