"""A delivery agent's run: only their shipped orders, each marked delivered or failed."""

import pytest
from django.urls import reverse

from orders.models import Order, OrderEvent
from orders.services.transitions import builtin_status
from tests.factories import make_order

pytestmark = pytest.mark.django_db


def shipped_order(agent):
    order = make_order(assigned_agent=agent)
    Order.objects.filter(pk=order.pk).update(status=builtin_status("shipped"))
    return order


def test_an_agent_sees_only_their_shipped_orders_and_marks_one_delivered(client, users, make_user):
    agent = users["agent"]
    mine, theirs = shipped_order(agent), shipped_order(make_user("agent"))
    client.force_login(agent)
    page = client.get(reverse("orders:deliveries")).content.decode()
    assert mine.display_number in page
    assert theirs.display_number not in page
    response = client.post(
        reverse("orders:deliveries"),
        {"number": mine.number, "outcome": "delivered", "collected": str(mine.balance_due)},
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.status.label == "Delivered"
    event = OrderEvent.objects.get(order=mine, type="status.changed")
    assert event.actor == agent and event.params["new"] == "Delivered"


def test_a_failed_delivery_keeps_the_agents_reason(client, users):
    order = shipped_order(users["agent"])
    client.force_login(users["agent"])
    client.post(
        reverse("orders:deliveries"), {"number": order.number, "outcome": "failed", "reason": "nobody home"}
    )
    order.refresh_from_db()
    assert order.stage == "delivery_failed"
    assert OrderEvent.objects.get(order=order, type="status.changed").params["reason"] == "nobody home"


def test_an_agent_cannot_mark_someone_elses_order(client, users, make_user):
    order = shipped_order(make_user("agent"))
    client.force_login(users["agent"])
    response = client.post(reverse("orders:deliveries"), {"number": order.number, "outcome": "delivered"})
    assert response.status_code == 404
    order.refresh_from_db()
    assert order.stage == "shipped"
