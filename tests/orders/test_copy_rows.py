"""orders/copy_rows.py: the COPY rows batched creation and the benchmark's data both write. What goes in
comes back out, whatever the text holds, and every column of the table is written."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from config.postgresql.sequences import ORDER_NUMBERS, reserve_many
from orders.copy_rows import ORDER_COLUMNS, ORDER_WRITTEN, constant_columns, insert_orders, order_row
from orders.models import Channel, Order, Status
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


class Row:
    """An order as a writer hands it to order_row: Order's attribute names, nothing more."""

    def __init__(self, **fields):
        self.__dict__.update(fields)


def test_an_order_row_reads_back_as_written_whatever_its_text_holds():
    customer = CustomerFactory(name='Zoë "Tab\tStop" O\\Neil')
    status = Status.objects.get(stage="processing", is_builtin=True)
    reserved = reserve_many({Order: 1, ORDER_NUMBERS: 1})
    address = {"line1": '1 Quote "St"\nFlat\\2', "city": "Leeds", "country": "GB"}
    row = Row(
        pk=reserved[Order][0], number=reserved[ORDER_NUMBERS][0], channel_id=Channel.objects.get(code="manual").pk,
        channel_order_id=None, channel_order_number="", source="manual", customer_id=customer.pk,
        customer_name=customer.name, customer_email="z@example.com", customer_phone="", shipping_address=address,
        billing_address={}, status_id=status.pk, stage="processing", held_from_id=None, shipping_method="Std",
        payment_method="cash", currency="GBP", subtotal=Decimal("10.00"), discount_total="0.00",
        tax_total=Decimal("2.00"), delivery_fee=Decimal("0.00"), total=Decimal("12.00"), amount_paid="0.00",
        po_number="", customer_reference="", gift_message="Line one\r\nLine two\ttabbed", notes="back\\slash",
        tags=['a "quoted", tag', "back\\slash", "plain"], assigned_csr_id=None, assigned_agent_id=None,
        warehouse_id=None, priority=-1, tracking_numbers=["1Z,9"], version=3, is_deleted=False,
        deleted_at=None, deleted_by_id=None, delete_reason="", attributes={"gift wrap": 'yes "please"\tnow\\'},
        ship_by=datetime(2026, 3, 4, 23, 59, 59, tzinfo=UTC),
    )  # fmt: skip
    extra_columns, extra = constant_columns(Order, ORDER_WRITTEN)
    now = timezone.now().isoformat()
    inserted = insert_orders(
        [order_row(row, created_at=now, updated_at=now, document="zoë tab", extra=extra)], extra_columns
    )
    assert inserted == {row.pk}
    order = Order.objects.get(pk=row.pk)
    for name in (
        "customer_name",
        "shipping_address",
        "gift_message",
        "notes",
        "tags",
        "tracking_numbers",
        "attributes",
        "ship_by",
    ):
        assert getattr(order, name) == getattr(row, name), name
    assert (order.channel_order_id, order.billing_address, order.priority, order.version) == (None, {}, -1, 3)
    assert order.stage == "processing" and order.total == Decimal("12.00")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT search_vector = to_tsvector('simple', 'zoë tab') FROM orders_order WHERE id = %s",
            [row.pk],
        )
        assert cursor.fetchone()[0]


def test_every_order_column_is_written_by_the_formatter_or_with_its_default():
    extra_columns, _extra = constant_columns(Order, ORDER_WRITTEN)
    columns = {field.column for field in Order._meta.concrete_fields}
    assert set(ORDER_COLUMNS) | {"search_vector"} | set(extra_columns) == columns
    assert not set(extra_columns) & set(ORDER_COLUMNS)
