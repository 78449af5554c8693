"""What batched creation (orders/services/create_many.py) reads before it writes: ids reserved from
the tables' own sequences, and a customer's recent orders for the duplicate check, by index."""

import pytest
from django.db import connection

from orders.models import Customer, Order, OrderLine
from orders.services.create_many import ORDER_NUMBERS, reserve_many
from tests.factories import make_order

pytestmark = pytest.mark.django_db


def test_reserved_ids_are_ascending_distinct_and_never_handed_out_again():
    reserved = reserve_many({Order: 3, OrderLine: 5, Customer: 0})
    numbers = reserved.get(ORDER_NUMBERS, [])
    assert len(reserved[Order]) == 3 and len(reserved[OrderLine]) == 5 and reserved[Customer] == []
    assert numbers == []
    for ids in reserved.values():
        assert ids == sorted(set(ids))
    later = make_order()
    assert later.pk > max(reserved[Order])
    assert min(line.pk for line in later.lines.all()) > max(reserved[OrderLine])


def test_reserved_order_numbers_come_from_the_numbers_sequence_and_are_never_handed_out_again():
    numbers = reserve_many({Order: 4, ORDER_NUMBERS: 4})[ORDER_NUMBERS]
    assert len(numbers) == 4 and numbers == sorted(set(numbers))
    later = make_order()
    later.refresh_from_db()
    assert later.number > max(numbers)


def test_a_customers_recent_orders_are_found_through_the_customer_and_date_index():
    order = make_order()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT o.customer_id, o.total, o.created_at, o.number FROM orders_order o "
            "WHERE o.customer_id = %s AND NOT o.is_deleted AND o.created_at >= now() - interval '1 day'",
            [order.customer_id],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "order_customer_created" in plan, plan
