"""Historical imports (SPEC 5): the file's status, date and payment state are kept; orders already shipped
or closed reserve no stock and move none, and closed orders are not put through the hold checks."""

from datetime import datetime

import pytest
from django.utils import timezone

from channels.csv.models import ImportRowError
from fulfilment.models import Allocation, StockItem, StockMovement
from orders.models import Order, Status, Warehouse
from orders.workflow import Stage
from tests.channels.csv.conftest import shopify_file, shopify_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def stocked(products):
    warehouse = Warehouse.objects.get(is_default=True)
    return {
        sku: StockItem.objects.create(warehouse=warehouse, product=product, on_hand=100)
        for sku, product in products.items()
    }


def history(**orders) -> bytes:
    """One order per status, dated in 2024, missing its postcode (a hold for any order still open)."""
    rows = []
    for index, (reference, status) in enumerate(orders.items()):
        rows.append(
            shopify_order(
                reference,
                f"h{index}@example.com",
                [("MUG-1", "2", "9.50")],
                **{
                    "Fulfillment Status": status,
                    "Created at": f"2024-0{index + 1}-15 09:30:00 +0100",
                    "Shipping Zip": "",
                },
            )
        )
    return shopify_file(*rows)


def test_historical_orders_keep_the_files_status_date_and_payment(upload, validate, run_import, stocked):
    content = history(H1="Delivered", H2="fulfilled", H3="canceled", H4="Returned")
    order_import = run_import(validate(upload(content), historical=True))
    assert order_import.created_count == 4 and order_import.held_count == 0
    orders = {order.channel_order_id: order for order in Order.objects.all()}
    assert {ref: order.stage for ref, order in orders.items()} == {
        "H1": Stage.DELIVERED, "H2": Stage.SHIPPED, "H3": Stage.CANCELLED, "H4": Stage.RETURNED,
    }  # fmt: skip
    assert orders["H1"].created_at == datetime(2024, 1, 15, 8, 30, tzinfo=timezone.UTC)
    assert orders["H1"].amount_paid == orders["H1"].total
    assert orders["H1"].events.get(type="order.created").params["status"] == "Delivered"


def test_shipped_and_closed_orders_move_no_stock_and_are_not_held(upload, validate, run_import, stocked):
    run_import(validate(upload(history(H1="Delivered", H2="Shipped", H3="Cancelled")), historical=True))
    assert not Allocation.objects.exists() and not StockMovement.objects.exists()
    assert StockItem.objects.get(pk=stocked["MUG-1"].pk).allocated == 0
    for order in Order.objects.all():
        assert not order.holds.exists()  # no postcode, but closed: no hold checks
        assert not order.events.filter(type="stock.allocation").exists()
    delivered = Order.objects.get(channel_order_id="H1").lines.get()
    assert (delivered.quantity_shipped, delivered.stock_state) == (2, "shipped")


def test_historical_orders_still_open_are_checked_and_reserve_stock(upload, validate, run_import, stocked):
    run_import(validate(upload(history(H1="processing", H2="Paused")), historical=True))
    processing = Order.objects.get(channel_order_id="H1")
    assert processing.stage == Stage.ON_HOLD and processing.held_from.stage == Stage.PROCESSING
    assert processing.holds.get().reason == "missing_address"
    assert processing.lines.get().quantity_allocated == 2
    paused = Order.objects.get(channel_order_id="H2")
    assert paused.stage == Stage.ON_HOLD
    assert {hold.reason for hold in paused.holds.all()} == {"missing_address"}


def test_custom_statuses_are_found_by_label_or_code(upload, validate, run_import, stocked):
    custom = Status.objects.create(code="awaiting-courier", label="Awaiting courier", stage=Stage.PACKED)
    content = history(H1="Awaiting courier", H2="awaiting-courier")
    content = content.replace(b"Shipping Zip", b"Shipping Zip").replace(b",,GB,", b",LS1 4AP,GB,")
    run_import(validate(upload(content), historical=True))
    assert set(Order.objects.values_list("status", flat=True)) <= {
        custom.pk,
        Status.objects.get(code="on-hold").pk,
    }
    assert all(order.status == custom or order.held_from == custom for order in Order.objects.all())


def test_an_unknown_status_or_date_is_a_row_error(upload, validate, products):
    content = shopify_file(
        shopify_order("H1", "a@example.com", [("MUG-1", "1", "1")], **{"Fulfillment Status": "Lost at sea"}),
        shopify_order("H2", "b@example.com", [("MUG-1", "1", "1")], **{"Created at": "31/02/2024"}),
    )
    order_import = validate(upload(content), historical=True)
    errors = [
        str(error) for error in ImportRowError.objects.filter(order_import=order_import, severity="error")
    ]
    assert errors[0].startswith(
        "row 2, Fulfillment Status: 'Lost at sea' is not a status; use one of Pending, "
    )
    assert (
        errors[1]
        == "row 3, Created at: '31/02/2024' is not a date; write it like 2025-03-01 or 2025-03-01 14:30"
    )


def test_without_historical_mode_the_files_status_and_date_are_not_used(
    upload, validate, run_import, stocked
):
    before = timezone.now()
    run_import(validate(upload(history(H1="Delivered"))))
    order = Order.objects.get(channel_order_id="H1")
    assert order.stage == Stage.ON_HOLD and order.held_from.stage == Stage.PROCESSING  # a new order, held
    assert order.created_at >= before
    assert order.lines.get().quantity_allocated == 2
