"""orders/holds.py: the suspected-duplicate rule in its two forms, for one order (_suspected_duplicate,
what order_create asks) and for a batch not yet written (DuplicateFinder, what batched creation asks),
run over the same cases: they must name the same order, or none."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from orders.actors import Actor
from orders.holds import DuplicateFinder, _suspected_duplicate
from orders.inputs import LineInput
from orders.models import Customer, Order
from orders.services.transitions import order_cancel
from tests.factories import CustomerFactory, ProductFactory, make_order

pytestmark = pytest.mark.django_db

BATCH_SUFFIX = " in this import"
# name: (orders in the database as (name, total, hours ago, what became of it),
#        new orders checked in turn as (name, total, hours ago),
#        the order each new one is a suspected duplicate of)
CASES = {
    "same customer and total, inside the window": ([("A", 12, 23, None)], [("N", 12, 0)], ["A"]),
    "same customer and total, outside the window": ([("A", 12, 25, None)], [("N", 12, 0)], [None]),
    "cancelled": ([("A", 12, 1, "cancelled")], [("N", 12, 0)], [None]),
    "deleted": ([("A", 12, 1, "deleted")], [("N", 12, 0)], [None]),
    "different total": ([("A", 24, 1, None)], [("N", 12, 0)], [None]),
    "another customer's": ([("A", 12, 1, "another customer's")], [("N", 12, 0)], [None]),
    "the newest of several": (
        [("A", 12, 5, None), ("B", 12, 2, None), ("C", 12, 10, None), ("D", 12, 1, "cancelled")],
        [("N", 12, 0)],
        ["B"],
    ),
    "an order dated before one in the database (historical import)": (
        [("A", 12, 0, None)],
        [("N", 12, 48)],
        ["A"],
    ),
    "earlier in the same batch": ([], [("N1", 12, 0), ("N2", 12, 0), ("N3", 24, 0)], [None, "N1", None]),
    "earlier in the same batch, newer than the database's": (
        [("A", 12, 3, None)],
        [("N1", 12, 0), ("N2", 12, 0), ("N3", 12, 0)],
        ["A", "N1", "N2"],
    ),
    "earlier in the same batch, outside the window": ([], [("N1", 12, 30), ("N2", 12, 0)], [None, None]),
}


@pytest.fixture
def product():
    return ProductFactory(price=Decimal("10.00"), tax_rate=Decimal("20.00"))  # 12.00 a unit


def written(product, customer, name: str, total: int, hours: int) -> Order:
    order = make_order(customer=customer, channel_order_id=name, lines=[LineInput(product.sku, total // 12)])
    assert order.total == total
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(hours=hours))
    order.refresh_from_db()
    return order


def new(customer, name: str, total: int, hours: int) -> Order:
    created_at = timezone.now() - timedelta(hours=hours)
    return Order(customer=customer, total=Decimal(total), created_at=created_at, channel_order_id=name)


def named(answer) -> str | None:
    """The reference of the order an answer names: a written order (an Order, or its number), or an
    order given earlier to the batch form ("N1 in this import")."""
    if answer is None or isinstance(answer, Order):
        return answer and answer.channel_order_id
    if answer.endswith(BATCH_SUFFIX):
        return answer.removesuffix(BATCH_SUFFIX)
    return Order.objects.get(
        number=int(answer.removeprefix(Order(number=0).display_number[:-1]))
    ).channel_order_id


@pytest.mark.parametrize("case", list(CASES))
def test_both_forms_of_the_duplicate_check_name_the_same_order(case, product):
    existing, checked, expected = CASES[case]
    customer, stranger = CustomerFactory(), CustomerFactory()
    for name, total, hours, became in existing:
        order = written(product, stranger if became == "another customer's" else customer, name, total, hours)
        if became == "cancelled":
            order_cancel(order_id=order.pk, actor=Actor.system("tests"), reason="withdrawn")
        elif became == "deleted":
            Order.objects.filter(pk=order.pk).update(is_deleted=True)

    # The single form, as order_create asks it for each new order in turn: the ones before are written.
    single = []  # (the order named, the words on the hold)
    with transaction.atomic():
        for name, total, hours in checked:
            answer = _suspected_duplicate(new(customer, name, total, hours))
            single.append((named(answer), answer and str(answer)))
            written(product, customer, name, total, hours)
        transaction.set_rollback(True)
    # The batch form, as batched creation asks it: nothing of the batch is written.
    batch = DuplicateFinder().find([new(customer, *spec) for spec in checked])

    assert [name for name, _words in single] == expected
    assert [named(answer) for answer in batch] == expected
    for (name, words), answer in zip(single, batch, strict=True):
        if name in {spec[0] for spec in existing}:
            assert answer == words  # the same words on the hold: the order's number


def test_neither_form_names_the_order_itself(product):
    customer = CustomerFactory()
    alone = written(product, customer, "A", 12, 1)
    assert _suspected_duplicate(alone) is None
    assert DuplicateFinder().find([alone]) == [None]
    other = written(product, customer, "B", 12, 2)
    assert str(_suspected_duplicate(alone)) == DuplicateFinder().find([alone])[0] == str(other)


def test_the_batch_form_asks_the_database_once_for_the_whole_batch_and_only_for_checked_orders(product):
    customers = [CustomerFactory() for _ in range(3)]
    for customer in customers:
        written(product, customer, f"A-{customer.pk}", 12, 1)
    orders = [new(customer, f"N-{customer.pk}", 12, 0) for customer in customers]
    with CaptureQueriesContext(connection) as queries:
        answers = DuplicateFinder().find(orders, checked=[True, False, True])
    assert len(queries) == 1
    assert [named(answer) for answer in answers] == [f"A-{customers[0].pk}", None, f"A-{customers[2].pk}"]


def test_an_order_for_a_new_customer_is_compared_with_the_batchs_own_orders_only():
    customer = Customer(name="Ada")  # created together with its first order
    orders = [new(customer, "N1", 12, 0), new(customer, "N2", 12, 0), new(Customer(name="Bo"), "N3", 12, 0)]
    with CaptureQueriesContext(connection) as queries:
        answers = DuplicateFinder().find(orders)
    assert len(queries) == 0
    assert answers == [None, "N1 in this import", None]
