"""The order list's columns each user chooses (orders/services/list_columns.py), remembered on the user."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from orders.services.list_columns import order_columns_set
from orders.tables import OPTIONAL_COLUMNS
from tests.factories import make_order

pytestmark = pytest.mark.django_db


def headers(page: str) -> list[str]:
    head = page.split('data-testid="order-table"')[1].split("</thead>")[0]
    return [re.sub(r"<[^>]+>|\s+", " ", cell).strip() for cell in re.findall(r"<th.*?</th>", head, re.S)]


def first_row_cells(page: str) -> int:
    body = page.split("<tbody>")[1].split("</tr>")[0]
    return body.count("<td")


def test_a_user_sees_every_column_until_they_choose(client, users):
    make_order()
    client.force_login(users["csr"])
    page = client.get(reverse("orders:list")).content.decode()
    assert headers(page)[1:] == ["Order", *OPTIONAL_COLUMNS.values()]
    assert first_row_cells(page) == 2 + len(OPTIONAL_COLUMNS)


def test_chosen_columns_are_remembered_for_that_user_only(client, users):
    make_order()
    client.force_login(users["csr"])
    response = client.post(
        reverse("orders:columns"),
        {"column": ["total", "status"], "next": reverse("orders:list") + "?tab=processing"},
    )
    assert response.status_code == 302 and response["Location"] == "/orders/?tab=processing"
    users["csr"].refresh_from_db()
    assert users["csr"].list_preferences == {"order_columns": ["status", "total"]}
    page = client.get(reverse("orders:list")).content.decode()
    assert headers(page) == ["", "Order", "Status", "Total"]
    assert first_row_cells(page) == 4
    assert "Customer" not in headers(page)
    # Another user keeps every column.
    client.force_login(users["manager"])
    assert len(headers(client.get(reverse("orders:list")).content.decode())) == 2 + len(OPTIONAL_COLUMNS)


def test_an_empty_list_shows_no_orders_across_the_columns_shown(client, users):
    order_columns_set(user=users["csr"], columns=["status"])
    client.force_login(users["csr"])
    page = client.get(reverse("orders:list")).content.decode()
    assert 'colspan="3"' in page and 'data-testid="no-orders"' in page


def test_an_unknown_column_is_refused_with_the_names_and_nothing_changes(client, users):
    user = users["csr"]
    order_columns_set(user=user, columns=["total"])
    with pytest.raises(ValidationError, match="no column password"):
        order_columns_set(user=user, columns=["status", "password"])
    user.refresh_from_db()
    assert user.list_preferences == {"order_columns": ["total"]}
    client.force_login(user)
    response = client.post(reverse("orders:columns"), {"column": ["status", "number; drop"]}, follow=True)
    assert "There is no column number; drop on the order list" in response.content.decode()
    user.refresh_from_db()
    assert user.list_preferences == {"order_columns": ["total"]}


def test_saving_columns_keeps_the_users_other_preferences(users):
    user = users["csr"]
    user.list_preferences = {"something_else": [1, 2]}
    user.save(update_fields=["list_preferences"])
    order_columns_set(user=user, columns=["total"])
    user.refresh_from_db()
    assert user.list_preferences == {"something_else": [1, 2], "order_columns": ["total"]}


def test_going_back_only_leads_to_the_order_list(client, users):
    client.force_login(users["csr"])
    for elsewhere in ("https://evil.example/orders/", "//evil.example/", "/admin/"):
        response = client.post(reverse("orders:columns"), {"column": ["total"], "next": elsewhere})
        assert response["Location"] == "/orders/"


def test_only_people_who_see_orders_may_choose_columns(client, make_user):
    client.force_login(make_user(None))
    response = client.post(reverse("orders:columns"), {"column": ["total"]})
    assert response.status_code == 403
