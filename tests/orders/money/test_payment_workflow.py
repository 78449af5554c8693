"""Payments drive the workflow (seeds 001 and 004): the payment that completes an awaiting-payment
order moves it to processing, a failed payment cancels it, a cancelled paid order records its refund,
cash on delivery ships unpaid and the agent records what was collected."""

from decimal import Decimal

import pytest

from fulfilment.models import StockItem
from fulfilment.services import shipment_create
from orders.actors import Actor
from orders.errors import MoneyRefused, TransitionRefused
from orders.models import Order, OrderEvent, Warehouse
from orders.money.models import Payment, Refund
from orders.money.selectors import PaymentStatus, order_breakdown
from orders.money.services.payments import payment_failure_record, payment_record, payment_reverse
from orders.money.services.refunds import order_cancellation_refund, refund_record
from orders.services.transitions import (
    builtin_status,
    order_cancel,
    order_hold,
    order_release,
    order_transition,
    order_transition_many,
)
from orders.workflow import Stage
from tests.orders.money.conftest import d

pytestmark = pytest.mark.django_db


def stage_of(order) -> str:
    return Order.objects.get(pk=order.pk).stage


def test_the_payment_that_completes_an_awaiting_order_moves_it_to_processing(order_of, csr):
    order = order_of(2, payment_method="card")  # 24.00
    assert order.stage == Stage.AWAITING_PAYMENT

    payment_record(order_id=order.pk, amount="10.00", method="card", actor=csr)
    assert stage_of(order) == Stage.AWAITING_PAYMENT
    payment_record(order_id=order.pk, amount="14.00", method="card", reference="PSP-1", actor=csr)

    assert stage_of(order) == Stage.PROCESSING
    move = OrderEvent.objects.get(order=order, type="status.changed")
    assert (move.params["old_stage"], move.params["new_stage"]) == (Stage.AWAITING_PAYMENT, Stage.PROCESSING)
    assert (move.actor_kind, move.actor_label) == ("system", "Payments")
    assert "fully paid" in move.params["reason"]
    # The payment's own event comes before the move it caused.
    assert list(OrderEvent.objects.filter(order=order).order_by("pk").values_list("type", flat=True))[
        -2:
    ] == [
        "payment.recorded",
        "status.changed",
    ]


def test_a_failed_payment_cancels_an_order_awaiting_payment(order_of, csr):
    order = order_of(1, payment_method="card")

    failure = payment_failure_record(
        order_id=order.pk, reason="card declined (insufficient funds)", actor=csr
    )

    assert stage_of(order) == Stage.CANCELLED
    assert (failure.state, failure.amount, failure.method) == (Payment.State.FAILED, d("12.00"), "card")
    assert Order.objects.get(pk=order.pk).amount_paid == d("0.00")
    move = OrderEvent.objects.get(order=order, type="status.changed")
    assert move.params["reason"] == "payment failed: card declined (insufficient funds)"
    assert OrderEvent.objects.filter(order=order, type="payment.failed").exists()


def test_a_payment_failure_needs_a_reason_and_the_permission(order_of, csr, make_user):
    order = order_of(1, payment_method="card")
    with pytest.raises(MoneyRefused, match="Say why"):
        payment_failure_record(order_id=order.pk, reason="", actor=csr)
    with pytest.raises(MoneyRefused, match="may not"):
        payment_failure_record(order_id=order.pk, reason="declined", actor=make_user("warehouse"))
    assert stage_of(order) == Stage.AWAITING_PAYMENT


def test_cancelling_a_paid_order_records_a_refund_of_what_was_paid(
    order_of, csr, django_capture_on_commit_callbacks
):
    order = order_of(2, payment_method="card")
    payment_record(order_id=order.pk, amount="24.00", method="card", actor=csr)

    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order_id=order.pk, actor=csr, reason="customer changed their mind")

    refund = Refund.objects.get(order=order)
    assert (refund.kind, refund.amount, refund.method, refund.executed_at) == (
        Refund.Kind.CANCELLATION, d("24.00"), "card", None,
    )  # fmt: skip
    assert order_breakdown(Order.objects.get(pk=order.pk)).status == PaymentStatus.REFUNDED
    event = OrderEvent.objects.get(order=order, type="refund.recorded")
    assert (event.actor_kind, event.actor_label, event.params["amount"]) == ("system", "Refunds", "24.00")


def test_cancelling_refunds_only_what_was_not_refunded_already_and_only_once(
    order_of, csr, django_capture_on_commit_callbacks
):
    order = order_of(2, payment_method="card")
    payment_record(order_id=order.pk, amount="24.00", method="card", actor=csr)
    refund_record(order_id=order.pk, amount="4.00", reason="late delivery", actor=csr)

    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order_id=order.pk, actor=csr, reason="out of stock")
    order_cancellation_refund(order_id=order.pk)  # a worker retrying: nothing left to refund

    assert [r.amount for r in Refund.objects.filter(order=order).order_by("pk")] == [d("4.00"), d("20.00")]


def test_cancelling_an_unpaid_order_records_no_refund(order_of, csr, django_capture_on_commit_callbacks):
    order = order_of(1, payment_method="card")
    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order_id=order.pk, actor=csr, reason="never paid")
    assert not Refund.objects.filter(order=order).exists()


def test_a_mass_cancellation_refunds_each_paid_order(
    order_of, csr, manager, django_capture_on_commit_callbacks
):
    paid, unpaid = order_of(1, payment_method="card"), order_of(1, payment_method="card")
    payment_record(order_id=paid.pk, amount="12.00", method="card", actor=csr)

    with django_capture_on_commit_callbacks(execute=True):
        refused = order_transition_many(
            order_ids=[paid.pk, unpaid.pk], to=builtin_status(Stage.CANCELLED), actor=Actor.job(manager, 7)
        )

    assert refused == {}
    assert list(Refund.objects.values_list("order_id", "amount")) == [(paid.pk, d("12.00"))]


@pytest.mark.django_db(transaction=True)
def test_the_cancel_page_says_which_refund_was_recorded(client, order_of, csr):
    """A real commit, as in production: the refund is recorded as the cancellation commits."""
    order = order_of(1, payment_method="card")
    payment_record(order_id=order.pk, amount="12.00", method="card", actor=csr)
    client.force_login(csr)

    response = client.post(f"/orders/{order.number}/cancel/", {"reason": "duplicate"}, follow=True)

    texts = [str(message) for message in response.context["messages"]]
    assert f"{order} was cancelled." in texts
    assert f"Refund of 12.00 USD recorded for {order}; mark it executed once it is paid out." in texts


def test_cash_on_delivery_ships_unpaid_and_the_agent_records_the_cash(order_of, agent, make_user):
    product_order = order_of(2, assigned_agent=agent)  # cash, 24.00
    line = product_order.lines.get()
    StockItem.objects.create(
        warehouse=Warehouse.objects.get(is_default=True), product=line.product, on_hand=5
    )
    from fulfilment.services import order_allocate

    order_allocate(order_id=product_order.pk)
    shipment_create(order_id=product_order.pk, carrier="Own fleet", actor=make_user("warehouse"))
    assert (stage_of(product_order), Order.objects.get(pk=product_order.pk).amount_paid) == (
        Stage.SHIPPED,
        d("0.00"),
    )

    payment = payment_record(order_id=product_order.pk, amount="24.00", method="cash", actor=agent)
    order_transition(order_id=product_order.pk, to=builtin_status(Stage.DELIVERED), actor=agent)

    assert payment.collected_by == agent
    figures = order_breakdown(Order.objects.get(pk=product_order.pk))
    assert (figures.paid, figures.balance_due, figures.expected_remittance) == (
        d("24.00"),
        d("0.00"),
        d("24.00"),
    )
    assert stage_of(product_order) == Stage.DELIVERED


def test_a_card_order_is_held_back_from_fulfilment_until_paid_again_after_a_reversal(order_of, csr, manager):
    order = order_of(1, payment_method="card")
    payment = payment_record(order_id=order.pk, amount="12.00", method="card", actor=csr)
    assert stage_of(order) == Stage.PROCESSING
    payment_reverse(payment_id=payment.pk, reason="chargeback", actor=csr)

    with pytest.raises(TransitionRefused, match="is not paid"):
        order_transition(order_id=order.pk, to=builtin_status(Stage.PICKING), actor=manager)

    payment_record(order_id=order.pk, amount="12.00", method="card", actor=csr)
    order_transition(order_id=order.pk, to=builtin_status(Stage.PICKING), actor=manager)
    assert stage_of(order) == Stage.PICKING


def test_more_than_the_balance_due_is_refused_and_nothing_is_written(order_of, csr):
    order = order_of(1, payment_method="card")
    payment_record(order_id=order.pk, amount="2.00", method="card", actor=csr)

    with pytest.raises(MoneyRefused, match=r"has 10\.00 USD left to pay; record at most that, not 12\.00"):
        payment_record(order_id=order.pk, amount="12.00", method="card", actor=csr)
    with pytest.raises(MoneyRefused, match=r"Only 2\.00 USD .* was paid and not yet refunded"):
        refund_record(order_id=order.pk, amount="2.01", reason="goodwill", actor=csr)

    assert Payment.objects.filter(order=order).count() == 1
    assert not Refund.objects.filter(order=order).exists()


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "above 0"),
        ("-5", "above 0"),
        ("1.234", "2 decimal places"),
        ("abc", "as a number"),
        ("NaN", "number"),
    ],
)
def test_amounts_that_are_not_money_are_refused(order_of, csr, amount, message):
    order = order_of(1, payment_method="card")
    with pytest.raises(MoneyRefused, match=message):
        payment_record(order_id=order.pk, amount=amount, method="card", actor=csr)


def test_payments_are_not_taken_on_a_cancelled_order(order_of, csr):
    order = order_of(1, payment_method="card")
    order_cancel(order_id=order.pk, actor=csr, reason="test")
    with pytest.raises(MoneyRefused, match="only on open orders"):
        payment_record(order_id=order.pk, amount="12.00", method="card", actor=csr)


def test_an_order_released_to_awaiting_payment_when_already_paid_goes_on_to_processing(
    order_of, csr, django_capture_on_commit_callbacks
):
    order = order_of(1, payment_method="card")
    order_hold(order_id=order.pk, actor=csr, reason="check the address")
    payment_record(order_id=order.pk, amount="12.00", method="card", actor=csr)
    assert stage_of(order) == Stage.ON_HOLD

    with django_capture_on_commit_callbacks(execute=True):
        order_release(order_id=order.pk, actor=csr)

    assert stage_of(order) == Stage.PROCESSING


def test_a_channel_order_paid_at_creation_is_not_moved_again(order_of):
    order = order_of(1, payment_method="channel", amount_paid=Decimal("12.00"))
    assert order.stage == Stage.PROCESSING
    assert not OrderEvent.objects.filter(order=order, type="status.changed").exists()
