"""The admin site checks what Django's own admin forms let through (config/admin.py, issue 15)."""

import pytest
from django.urls import reverse

from orders.models import Customer, Warehouse
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_clearing_an_address_in_the_admin_stores_an_empty_address_not_a_500(client, users):
    customer = CustomerFactory()
    client.force_login(users["superadmin"])
    url = reverse("admin:orders_customer_change", kwargs={"object_id": customer.pk})
    data = {"name": customer.name, "email": customer.email, "phone": "", "company": "", "address": ""}
    response = client.post(url, data)
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.address == {}


@pytest.mark.parametrize("selected", ["", "abc", "1.5"])
def test_forged_selected_rows_in_an_admin_action_are_a_message_not_a_500(client, users, selected):
    client.force_login(users["superadmin"])
    response = client.post(
        reverse("admin:orders_warehouse_changelist"),
        {"action": "delete_selected", "_selected_action": selected, "index": "0"},
    )
    assert response.status_code == 302
    assert "not rows of this list" in " ".join(str(m) for m in response.wsgi_request._messages)
    assert Warehouse.objects.exists() and Customer.objects.count() == 0
