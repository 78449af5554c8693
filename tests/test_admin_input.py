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


@pytest.mark.parametrize(("query", "status"), [
    ({"stage__exact": "processing"}, 200),
    ({"assigned_csr__isnull": "True", "_facets": "True"}, 200),
    ({"tags": ""}, 400),  # an array column given "": PostgreSQL refused the literal, a 500
    ({"tags__contains": "x"}, 400),
    ({"customer_email": "a@example.com"}, 400),  # not a filter the sidebar offers
])  # fmt: skip
def test_the_order_list_applies_the_sidebars_filters_and_refuses_other_lookups(client, users, query, status):
    client.raise_request_exception = False
    client.force_login(users["superadmin"])
    response = client.get(reverse("admin:orders_order_changelist"), query)
    assert response.status_code == status
