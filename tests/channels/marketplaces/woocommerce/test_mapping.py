"""WooCommerce order JSON read as a PlatformOrder: statuses, exact money, addresses, and a sentence in
`problems` (never an exception) for each thing that cannot be read."""

import copy
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from channels.marketplaces.base import FinancialStatus, PlatformLine, PlatformRefund
from channels.marketplaces.values import loads
from channels.marketplaces.woocommerce.countries import ISO_3166_ALPHA_2
from channels.marketplaces.woocommerce.mapping import financial_status, order_from_payload
from orders.services.create import money  # Packline's own rounding of a line's tax
from tests.channels.marketplaces.woocommerce.conftest import payload

D = Decimal


@pytest.fixture
def paid_order() -> dict:
    return payload("order_processing.json")


def test_a_paid_processing_order_is_read_whole(paid_order):
    order = order_from_payload(paid_order)

    assert order.problems == []
    assert order.platform_order_id == "4210"
    assert order.number == "#4210"
    assert order.created_at == datetime(2025, 5, 14, 9, 12, 40, tzinfo=UTC)
    assert order.updated_at == datetime(2025, 5, 14, 9, 13, 5, tzinfo=UTC)
    assert order.currency == "GBP"
    assert order.financial_status == FinancialStatus.PAID
    assert order.amount_paid == D("57.66")
    assert order.total == D("57.66")
    assert order.payment_gateways == ["stripe"]
    assert order.fulfilled is False
    assert order.cancelled_at is None
    assert order.notes == "Please ring the bell at the side door."
    assert order.shipping_method == "Royal Mail Tracked 48"
    assert order.raw is paid_order


def test_money_is_exact_decimal_and_adds_up_to_woocommerces_total(paid_order):
    order = order_from_payload(paid_order)

    assert order.lines == [
        PlatformLine("8801", "MUG-SLATE", "Stoneware mug - Slate", 2, D("12.00"), D("2.40"), D("20.00")),
        # 25.00 over 3 towels is no whole number of pence: 8.34 each, the spare 2p in the discount.
        PlatformLine("8802", "TOWEL-NAT", "Linen tea towel", 3, D("8.34"), D("2.52"), D("20.00")),
    ]
    assert order.delivery_fee == D("4.74")  # 3.95 shipping and its 0.79 VAT
    for amount in [order.delivery_fee, order.total, order.amount_paid] + [
        value for line in order.lines for value in (line.unit_price, line.discount, line.tax_rate)
    ]:
        assert type(amount) is Decimal
    packline_total = order.delivery_fee + sum(
        (net + money(net * line.tax_rate / 100))
        for line in order.lines
        for net in [line.unit_price * line.quantity - line.discount]
    )
    assert packline_total == order.total


def test_addresses_buyer_and_meta_data(paid_order):
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
    assert order.billing_address["phone"] == "+44 117 496 0555"
    assert order.buyer.name == "Eleanor Hughes"
    assert order.buyer.email == "eleanor@hughesanddaughter.example"
    assert order.buyer.phone == "+44 117 496 0555"
    assert order.buyer.company == "Hughes & Daughter Ltd"
    # Keys starting with "_" are WooCommerce's and plugins' bookkeeping; values become strings.
    assert order.attributes == {
        "is_vat_exempt": "no",
        "gift_message": "Happy birthday, Mum!",
        "delivery_window": '{"from": "09:00", "to": "12:00"}',
        "loyalty_points": "57",
        "payment_method_title": "Credit card (Stripe)",
        "transaction_id": "pi_3PqR2sLkdIwHu7ix0aBcDeFg",
    }


def test_a_bank_transfer_on_hold_is_pending_and_ships_to_the_billing_address():
    order = order_from_payload(payload("order_bank_transfer.json"))

    assert order.problems == []
    assert order.financial_status == FinancialStatus.PENDING
    assert order.amount_paid == D("0")
    assert order.payment_gateways == ["bacs"]
    # The shop forces shipping to the billing address: its shipping fields are empty.
    assert order.shipping_address == {
        "name": "Jonas Weber",
        "line1": "Schanzenstraße 61",
        "line2": "",
        "city": "Hamburg",
        "region": "HH",
        "postcode": "20357",
        "country": "DE",
        "phone": "+49 40 555 0172",
    }
    assert order.lines == [
        PlatformLine("8811", "BOARD-OAK-L", "Oak chopping board, large", 1, D("45.00"), D("0.00"), D("19.00"))
    ]
    assert order.delivery_fee == D("5.83")
    assert order.total == D("59.38")


def test_a_completed_order_with_a_refund_is_fulfilled_and_partially_refunded():
    order = order_from_payload(payload("order_completed_refunded.json"))

    assert order.problems == []
    assert order.fulfilled is True
    assert order.financial_status == FinancialStatus.PARTIALLY_REFUNDED
    assert order.amount_paid == D("78.68")  # before refunds
    assert order.refunds == [PlatformRefund("4230", D("13.04"), note="One cup arrived chipped")]
    # 8.625 % cannot be kept to two places; 8.63 % gives the same cents on both lines.
    assert [line.tax_rate for line in order.lines] == [D("8.63"), D("8.63")]
    assert order.buyer.phone == "+1 415 555 0108"  # no billing phone: the shipping one


@pytest.mark.parametrize(
    ("status", "paid", "expected", "cancelled", "fulfilled"),
    [
        ("pending", False, FinancialStatus.PENDING, False, False),
        ("on-hold", False, FinancialStatus.PENDING, False, False),
        ("checkout-draft", False, FinancialStatus.PENDING, False, False),
        ("processing", True, FinancialStatus.PAID, False, False),
        ("processing", False, FinancialStatus.PENDING, False, False),  # cash on delivery
        ("completed", True, FinancialStatus.PAID, False, True),
        ("refunded", True, FinancialStatus.REFUNDED, False, False),
        ("failed", False, FinancialStatus.VOIDED, False, False),
        ("cancelled", True, FinancialStatus.PAID, True, False),
        ("cancelled", False, FinancialStatus.VOIDED, True, False),
        ("trash", True, FinancialStatus.PAID, True, False),
        ("trash", False, FinancialStatus.VOIDED, True, False),
        ("wc-completed", True, FinancialStatus.PAID, False, True),
        ("awaiting-shipment", True, FinancialStatus.PAID, False, False),  # a plugin's own status
    ],
)
def test_each_status_decides_money_cancellation_and_fulfilment(
    paid_order, status, paid, expected, cancelled, fulfilled
):
    paid_order["status"] = status
    if not paid:
        paid_order["date_paid_gmt"] = None

    order = order_from_payload(paid_order)

    assert order.financial_status == expected
    assert order.amount_paid == (D("57.66") if paid else D("0"))
    assert order.cancelled_at == (datetime(2025, 5, 14, 9, 13, 5, tzinfo=UTC) if cancelled else None)
    assert order.fulfilled is fulfilled
    assert order.problems == []


def test_refunds_as_large_as_the_total_make_a_processing_order_refunded():
    assert financial_status("processing", paid=True, refunded=D("10.00"), total=D("10.00")) == "refunded"
    assert (
        financial_status("processing", paid=True, refunded=D("9.99"), total=D("10.00"))
        == "partially_refunded"
    )
    # An unreadable total (a problem already) does not make any refund a full one.
    assert financial_status("processing", paid=True, refunded=D("1.00"), total=D("0")) == "partially_refunded"


def test_dates_with_an_offset_are_converted_to_utc(paid_order):
    paid_order["date_modified_gmt"] = "2025-05-14T11:13:05+02:00"
    assert order_from_payload(paid_order).updated_at == datetime(2025, 5, 14, 9, 13, 5, tzinfo=UTC)


def test_amounts_loaded_as_floats_or_numbers_stay_exact(paid_order):
    floaty = json.loads(json.dumps(paid_order, default=str))  # price as float, as json.loads makes it
    floaty["line_items"][0].update(subtotal=24, total=21.6, total_tax=4.32)

    order = order_from_payload(floaty)

    assert order.problems == []
    assert order.lines[0].unit_price == D("12.00")
    assert order.lines[0].discount == D("2.40")
    assert str(order.lines[0].discount) == "2.40"


def test_the_malformed_payload_is_read_without_raising_and_says_what_is_wrong():
    order = order_from_payload(payload("order_malformed.json"))

    assert order.problems == [
        "The creation date 'yesterday' is not a date.",
        "The order total '58,50' is not an amount.",
        "Refund 4240 has total 'about five', not an amount.",
        "The shipping total 'free' is not an amount.",
        "The shipping country 'XX' is not an ISO 3166-1 country code.",
        "The billing country 'UK' is not an ISO 3166-1 country code.",
        "Line 1 (Cotton tote bag) has no SKU.",
        "Line 2 (Blue mug) has quantity 1.5, not a whole number above 0.",
        "Line 3 (Gift card) has no readable price (subtotal 'twenty', price 'n/a').",
        "Line 4 is not a line item ('not a line item').",
    ]
    assert order.platform_order_id == "4213"
    assert order.currency == "EUR"
    assert order.total is None
    assert order.amount_paid == D("0")
    assert order.delivery_fee == D("0")
    assert order.shipping_address["country"] == ""
    assert order.billing_address["country"] == ""
    assert [(line.sku, line.quantity, line.unit_price) for line in order.lines] == [
        ("", 1, D("15.00")),
        ("MUG-BLUE", 0, D("0")),
        ("GIFT-25", 1, D("0")),
        ("", 0, D("0")),
    ]
    assert order.refunds == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda o: o.update(line_items=[]), "The order has no line items."),
        (lambda o: o.pop("line_items"), "The order has no line items."),
        (lambda o: o["line_items"][1].update(sku=""), "Line 2 (Linen tea towel) has no SKU."),
        (lambda o: o["line_items"][1].pop("sku"), "Line 2 (Linen tea towel) has no SKU."),
        (
            lambda o: o["line_items"][0].update(quantity="two"),
            "Line 1 (Stoneware mug - Slate) has quantity 'two', not a whole number above 0.",
        ),
        (
            lambda o: o["line_items"][0].update(quantity=0),
            "Line 1 (Stoneware mug - Slate) has quantity 0, not a whole number above 0.",
        ),
        (
            lambda o: o["line_items"][0].update(subtotal="NaN", price=None),
            "Line 1 (Stoneware mug - Slate) has no readable price (subtotal 'NaN', price None).",
        ),
        (
            lambda o: o["line_items"][0].update(subtotal="12,00"),
            "Line 1 (Stoneware mug - Slate) has subtotal '12,00', not an amount; its price 12 is used.",
        ),
        (
            lambda o: o["line_items"][0].update(total="lots"),
            "Line 1 (Stoneware mug - Slate) has total 'lots', not an amount.",
        ),
        (
            lambda o: o["line_items"][0].update(total_tax="?"),
            "Line 1 (Stoneware mug - Slate) has tax '?', not an amount.",
        ),
        (
            lambda o: o["line_items"][0].update(total="30.00"),
            "Line 1 (Stoneware mug - Slate) totals 30.00, more than 2 × 12.00 before discounts.",
        ),
        (lambda o: o["line_items"][0].pop("id"), "Line 1 (Stoneware mug - Slate) has no id."),
        (
            lambda o: o["shipping"].update(country="Deutschland"),
            "The shipping country 'Deutschland' is not an ISO 3166-1 country code.",
        ),
        (lambda o: o.update(date_paid_gmt="soon"), "The date paid 'soon' is not a date."),
        (lambda o: o.pop("total"), "The order total is missing."),
        (lambda o: o.update(shipping_tax="1.2.3"), "The shipping tax '1.2.3' is not an amount."),
    ],
)
def test_each_malformed_field_becomes_one_problem(paid_order, change, problem):
    change(paid_order)
    assert order_from_payload(paid_order).problems == [problem]


def test_an_order_without_id_or_modification_date_is_refused_with_a_clear_message(paid_order):
    no_date = copy.deepcopy(paid_order)
    del no_date["date_modified_gmt"]
    with pytest.raises(ValueError, match="WooCommerce order 4210 has no readable date_modified_gmt"):
        order_from_payload(no_date)
    del paid_order["id"]
    with pytest.raises(ValueError, match="needs a numeric id"):
        order_from_payload(paid_order)
    with pytest.raises(ValueError, match="JSON object, not list"):
        order_from_payload([])


def test_unknown_keys_change_nothing(paid_order):
    extended = {**copy.deepcopy(paid_order), "brand_new_field": {"nested": [1, 2]}, "fee_lines": []}
    extended["line_items"][0]["future_key"] = "x"
    assert order_from_payload(extended).lines == order_from_payload(paid_order).lines


def test_loads_never_makes_floats():
    body = loads(b'{"total": 10.1, "price": 3.3333333333333335, "quantity": 2}')
    assert body == {"total": D("10.1"), "price": D("3.3333333333333335"), "quantity": 2}


def test_the_country_list_holds_every_assigned_code_and_kosovo():
    assert len(ISO_3166_ALPHA_2) == 250
    assert {"GB", "DE", "US", "IE", "XK", "SS", "CW"} <= ISO_3166_ALPHA_2
    assert not {"UK", "EU", "XX"} & ISO_3166_ALPHA_2
