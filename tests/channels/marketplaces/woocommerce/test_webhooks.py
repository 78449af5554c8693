"""WooCommerce deliveries: the platform's description, signatures over the raw body, the headers the
framework reads, the ping, which topics carry an order, and the sample orders channel_simulate sends."""

import json
from datetime import UTC, datetime

import pytest
from django.http.request import HttpHeaders

from channels.marketplaces import platform
from channels.marketplaces.base import FinancialStatus, Webhook, hmac_sha256_base64, signature_matches
from channels.marketplaces.values import loads
from channels.marketplaces.woocommerce import PLATFORM
from orders.services.create import money  # Packline's own rounding of a line's tax
from tests.channels.marketplaces.woocommerce.conftest import payload, raw

SKUS = ["MUG-SLATE", "TOWEL-NAT", "BOARD-OAK-L", "CANDLE-BW"]


def delivery_headers(**extra) -> HttpHeaders:
    """Headers as Django hands them to a view (request.headers), from the META of a delivery."""
    meta = {
        "CONTENT_TYPE": "application/json",
        "HTTP_USER_AGENT": "WooCommerce/9.8.5 Hookshot (WordPress/6.8.1)",
        "HTTP_X_WC_WEBHOOK_SOURCE": "https://shop.example.co.uk/",
        "HTTP_X_WC_WEBHOOK_TOPIC": "order.updated",
        "HTTP_X_WC_WEBHOOK_RESOURCE": "order",
        "HTTP_X_WC_WEBHOOK_EVENT": "updated",
        "HTTP_X_WC_WEBHOOK_SIGNATURE": "c2lnbmF0dXJl",
        "HTTP_X_WC_WEBHOOK_ID": "17",
        "HTTP_X_WC_WEBHOOK_DELIVERY_ID": "9f3c1e0b6a5d4c2e8b7a6f5e4d3c2b1a",
    }
    meta.update(extra)
    return HttpHeaders({key: value for key, value in meta.items() if value is not None})


def test_the_platform_is_registered_and_describes_woocommerce():
    assert platform("woocommerce") is PLATFORM
    assert PLATFORM.kind == "woocommerce"
    assert PLATFORM.label == "WooCommerce"
    assert PLATFORM.default_api_base_url == ""
    assert PLATFORM.credential_names == ("consumer_key", "consumer_secret")
    assert PLATFORM.signature_header == "X-WC-Webhook-Signature"


def test_a_signature_over_the_raw_body_matches_and_any_change_breaks_it():
    body = raw("order_processing.json")
    signature = hmac_sha256_base64("wh_secret_current", body)

    assert signature_matches(body, signature, ["wh_secret_current"])
    assert not signature_matches(body.replace(b"57.66", b"5.66"), signature, ["wh_secret_current"])
    assert not signature_matches(body, signature, ["another secret"])
    # Re-serialising the parsed body is not the body WooCommerce signed.
    assert not signature_matches(json.dumps(json.loads(body)).encode(), signature, ["wh_secret_current"])


def test_during_a_rotation_either_secret_is_accepted():
    body = raw("order_bank_transfer.json")
    secrets = ["wh_secret_new", "wh_secret_old"]

    assert signature_matches(body, hmac_sha256_base64("wh_secret_old", body), secrets)
    assert signature_matches(body, hmac_sha256_base64("wh_secret_new", body), secrets)
    assert not signature_matches(body, hmac_sha256_base64("wh_secret_older", body), secrets)
    assert not signature_matches(body, "", secrets)


def test_delivery_id_and_topic_come_from_the_headers():
    assert PLATFORM.webhook(delivery_headers()) == Webhook(
        delivery_id="9f3c1e0b6a5d4c2e8b7a6f5e4d3c2b1a", topic="order.updated"
    )
    # A plain dict (a stored delivery, another framework) is read case-insensitively too.
    assert PLATFORM.webhook(
        {"x-wc-webhook-delivery-id": "abc", "x-wc-webhook-topic": "order.created"}
    ) == Webhook(delivery_id="abc", topic="order.created")


@pytest.mark.parametrize("missing", ["HTTP_X_WC_WEBHOOK_DELIVERY_ID", "HTTP_X_WC_WEBHOOK_TOPIC"])
def test_a_delivery_without_its_id_or_topic_is_none(missing):
    assert PLATFORM.webhook(delivery_headers(**{missing: None})) is None
    assert PLATFORM.webhook(delivery_headers(**{missing: "  "})) is None


def test_the_ping_on_saving_a_webhook_is_recognised_and_carries_no_order():
    ping_headers = HttpHeaders(
        {
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "HTTP_USER_AGENT": "WooCommerce/9.8.5 Hookshot (WordPress/6.8.1)",
        }
    )
    assert PLATFORM.webhook(ping_headers) is None
    assert PLATFORM.is_ping(b"webhook_id=17")
    assert not PLATFORM.is_ping(raw("order_processing.json"))
    assert not PLATFORM.is_ping(b"webhook_id=17&order=4210")
    assert not PLATFORM.is_ping(b"webhook_id=abc")
    assert not PLATFORM.is_ping(b"\xff\xfe")
    assert PLATFORM.order_from_webhook("", {"webhook_id": "17"}) is None


@pytest.mark.parametrize(
    "topic",
    [
        "product.updated",
        "customer.created",
        "coupon.deleted",
        "action.woocommerce_order_status_completed",
        "ping",
    ],
)
def test_topics_other_than_orders_carry_no_order_whatever_their_body(topic):
    assert PLATFORM.order_from_webhook(topic, payload("order_processing.json")) is None
    assert (
        PLATFORM.order_from_webhook(topic, {"action": "woocommerce_order_status_completed", "arg": 4210})
        is None
    )
    assert PLATFORM.order_from_webhook(topic, {}) is None


@pytest.mark.parametrize("topic", ["order.created", "order.updated", "order.restored"])
def test_order_topics_carry_the_order(topic):
    order = PLATFORM.order_from_webhook(topic, payload("order_processing.json"))
    assert order.platform_order_id == "4210"
    assert order.financial_status == FinancialStatus.PAID


def test_a_deleted_order_carries_only_its_id_and_asks_for_a_cancellation():
    received = datetime(2025, 5, 20, 8, 0, tzinfo=UTC)

    order = PLATFORM.order_from_webhook("order.deleted", payload("order_deleted.json"), received_at=received)

    assert order.platform_order_id == "4214"
    assert order.updated_at == received
    assert order.cancellation_requested is True
    assert order.lines == []
    assert order.problems == [
        "WooCommerce says order 4214 was deleted or moved to the trash; the delivery carries nothing but its id."
    ]


def test_a_deleted_order_with_its_whole_body_is_read_as_any_other():
    body = payload("order_processing.json")
    body["status"] = "trash"
    order = PLATFORM.order_from_webhook("order.deleted", body)
    assert order.cancelled_at == datetime(2025, 5, 14, 9, 13, 5, tzinfo=UTC)
    assert order.problems == []


def test_an_order_delivery_without_id_is_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="needs a numeric id"):
        PLATFORM.order_from_webhook("order.updated", {"status": "processing"})


def test_samples_are_realistic_orders_that_read_cleanly_and_add_up():
    statuses, countries = set(), set()
    for sequence in range(60):
        topic, body = PLATFORM.sample_webhook(sequence=sequence, seed=3, skus=SKUS)
        # A sample is plain JSON, signed and parsed as a real delivery would be.
        order = PLATFORM.order_from_webhook(topic, loads(json.dumps(body).encode()))

        assert topic == "order.created"
        assert order.problems == []
        assert 1 <= len(order.lines) <= 3
        assert {line.sku for line in order.lines} <= set(SKUS)
        assert order.shipping_address["country"] and order.shipping_address["line1"]
        packline_total = order.delivery_fee + sum(
            (net + money(net * line.tax_rate / 100))
            for line in order.lines
            for net in [line.unit_price * line.quantity - line.discount]
        )
        assert packline_total == order.total
        statuses.add((body["status"], order.financial_status))
        countries.add(order.shipping_address["country"])

    assert statuses == {("processing", FinancialStatus.PAID), ("on-hold", FinancialStatus.PENDING)}
    assert len(countries) >= 4


def test_samples_are_the_same_for_the_same_seed_and_sequence():
    first = PLATFORM.sample_webhook(sequence=5, seed=11, skus=SKUS)
    assert PLATFORM.sample_webhook(sequence=5, seed=11, skus=SKUS) == first
    assert PLATFORM.sample_webhook(sequence=5, seed=12, skus=SKUS) != first
    assert PLATFORM.sample_webhook(sequence=6, seed=11, skus=SKUS)[1]["id"] == first[1]["id"] + 1


def test_a_sample_needs_skus():
    with pytest.raises(ValueError, match="at least one SKU"):
        PLATFORM.sample_webhook(sequence=0, seed=1, skus=[])
