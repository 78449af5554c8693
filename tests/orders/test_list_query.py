"""The order list's query string is checked in one place (orders.filters.OrderFilter): what it cannot
use answers 400 with the reason and no orders, never a 500 nor every order (issue 15)."""

import pytest
from django.urls import reverse

from tests.factories import make_order

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "query",
    [
        "sort=total&after=NaN|1",
        "sort=total&after=Infinity|1",
        "sort=total&after=sNaN|1",
        "sort=total&after=1e999999|1",
        "sort=-total&before=-Infinity|1",
        "sort=number&after=99999999999999999999|1",
        "sort=created&after=2025-01-01T00:00:00|1",
        "after=2025-01-01T00:00:00%2B00:00|99999999999999999999",
        "created_before=9999-12-31",
        "created_after=0001-01-01",
        "status=99999999999999999999",
        "warehouse=abc",
    ],
)
def test_a_list_query_it_cannot_use_answers_400_with_the_reason_and_no_orders(client, users, query):
    make_order()
    client.force_login(users["manager"])
    response = client.get(reverse("orders:list") + "?" + query)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-testid="list-problems"' in page
    assert 'data-testid="result-count">0 orders' in page


def test_a_page_cursor_the_list_made_still_works(client, users):
    orders = [make_order() for _ in range(3)]
    client.force_login(users["manager"])
    last = orders[-1]
    response = client.get(reverse("orders:list") + f"?sort=-total&after={last.total}|{last.pk}")
    assert response.status_code == 200


def test_the_filters_own_request_shows_the_problem_where_htmx_swaps_it(client, users):
    client.force_login(users["manager"])
    response = client.get(
        reverse("orders:list") + "?created_before=9999-12-31", headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "Enter a date between 1900-01-01 and 2999-12-31" in response.content.decode()
