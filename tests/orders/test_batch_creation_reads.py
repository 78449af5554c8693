"""What batched creation (orders/services/create_many.py) reads before it writes: ids reserved from
the tables' own sequences, and a customer's recent orders for the duplicate check, by index."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from config.postgresql.sequences import ORDER_NUMBERS, reserve_many
from orders.holds import DuplicateFinder
from orders.models import Customer, Order, OrderLine
from tests.factories import make_order

pytestmark = pytest.mark.django_db


def test_reserved_ids_are_ascending_distinct_and_never_handed_out_again():
    reserved = reserve_many({Order: 3, OrderLine: 5, Customer: 0})
    assert len(reserved[Order]) == 3 and len(reserved[OrderLine]) == 5 and reserved[Customer] == []
    # Only what was asked for: order numbers come with the ids only when requested.
    assert set(reserved) == {Order, OrderLine, Customer} and ORDER_NUMBERS not in reserved
    with_numbers = reserve_many({Order: 2, ORDER_NUMBERS: 2})
    assert len(with_numbers[ORDER_NUMBERS]) == 2 and with_numbers[Order][0] > max(reserved[Order])
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
    """EXPLAIN of the very query the duplicate check's batch form sends (captured, with its parameters)."""
    order = make_order()
    later = Order(customer=order.customer, total=order.total, created_at=timezone.now())
    with CaptureQueriesContext(connection) as queries:
        assert DuplicateFinder().find([later]) == [str(order)]
    (query,) = queries.captured_queries
    assert "unnest" in query["sql"] and "LATERAL" in query["sql"]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {query['sql']}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "order_customer_created" in plan, plan
