"""TikTok Shop webhook deliveries: how they are signed and told apart, and which name an order.

A delivery is a POST of JSON like

    {"type": 1, "tts_notification_id": "7327112393057371910", "shop_id": "7494049642642441621",
     "timestamp": 1644412885,
     "data": {"order_id": "576486316948490001", "order_status": "UNPAID", "is_on_hold_order": false,
              "update_time": 1644412885}}

signed in the Authorization header (signing.webhook_signature: hex HMAC-SHA256 with the app secret over
app_key + the raw body). TikTok Shop sends no delivery id or topic header: the topic is the body's
numeric `type` and the delivery is named by its tts_notification_id (delivery_key), which a retry of
the same notification repeats. The notification only names the order: order_from_webhook gives an
OrderReference and the framework fetches the order (client.order).
"""

import hashlib
from collections.abc import Mapping

from channels.marketplaces.base import OrderReference, Webhook
from channels.marketplaces.values import loads, text_of

SIGNATURE_HEADER = "Authorization"
ORDER_STATUS_CHANGE = "order_status_change"
# The numeric types Packline reads. TikTok Shop warns that the number alone is not enough to go by, so
# an order is only read from a body whose data names one.
TOPICS = {
    1: ORDER_STATUS_CHANGE,
    2: "reverse_status_update",
    3: "recipient_address_update",
    4: "package_update",
}
# A status change or a new address: the order itself changed, and is fetched.
ORDER_TOPICS = frozenset({ORDER_STATUS_CHANGE, "recipient_address_update"})


def webhook(headers) -> Webhook | None:
    """From the headers alone: a signed delivery is an order status change with no delivery id of its
    own (TikTok Shop sends neither header). Prefer webhook_from_body, which reads both from the body."""
    if not header(headers, SIGNATURE_HEADER):
        return None
    return Webhook(delivery_id="", topic=ORDER_STATUS_CHANGE)


def webhook_from_body(headers, body: bytes) -> Webhook | None:
    """Delivery id (delivery_key) and topic (from the body's type) of a signed delivery; None without
    the signature header."""
    if not header(headers, SIGNATURE_HEADER):
        return None
    payload = _payload(body)
    return Webhook(
        delivery_id=delivery_key(body), topic=topic_of(payload) if payload else ORDER_STATUS_CHANGE
    )


def delivery_key(body: bytes) -> str:
    """A stable name for one notification, at most 150 characters: "tts-<tts_notification_id>"; without
    one, "<type>-<order_id>-<update_time>"; failing both, "sha256-<hash of the body>". A redelivery of
    the same notification gives the same key."""
    payload = _payload(body)
    if payload:
        notification = text_of(payload.get("tts_notification_id"))
        if notification:
            return f"tts-{notification}"[:150]
        data = payload.get("data") if isinstance(payload.get("data"), dict) else {}
        parts = [
            text_of(payload.get("type")),
            text_of(data.get("order_id")),
            text_of(data.get("update_time")),
        ]
        if all(parts):
            return "-".join(parts)[:150]
    return f"sha256-{hashlib.sha256(body).hexdigest()}"


def topic_of(payload: dict) -> str:
    kind = payload.get("type")
    if isinstance(kind, int) and not isinstance(kind, bool):
        return TOPICS.get(kind, f"type_{kind}")
    return f"type_{text_of(kind) or 'unknown'}"


def order_from_webhook(topic: str, payload: dict) -> OrderReference | None:
    """The order a status change (type 1) or an address change (type 3) names; None for every other
    notification. The payload's type decides, not `topic`: webhook() cannot read the type from headers."""
    if not isinstance(payload, dict) or topic_of(payload) not in ORDER_TOPICS:
        return None
    data = payload.get("data")
    order_id = text_of(data.get("order_id")) if isinstance(data, dict) else ""
    if not order_id:
        raise ValueError(f"A TikTok Shop {topic_of(payload)} notification names no order: {payload!r}"[:300])
    return OrderReference(order_id)


def webhook_headers(*, topic: str, delivery_id: str, signature: str, shop_url: str) -> dict[str, str]:
    """The headers TikTok Shop sends: the signature and the content type, nothing naming the delivery."""
    return {"Content-Type": "application/json", SIGNATURE_HEADER: signature}


def header(headers, name: str) -> str:
    """One header's value, stripped; "" when absent. Names compare case-insensitively."""
    value = headers.get(name)
    if value is None and isinstance(headers, Mapping):
        value = next((v for k, v in headers.items() if str(k).lower() == name.lower()), None)
    return str(value).strip() if value is not None else ""


def _payload(body: bytes) -> dict | None:
    try:
        payload = loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    return payload if isinstance(payload, dict) else None
