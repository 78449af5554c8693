"""Nothing bypasses the workflow: in Django admin, orders, their lines, statuses and hold rules are seen,
never added, changed or deleted (status, totals, amount_paid and soft delete change only through the
services, with their timeline and money records). Events and money records are not in the admin."""

import pytest
from django.contrib import admin
from django.urls import reverse

from orders.models import HoldRule, Order, OrderEvent, OrderLine
from orders.money.models import Expense, Payment, Refund, Remittance
from orders.services.transitions import builtin_status
from orders.workflow import Stage
from tests.factories import make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def superadmin_client(client, users):
    client.force_login(users["superadmin"])
    return client


def change_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def test_a_superadmin_posting_to_an_order_admin_page_changes_nothing(superadmin_client):
    order = make_order()
    before = Order.objects.values().get(pk=order.pk)
    events = OrderEvent.objects.filter(order=order).count()
    cancelled = builtin_status(Stage.CANCELLED)

    response = superadmin_client.post(
        change_url(order),
        {
            "status": cancelled.pk, "total": "0.01", "amount_paid": "999.00", "is_deleted": "on",
            "customer": order.customer_id, "channel": order.channel_id, "_save": "Save",
        },
    )  # fmt: skip

    assert response.status_code == 403
    assert Order.objects.values().get(pk=order.pk) == before
    assert OrderEvent.objects.filter(order=order).count() == events
    assert not Payment.objects.filter(order=order).exists()


def test_the_order_admin_page_is_read_only_and_offers_no_add_or_delete(superadmin_client):
    order = make_order()
    page = superadmin_client.get(change_url(order))
    assert page.status_code == 200
    html = page.content.decode()
    assert order.customer_name in html
    assert 'name="_save"' not in html and 'name="status"' not in html and 'name="amount_paid"' not in html
    assert superadmin_client.get(reverse("admin:orders_order_add")).status_code == 403
    delete = reverse("admin:orders_order_delete", args=[order.pk])
    assert superadmin_client.post(delete, {"post": "yes"}).status_code == 403
    changelist = superadmin_client.post(
        reverse("admin:orders_order_changelist"),
        {"action": "delete_selected", "_selected_action": [order.pk], "post": "yes"},
    )
    assert changelist.status_code in (200, 302)
    assert Order.objects.filter(pk=order.pk, is_deleted=False).exists()
    # The list stays: it is the peer the list benchmark compares Packline's list to.
    assert superadmin_client.get(reverse("admin:orders_order_changelist")).status_code == 200


def test_statuses_and_hold_rules_are_read_only_in_the_admin(superadmin_client):
    status = builtin_status(Stage.PROCESSING)
    response = superadmin_client.post(
        change_url(status),
        {"code": status.code, "label": "Renamed", "stage": Stage.CANCELLED, "colour": "#000000"},
    )
    assert response.status_code == 403
    status.refresh_from_db()
    assert (status.label, status.stage) == ("Processing", Stage.PROCESSING)
    rule = HoldRule.objects.create(name="Big", field="total_over", value="100", reason="check")
    assert superadmin_client.post(change_url(rule), {"name": "x", "active": ""}).status_code == 403
    assert HoldRule.objects.get(pk=rule.pk).name == "Big"
    assert superadmin_client.get(reverse("admin:orders_status_add")).status_code == 403


def test_events_lines_and_money_records_have_no_admin_of_their_own():
    for model in (OrderEvent, OrderLine, Payment, Refund, Expense, Remittance):
        assert not admin.site.is_registered(model), model


def test_users_are_still_managed_in_the_admin(superadmin_client, users):
    viewer = users["viewer"]
    page = superadmin_client.get(change_url(viewer))
    assert page.status_code == 200 and 'name="_save"' in page.content.decode()
