"""What a WooCommerce webhook delivery says: its headers, the ping a shop sends when a webhook is saved,
and the order an order.* delivery carries.

WooCommerce signs the raw body with the webhook's secret (base64 HMAC-SHA256 in
X-WC-Webhook-Signature); the framework checks it with base.signature_matches against
PLATFORM.signature_header. The ping is not signed and has no topic: answer it 200, or WooCommerce
refuses to save the webhook.
"""

from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import parse_qs

from channels.marketplaces.base import PlatformOrder, Webhook
from channels.marketplaces.woocommerce import mapping

DELIVERY_HEADER = "X-WC-Webhook-Delivery-ID"
TOPIC_HEADER = "X-WC-Webhook-Topic"
SIGNATURE_HEADER = "X-WC-Webhook-Signature"
ORDER_TOPICS = frozenset({"order.created", "order.updated", "order.deleted", "order.restored"})


def webhook(headers) -> Webhook | None:
    """Delivery id and topic from a delivery's headers (Django's HttpHeaders or any mapping); None
    when either is missing, as on the ping.

    WooCommerce makes a delivery id from the webhook id and the current second, so two deliveries of
    one webhook within the same second share it: the order's date_modified_gmt, not the delivery id,
    says which change is newer."""
    delivery_id, topic = _header(headers, DELIVERY_HEADER), _header(headers, TOPIC_HEADER)
    if not delivery_id or not topic:
        return None
    return Webhook(delivery_id=delivery_id, topic=topic)


def is_ping(body: bytes) -> bool:
    """WooCommerce's test delivery on saving a webhook: a form-encoded `webhook_id=N`, nothing else."""
    try:
        fields = parse_qs(body.decode("ascii"), strict_parsing=True)
    except (UnicodeDecodeError, ValueError):
        return False
    return list(fields) == ["webhook_id"] and fields["webhook_id"][0].isdigit()


def order_from_webhook(topic: str, payload, *, received_at: datetime | None = None) -> PlatformOrder | None:
    """The order an order.* delivery describes; None for every other topic (product.*, customer.*,
    coupon.*, action.* and the ping), whatever its body.

    order.deleted carries only the order's id: see mapping.order_deleted."""
    if topic not in ORDER_TOPICS:
        return None
    if topic == "order.deleted" and isinstance(payload, dict) and "date_modified_gmt" not in payload:
        return mapping.order_deleted(payload, received_at=received_at or datetime.now(UTC))
    return mapping.order_from_payload(payload)


def _header(headers, name: str) -> str | None:
    value = headers.get(name)
    if value is None and isinstance(headers, Mapping):
        # A plain dict (tests, a stored delivery) is not case-insensitive as HttpHeaders is.
        value = next((v for k, v in headers.items() if str(k).lower() == name.lower()), None)
    value = str(value).strip() if value is not None else ""
    return value or None
