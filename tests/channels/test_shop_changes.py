"""What the shop changed is what the shop's new version says differently from the shop's previous
version (the payload the order's link kept), not from Packline's order: a CSR's correction in Packline
(an address, a phone) survives an unrelated change in the shop (a tag, a payment, a note), and a field
the shop itself changes still reaches the order. Shown on Shopify (webhook payloads) and eBay
(getOrder payloads), each from the platform's documented order with its unknown keys."""

import copy
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse

from channels.intake.apply import platform_order_apply
from channels.intake.batch import deliveries_process
from channels.intake.models import PlatformOrderLink
from channels.marketplaces.base import hmac_sha256_base64
from channels.marketplaces.ebay import PLATFORM as EBAY
from channels.marketplaces.shopify import PLATFORM as SHOPIFY
from orders.models import Order
from orders.services.edit import order_update
from tests.channels.shops import make_connection
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

MARKETPLACES = Path(__file__).parent / "marketplaces"


def fixture(platform: str, name: str) -> dict:
    return json.loads((MARKETPLACES / platform / "fixtures" / name).read_text())


def catalogue(*skus: str) -> None:
    for sku in skus:
        ProductFactory(sku=sku, price=Decimal("10.00"), tax_rate=Decimal("0"))


def apply(connection, platform, payload: dict):
    return platform_order_apply(
        connection=connection, platform_order=platform.order_from_payload(copy.deepcopy(payload))
    )


def csr_corrects(order: Order, csr, **changes) -> Order:
    order_update(order_id=order.pk, expected_version=order.version, changes=changes, lines=None, actor=csr)
    return Order.objects.get(pk=order.pk)


# Shopify -----------------------------------------------------------------------------------------


@pytest.fixture
def shopify():
    catalogue("MUG-BLU-350", "TOWEL-LIN-NAT", "CANDLE-BW")
    return make_connection("shopify", "Acme DE")


def shopify_version(payload: dict, hour: int, **changes) -> dict:
    version = copy.deepcopy(payload)
    version["updated_at"] = f"2026-03-16T{hour:02d}:00:00+01:00"
    version.update(changes)
    return version


def test_a_tag_change_in_shopify_keeps_the_address_a_csr_corrected(shopify, users):
    first = fixture("shopify", "order_webhook_de.json")
    assert apply(shopify, SHOPIFY, first).outcome == "created"
    order = Order.objects.get(channel=shopify.channel)
    corrected = dict(order.shipping_address, line1="Schillerstraße 43", phone="+49 160 5550124")
    order = csr_corrects(order, users["csr"], shipping_address=corrected, shipping_method="DHL Express")

    result = apply(shopify, SHOPIFY, shopify_version(first, 12, tags="repeat customer, wholesale, vip"))

    order = Order.objects.get(pk=order.pk)
    assert result.outcome == "unchanged", result.details
    assert order.shipping_address == corrected
    assert order.shipping_method == "DHL Express"


def test_a_field_shopify_changed_is_applied_and_the_csrs_other_correction_stays(shopify, users):
    first = fixture("shopify", "order_webhook_de.json")
    apply(shopify, SHOPIFY, first)
    order = Order.objects.get(channel=shopify.channel)
    corrected = dict(order.shipping_address, phone="+49 160 5550124")
    order = csr_corrects(order, users["csr"], shipping_address=corrected)
    moved = dict(first["shipping_address"], address1="Karl-Liebknecht-Straße 12", zip="04107")
    shipping_lines = [dict(first["shipping_lines"][0], title="DHL Express")]

    result = apply(shopify, SHOPIFY, shopify_version(first, 12, shipping_lines=shipping_lines))
    order = Order.objects.get(pk=order.pk)
    assert result.details == ["changed in Shopify: shipping method"]
    assert (order.shipping_method, order.shipping_address) == ("DHL Express", corrected)

    result = apply(
        shopify, SHOPIFY, shopify_version(first, 13, shipping_lines=shipping_lines, shipping_address=moved)
    )
    order = Order.objects.get(pk=order.pk)
    assert result.details == ["changed in Shopify: shipping address"]
    assert order.shipping_address["line1"] == "Karl-Liebknecht-Straße 12"
    assert order.shipping_address["postcode"] == "04107"
    assert order.shipping_address["phone"] == "+49 160 5550123"  # the shop's whole new address


def test_through_the_webhook_door_a_payment_in_shopify_keeps_the_csrs_address(
    shopify, users, client, django_capture_on_commit_callbacks
):
    """Signed deliveries, read with exact Decimals and kept as text on the link, compare as well."""

    def deliver(payload: dict, delivery: str, topic: str):
        body = json.dumps(payload).encode()
        answer = client.post(
            reverse("channels:webhook", args=[shopify.pk]), data=body, content_type="application/json",
            HTTP_X_SHOPIFY_TOPIC=topic, HTTP_X_SHOPIFY_WEBHOOK_ID=delivery,
            HTTP_X_SHOPIFY_HMAC_SHA256=hmac_sha256_base64("whsec-current", body),
        )  # fmt: skip
        assert answer.status_code == 200
        with django_capture_on_commit_callbacks(execute=True):
            return dict(deliveries_process(connection_id=shopify.pk))

    authorized = fixture("shopify", "order_webhook_us_authorized.json")
    catalogue(
        *{item["sku"] for item in authorized["line_items"]} - {"MUG-BLU-350", "TOWEL-LIN-NAT", "CANDLE-BW"}
    )
    assert deliver(authorized, "d-1", "orders/create") == {"created": 1}
    order = Order.objects.get(channel=shopify.channel)
    assert order.stage == "awaiting_payment"
    assert PlatformOrderLink.objects.get(order=order).payload["id"] == authorized["id"]
    corrected = dict(order.shipping_address, line1=order.shipping_address["line1"] + " Apt 2")
    order = csr_corrects(order, users["csr"], shipping_address=corrected)
    paid = dict(authorized, financial_status="paid", total_outstanding="0.00")
    paid["updated_at"] = "2027-01-01T10:00:00Z"

    assert deliver(paid, "d-2", "orders/paid") == {"updated": 1}

    order = Order.objects.get(pk=order.pk)
    assert order.stage == "processing" and order.amount_paid == order.total
    assert order.shipping_address == corrected


def test_a_polled_version_is_compared_with_the_polled_version_before_it(shopify, users):
    """The link keeps whichever shape came last; a poll's GraphQL node is read back as one."""
    node = fixture("shopify", "order_graphql_de.json")["data"]["order"]
    assert apply(shopify, SHOPIFY, node).outcome == "created"
    order = Order.objects.get(channel=shopify.channel)
    corrected = dict(order.shipping_address, line1="Schillerstraße 43")
    order = csr_corrects(order, users["csr"], shipping_address=corrected)

    later = dict(copy.deepcopy(node), updatedAt="2026-03-16T20:00:00Z", tags=["repeat customer"])
    apply(shopify, SHOPIFY, later)

    assert Order.objects.get(pk=order.pk).shipping_address == corrected


# eBay --------------------------------------------------------------------------------------------


@pytest.fixture
def ebay():
    catalogue("MUG-SLATE", "TOWEL-NAT")
    return make_connection("ebay", "Acme on eBay")


def ebay_version(payload: dict, minute: int, **changes) -> dict:
    version = copy.deepcopy(payload)
    version["lastModifiedDate"] = f"2025-05-14T10:{minute:02d}:00.000Z"
    version.update(changes)
    return version


def ship_to(payload: dict) -> dict:
    return payload["fulfillmentStartInstructions"][0]["shippingStep"]["shipTo"]


def test_an_unrelated_ebay_change_keeps_the_phone_a_csr_fixed(ebay, users):
    first = fixture("ebay", "order_paid_gb.json")
    assert apply(ebay, EBAY, first).outcome == "created"
    order = Order.objects.get(channel=ebay.channel)
    fixed = dict(order.shipping_address, phone="+44 7700 900456", line1="Unit 4A, Paintworks")
    order = csr_corrects(order, users["csr"], shipping_address=fixed)

    result = apply(ebay, EBAY, ebay_version(first, 5, buyerCheckoutNotes="Please leave with reception"))

    assert result.outcome == "unchanged", result.details
    assert Order.objects.get(pk=order.pk).shipping_address == fixed


def test_a_new_ship_to_from_ebay_is_applied_over_the_csrs_fix(ebay, users):
    first = fixture("ebay", "order_paid_gb.json")
    apply(ebay, EBAY, first)
    order = Order.objects.get(channel=ebay.channel)
    order = csr_corrects(order, users["csr"], shipping_address=dict(order.shipping_address, phone="+44 1"))
    moved = ebay_version(first, 5)
    ship_to(moved)["contactAddress"]["postalCode"] = "BS1 5TR"

    result = apply(ebay, EBAY, moved)

    order = Order.objects.get(pk=order.pk)
    assert result.details == ["changed in eBay: shipping address"]
    assert order.shipping_address["postcode"] == "BS1 5TR"
    assert order.shipping_address["phone"] == "+44 7700 900123"
