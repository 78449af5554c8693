"""TikTok Shop as a platform: its description and client, the Authorization signature over app_key + raw
body, naming a delivery that carries no id header, which notifications name an order, and the sample
notifications channel_simulate sends, followed through to the order they name."""

import json

import pytest
from django.http.request import HttpHeaders

from channels.marketplaces.base import Access, OrderReference, Webhook
from channels.marketplaces.tiktok import API_VERSION, PLATFORM, webhook_signature
from channels.marketplaces.values import loads
from tests.channels.marketplaces.tiktok.conftest import payload, raw

SKUS = ["MUG-SLATE", "TOWEL-NAT", "BOARD-OAK-L", "CANDLE-BW"]
APP_KEY, SECRET = "6a6fake0app0key", "fake0app0secret0e59af819cc"


def delivery_headers(**extra) -> HttpHeaders:
    """Headers as Django hands them to a view (request.headers), from the META of a delivery."""
    meta = {
        "CONTENT_TYPE": "application/json",
        "HTTP_USER_AGENT": "Go-http-client/2.0",
        "HTTP_AUTHORIZATION": "3f1c0e1b4cbd0c7d0a4f7a2f0f3f1c5d9a1b2c3d4e5f60718293a4b5c6d7e8f9",
    }
    meta.update(extra)
    return HttpHeaders({key: value for key, value in meta.items() if value is not None})


def test_the_platform_describes_tiktok_shop():
    assert PLATFORM.kind == "tiktok"
    assert PLATFORM.label == "TikTok Shop"
    assert PLATFORM.default_api_base_url == "https://open-api.tiktokglobalshop.com"
    assert PLATFORM.credential_names == (
        "app_key",
        "app_secret",
        "access_token",
        "refresh_token",
        "shop_cipher",
    )
    assert PLATFORM.signature_header == "Authorization"
    assert API_VERSION == "202309"


def test_the_platform_builds_a_client_for_tiktoks_own_host(shop, limiter):
    client = PLATFORM.client(shop.access(), limiter, on_credentials_renewed=[].append)
    with client:
        assert PLATFORM.default_api_base_url == "https://open-api.tiktokglobalshop.com"
        assert client.base_url == shop.url
        assert client.check() == "Packline Homeware UK"
    with PLATFORM.client(Access(shop_url="", api_base_url="", credentials={}), limiter) as default:
        assert default.base_url == "https://open-api.tiktokglobalshop.com"


def test_a_delivery_is_checked_against_each_current_app_secret_with_the_app_key():
    body = raw("webhook_order_status_change.json")
    secrets = ["new app secret", SECRET]  # two while the secret is rotated

    assert PLATFORM.signature_valid(
        body, webhook_signature(body, APP_KEY, SECRET), app_key=APP_KEY, app_secrets=secrets
    )
    assert PLATFORM.signature_valid(
        body, webhook_signature(body, APP_KEY, "new app secret"), app_key=APP_KEY, app_secrets=secrets
    )
    assert not PLATFORM.signature_valid(
        body, webhook_signature(body, APP_KEY, "old secret"), app_key=APP_KEY, app_secrets=secrets
    )
    assert not PLATFORM.signature_valid(
        body, webhook_signature(body, "another_app", SECRET), app_key=APP_KEY, app_secrets=secrets
    )
    assert not PLATFORM.signature_valid(body, "", app_key=APP_KEY, app_secrets=secrets)
    # Re-serialising the parsed body is not the body TikTok Shop signed.
    reserialised = json.dumps(json.loads(body)).encode()
    assert not PLATFORM.signature_valid(
        reserialised, webhook_signature(body, APP_KEY, SECRET), app_key=APP_KEY, app_secrets=secrets
    )


def test_from_headers_alone_a_signed_delivery_is_a_status_change_with_no_id():
    assert PLATFORM.webhook(delivery_headers()) == Webhook(delivery_id="", topic="order_status_change")
    assert PLATFORM.webhook({"authorization": "abc"}) == Webhook(delivery_id="", topic="order_status_change")
    assert PLATFORM.webhook(delivery_headers(HTTP_AUTHORIZATION=None)) is None
    assert PLATFORM.webhook(delivery_headers(HTTP_AUTHORIZATION="  ")) is None


def test_the_body_names_the_delivery_by_its_notification_id_and_gives_the_topic():
    status_change = raw("webhook_order_status_change.json")
    package_update = raw("webhook_package_update.json")

    assert PLATFORM.webhook_from_body(delivery_headers(), status_change) == Webhook(
        delivery_id="tts-7327112393057371910", topic="order_status_change"
    )
    assert PLATFORM.webhook_from_body(delivery_headers(), package_update) == Webhook(
        delivery_id="tts-7327112393057371911", topic="package_update"
    )
    assert PLATFORM.webhook_from_body(delivery_headers(HTTP_AUTHORIZATION=None), status_change) is None


def test_a_redelivery_has_the_same_key_and_another_notification_another():
    body = raw("webhook_order_status_change.json")
    notification = json.loads(body)
    compact = json.dumps(notification, separators=(",", ":")).encode()  # the same notification, resent
    later = json.dumps({**notification, "tts_notification_id": "7327112393057371999"}).encode()

    assert PLATFORM.delivery_key(body) == PLATFORM.delivery_key(compact) == "tts-7327112393057371910"
    assert PLATFORM.delivery_key(later) == "tts-7327112393057371999"


def test_without_a_notification_id_the_key_is_type_order_and_time_or_the_body_hash():
    notification = json.loads(raw("webhook_order_status_change.json"))
    del notification["tts_notification_id"]

    assert PLATFORM.delivery_key(json.dumps(notification).encode()) == "1-576486316948490001-1644412885"
    key = PLATFORM.delivery_key(b"not json at all")
    assert key.startswith("sha256-") and len(key) == 71
    assert PLATFORM.delivery_key(b"not json at all") == key != PLATFORM.delivery_key(b"not json at all!")


def test_a_status_change_names_the_order_for_the_framework_to_fetch():
    assert PLATFORM.order_from_webhook(
        "order_status_change", payload("webhook_order_status_change.json")
    ) == (OrderReference("576486316948490001"))


def test_the_body_not_the_topic_decides_what_a_notification_is():
    package_update = payload("webhook_package_update.json")
    address_update = {
        "type": 3,
        "shop_id": "7494049642642441621",
        "data": {"order_id": "5764", "update_time": 1},
    }

    # webhook() calls every delivery a status change; a package update still names no order to apply.
    assert PLATFORM.order_from_webhook("order_status_change", package_update) is None
    assert PLATFORM.order_from_webhook("order_status_change", address_update) == OrderReference("5764")
    assert PLATFORM.order_from_webhook("order_status_change", {"type": 6, "data": {}}) is None


def test_a_status_change_without_an_order_id_cannot_be_read():
    notification = payload("webhook_order_status_change.json")
    del notification["data"]["order_id"]

    with pytest.raises(ValueError, match="names no order"):
        PLATFORM.order_from_webhook("order_status_change", notification)


def test_the_headers_tiktok_sends_are_the_signature_and_the_content_type():
    assert PLATFORM.webhook_headers(
        topic="order_status_change",
        delivery_id="ignored",
        signature="ab12",
        shop_url="https://seller-uk.tiktok.com",
    ) == {"Content-Type": "application/json", "Authorization": "ab12"}


def test_sample_notifications_are_stable_and_name_their_sample_order():
    topic, notification = PLATFORM.sample_webhook(sequence=4, seed=9, skus=SKUS)
    again = PLATFORM.sample_webhook(sequence=4, seed=9, skus=SKUS)
    order = PLATFORM.sample_order(sequence=4, seed=9, skus=SKUS)

    assert (topic, notification) == again
    assert topic == "order_status_change"
    assert notification["type"] == 1
    assert notification["data"] == {
        "order_id": order["id"],
        "order_status": order["status"],
        "is_on_hold_order": order["is_on_hold_order"],
        "update_time": order["update_time"],
    }
    assert (
        PLATFORM.sample_webhook(sequence=5, seed=9, skus=SKUS)[1]["tts_notification_id"]
        != (notification["tts_notification_id"])
    )
    with pytest.raises(ValueError, match="at least one SKU"):
        PLATFORM.sample_webhook(sequence=1, seed=1, skus=[])


def test_a_sample_notification_signed_named_and_followed_to_its_order(shop, connect):
    topic, notification = PLATFORM.sample_webhook(sequence=2, seed=3, skus=SKUS)
    shop.add_order(PLATFORM.sample_order(sequence=2, seed=3, skus=SKUS))
    body = json.dumps(notification).encode()
    headers = PLATFORM.webhook_headers(
        topic=topic,
        delivery_id="",
        signature=webhook_signature(body, shop.app_key, shop.app_secret),
        shop_url="https://seller-uk.tiktok.com",
    )

    assert PLATFORM.signature_valid(
        body, headers["Authorization"], app_key=shop.app_key, app_secrets=[shop.app_secret]
    )
    hook = PLATFORM.webhook_from_body(headers, body)
    reference = PLATFORM.order_from_webhook(hook.topic, loads(body))
    order = connect().order(reference.platform_order_id)

    assert hook == Webhook(
        delivery_id=f"tts-{notification['tts_notification_id']}", topic="order_status_change"
    )
    assert order.platform_order_id == notification["data"]["order_id"]
    assert order.problems == []
    assert {line.sku for line in order.lines} <= set(SKUS)
