"""eBay and TikTok Shop test helpers: a connection made by `channel_connect` to a fake over real HTTP,
the documented orders renumbered and redated, and a signed TikTok Shop notification sent through the
webhook door."""

import copy
import json
from datetime import datetime

from django.core.management import call_command
from django.urls import reverse

from channels.connections.models import Connection
from channels.marketplaces.tiktok import PLATFORM as TIKTOK
from tests.channels.marketplaces.tiktok.conftest import FIXTURES as TIKTOK_FIXTURES
from tests.channels.marketplaces.tiktok.conftest import payload as tiktok_payload


def connect_ebay(ebay, read_output) -> Connection:
    """`read_output()`: what the command printed (capsys.readouterr().out)."""
    call_command(
        "channel_connect", "--kind", "ebay", "--name", "Acme on eBay", "--shop-url", "https://www.ebay.co.uk/usr/acme",
        "--api-base-url", ebay.url, "--auth-base-url", ebay.url, "--client-id", ebay.credentials["client_id"],
        "--client-secret", ebay.credentials["client_secret"], "--refresh-token", ebay.credentials["refresh_token"],
    )  # fmt: skip
    return Connection.objects.get(pk=json.loads(read_output())["id"])


def connect_tiktok(shop, read_output) -> Connection:
    creds = shop.credentials
    call_command(
        "channel_connect", "--kind", "tiktok", "--name", "Homeware UK", "--shop-url", "https://seller-uk.tiktok.com",
        "--api-base-url", shop.url, "--auth-base-url", shop.url, "--app-key", creds["app_key"],
        "--app-secret", creds["app_secret"], "--access-token", creds["access_token"],
        "--refresh-token", creds["refresh_token"], "--shop-cipher", creds["shop_cipher"],
    )  # fmt: skip
    return Connection.objects.get(pk=json.loads(read_output())["id"])


def tiktok_order(n: int, updated: datetime, **changes) -> dict:
    """The documented order (order_uk_awaiting_shipment.json), renumbered (order and line ids) and
    redated."""
    order = copy.deepcopy(tiktok_payload("order_uk_awaiting_shipment.json"))
    order_id = str(576_486_316_948_491_000 + n)
    for index, line in enumerate(order["line_items"]):
        line["id"] = f"{order_id}{index:02d}"
    stamp = int(updated.timestamp())
    order.update(id=order_id, create_time=stamp - 60, paid_time=stamp - 30, update_time=stamp, **changes)
    return json.loads(json.dumps(order, default=str))


def tiktok_notify(client, connection: Connection, order: dict, number: int, *, secret: str | None = None):
    """A signed order status change (the documented body) posted to the connection's webhook door."""
    body = json.loads((TIKTOK_FIXTURES / "webhook_order_status_change.json").read_text())
    body["tts_notification_id"] = f"73271123930573{number:05d}"
    body["data"].update(order_id=order["id"], order_status=order["status"], update_time=order["update_time"])
    raw = json.dumps(body).encode()
    signature = TIKTOK.sign_webhook(
        raw, app_key=connection.credentials["app_key"], secret=secret or connection.webhook_secrets[0]
    )
    return client.post(
        reverse("channels:webhook", args=[connection.pk]), data=raw, content_type="application/json",
        HTTP_AUTHORIZATION=signature,
    )  # fmt: skip
