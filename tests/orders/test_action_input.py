"""Order actions with input they cannot use: a 403 or a message, never a 500 (issue 15)."""

import pytest
from django.urls import reverse

from orders.models import OrderHold
from orders.services.transitions import builtin_status
from tests.factories import make_order

pytestmark = pytest.mark.django_db


def messages_of(response) -> str:
    """The messages the request queued for the next page, as one text."""
    return " ".join(str(message) for message in response.wsgi_request._messages)


def test_a_viewer_posting_a_status_change_is_refused_with_403(client, users):
    order = make_order()
    client.force_login(users["viewer"])
    response = client.post(
        reverse("orders:change_status", kwargs={"number": order.number}),
        {"status": builtin_status("picking").pk},
    )
    assert response.status_code == 403
    order.refresh_from_db()
    assert order.stage == "processing"


@pytest.mark.parametrize("number", ["abc", "1.5", "²", "99999999999999999999", ""])
def test_a_delivery_with_a_number_that_is_no_number_is_an_error_message(client, users, number):
    client.force_login(users["agent"])
    response = client.post(reverse("orders:deliveries"), {"number": number, "outcome": "delivered"})
    assert response.status_code == 302
    assert "Choose the order" in messages_of(response)


@pytest.mark.parametrize(("url_name", "limit"), [("orders:hold", 300), ("orders:delete", 200)])
def test_a_reason_longer_than_its_column_is_refused_with_a_message(client, users, url_name, limit):
    order = make_order()
    client.force_login(users["manager"])
    response = client.post(reverse(url_name, kwargs={"number": order.number}), {"reason": "r" * (limit + 1)})
    assert response.status_code == 302
    assert f"Keep the reason to {limit} characters" in messages_of(response)
    order.refresh_from_db()
    assert order.stage == "processing" and not order.is_deleted
    assert not OrderHold.objects.exists()


def test_every_path_that_holds_or_deletes_refuses_a_reason_past_its_column(users):
    """The rule lives in the services, so the mass actions and the coming API get it too."""
    from orders.errors import OrderError
    from orders.models import Order
    from orders.services.edit import order_soft_delete
    from orders.services.transitions import order_hold, order_transition, order_transition_many

    order = make_order()
    manager = users["manager"]
    too_long = "r" * 301
    with pytest.raises(OrderError, match="Keep the reason to 300 characters"):
        order_hold(order_id=order.pk, actor=manager, reason=too_long)
    with pytest.raises(OrderError, match="Keep the reason to 300 characters"):
        order_transition(order_id=order.pk, to=builtin_status("on_hold"), actor=manager, reason=too_long)
    with pytest.raises(OrderError, match="Keep the reason to 300 characters"):
        order_transition_many(
            order_ids=[order.pk], to=builtin_status("on_hold"), actor=manager, reason=too_long
        )
    with pytest.raises(OrderError, match="Keep the reason to 200 characters"):
        order_soft_delete(order_id=order.pk, actor=manager, reason="r" * 201)
    order.refresh_from_db()
    assert order.stage == "processing" and not order.is_deleted
    assert not OrderHold.objects.filter(order=order).exists()
    assert Order.objects.filter(pk=order.pk, version=order.version).exists()
