"""eBay and TikTok Shop end to end, as in production: a real Celery worker reads the platform (a fake
over real HTTP) and creates the order, the warehouse picks, packs and ships it through the services,
and the worker pushes the tracking back to the platform, which records it.

eBay: a poll brings the order; it ships in two parts, each a createShippingFulfillment of its own
lines. TikTok Shop: a signed notification names the order, the worker fetches its detail, and the
shipment marks the package shipped with TikTok's shipping provider and the tracking number."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from channels.intake.tasks import poll
from channels.tracking.models import TrackingPush
from fulfilment.models import StockItem
from fulfilment.services.packing import packing_complete, packing_scan
from fulfilment.services.picking import picklist_complete, picklist_create, picklist_line_confirm
from fulfilment.services.shipping import shipment_create
from orders.models import Order, Warehouse
from tests.channels.fakes.ebay import FakeEbay
from tests.channels.fakes.tiktok import FakeTikTokShop
from tests.channels.marketplace_shops import connect_ebay, connect_tiktok, tiktok_notify, tiktok_order
from tests.channels.marketplaces.ebay.conftest import ebay_order
from tests.conftest import wait_for
from tests.factories import ProductFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

SKUS = ("MUG-SLATE", "TOWEL-NAT")


@pytest.fixture
def catalogue():
    warehouse = Warehouse.objects.get(is_default=True)
    for sku in SKUS:
        product = ProductFactory(sku=sku, price=Decimal("10.00"))
        StockItem.objects.create(warehouse=warehouse, product=product, on_hand=50)


def pick_and_pack(order: Order, user) -> None:
    wait_for(
        lambda: all(line.quantity_allocated == line.quantity for line in order.lines.all()),
        message="stock allocated",
    )
    picklist, refusals = picklist_create(order_ids=[order.pk], actor=user)
    assert refusals == {}
    for line in picklist.lines.all():
        picklist_line_confirm(line_id=line.pk, picked=line.quantity, actor=user)
    picklist_complete(picklist_id=picklist.pk, actor=user)
    for line in order.lines.select_related("product"):
        for _ in range(line.quantity):
            packing_scan(order_id=order.pk, code=line.product.barcode, actor=user)
    packing_complete(order_id=order.pk, packages=2, weight_grams=1800, actor=user)


def sent_pushes(order: Order, count: int) -> list[TrackingPush]:
    return wait_for(
        lambda: (
            list(TrackingPush.objects.filter(order=order, state="sent").order_by("id"))
            if TrackingPush.objects.filter(order=order, state="sent").count() == count
            else None
        ),
        message=f"{count} tracking pushes sent",
    )


def test_an_ebay_order_polled_by_the_worker_ships_in_two_parts_and_each_reaches_ebay(
    celery_worker_process, catalogue, users, capsys
):
    with FakeEbay() as ebay:
        placed = ebay.add_order(ebay_order("12-04711-00001", timezone.now() - timedelta(minutes=10)))
        connection = connect_ebay(ebay, lambda: capsys.readouterr().out)

        poll.delay(connection.pk)

        order = wait_for(
            lambda: Order.objects.filter(channel=connection.channel).first(), message="the worker polls eBay"
        )
        assert order.channel_order_id == placed["orderId"] and order.stage == "processing"
        lines = list(order.lines.order_by("position"))
        assert [line.channel_line_id for line in lines] == [
            item["lineItemId"] for item in placed["lineItems"]
        ]
        warehouse_user = users["warehouse"]
        pick_and_pack(order, warehouse_user)

        first = lines[0]
        shipment_create(order_id=order.pk, carrier="Royal Mail", tracking_number="RM123456785GB",
                        actor=warehouse_user, quantities={first.pk: first.quantity})  # fmt: skip
        sent_pushes(order, 1)
        assert ebay.orders[placed["orderId"]]["orderFulfillmentStatus"] == "IN_PROGRESS"
        shipment_create(
            order_id=order.pk, carrier="DPD", tracking_number="15501234567890", actor=warehouse_user
        )
        pushes = sent_pushes(order, 2)

        bodies = [push["body"] for push in ebay.pushes]
        assert [(b["shippingCarrierCode"], b["trackingNumber"]) for b in bodies] == [
            ("RoyalMail", "RM123456785GB"),
            ("DPD", "15501234567890"),
        ]
        assert [b["lineItems"] for b in bodies] == [
            [{"lineItemId": lines[0].channel_line_id, "quantity": lines[0].quantity}],
            [{"lineItemId": lines[1].channel_line_id, "quantity": lines[1].quantity}],
        ]
        assert ebay.orders[placed["orderId"]]["orderFulfillmentStatus"] == "FULFILLED"
        assert [push.attempts for push in pushes] == [1, 1]
    order.refresh_from_db()
    assert order.stage == "shipped"
    assert order.events.filter(type="channel.tracking_pushed").count() == 2


def test_a_tiktok_notification_handled_by_the_worker_ends_with_the_package_shipped_on_tiktok(
    celery_worker_process, catalogue, users, capsys, client
):
    with FakeTikTokShop(shop_name="Homeware UK") as shop:
        placed = shop.add_order(tiktok_order(7, timezone.now() - timedelta(minutes=5)))
        connection = connect_tiktok(shop, lambda: capsys.readouterr().out)

        assert tiktok_notify(client, connection, placed, 7).status_code == 200

        order = wait_for(
            lambda: Order.objects.filter(channel=connection.channel).first(),
            message="the worker fetches the order from TikTok Shop",
        )
        assert order.channel_order_id == placed["id"] and order.stage == "processing"
        assert [(line.sku, line.quantity) for line in order.lines.order_by("position")] == [
            ("MUG-SLATE", 2),
            ("TOWEL-NAT", 1),  # the fixture's second towel was cancelled
        ]
        warehouse_user = users["warehouse"]
        pick_and_pack(order, warehouse_user)
        shipment_create(
            order_id=order.pk, carrier="Royal Mail", tracking_number="RM987654321GB", actor=warehouse_user
        )

        (push,) = sent_pushes(order, 1)
        royal_mail = next(p for p in shop.shipping_providers if p["name"] == "Royal Mail")
        assert [(p["order_id"], p["tracking_number"], p["shipping_provider_id"]) for p in shop.pushes] == [
            (placed["id"], "RM987654321GB", royal_mail["id"])
        ]
        shipped = shop.orders[placed["id"]]
        assert shipped["status"] == "IN_TRANSIT" and shipped["shipping_provider"] == "Royal Mail"
        live = [line for line in shipped["line_items"] if line.get("display_status") != "CANCELLED"]
        assert [line.get("tracking_number") for line in live] == ["RM987654321GB"] * 3
        assert push.attempts == 1
    order.refresh_from_db()
    assert order.stage == "shipped"
