"""Line changes until picked (seed 002): cancel, replace, move warehouse — each re-allocates stock."""

from decimal import Decimal

import pytest

from fulfilment.models import Allocation, StockItem
from orders.errors import OrderError
from orders.inputs import LineInput
from orders.models import OrderEvent, Warehouse
from orders.services.lines import order_line_cancel, order_line_move, order_line_replace
from orders.services.transitions import builtin_status, order_transition
from tests.factories import ProductFactory, make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def stocked(django_capture_on_commit_callbacks):
    """Two products with 10 units each in the default warehouse, and a helper to make orders."""
    main = Warehouse.objects.get(is_default=True)
    mug, cup = (
        ProductFactory(sku="MUG", price=Decimal("8.00")),
        ProductFactory(sku="CUP", price=Decimal("5.00")),
    )
    for product in (mug, cup):
        StockItem.objects.create(warehouse=main, product=product, on_hand=10)

    def order(**fields):
        with django_capture_on_commit_callbacks(execute=True):
            return make_order(
                lines=[LineInput(sku="MUG", quantity=2), LineInput(sku="CUP", quantity=1)], **fields
            )

    return {"main": main, "mug": mug, "cup": cup, "order": order}


def test_cancelling_a_line_releases_its_stock_and_lowers_the_total(
    stocked, users, django_capture_on_commit_callbacks
):
    order = stocked["order"]()
    mug_line = order.lines.get(sku="MUG")
    assert mug_line.quantity_allocated == 2
    with django_capture_on_commit_callbacks(execute=True):
        order_line_cancel(line_id=mug_line.pk, actor=users["csr"], reason="out of fashion")
    mug_line.refresh_from_db()
    order.refresh_from_db()
    assert mug_line.quantity_cancelled == 2
    assert mug_line.stock_state == "cancelled"
    assert StockItem.objects.get(product=stocked["mug"]).allocated == 0
    assert order.subtotal == Decimal("5.00")
    assert OrderEvent.objects.filter(order=order, type="line.cancelled", params__sku="MUG").exists()


def test_replacing_a_line_allocates_the_new_product(stocked, users, django_capture_on_commit_callbacks):
    order = stocked["order"]()
    with django_capture_on_commit_callbacks(execute=True):
        new = order_line_replace(line_id=order.lines.get(sku="MUG").pk, sku="CUP", actor=users["csr"])
    assert new.sku == "CUP" and new.quantity == 2
    assert StockItem.objects.get(product=stocked["mug"]).allocated == 0
    assert StockItem.objects.get(product=stocked["cup"]).allocated == 3
    assert OrderEvent.objects.filter(
        order=order, type="line.replaced", params__old="MUG", params__new="CUP"
    ).exists()


def test_moving_a_line_to_another_warehouse_reallocates_there(
    stocked, users, django_capture_on_commit_callbacks
):
    north = Warehouse.objects.create(code="north", name="North")
    StockItem.objects.create(warehouse=north, product=stocked["mug"], on_hand=1)
    order = stocked["order"]()
    line = order.lines.get(sku="MUG")
    with django_capture_on_commit_callbacks(execute=True):
        order_line_move(line_id=line.pk, warehouse=north, actor=users["csr"])
    line.refresh_from_db()
    assert StockItem.objects.get(warehouse=stocked["main"], product=stocked["mug"]).allocated == 0
    assert StockItem.objects.get(warehouse=north, product=stocked["mug"]).allocated == 1
    assert line.quantity_allocated == 1
    assert line.stock_state == "backordered"
    assert Allocation.objects.filter(line=line).count() == 1


def test_lines_are_locked_once_picking_starts(stocked, users):
    order = stocked["order"]()
    order_transition(order_id=order.pk, to=builtin_status("picking"), actor=users["warehouse"])
    with pytest.raises(OrderError, match="locked"):
        order_line_cancel(line_id=order.lines.first().pk, actor=users["csr"])


def test_a_warehouse_user_cannot_change_lines(stocked, users):
    order = stocked["order"]()
    with pytest.raises(OrderError, match="may not change order lines"):
        order_line_cancel(line_id=order.lines.first().pk, actor=users["warehouse"])


def test_a_replacement_may_give_its_own_quantity_but_a_whole_one_above_0(
    stocked, users, django_capture_on_commit_callbacks
):
    order = stocked["order"]()
    mug = order.lines.get(sku="MUG")
    for refused in (0, -1, 1.5, True):
        with pytest.raises(OrderError, match="Quantity must be a whole number"):
            order_line_replace(line_id=mug.pk, sku="CUP", quantity=refused, actor=users["csr"])
    with django_capture_on_commit_callbacks(execute=True):
        new = order_line_replace(line_id=mug.pk, sku="CUP", quantity=5, actor=users["csr"])
    assert new.quantity == 5
    assert StockItem.objects.get(product=stocked["cup"]).allocated == 6
