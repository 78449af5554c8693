"""TikTok Shop's order read as a PlatformOrder: statuses, one line per SKU from TikTok's one item per
unit, exact money that adds up to TikTok's total, the ship-by date, and a sentence in `problems`
(never an exception) for each thing that cannot be read."""

import copy
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from channels.marketplaces.base import FinancialStatus, PlatformLine
from channels.marketplaces.tiktok.mapping import order_from_detail, unit_groups
from channels.marketplaces.tiktok.samples import sample_order
from orders.services.create import money  # Packline's own rounding of a line's tax
from tests.channels.marketplaces.tiktok.conftest import payload

D = Decimal


def packline_total(order) -> Decimal:
    """What Packline will make of the order: each line's net plus its tax, plus the delivery fee."""
    return order.delivery_fee + sum(
        (net + money(net * (line.tax_rate or 0) / 100))
        for line in order.lines
        for net in [line.unit_price * line.quantity - line.discount]
    )


@pytest.fixture
def uk_order() -> dict:
    return payload("order_uk_awaiting_shipment.json")


def test_a_paid_uk_order_is_read_whole(uk_order):
    order = order_from_detail(uk_order)

    assert order.problems == []
    assert order.platform_order_id == order.number == "576486316948490101"
    assert order.created_at == datetime(2026, 3, 2, 9, 14, 5, tzinfo=UTC)
    assert order.updated_at == datetime(2026, 3, 2, 9, 20, 12, tzinfo=UTC)
    assert order.financial_status == FinancialStatus.PAID
    assert order.currency == "GBP"
    assert order.total == order.amount_paid == D("33.79")
    assert order.payment_gateways == ["PayPal"]
    assert order.shipping_method == "Standard shipping"
    assert order.notes == "Please ring the bell at the side door."
    assert order.cancelled_at is None and not order.cancellation_requested and not order.fulfilled
    assert order.buyer.name == "Eleanor Hughes"
    assert order.buyer.email == "v2b2V5uk9XVDVR62@scs2.tiktok.com"
    assert order.raw is uk_order  # unknown keys and all


def test_one_line_per_sku_from_tiktoks_one_item_per_unit(uk_order):
    order = order_from_detail(uk_order)

    assert order.lines == [
        # Two mugs, one of them 1.20 off: the list price, and the discount making what the buyer paid.
        PlatformLine(
            "577086512123755101", "MUG-SLATE", "Stoneware mug - Slate", 2, D("12.00"), D("1.20"), D("0")
        ),
        # Two towels listed, one cancelled by the buyer: one left, with TikTok's own 1.00 discount.
        PlatformLine(
            "577086512123755103", "TOWEL-NAT", "Linen tea towel - Natural", 1, D("8.50"), D("1.00"), D("0")
        ),
    ]
    assert [group.platform_line_id for group in unit_groups(uk_order["line_items"])] == [
        "577086512123755101",
        "577086512123755103",
    ]


def test_uk_money_is_exact_and_adds_up_to_tiktoks_total(uk_order):
    order = order_from_detail(uk_order)

    assert order.delivery_fee == D("3.49")
    for amount in [order.delivery_fee, order.total, order.amount_paid] + [
        value for line in order.lines for value in (line.unit_price, line.discount, line.tax_rate)
    ]:
        assert type(amount) is Decimal
    assert packline_total(order) == order.total == D("33.79")
    # UK prices include VAT and TikTok gives no split: nothing is added on top, and the order says why.
    assert order.attributes["tax"] == "included in the prices; TikTok Shop gives no split"
    assert order.attributes["tiktok_discount"] == "1.00"


def test_us_prices_are_net_and_each_line_carries_the_rate_giving_tiktoks_tax():
    order = order_from_detail(payload("order_us_taxed.json"))

    assert order.problems == []
    assert order.lines == [
        PlatformLine(
            "580196086825061001", "CANDLE-BW", "Beeswax candle", 3, D("14.99"), D("4.50"), D("8.81")
        ),
        PlatformLine(
            "580196086825061004",
            "BOARD-OAK-L",
            "Oak chopping board - Large",
            1,
            D("45.00"),
            D("5.00"),
            D("8.81"),
        ),
    ]
    assert [
        money((line.unit_price * line.quantity - line.discount) * line.tax_rate / 100) for line in order.lines
    ] == [
        D("3.57"),  # 3 x 1.19 as TikTok taxed each unit
        D("3.52"),
    ]
    assert order.delivery_fee == D("7.90")  # 6.99 shipping, its 0.62 tax and the 0.29 retail delivery fee
    assert packline_total(order) == order.total == D("95.46")
    assert "tax" not in order.attributes
    assert order.cancellation_requested  # the buyer asked to cancel: a CSR decides
    assert order.tags == ["pre-order"]
    assert order.shipping_address == {
        "name": "Jordan Ellis",
        "line1": "1701 Wynkoop Street",
        "line2": "Suite 200",
        "city": "Denver",
        "region": "Colorado",
        "postcode": "80202",
        "country": "US",
        "phone": "(+1)303***0142",
    }


def test_per_unit_tax_rounding_is_matched_by_the_rate_read_from_the_amounts():
    detail = payload("order_us_taxed.json")
    units = [unit for unit in detail["line_items"] if unit["seller_sku"] == "CANDLE-BW"]
    for unit in units:  # 8.25 %: each 13.49 taxed 1.11, so three are 3.33, where 40.47 at 8.25 % is 3.34
        unit["item_tax"] = [{"tax_type": "SALES_TAX", "tax_amount": "1.11", "tax_rate": "0.0825"}]
    detail["line_items"] = units

    line = order_from_detail(detail).lines[0]

    assert line.tax_rate == D("8.23")
    assert money(D("40.47") * line.tax_rate / 100) == D("3.33")


def test_the_address_levels_are_read_by_name(uk_order):
    order = order_from_detail(uk_order)

    assert order.shipping_address == {
        "name": "Eleanor Hughes",
        "line1": "Unit 4, Paintworks",
        "line2": "Bath Road",
        "city": "Bristol",  # the "Post Town" level
        "region": "City of Bristol",  # the county
        "postcode": "BS4 3EH",
        "country": "GB",
        "phone": "(+44)7700***123",
    }
    assert order.billing_address == {}  # TikTok Shop gives none


def test_the_ready_to_ship_sla_is_the_ship_by_date_and_the_delivery_sla_an_attribute(uk_order):
    uk_order["rts_sla_grace_time"] = 1772755199  # keys TikTok adds later are left alone
    uk_order["new_sla_block"] = {"anything": [1, 2]}
    order = order_from_detail(uk_order)

    assert order.problems == []
    assert order.ship_by == datetime(
        2026, 3, 4, 23, 59, 59, tzinfo=UTC
    )  # rts_sla_time, not tts_ or delivery_
    assert "ship_by" not in order.attributes  # a field of its own now
    assert order.attributes["deliver_by"] == "2026-03-09T23:59:59+00:00"  # delivery_sla_time
    assert order.attributes["shipping_type"] == "SELLER"


def test_an_order_without_a_ready_to_ship_sla_has_no_ship_by_date(uk_order):
    del uk_order["rts_sla_time"]
    uk_order["tts_sla_time"] = 0

    assert order_from_detail(uk_order).ship_by is None


@pytest.mark.parametrize(
    ("status", "paid", "financial", "fulfilled"),
    [
        ("UNPAID", False, FinancialStatus.PENDING, False),
        ("ON_HOLD", True, FinancialStatus.PAID, False),
        ("ON_HOLD", False, FinancialStatus.PENDING, False),  # a pre-order, authorised a day before release
        ("AWAITING_SHIPMENT", True, FinancialStatus.PAID, False),
        ("PARTIALLY_SHIPPING", True, FinancialStatus.PAID, False),
        ("AWAITING_COLLECTION", True, FinancialStatus.PAID, True),
        ("IN_TRANSIT", True, FinancialStatus.PAID, True),
        ("DELIVERED", True, FinancialStatus.PAID, True),
        ("COMPLETED", True, FinancialStatus.PAID, True),
        ("CANCELLED", True, FinancialStatus.PAID, False),  # paid then cancelled: Packline owes the refund
        ("CANCELLED", False, FinancialStatus.VOIDED, False),
    ],
)
def test_each_status_says_where_the_money_and_the_parcel_stand(uk_order, status, paid, financial, fulfilled):
    uk_order["status"] = status
    if not paid:
        del uk_order["paid_time"]

    order = order_from_detail(uk_order)

    assert order.problems == []
    assert order.financial_status == financial
    assert order.amount_paid == (D("33.79") if paid else 0)
    assert order.fulfilled is fulfilled
    assert (order.cancelled_at is not None) is (status == "CANCELLED")


def test_a_cancelled_unpaid_order_is_void_and_dated_by_its_cancel_time():
    order = order_from_detail(payload("order_cancelled_unpaid.json"))

    assert order.problems == []
    assert order.financial_status == FinancialStatus.VOIDED
    assert order.cancelled_at == datetime(2026, 3, 1, 13, 0, tzinfo=UTC)
    assert order.amount_paid == 0
    # Every unit of a cancelled order is cancelled: its lines are kept, so the order still says what it was.
    assert [(line.sku, line.quantity) for line in order.lines] == [("BOARD-OAK-L", 1)]
    assert order.attributes["cancelled_by"] == "SYSTEM"
    assert order.attributes["cancel_reason"] == "Payment not completed in time"


def test_a_cancelled_order_without_cancel_time_is_dated_by_its_update_time(uk_order):
    uk_order["status"] = "CANCELLED"

    assert order_from_detail(uk_order).cancelled_at == datetime(2026, 3, 2, 9, 20, 12, tzinfo=UTC)


def test_cash_on_delivery_is_paid_on_delivery(uk_order):
    del uk_order["paid_time"]
    uk_order["is_cod"] = True

    assert order_from_detail({**uk_order, "status": "IN_TRANSIT"}).financial_status == FinancialStatus.PENDING
    assert order_from_detail({**uk_order, "status": "DELIVERED"}).financial_status == FinancialStatus.PAID
    assert "cash on delivery" in order_from_detail(uk_order).tags


def test_a_stated_quantity_is_honoured_and_a_gift_is_its_own_line(uk_order):
    mug = copy.deepcopy(uk_order["line_items"][1])
    uk_order["line_items"] = [
        {**mug, "id": "1", "quantity": 3},
        {**mug, "id": "2", "sale_price": "0", "is_gift": True},
    ]

    lines = order_from_detail(uk_order).lines

    assert [(line.platform_line_id, line.quantity, line.unit_price, line.discount) for line in lines] == [
        ("1", 3, D("12.00"), D("0.00")),
        ("2", 1, D("12.00"), D("12.00")),
    ]


def test_a_sale_price_is_worked_out_from_the_discounts_when_missing(uk_order):
    for unit in uk_order["line_items"]:
        del unit["sale_price"]

    order = order_from_detail(uk_order)

    assert order.problems == []
    assert [(line.unit_price, line.discount) for line in order.lines] == [
        (D("12.00"), D("1.20")),
        (D("8.50"), D("1.00")),
    ]


def test_malformed_fields_are_problems_not_crashes():
    order = order_from_detail(payload("order_malformed.json"))

    assert order.problems == [
        "The order status 'SHIPPED_PROBABLY' is not one TikTok Shop documents.",
        "The paid_time -5 is not a Unix time.",
        "The order total (total_amount) '25,49' is not an amount.",
        "Line item 4 is not an object ('not a line item').",
        "Line 577086512123755401 (Cotton tote bag) has no readable price (sale_price 'n/a', original_price 'abc').",
        "Line 577086512123755402 (Blue mug) has neither a seller_sku nor a sku_id.",
        "Line 577086512123755403 (Beeswax candle) has quantity '1.5'; 1 is assumed.",
        "Line 577086512123755403 (Beeswax candle) has item_tax '19%', not a list.",
        "The shipping fee 'free' is not an amount.",
        "The recipient address's district_info is not a list ('Galway').",
        "The recipient's region_code 'UK' is not an ISO 3166-1 country code.",
        "The recipient address names no city (district_info has no city level).",
        "The create_time 'yesterday' is not a Unix time.",
        "The rts_sla_time 'soon' is not a Unix time.",
    ]
    assert order.total is None and order.amount_paid == 0
    assert order.currency == "GBP"
    assert order.shipping_address["country"] == ""
    # The blue mug has neither seller_sku nor sku_id: its own line, named by its id, with no SKU.
    assert [(line.platform_line_id, line.sku, line.quantity) for line in order.lines] == [
        ("577086512123755401", "TOTE-COT", 1),
        ("577086512123755402", "", 1),
        ("577086512123755403", "CANDLE-BW", 1),
    ]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"id": None}, "needs an id"),
        ({"id": ""}, "needs an id"),
        ({"id": True}, "needs an id"),
        ({"update_time": None}, "no readable update_time"),
        ({"update_time": "last week"}, "no readable update_time"),
    ],
)
def test_an_order_without_id_or_update_time_cannot_be_read(uk_order, changes, message):
    uk_order.update(changes)

    with pytest.raises(ValueError, match=message):
        order_from_detail(uk_order)


def test_an_order_without_line_items_says_so(uk_order):
    uk_order["line_items"] = []

    assert order_from_detail(uk_order).problems == ["The order has no line items."]


def test_sample_orders_read_without_problems_and_add_up():
    for sequence in range(1, 40):
        order = order_from_detail(
            sample_order(sequence=sequence, seed=5, skus=["MUG-1", "PLATE-2", "BOWL-3"])
        )

        assert order.problems == []
        assert packline_total(order) == order.total
