"""Row triggers that keep derived values (an order's stage, stock and line allocation totals) stand
aside only inside a set-based writer's block (config.postgresql.triggers.set_based), and only for that
value; everywhere else they keep the value true."""

import pytest
from django.db import connection, transaction

from config.postgresql.triggers import set_based
from fulfilment.models import Allocation, StockItem
from orders.models import Order, Status, Warehouse
from orders.workflow import Stage
from tests.factories import ProductFactory, make_order

pytestmark = pytest.mark.django_db


def set_status_in_sql(order: Order, status: Status, stage: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE orders_order SET status_id = %s, stage = %s WHERE id = %s", [status.pk, stage, order.pk]
        )


def test_the_stage_follows_the_status_however_the_status_is_written():
    order = make_order()
    picking = Status.objects.get(stage=Stage.PICKING, is_builtin=True)
    set_status_in_sql(order, picking, "delivered")
    order.refresh_from_db()
    assert order.stage == Stage.PICKING


def test_a_set_based_writer_sets_the_stage_itself_and_the_trigger_is_back_after_its_block():
    order = make_order()
    picking = Status.objects.get(stage=Stage.PICKING, is_builtin=True)
    with transaction.atomic():
        with set_based("order_stage"):
            set_status_in_sql(order, picking, Stage.PICKING)  # what the writer computed
            order.refresh_from_db()
            assert order.stage == Stage.PICKING
        set_status_in_sql(order, picking, "delivered")
        order.refresh_from_db()
        assert order.stage == Stage.PICKING


def test_allocation_totals_are_kept_by_the_trigger_except_inside_a_set_based_block():
    product = ProductFactory()
    stock = StockItem.objects.create(
        warehouse=Warehouse.objects.get(is_default=True), product=product, on_hand=10
    )
    line = make_order_line(product)
    Allocation.objects.filter(line=line).delete()
    stock.refresh_from_db()
    before = stock.allocated
    Allocation.objects.create(line=line, stock_item=stock, quantity=1)
    stock.refresh_from_db()
    assert stock.allocated == before + 1
    with transaction.atomic(), set_based("allocation_totals"):
        Allocation.objects.filter(line=line).update(quantity=2)
        stock.refresh_from_db()
        assert stock.allocated == before + 1  # the writer owns the totals inside the block


def make_order_line(product):
    from orders.inputs import LineInput

    return make_order(lines=[LineInput(sku=product.sku, quantity=3)]).lines.get()
