"""Settings a manager keeps: custom statuses inside a stage, and hold rules that new orders meet."""

import pytest
from django.urls import reverse

from orders.models import HoldRule, Status
from tests.factories import make_order

pytestmark = pytest.mark.django_db


def test_a_manager_adds_a_custom_status_inside_a_stage(client, users):
    client.force_login(users["manager"])
    response = client.post(
        reverse("orders:status_create"),
        {"label": "In Transit", "stage": "shipped", "colour": "#17a2b8", "position": 65},
    )
    assert response.status_code == 302
    status = Status.objects.get(label="In Transit")
    assert (status.stage, status.code, status.is_builtin) == ("shipped", "in-transit", False)
    assert "In Transit" in client.get(reverse("orders:status_list")).content.decode()


def test_a_status_is_renamed_and_recoloured_but_keeps_its_stage(client, users):
    status = Status.objects.create(code="paused", label="Paused", stage="on_hold")
    client.force_login(users["manager"])
    client.post(
        reverse("orders:status_edit", kwargs={"pk": status.pk}),
        {"label": "Parked", "stage": "processing", "colour": "#123456", "position": 3},
    )
    status.refresh_from_db()
    assert (status.label, status.colour, status.position, status.stage) == ("Parked", "#123456", 3, "on_hold")


def test_a_colour_that_is_not_hex_is_refused_with_a_message(client, users):
    client.force_login(users["manager"])
    response = client.post(
        reverse("orders:status_create"), {"label": "X", "stage": "draft", "colour": "red", "position": 1}
    )
    assert response.status_code == 200
    assert not Status.objects.filter(label="X").exists()


def test_a_hold_rule_made_in_settings_holds_matching_orders(client, users):
    client.force_login(users["manager"])
    response = client.post(
        reverse("orders:hold_rule_create"),
        {
            "name": "Check big orders",
            "field": "total_over",
            "value": "100",
            "reason": "manual review",
            "active": "on",
            "position": 1,
        },
    )
    assert response.status_code == 302
    rule = HoldRule.objects.get(name="Check big orders")
    from decimal import Decimal

    from orders.inputs import LineInput
    from tests.factories import ProductFactory

    big = ProductFactory(price=Decimal("150.00"))
    order = make_order(lines=[LineInput(sku=big.sku, quantity=1)])
    assert order.stage == "on_hold"
    assert any(rule.name in str(hold) for hold in order.holds.all())


def test_a_total_rule_needs_an_amount(client, users):
    client.force_login(users["manager"])
    response = client.post(
        reverse("orders:hold_rule_create"),
        {"name": "Bad", "field": "total_over", "value": "lots", "reason": "x", "position": 1},
    )
    assert response.status_code == 200
    assert "Enter an amount" in response.content.decode()
    assert not HoldRule.objects.exists()


def test_a_csr_cannot_change_settings(client, users):
    client.force_login(users["csr"])
    response = client.post(
        reverse("orders:status_create"), {"label": "Y", "stage": "draft", "colour": "#000000", "position": 1}
    )
    assert response.status_code == 403
    assert not Status.objects.filter(label="Y").exists()
