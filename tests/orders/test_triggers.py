"""The stage trigger in its lean form (config/postgresql/triggers.py): it keeps stage true however the status is
written, and pgtrigger.ignore() still switches it off for one block, as for every pgtrigger trigger
(Packline's own set-based writers use config.postgresql.triggers.set_based instead)."""

import pgtrigger
import pytest
from django.db import connection

from orders.models import Order
from orders.services.transitions import builtin_status
from tests.factories import make_order

pytestmark = pytest.mark.django_db
STAGE_TRIGGER = "orders.Order:order_stage_follows_status"


def set_status_in_sql(order: Order, stage: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE orders_order SET status_id = %s WHERE id = %s", [builtin_status(stage).pk, order.pk]
        )


def stage_of(order: Order) -> str:
    return Order.objects.values_list("stage", flat=True).get(pk=order.pk)


def test_raw_sql_that_changes_the_status_gets_the_statuses_stage():
    order = make_order()
    set_status_in_sql(order, "picking")
    assert stage_of(order) == "picking"


def test_an_order_inserted_with_a_wrong_stage_gets_its_statuses_stage():
    order = make_order()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO orders_order (channel_id, customer_id, status_id, stage, channel_order_number, source,"
            " customer_name, customer_email, customer_phone, shipping_address, billing_address, shipping_method,"
            " payment_method, currency, subtotal, discount_total, tax_total, delivery_fee, total, amount_paid,"
            " po_number, customer_reference, gift_message, notes, tags, priority, tracking_numbers, version,"
            " created_at, updated_at, is_deleted, delete_reason)"
            " SELECT channel_id, customer_id, %s, 'delivered', '', source, customer_name, customer_email,"
            " customer_phone, shipping_address, billing_address, shipping_method, payment_method, currency,"
            " subtotal, discount_total, tax_total, delivery_fee, total, amount_paid, po_number,"
            " customer_reference, gift_message, notes, tags, priority, tracking_numbers, 1, now(), now(),"
            " false, '' FROM orders_order WHERE id = %s RETURNING id",
            [builtin_status("packed").pk, order.pk],
        )
        [copy_id] = cursor.fetchone()
    assert Order.objects.values_list("stage", flat=True).get(pk=copy_id) == "packed"


def test_ignoring_the_trigger_leaves_the_stage_to_the_writer_for_that_block_only():
    order = make_order()
    with pgtrigger.ignore(STAGE_TRIGGER):
        set_status_in_sql(order, "picking")
        assert stage_of(order) == "processing"  # ignored: the writer owns the stage here
    set_status_in_sql(order, "packed")
    assert stage_of(order) == "packed"
