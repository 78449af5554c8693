"""The packing station at a laptop (1440x900): the queue of picked orders, the latest-to-ship first;
one opened by a click, another by scanning its number; after "Mark packed" the next one opens by
itself, and after the last the station says nothing is waiting (issue 19)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from fulfilment.models import BinLocation, StockItem
from fulfilment.services import order_allocate
from orders.inputs import LineInput
from orders.models import Order, Warehouse
from orders.workflow import Stage
from tests.factories import ProductFactory, make_order
from tests.fulfilment.test_pick_pack_ship import pick_everything

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1440, "height": 900}
MUG_BARCODE = "5012345000011"


def picked_order(picker, ship_by=None) -> Order:
    order = make_order(lines=[LineInput(sku="MUG-01", quantity=1)])
    order_allocate(order_id=order.pk)
    pick_everything(order, picker)
    Order.objects.filter(pk=order.pk).update(ship_by=ship_by)
    return Order.objects.get(pk=order.pk)


def pack_by_scanning(page) -> None:
    field = page.get_by_test_id("scan-input")
    expect(field).to_be_focused()
    field.fill(MUG_BARCODE)
    field.press("Enter")
    expect(page.get_by_test_id("pack-line-MUG-01").get_by_test_id("packed")).to_have_text("1")
    page.get_by_test_id("mark-packed").click()


def test_the_packer_works_through_the_queue_most_urgent_first(page, login, make_user):
    page.set_viewport_size(LAPTOP)
    warehouse = Warehouse.objects.get(is_default=True)
    mug = ProductFactory(sku="MUG-01", barcode=MUG_BARCODE)
    StockItem.objects.create(
        warehouse=warehouse,
        product=mug,
        on_hand=10,
        bin=BinLocation.objects.create(warehouse=warehouse, code="A-01"),
    )
    now = timezone.now()
    packer = make_user("warehouse")
    relaxed = picked_order(packer)
    late = picked_order(packer, ship_by=now - timedelta(hours=1))
    today = picked_order(packer, ship_by=now + timedelta(hours=1))
    login(packer)

    page.get_by_test_id("side-nav").get_by_role("link", name="Packing station").click()
    page.wait_for_url("**/fulfilment/packing/")
    rows = page.get_by_test_id("queue-row")
    expect(rows).to_have_count(3)
    assert [int(n) for n in rows.evaluate_all("rows => rows.map(r => r.dataset.number)")] == [
        late.number,
        today.number,
        relaxed.number,
    ]
    expect(rows.first).to_contain_text("Late")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # Scanning an order's number opens it, whatever its place in the queue.
    page.get_by_label("Scan the order number").fill(str(today))
    page.get_by_label("Scan the order number").press("Enter")
    page.wait_for_url(f"**/fulfilment/packing/{today.number}/")
    pack_by_scanning(page)
    # The next one opens by itself: the late order heads the queue.
    page.wait_for_url(f"**/fulfilment/packing/{late.number}/")
    expect(page.get_by_test_id("toast").filter(has_text=f"{today} is packed. Next: {late}.")).to_be_visible()
    pack_by_scanning(page)
    page.wait_for_url(f"**/fulfilment/packing/{relaxed.number}/")
    pack_by_scanning(page)
    page.wait_for_url("**/fulfilment/packing/")
    expect(page.get_by_test_id("toast").filter(has_text="No more picked orders are waiting")).to_be_visible()
    expect(page.get_by_test_id("queue-row")).to_have_count(0)
    assert set(Order.objects.values_list("stage", flat=True)) == {Stage.PACKED}
    assert page.console_errors == []


def test_a_click_on_the_queue_opens_the_order(page, login, make_user):
    page.set_viewport_size(LAPTOP)
    warehouse = Warehouse.objects.get(is_default=True)
    StockItem.objects.create(
        warehouse=warehouse, product=ProductFactory(sku="MUG-01", barcode=MUG_BARCODE), on_hand=5
    )
    packer = make_user("warehouse")
    order = picked_order(packer)
    login(packer)
    page.goto("/fulfilment/packing/")
    page.get_by_test_id("pack-next").click()
    page.wait_for_url(f"**/fulfilment/packing/{order.number}/")
    expect(page.get_by_test_id("scan-input")).to_be_focused()
