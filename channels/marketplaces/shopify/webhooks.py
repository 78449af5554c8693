"""Shopify webhook deliveries: the headers that name and sign them, and which topics carry an order."""

import json
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import urlsplit

from channels.marketplaces.base import PlatformOrder, Webhook, signature_matches
from channels.marketplaces.shopify import mapping
from channels.marketplaces.shopify.client import API_VERSION

DELIVERY_ID_HEADER = "X-Shopify-Webhook-Id"
TOPIC_HEADER = "X-Shopify-Topic"
SIGNATURE_HEADER = "X-Shopify-Hmac-SHA256"

# Topics whose payload is the whole order resource. orders/edited is not among them: its payload is an
# order_edit (the lines added and removed), and Shopify sends orders/updated with the whole order after it.
# orders/delete carries only the id.
ORDER_TOPICS = frozenset(
    {
        "orders/create",
        "orders/updated",
        "orders/paid",
        "orders/cancelled",
        "orders/fulfilled",
        "orders/partially_fulfilled",
    }
)


def webhook(headers) -> Webhook | None:
    """Delivery id and topic of a delivery; None when either is missing. `headers` is a Django
    HttpHeaders (case-insensitive) or any mapping of header names to values."""
    delivery_id = header(headers, DELIVERY_ID_HEADER)
    topic = header(headers, TOPIC_HEADER)
    if not delivery_id or not topic:
        return None
    return Webhook(delivery_id=delivery_id, topic=topic)


def webhook_headers(*, topic: str, delivery_id: str, signature: str, shop_url: str) -> dict[str, str]:
    """The headers Shopify sends with a delivery (channel_simulate, the benchmark, tests)."""
    domain = urlsplit(shop_url if "://" in shop_url else f"https://{shop_url}").hostname or shop_url
    return {
        "Content-Type": "application/json",
        TOPIC_HEADER: topic,
        DELIVERY_ID_HEADER: delivery_id,
        SIGNATURE_HEADER: signature,
        "X-Shopify-Shop-Domain": domain,
        "X-Shopify-API-Version": API_VERSION,
        "X-Shopify-Triggered-At": datetime.now(UTC).isoformat(),
    }


def signature_valid(body: bytes, headers, secrets: list[str]) -> bool:
    """The raw body is signed with one of the app's current secrets (two while they rotate)."""
    signature = header(headers, SIGNATURE_HEADER)
    return bool(signature) and signature_matches(body, signature, secrets)


def order_from_webhook(topic: str, payload: dict) -> PlatformOrder | None:
    if topic.strip().lower() not in ORDER_TOPICS:
        return None
    return mapping.order_from_rest(payload)


def payload_from_body(body: bytes) -> dict:
    """The delivery's JSON with every number that has a fraction read as an exact Decimal."""
    return json.loads(body, parse_float=Decimal)


def header(headers, name: str) -> str:
    """One header's value, stripped; "" when absent. Header names are compared case-insensitively."""
    value = headers.get(name)
    if value is None:
        wanted = name.lower()
        value = next((v for k, v in headers.items() if str(k).lower() == wanted), None)
    return str(value).strip() if value is not None else ""
