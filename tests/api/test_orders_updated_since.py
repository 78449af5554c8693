"""updated_since: the orders changed since a time, in the order of their last change, walked by cursor."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import Order
from tests.factories import make_order

pytestmark = pytest.mark.django_db


def walk(client, **params) -> list[str]:
    seen, cursor = [], None
    while True:
        response = client.get("/orders", limit=2, **params, **({"cursor": cursor} if cursor else {}))
        assert response.status_code == 200, response.content
        seen += [item["number"] for item in response.json()["items"]]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return seen


def test_updated_since_walks_the_changed_orders_oldest_change_first_without_repeats(api, token_for):
    orders = [make_order() for _ in range(6)]
    base = orders[-1].updated_at
    # Changed out of their creation order: the oldest order changed last.
    changes = {orders[0]: 5, orders[3]: 1, orders[1]: 3, orders[4]: 2, orders[2]: -10, orders[5]: -20}
    for order, minutes in changes.items():
        Order.objects.filter(pk=order.pk).update(updated_at=base + timedelta(minutes=minutes))
    client = api(token_for("manager"))
    seen = walk(client, updated_since=(base + timedelta(seconds=1)).isoformat())
    assert seen == [orders[3].display_number, orders[4].display_number, orders[1].display_number,
                    orders[0].display_number]  # fmt: skip
    # Without updated_since, the list stays newest created first.
    assert walk(client) == [order.display_number for order in reversed(orders)]


def test_updated_since_filters_and_orders_by_updated_at_so_its_index_serves_it(api, token_for):
    make_order()
    client = api(token_for("manager"))
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/orders", updated_since="2026-01-01T00:00:00Z").status_code == 200
    listing = [q["sql"] for q in queries.captured_queries if 'FROM "orders_order"' in q["sql"]][-1]
    assert '"orders_order"."updated_at" >=' in listing
    assert listing.endswith('ORDER BY "orders_order"."updated_at" ASC, "orders_order"."id" ASC LIMIT 51')
