"""Shopify webhook deliveries: signatures over the raw body, the headers that name a delivery, which
topics carry an order, and the PLATFORM object the framework looks up."""

import base64
import hashlib
import hmac
import json
from decimal import Decimal

import pytest
from django.http.request import HttpHeaders

from channels.marketplaces import platform
from channels.marketplaces.base import Access, Webhook, hmac_sha256_base64, signature_matches
from channels.marketplaces.shopify import PLATFORM, webhooks
from channels.marketplaces.shopify.client import ShopifyClient
from tests.channels.marketplaces.shopify.conftest import FIXTURES, RecordingLimiter

BODY = (FIXTURES / "order_webhook_de.json").read_bytes()
OLD_SECRET, NEW_SECRET = "whsec_old_7f3a9c", "whsec_new_0b52e1"


def shopify_signature(secret: str, body: bytes) -> str:
    """Computed here independently of base.py: base64 of the HMAC-SHA256 digest of the raw body."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def django_headers(**meta) -> HttpHeaders:
    return HttpHeaders({f"HTTP_{name.upper().replace('-', '_')}": value for name, value in meta.items()})


def test_the_signature_is_base64_hmac_sha256_of_the_raw_body():
    assert hmac_sha256_base64(NEW_SECRET, BODY) == shopify_signature(NEW_SECRET, BODY)
    assert signature_matches(BODY, shopify_signature(NEW_SECRET, BODY), [NEW_SECRET])


def test_during_a_rotation_a_delivery_signed_with_either_secret_is_accepted():
    secrets = [NEW_SECRET, OLD_SECRET]

    assert signature_matches(BODY, shopify_signature(OLD_SECRET, BODY), secrets)
    assert signature_matches(BODY, shopify_signature(NEW_SECRET, BODY), secrets)
    assert not signature_matches(BODY, shopify_signature("whsec_someone_else", BODY), secrets)


def test_a_body_changed_after_signing_is_refused_even_when_it_parses_the_same():
    signature = shopify_signature(NEW_SECRET, BODY)
    reformatted = json.dumps(json.loads(BODY)).encode()

    assert not signature_matches(reformatted, signature, [NEW_SECRET])
    assert not signature_matches(BODY + b" ", signature, [NEW_SECRET])


def test_the_signature_header_is_found_in_any_letter_case():
    signature = shopify_signature(NEW_SECRET, BODY)

    assert webhooks.signature_valid(
        BODY, django_headers(**{"X-Shopify-Hmac-Sha256": signature}), [NEW_SECRET]
    )
    assert webhooks.signature_valid(BODY, {"x-shopify-hmac-sha256": signature}, [OLD_SECRET, NEW_SECRET])
    assert not webhooks.signature_valid(BODY, {}, [NEW_SECRET])
    assert not webhooks.signature_valid(BODY, {"X-Shopify-Hmac-SHA256": signature}, [])


def test_a_delivery_is_named_by_its_webhook_id_and_topic():
    headers = django_headers(
        **{"X-Shopify-Webhook-Id": " b54557e4-bdd9-4b37-8a5f-bf7d70bcd043 ", "X-Shopify-Topic": "orders/paid"}
    )

    assert PLATFORM.webhook(headers) == Webhook(
        delivery_id="b54557e4-bdd9-4b37-8a5f-bf7d70bcd043", topic="orders/paid"
    )
    assert PLATFORM.webhook({"x-shopify-webhook-id": "abc", "x-shopify-topic": "orders/create"}) == Webhook(
        "abc", "orders/create"
    )


@pytest.mark.parametrize(
    "meta",
    [
        {"X-Shopify-Topic": "orders/create"},
        {"X-Shopify-Webhook-Id": "abc"},
        {"X-Shopify-Webhook-Id": "  ", "X-Shopify-Topic": "orders/create"},
        {},
    ],
)
def test_a_delivery_without_its_id_or_topic_is_not_named(meta):
    assert PLATFORM.webhook(django_headers(**meta)) is None


@pytest.mark.parametrize(
    "topic",
    [
        "orders/create",
        "orders/updated",
        "orders/paid",
        "orders/cancelled",
        "orders/fulfilled",
        "orders/partially_fulfilled",
    ],
)
def test_order_topics_carry_the_order(topic):
    order = PLATFORM.order_from_webhook(topic, webhooks.payload_from_body(BODY))

    assert order.platform_order_id == "5630119874561"


def test_orders_edited_carries_an_edit_not_the_order():
    # Shopify follows it with orders/updated, which carries the whole edited order.
    edit = json.loads((FIXTURES / "orders_edited_webhook.json").read_text())

    assert PLATFORM.order_from_webhook("orders/edited", edit) is None


@pytest.mark.parametrize("topic", ["app/uninstalled", "orders/delete", "refunds/create", "products/update"])
def test_other_topics_carry_no_order(topic):
    assert PLATFORM.order_from_webhook(topic, {"id": 5630119874561}) is None


def test_a_delivery_body_is_read_with_exact_decimals():
    payload = webhooks.payload_from_body(BODY)

    assert payload["line_items"][0]["tax_lines"][0]["rate"] == Decimal("0.19")
    assert type(payload["line_items"][0]["tax_lines"][0]["rate"]) is Decimal


def test_simulated_delivery_headers_name_and_sign_the_delivery_as_shopify_does():
    topic, sample = PLATFORM.sample_webhook(sequence=7, seed=1, skus=["MUG-BLU-350"])
    body = json.dumps(sample).encode()
    headers = PLATFORM.webhook_headers(
        topic=topic,
        delivery_id="simulated-1-7",
        signature=hmac_sha256_base64(NEW_SECRET, body),
        shop_url="https://atelier-demo.myshopify.com",
    )

    assert PLATFORM.webhook(headers) == Webhook(delivery_id="simulated-1-7", topic="orders/create")
    assert webhooks.signature_valid(body, headers, [NEW_SECRET])
    assert headers["X-Shopify-Shop-Domain"] == "atelier-demo.myshopify.com"


def test_the_platform_is_found_by_its_kind_and_describes_itself():
    assert platform("shopify") is PLATFORM
    assert (PLATFORM.kind, PLATFORM.label, PLATFORM.default_api_base_url) == ("shopify", "Shopify", "")
    assert PLATFORM.credential_names == ("access_token",)
    assert PLATFORM.signature_header == "X-Shopify-Hmac-SHA256"


@pytest.mark.parametrize(
    ("shop_url", "api_base_url", "endpoint"),
    [
        (
            "https://atelier-demo.myshopify.com",
            "",
            "https://atelier-demo.myshopify.com/admin/api/2026-10/graphql.json",
        ),
        (
            "atelier-demo.myshopify.com/",
            "",
            "https://atelier-demo.myshopify.com/admin/api/2026-10/graphql.json",
        ),
        ("https://shop.example", "http://127.0.0.1:9", "http://127.0.0.1:9/admin/api/2026-10/graphql.json"),
    ],
)
def test_the_client_talks_to_the_shops_own_host_unless_told_otherwise(shop_url, api_base_url, endpoint):
    access = Access(shop_url=shop_url, api_base_url=api_base_url, credentials={"access_token": "shpat_x"})

    client = PLATFORM.client(access, RecordingLimiter())

    assert isinstance(client, ShopifyClient)
    assert client.endpoint == endpoint
    client.close()
