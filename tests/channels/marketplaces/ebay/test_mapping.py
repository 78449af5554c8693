"""eBay order JSON read as a PlatformOrder: payment and cancellation states, exact money that adds up
to eBay's total, addresses, and a sentence in `problems` (never an exception) for each thing that
cannot be read."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from channels.marketplaces.base import Buyer, FinancialStatus, PlatformLine, PlatformRefund
from channels.marketplaces.ebay.mapping import order_from_payload
from orders.services.create import money  # Packline's own rounding of a line's tax
from tests.channels.marketplaces.ebay.conftest import payload

D = Decimal


@pytest.fixture
def paid_order() -> dict:
    return payload("order_paid_gb.json")


def packline_total(order) -> Decimal:
    """The total Packline computes for these lines and delivery fee."""
    return order.delivery_fee + sum(
        (net + money(net * line.tax_rate / 100))
        for line in order.lines
        for net in [line.unit_price * line.quantity - line.discount]
    )


def test_a_paid_order_is_read_whole(paid_order):
    order = order_from_payload(paid_order)

    assert order.problems == []
    assert order.platform_order_id == "12-10843-51522"
    assert order.number == "12-10843-51522"
    assert order.created_at == datetime(2025, 5, 14, 9, 12, 40, tzinfo=UTC)
    assert order.updated_at == datetime(2025, 5, 14, 9, 13, 5, 512000, tzinfo=UTC)
    assert order.currency == "GBP"
    assert order.financial_status == FinancialStatus.PAID
    assert order.payment_gateways == ["ebay_managed_payments"]
    assert order.amount_paid == D("50.55")
    assert order.total == D("50.55")
    assert order.refunds == []
    assert order.fulfilled is False
    assert order.cancelled_at is None and order.cancellation_requested is False
    assert order.shipping_method == "UK_RoyalMailSecondClassStandard"
    assert order.notes == "Please ring the bell at the side door."
    assert order.attributes == {
        "legacy_order_id": "12-10843-51522",
        "sales_record_reference": "10294",
        "ebay_buyer": "eleanor_h_1987",
    }
    assert order.raw is paid_order


def test_the_earliest_ship_by_date_of_the_lines_is_the_orders(paid_order):
    first, second = paid_order["lineItems"][:2]
    first["lineItemFulfillmentInstructions"]["shipByDate"] = "2025-05-16T22:59:59.000Z"
    first["lineItemFulfillmentInstructions"]["futureField"] = {"unknown": True}
    second["lineItemFulfillmentInstructions"] = {
        "shipByDate": "2025-05-15T22:59:59.000Z", "guaranteedDelivery": False, "somethingNew": "x",
    }  # fmt: skip
    paid_order["newTopLevelKey"] = [1, 2, 3]
    order = order_from_payload(paid_order)

    assert order.problems == []
    assert order.ship_by == datetime(2025, 5, 15, 22, 59, 59, tzinfo=UTC)


def test_an_unreadable_ship_by_date_is_a_problem_and_the_readable_ones_still_count(paid_order):
    first, second = paid_order["lineItems"][:2]
    first["lineItemFulfillmentInstructions"]["shipByDate"] = "next Tuesday"
    second["lineItemFulfillmentInstructions"] = {"shipByDate": "2025-05-17T10:00:00.000Z"}
    order = order_from_payload(paid_order)

    assert order.problems == ["The ship-by date of line 1 'next Tuesday' is not a date."]
    assert order.ship_by == datetime(2025, 5, 17, 10, 0, tzinfo=UTC)


def test_an_order_whose_lines_give_no_ship_by_date_has_none(paid_order):
    for item in paid_order["lineItems"]:
        item.pop("lineItemFulfillmentInstructions", None)

    assert order_from_payload(paid_order).ship_by is None


def test_money_is_exact_decimal_and_adds_up_to_ebays_total(paid_order):
    order = order_from_payload(paid_order)

    assert order.lines == [
        # 24.00 before the 10 % promotion, 21.60 after (discountedLineItemCost).
        PlatformLine(
            "10059374821001", "MUG-SLATE", "Stoneware mug (Colour: Slate)", 2, D("12.00"), D("2.40"), D("0")
        ),
        # 25.00 over 3 towels is no whole number of pence: 8.34 each, the spare 2p in the discount.
        PlatformLine("10059374821002", "TOWEL-NAT", "Linen tea towel", 3, D("8.34"), D("0.02"), D("0")),
    ]
    assert order.delivery_fee == D("3.95")  # 4.95 delivery less the 1.00 delivery discount
    for amount in [order.delivery_fee, order.total, order.amount_paid] + [
        value for line in order.lines for value in (line.unit_price, line.discount, line.tax_rate)
    ]:
        assert type(amount) is Decimal
    assert packline_total(order) == order.total


def test_addresses_and_buyer(paid_order):
    order = order_from_payload(paid_order)

    assert order.shipping_address == {
        "name": "Eleanor Hughes",
        "line1": "Unit 4, Paintworks",
        "line2": "Bath Road",
        "city": "Bristol",
        "region": "",
        "postcode": "BS4 3EH",
        "country": "GB",  # "gb" in the payload
        "phone": "+44 7700 900123",
    }
    assert order.billing_address["line1"] == "27 Clifton Down Road"
    assert order.buyer == Buyer(
        name="Eleanor Hughes",
        email="3f9a1c7d2e@members.ebay.com",
        phone="+44 117 496 0555",
        company="Hughes & Daughter Ltd",
    )


def test_tax_ebay_collects_and_remits_is_not_the_sellers_money():
    order = order_from_payload(payload("order_us_collect_and_remit_refunded.json"))

    assert order.problems == []
    # 3.45 state sales tax, collected and remitted by eBay: in the payment, not in eBay's total.
    assert order.lines[0].tax_rate == D("0")
    assert order.amount_paid == D("45.00")
    assert order.total == D("45.00")
    assert packline_total(order) == order.total
    assert order.financial_status == FinancialStatus.PARTIALLY_REFUNDED
    assert order.fulfilled is True
    # The pending refund is not money that has left yet.
    assert order.refunds == [
        PlatformRefund("5019843221", D("10.00"), datetime(2025, 6, 5, 14, 2, 30, tzinfo=UTC))
    ]


def test_tax_the_seller_charges_becomes_a_rate_that_gives_the_same_cents():
    us_order = payload("order_us_collect_and_remit_refunded.json")
    del us_order["lineItems"][0]["ebayCollectAndRemitTaxes"]
    us_order["pricingSummary"]["total"]["value"] = "48.45"

    order = order_from_payload(us_order)

    assert order.problems == []
    # 3.45 on 40.00 is 8.625 %: two places cannot keep it, 8.63 % gives the same cents.
    assert order.lines[0].tax_rate == D("8.63")
    assert order.amount_paid == D("48.45")
    assert packline_total(order) == D("48.45")


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("PAID", FinancialStatus.PAID),
        ("PENDING", FinancialStatus.PENDING),
        ("FAILED", FinancialStatus.VOIDED),
        ("FULLY_REFUNDED", FinancialStatus.REFUNDED),
        ("PARTIALLY_REFUNDED", FinancialStatus.PARTIALLY_REFUNDED),
    ],
)
def test_each_payment_status(paid_order, status, expected):
    paid_order["orderPaymentStatus"] = status

    order = order_from_payload(paid_order)

    assert order.financial_status == expected
    assert order.problems == []


def test_only_payments_ebay_marks_paid_count_as_paid(paid_order):
    paid_order["orderPaymentStatus"] = "PENDING"
    paid_order["paymentSummary"]["payments"][0]["paymentStatus"] = "PENDING"

    assert order_from_payload(paid_order).amount_paid == D("0")


def test_an_unknown_payment_status_is_pending_and_said(paid_order):
    paid_order["orderPaymentStatus"] = "AWAITING_MOONBEAMS"

    order = order_from_payload(paid_order)

    assert order.financial_status == FinancialStatus.PENDING
    assert order.problems == ["The payment status 'AWAITING_MOONBEAMS' is unknown; taken as pending."]


def test_no_cancellation_requested(paid_order):
    order = order_from_payload(paid_order)
    assert (order.cancelled_at, order.cancellation_requested) == (None, False)


def test_a_cancellation_in_progress_as_getorders_lists_it_is_a_request(paid_order):
    paid_order["cancelStatus"] = {"cancelState": "IN_PROGRESS", "cancelRequests": []}

    order = order_from_payload(paid_order)

    assert order.cancellation_requested is True
    assert order.cancelled_at is None
    assert order.problems == []


def test_a_buyers_cancellation_request_as_getorder_gives_it_names_who_and_why(paid_order):
    paid_order["cancelStatus"] = {
        "cancelState": "IN_PROGRESS",
        "cancelRequests": [
            {
                "cancelRequestId": "5000123456",
                "cancelInitiator": "BUYER",
                "cancelReason": "BUYER_ASKED_CANCEL",
                "cancelRequestState": "REQUESTED",
                "cancelRequestedDate": "2025-05-14T10:02:00.000Z",
            }
        ],
    }

    order = order_from_payload(paid_order)

    assert order.cancellation_requested is True
    assert order.attributes["cancel_initiator"] == "BUYER"
    assert order.attributes["cancel_reason"] == "BUYER_ASKED_CANCEL"


def test_a_cancelled_order_is_dated_when_ebay_cancelled_it(paid_order):
    paid_order["cancelStatus"] = {
        "cancelState": "CANCELED",
        "cancelledDate": "2025-05-14T11:30:00.000Z",
        "cancelRequests": [],
    }

    order = order_from_payload(paid_order)

    assert order.cancelled_at == datetime(2025, 5, 14, 11, 30, tzinfo=UTC)
    assert order.cancellation_requested is False


def test_a_cancelled_order_without_a_date_is_dated_by_its_last_change(paid_order):
    paid_order["cancelStatus"] = {"cancelState": "CANCELED", "cancelRequests": []}

    assert order_from_payload(paid_order).cancelled_at == datetime(2025, 5, 14, 9, 13, 5, 512000, tzinfo=UTC)


def test_refunds_on_lines_count_once_each():
    us_order = payload("order_us_collect_and_remit_refunded.json")
    refund = {
        "refundId": "5019843400",
        "refundDate": "2025-06-06T08:00:00.000Z",
        "amount": {"value": "4.00", "currency": "USD"},
        "refundStatus": "REFUNDED",
    }
    us_order["lineItems"][0]["refunds"] = [refund, dict(refund)]

    order = order_from_payload(us_order)

    assert [(r.platform_refund_id, r.amount) for r in order.refunds] == [
        ("5019843221", D("10.00")),
        ("5019843400", D("4.00")),
    ]


def test_a_price_eBay_changed_in_a_way_packline_does_not_read_is_said(paid_order):
    paid_order["pricingSummary"]["adjustment"] = {"value": "-5.00", "currency": "GBP"}
    paid_order["pricingSummary"]["total"]["value"] = "45.55"

    order = order_from_payload(paid_order)

    assert order.problems == [
        "eBay's total 45.55 is not what the lines, delivery and tax add up to (50.55): eBay may have "
        "adjusted the price or added a fee Packline does not read."
    ]


def test_a_line_without_a_sku_is_named_by_its_listing_and_variation(paid_order):
    del paid_order["lineItems"][0]["sku"]
    del paid_order["lineItems"][1]["sku"]

    order = order_from_payload(paid_order)

    assert [line.sku for line in order.lines] == ["166452837719-465129087311", "166452837720"]
    assert order.problems == []


def test_promotions_are_the_discount_when_ebay_gives_no_discounted_cost(paid_order):
    del paid_order["lineItems"][0]["discountedLineItemCost"]

    order = order_from_payload(paid_order)

    assert order.lines[0].discount == D("2.40")
    assert order.problems == []


def test_the_delivery_fee_comes_from_the_lines_when_the_summary_has_none(paid_order):
    del paid_order["pricingSummary"]["deliveryCost"]
    del paid_order["pricingSummary"]["deliveryDiscount"]

    order = order_from_payload(paid_order)

    assert order.delivery_fee == D("3.95")  # 3.95 + 1.00 - 1.00 over the two lines
    assert order.problems == []


def test_an_order_without_a_ship_to_address_says_why(paid_order):
    paid_order["fulfillmentStartInstructions"] = [{"fulfillmentInstructionsType": "PREPARE_FOR_PICKUP"}]

    order = order_from_payload(paid_order)

    assert order.shipping_address == {}
    assert order.problems == ["eBay gives no address to ship to (fulfilment type PREPARE_FOR_PICKUP)."]
    assert order.attributes["fulfillment_type"] == "PREPARE_FOR_PICKUP"


def test_the_malformed_payload_is_read_without_raising_and_says_what_is_wrong():
    order = order_from_payload(payload("order_malformed.json"))

    assert order.problems == [
        "The creation date 'yesterday' is not a date.",
        "The order total 'NaN' is not an amount.",
        "Line 1 (Mystery box) has no SKU and no listing id.",
        "Line 1 (Mystery box) has quantity 1.5, not a whole number above 0.",
        "Line 2 is not a line item ('not a line').",
        "Line 3 (Side plate) has no lineItemId.",
        "The cost of line 3 (Side plate) 'ten' is not an amount.",
        "A tax of line 3 (Side plate) 'x' is not an amount.",
        "The order subtotal 'twelve' is not an amount.",
        "The buyer's registration is not an object ('not an object').",
        "The payment status 'PAID_IN_SHELLS' is unknown; taken as pending.",
        "The amount of payment 1 '1O.00' is not an amount.",
        "The cancellation state 'MAYBE' is unknown.",
        "The shipping country 'UK' is not an ISO 3166-1 country code.",
        "A refund of 2.00 on the order has no refundId; Packline cannot record it once only.",
    ]
    assert order.total is None
    assert order.amount_paid == D("0")
    assert order.shipping_address["country"] == ""
    assert order.refunds == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"orderId": None}, "needs an orderId"),
        ({"orderId": "  "}, "needs an orderId"),
        ({"lastModifiedDate": None}, "no readable lastModifiedDate"),
        ({"lastModifiedDate": "last Tuesday"}, "no readable lastModifiedDate"),
    ],
)
def test_an_order_without_an_id_or_modification_date_cannot_be_read(paid_order, changes, message):
    paid_order.update(changes)

    with pytest.raises(ValueError, match=message):
        order_from_payload(paid_order)


def test_something_that_is_not_an_object_cannot_be_read():
    with pytest.raises(ValueError, match="JSON object"):
        order_from_payload(["12-10843-51522"])
