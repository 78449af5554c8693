"""End to end, as in production: a shop signs a webhook, a real Celery worker turns it into an order with
its holds, a CSR resolves the hold, the warehouse picks, packs and ships it, and the worker pushes the
tracking back to the shop, which records it."""

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from channels.connections.services import connection_create
from channels.marketplaces.base import hmac_sha256_base64
from channels.marketplaces.woocommerce import PLATFORM as WOO
from channels.tracking.models import TrackingPush
from fulfilment.models import StockItem
from fulfilment.services.packing import packing_complete, packing_scan
from fulfilment.services.picking import picklist_complete, picklist_create, picklist_line_confirm
from fulfilment.services.shipping import shipment_create
from orders.models import HoldReason, Order, Warehouse
from orders.services.edit import order_update
from orders.services.transitions import order_release
from tests.channels.fakes.woocommerce import FakeWooCommerce
from tests.conftest import wait_for
from tests.factories import ProductFactory

SKUS = ["MUG-1", "PLATE-2", "BOWL-3"]


@pytest.mark.django_db(transaction=True)
def test_a_signed_webhook_becomes_an_order_that_ships_and_its_tracking_reaches_the_shop(
    client, celery_worker_process, users
):
    warehouse = Warehouse.objects.get(is_default=True)
    for sku in SKUS:
        product = ProductFactory(sku=sku, price=Decimal("10.00"))
        StockItem.objects.create(warehouse=warehouse, product=product, on_hand=50)
    with FakeWooCommerce(consumer_key="ck_x", consumer_secret="cs_y") as shop:
        connection = connection_create(
            kind="woocommerce", name="Acme EU", shop_url=shop.url, credentials=shop.credentials,
            webhook_secret="wh-secret", actor=users["manager"],
        )  # fmt: skip
        topic, payload = WOO.sample_webhook(sequence=1, seed=3, skus=SKUS)
        payload["status"], payload["date_paid_gmt"] = "processing", payload["date_created_gmt"]
        payload["shipping"]["postcode"] = ""  # the shop let the buyer through without one
        shop.add_order(payload)
        body = json.dumps(payload).encode()
        headers = WOO.webhook_headers(
            topic=topic,
            delivery_id="wc-e2e-1",
            signature=hmac_sha256_base64("wh-secret", body),
            shop_url=shop.url,
        )

        answer = client.post(
            reverse("channels:webhook", args=[connection.pk]), data=body, content_type="application/json",
            **{f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()},
        )  # fmt: skip

        assert answer.status_code == 200
        order = wait_for(
            lambda: Order.objects.filter(channel=connection.channel).first(),
            message="the worker creates the order",
        )
        assert order.stage == "on_hold"
        assert list(order.holds.values_list("reason", "detail")) == [(HoldReason.MISSING_ADDRESS, "postcode")]

        address = dict(order.shipping_address, postcode="10115")
        order_update(
            order_id=order.pk, expected_version=order.version, changes={"shipping_address": address},
            lines=None, actor=users["csr"],
        )  # fmt: skip
        order_release(order_id=order.pk, actor=users["csr"])
        wait_for(lambda: all(line.quantity_allocated == line.quantity for line in order.lines.all()),
                 message="stock allocated")  # fmt: skip
        warehouse_user = users["warehouse"]
        picklist, refusals = picklist_create(order_ids=[order.pk], actor=warehouse_user)
        assert refusals == {}
        for line in picklist.lines.all():
            picklist_line_confirm(line_id=line.pk, picked=line.quantity, actor=warehouse_user)
        picklist_complete(picklist_id=picklist.pk, actor=warehouse_user)
        for line in order.lines.select_related("product"):
            for _ in range(line.quantity):
                packing_scan(order_id=order.pk, code=line.product.barcode, actor=warehouse_user)
        packing_complete(order_id=order.pk, packages=1, weight_grams=900, actor=warehouse_user)
        shipment_create(order_id=order.pk, carrier="DHL", tracking_number="JD014600006", actor=warehouse_user)

        push = wait_for(
            lambda: TrackingPush.objects.filter(order=order, state="sent").first(), message="tracking pushed"
        )
        assert len(shop.pushes) == 1 and "JD014600006" in shop.pushes[0]["note"]
        assert shop.status_changes == [(payload["id"], "processing", "completed")]
        assert push.attempts == 1
        order.refresh_from_db()
        assert order.stage == "shipped"
        assert order.events.filter(type="channel.tracking_pushed").exists()


@pytest.mark.django_db(transaction=True)
def test_a_signed_shopify_webhook_becomes_an_order_whose_shipment_reaches_the_store_as_a_fulfillment(
    client, celery_worker_process, users
):
    from channels.marketplaces.shopify import PLATFORM as SHOPIFY
    from tests.channels.fakes.shopify import FakeShopify

    warehouse = Warehouse.objects.get(is_default=True)
    for sku in SKUS:
        StockItem.objects.create(warehouse=warehouse, product=ProductFactory(sku=sku), on_hand=50)
    with FakeShopify(token="shpat_e2e", shop_name="Mugs & Co") as store:
        connection = connection_create(
            kind="shopify", name="Mugs & Co", shop_url="https://mugs.myshopify.com", api_base_url=store.url,
            credentials={"access_token": "shpat_e2e"}, webhook_secret="wh-secret", actor=users["manager"],
        )  # fmt: skip
        topic, payload = next(
            (topic, payload)
            for sequence in range(50)
            for topic, payload in [SHOPIFY.sample_webhook(sequence=sequence, seed=7, skus=SKUS)]
            if payload["financial_status"] == "paid" and payload["shipping_address"].get("zip")
        )
        store.add_order(payload)
        body = json.dumps(payload).encode()
        headers = SHOPIFY.webhook_headers(
            topic=topic, delivery_id="shopify-e2e-1", signature=hmac_sha256_base64("wh-secret", body),
            shop_url="https://mugs.myshopify.com",
        )  # fmt: skip

        answer = client.post(
            reverse("channels:webhook", args=[connection.pk]), data=body, content_type="application/json",
            **{f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()},
        )  # fmt: skip

        assert answer.status_code == 200
        order = wait_for(
            lambda: Order.objects.filter(channel=connection.channel).first(),
            message="the worker creates the order",
        )
        assert (order.stage, order.amount_paid) == ("processing", Decimal(payload["total_price"]))
        wait_for(lambda: all(line.quantity_allocated == line.quantity for line in order.lines.all()),
                 message="stock allocated")  # fmt: skip
        warehouse_user = users["warehouse"]
        picklist, refusals = picklist_create(order_ids=[order.pk], actor=warehouse_user)
        assert refusals == {}
        for line in picklist.lines.all():
            picklist_line_confirm(line_id=line.pk, picked=line.quantity, actor=warehouse_user)
        picklist_complete(picklist_id=picklist.pk, actor=warehouse_user)
        for line in order.lines.select_related("product"):
            for _ in range(line.quantity):
                packing_scan(order_id=order.pk, code=line.product.barcode, actor=warehouse_user)
        packing_complete(order_id=order.pk, packages=1, weight_grams=700, actor=warehouse_user)
        shipment_create(
            order_id=order.pk, carrier="UPS", tracking_number="1Z999AA10123456784", actor=warehouse_user
        )

        wait_for(
            lambda: TrackingPush.objects.filter(order=order, state="sent").exists(), message="tracking pushed"
        )
        [fulfillment] = store.fulfillments(payload["id"])
    assert fulfillment["trackingInfo"][0]["number"] == "1Z999AA10123456784"
    assert fulfillment["lines"] == {str(item["id"]): item["quantity"] for item in payload["line_items"]}
    order.refresh_from_db()
    assert order.stage == "shipped"
    assert order.events.filter(type="channel.tracking_pushed").exists()
