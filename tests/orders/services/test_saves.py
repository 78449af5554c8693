"""Services that change some of an order's fields write those fields only: a full-row save would write
back every other column as it was read (status among them), undoing a change it never meant to make."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.inputs import LineInput
from orders.services.edit import order_update
from orders.services.lines import order_line_cancel
from tests.factories import ProductFactory, make_order

pytestmark = pytest.mark.django_db


def order_updates(queries) -> list[str]:
    return [q["sql"] for q in queries if re.match(r'\s*UPDATE "orders_order" SET', q["sql"])]


def test_cancelling_a_line_writes_the_totals_and_not_the_status(users):
    order = make_order(lines=[LineInput(sku=ProductFactory().sku, quantity=1) for _ in range(2)])
    line = order.lines.first()
    with CaptureQueriesContext(connection) as queries:
        order_line_cancel(line_id=line.pk, actor=users["csr"], reason="out of stock")
    updates = order_updates(queries)
    assert updates, "the order's totals were not written"
    for sql in updates:
        assert '"status_id"' not in sql and '"stage"' not in sql and '"amount_paid"' not in sql, sql
        assert '"total"' in sql


def test_editing_an_order_writes_the_fields_edited_and_not_the_status(users):
    order = make_order()
    with CaptureQueriesContext(connection) as queries:
        order_update(
            order_id=order.pk,
            expected_version=order.version,
            changes={"notes": "ring twice", "shipping_method": "Express"},
            lines=None,
            actor=users["csr"],
        )
    (sql,) = order_updates(queries)
    assert '"notes"' in sql and '"shipping_method"' in sql
    for column in ("status_id", "stage", "amount_paid", "customer_id", "is_deleted", "assigned_csr_id"):
        assert f'"{column}"' not in sql, sql
    order.refresh_from_db()
    assert (order.notes, order.shipping_method) == ("ring twice", "Express")
