"""TikTok Shop end to end over real HTTP (FakeTikTokShop): a shop connected by command, a signed order
status notification through the door, the order fetched from the Partner API and created, shipped, and
its package marked shipped with the tracking number on TikTok Shop."""

import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from channels.connections.models import Connection
from channels.intake.batch import deliveries_process
from channels.intake.models import Delivery
from channels.marketplaces.tiktok import PLATFORM as TIKTOK
from channels.tracking.models import TrackingPush
from channels.tracking.services import tracking_push_send
from fulfilment.models import StockItem
from fulfilment.services.shipping import shipment_create
from orders.actors import Actor
from orders.models import Order, Warehouse
from tests.channels.fakes.tiktok import FakeTikTokShop
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

SKUS = ["MUG-1", "PLATE-2", "BOWL-3"]


def headers_for(connection: Connection, body: bytes, topic: str) -> dict:
    signature = TIKTOK.sign_webhook(
        body, app_key=connection.credentials["app_key"], secret=connection.webhook_secrets[0]
    )
    headers = TIKTOK.webhook_headers(
        topic=topic, delivery_id="", signature=signature, shop_url=connection.shop_url
    )
    return {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}


def test_a_notification_is_fetched_created_shipped_and_marked_shipped_on_tiktok(
    client, capsys, django_capture_on_commit_callbacks
):
    warehouse = Warehouse.objects.get(is_default=True)
    for sku in SKUS:
        StockItem.objects.create(warehouse=warehouse, product=ProductFactory(sku=sku), on_hand=100)
    with FakeTikTokShop(shop_name="Homeware UK") as shop:
        order_payload = shop.add_order(TIKTOK.sample_order(sequence=2, seed=4, skus=SKUS))
        creds = shop.credentials
        call_command(
            "channel_connect", "--kind", "tiktok", "--name", "Homeware UK", "--shop-url", "https://seller-uk.tiktok.com",
            "--api-base-url", shop.url, "--auth-base-url", shop.url, "--app-key", creds["app_key"],
            "--app-secret", creds["app_secret"], "--access-token", creds["access_token"],
            "--refresh-token", creds["refresh_token"], "--shop-cipher", creds["shop_cipher"],
        )  # fmt: skip
        connection = Connection.objects.get(pk=json.loads(capsys.readouterr().out)["id"])
        assert connection.webhook_secrets == [creds["app_secret"]]
        topic, notification = TIKTOK.sample_webhook(sequence=2, seed=4, skus=SKUS)
        body = json.dumps(notification).encode()
        url = reverse("channels:webhook", args=[connection.pk])

        forged = client.post(url, data=body, content_type="application/json", HTTP_AUTHORIZATION="0" * 64)
        signed = client.post(
            url, data=body, content_type="application/json", **headers_for(connection, body, topic)
        )
        again = client.post(
            url, data=body, content_type="application/json", **headers_for(connection, body, topic)
        )

        assert [forged.status_code, signed.status_code, again.status_code] == [401, 200, 200]
        assert again.content == b"duplicate"
        with django_capture_on_commit_callbacks(execute=True):
            assert dict(deliveries_process(connection_id=connection.pk)) == {"created": 1}
        order = Order.objects.get(channel=connection.channel)
        assert order.channel_order_id == str(order_payload["id"]) and order.stage == "processing"
        assert Delivery.objects.get().state == "applied"

        with django_capture_on_commit_callbacks(execute=False):
            shipment_create(order_id=order.pk, carrier="Royal Mail", tracking_number="RM123456785GB",
                            actor=Actor.system("tests"))  # fmt: skip
        push = tracking_push_send(push_id=TrackingPush.objects.get(order=order).pk)

        assert push.state == "sent", push.last_error
        assert [p["tracking_number"] for p in shop.pushes] == ["RM123456785GB"]
