"""Delivering a cash-on-delivery order asks what was collected and records it with the move (issue 19):
the payment and "delivered" commit together or not at all; phone and address are links."""

from decimal import Decimal

import pytest
from django.urls import reverse

from orders.errors import MoneyRefused, TransitionRefused
from orders.models import Order, OrderEvent
from orders.money.models import Payment
from orders.services.delivery import delivery_complete
from orders.services.transitions import builtin_status
from tests.factories import make_order

pytestmark = pytest.mark.django_db


def shipped(agent, **fields):
    order = make_order(assigned_agent=agent, **fields)
    Order.objects.filter(pk=order.pk).update(status=builtin_status("shipped"), stage="shipped")
    order.refresh_from_db()
    return order


def unchanged(order) -> None:
    """Nothing half-written: still shipped, no payment, no status event."""
    order.refresh_from_db()
    assert order.stage == "shipped"
    assert order.amount_paid == 0
    assert not Payment.objects.filter(order=order).exists()
    assert not OrderEvent.objects.filter(order=order, type="status.changed").exists()


def test_the_agent_records_the_cash_collected_with_the_delivery(users):
    agent = users["agent"]
    order = shipped(agent)
    due = order.balance_due
    assert due > 0

    delivery_complete(order_id=order.pk, actor=agent, collected=str(due))

    order.refresh_from_db()
    assert order.stage == "delivered" and order.amount_paid == due and order.balance_due == 0
    payment = Payment.objects.get(order=order)
    assert (payment.amount, payment.method, payment.collected_by, payment.recorded_by) == (
        due,
        "cash",
        agent,
        agent,
    )
    types = list(OrderEvent.objects.filter(order=order).order_by("pk").values_list("type", flat=True))
    assert types[-2:] == ["payment.recorded", "status.changed"]


def test_a_part_collected_leaves_the_rest_due(users):
    order = shipped(users["agent"])
    delivery_complete(order_id=order.pk, actor=users["agent"], collected="1.00")
    order.refresh_from_db()
    assert order.stage == "delivered" and order.amount_paid == Decimal("1.00")
    assert order.balance_due == order.total - Decimal("1.00")


def test_a_manager_delivering_for_the_agent_books_the_cash_to_the_agent(users):
    order = shipped(users["agent"])
    delivery_complete(order_id=order.pk, actor=users["manager"], collected=str(order.balance_due))
    payment = Payment.objects.get(order=order)
    assert payment.collected_by == users["agent"] and payment.recorded_by == users["manager"]


@pytest.mark.parametrize(
    ("collected", "message"),
    [
        (None, "Enter the amount collected"),
        ("", "Enter the amount collected"),
        ("abc", "as a number"),
        ("0", "must be above 0"),
        ("-5", "must be above 0"),
        ("1.005", "at most 2 decimal places"),
        ("999999", "left to pay"),
    ],
)
def test_a_bad_amount_refuses_the_delivery_and_writes_nothing(users, collected, message):
    order = shipped(users["agent"])
    with pytest.raises(MoneyRefused, match=message):
        delivery_complete(order_id=order.pk, actor=users["agent"], collected=collected)
    unchanged(order)


def test_a_refused_move_takes_the_payment_back(users):
    """The payment is written first; a move the workflow refuses must roll it back."""
    order = make_order(assigned_agent=users["agent"])  # processing: not shipped, cannot be delivered
    with pytest.raises(TransitionRefused):
        delivery_complete(order_id=order.pk, actor=users["agent"], collected="1.00")
    order.refresh_from_db()
    assert order.stage == "processing" and order.amount_paid == 0
    assert not Payment.objects.filter(order=order).exists()


def test_an_order_paid_by_card_is_delivered_without_asking(users):
    order = shipped(users["agent"], payment_method="card")
    delivery_complete(order_id=order.pk, actor=users["agent"])
    order.refresh_from_db()
    assert order.stage == "delivered"
    assert not Payment.objects.filter(order=order).exists()


# The page --------------------------------------------------------------------------------------------


def test_the_deliveries_page_asks_the_amount_pre_filled_with_the_balance(client, users):
    cash = shipped(users["agent"])
    card = shipped(users["agent"], payment_method="card")
    client.force_login(users["agent"])
    page = client.get(reverse("orders:deliveries")).content.decode()
    due = f"{cash.balance_due:.2f}"
    assert f'id="collected-{cash.number}"' in page
    assert f'max="{due}" value="{due}"' in page
    assert f'id="collected-{card.number}"' not in page


def test_posting_the_amount_delivers_and_records_it(client, users):
    order = shipped(users["agent"])
    client.force_login(users["agent"])
    response = client.post(
        reverse("orders:deliveries"),
        {"number": order.number, "outcome": "delivered", "collected": str(order.balance_due)},
        follow=True,
    )
    assert "marked Delivered" in response.content.decode()
    order.refresh_from_db()
    assert order.stage == "delivered" and order.balance_due == 0


def test_posting_too_much_shows_a_clear_error_and_changes_nothing(client, users):
    order = shipped(users["agent"])
    client.force_login(users["agent"])
    response = client.post(
        reverse("orders:deliveries"),
        {"number": order.number, "outcome": "delivered", "collected": "100000"},
        follow=True,
    )
    assert "left to pay; record at most that" in response.content.decode()
    unchanged(order)


def test_phone_dials_and_address_opens_a_map(client, users):
    order = shipped(users["agent"])
    Order.objects.filter(pk=order.pk).update(
        customer_phone="+44 (0)20 7946-0018",
        shipping_address={"name": "Ann", "line1": "1 High St", "city": "Leeds", "postcode": "LS1 1AA"},
    )
    client.force_login(users["agent"])
    for url in (reverse("orders:deliveries"), reverse("orders:detail", kwargs={"number": order.number})):
        page = client.get(url).content.decode()
        assert 'href="tel:+4402079460018"' in page, url
        assert (
            'href="https://www.openstreetmap.org/search?query=1%20High%20St%2C%20Leeds%2C%20LS1%201AA"'
            in page
        ), url


def test_the_order_page_sends_a_cash_order_to_deliveries_to_be_delivered(client, users):
    order = shipped(users["agent"])
    client.force_login(users["manager"])
    response = client.post(
        reverse("orders:change_status", kwargs={"number": order.number}),
        {"status": builtin_status("delivered").pk},
        follow=True,
    )
    assert (
        "mark it delivered on Deliveries, where the amount collected is recorded" in response.content.decode()
    )
    unchanged(order)
    # Paid by card: nothing to collect, the order page delivers it.
    card = shipped(users["agent"], payment_method="card")
    client.post(
        reverse("orders:change_status", kwargs={"number": card.number}),
        {"status": builtin_status("delivered").pk},
    )
    card.refresh_from_db()
    assert card.stage == "delivered"
