"""Shopify orders as PlatformOrders: both shapes of one order agree, money is exact, and whatever cannot
be read becomes a sentence in `problems` instead of an exception."""

import json
from dataclasses import replace
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest

from channels.marketplaces.base import FinancialStatus, PlatformRefund
from channels.marketplaces.shopify import PLATFORM, mapping
from tests.channels.marketplaces.shopify.conftest import FIXTURES, payload

CENT = Decimal("0.01")
MUG = "line 1 (Stoneware mug - Blue / 350 ml)"


def rest() -> dict:
    return payload("order_webhook_de.json")


def graphql() -> dict:
    return payload("order_graphql_de.json")["data"]["order"]


def without_raw(order):
    return replace(order, raw={})


def packline_total(order) -> Decimal:
    """What orders/services/create.py makes of the lines: net, plus tax on the net, plus delivery."""
    total = order.delivery_fee
    for line in order.lines:
        net = (line.unit_price * line.quantity - line.discount).quantize(CENT, ROUND_HALF_UP)
        total += net + (net * line.tax_rate / 100).quantize(CENT, ROUND_HALF_UP)
    return total


def test_the_webhook_and_the_graphql_node_of_one_order_give_the_same_platform_order():
    from_webhook = mapping.order_from_rest(rest())
    from_graphql = mapping.order_from_graphql(graphql())

    assert without_raw(from_webhook) == without_raw(from_graphql)
    assert from_webhook.problems == []
    assert from_webhook.raw["id"] == 5630119874561
    assert from_graphql.raw["legacyResourceId"] == "5630119874561"


def test_a_webhook_order_reads_into_ids_as_numeric_strings_and_aware_utc_datetimes():
    order = mapping.order_from_rest(rest())

    assert order.platform_order_id == "5630119874561"
    assert order.number == "#2047"
    assert [line.platform_line_id for line in order.lines] == ["14220000000001", "14220000000002"]
    assert order.created_at == datetime(2026, 3, 14, 9, 21, 7, tzinfo=UTC)
    assert order.updated_at == datetime(2026, 3, 16, 8, 2, 45, tzinfo=UTC)
    assert order.updated_at.utcoffset().total_seconds() == 0


def test_a_webhook_order_reads_buyer_addresses_and_extras():
    order = mapping.order_from_rest(rest())

    assert order.buyer.name == "Greta Lindqvist"
    assert order.buyer.email == "greta.lindqvist@example.com"
    assert order.buyer.phone == "+49 160 5550123"  # the order has none: the customer's
    assert order.buyer.company == "Atelier Lindqvist"
    assert order.shipping_address == {
        "name": "Greta Lindqvist",
        "line1": "Schillerstraße 41",
        "line2": "Hinterhaus, 2. OG",
        "city": "Leipzig",
        "region": "",
        "postcode": "04109",
        "country": "DE",
        "phone": "+49 160 5550123",
    }
    assert order.shipping_method == "DHL Paket"
    assert order.currency == "EUR"
    assert order.payment_gateways == ["shopify_payments"]
    assert order.notes == "Bitte beim Nachbarn abgeben"
    assert order.tags == ["repeat customer", "wholesale"]
    assert order.attributes == {"gift_wrap": "yes", "delivery_date": "2026-03-20"}
    assert order.fulfilled is False
    assert order.cancelled_at is None


def test_tax_inclusive_prices_become_net_prices_whose_packline_total_is_shopifys():
    order = mapping.order_from_rest(rest())

    mug, towel = order.lines
    # 2 x 18.00 less 3.60 is 32.40 with 5.17 VAT in it: 27.23 net, as 2 x 15.13 less 3.03.
    assert (mug.quantity, mug.unit_price, mug.discount, mug.tax_rate) == (
        2,
        Decimal("15.13"),
        Decimal("3.03"),
        Decimal("19.00"),
    )
    assert (towel.quantity, towel.unit_price, towel.discount, towel.tax_rate) == (
        3,
        Decimal("10.51"),
        Decimal("3.17"),
        Decimal("19.00"),
    )
    assert order.delivery_fee == Decimal("4.90")  # its VAT is in it already
    assert order.total == Decimal("71.05")
    assert packline_total(order) == order.total


def test_money_is_decimal_and_exact_even_when_the_json_was_read_with_floats():
    with_floats = mapping.order_from_rest(json.loads((FIXTURES / "order_webhook_de.json").read_text()))
    with_decimals = mapping.order_from_rest(rest())

    assert without_raw(with_floats) == without_raw(with_decimals)
    values = [with_floats.delivery_fee, with_floats.amount_paid, with_floats.total]
    values += [
        value for line in with_floats.lines for value in (line.unit_price, line.discount, line.tax_rate)
    ]
    assert all(type(value) is Decimal for value in values)


def test_a_partially_refunded_order_counts_everything_captured_and_only_refunds_that_succeeded():
    order = mapping.order_from_rest(rest())

    assert order.financial_status == FinancialStatus.PARTIALLY_REFUNDED
    assert order.amount_paid == Decimal("71.05")  # before refunds
    # 998877001 failed once and then went through; 998877002 is still pending.
    assert order.refunds == [
        PlatformRefund(
            platform_refund_id="998877001",
            amount=Decimal("11.25"),
            created_at=datetime(2026, 3, 16, 8, 2, 40, tzinfo=UTC),
            note="One towel arrived torn",
        )
    ]


def test_a_line_an_order_edit_removed_is_not_read():
    order = mapping.order_from_rest(rest())

    assert "CANDLE-BW" not in [line.sku for line in order.lines]


def test_a_us_order_with_taxes_on_top_keeps_its_prices_and_adds_shipping_tax_to_the_delivery_fee():
    order = mapping.order_from_rest(payload("order_webhook_us_authorized.json"))

    assert order.problems == []
    (board,) = order.lines
    assert (board.unit_price, board.discount, board.tax_rate) == (
        Decimal("24.00"),
        Decimal("0.00"),
        Decimal("8.25"),
    )
    assert order.delivery_fee == Decimal("6.44")  # 6.00 and its 0.44 state tax
    assert packline_total(order) == order.total == Decimal("32.42")
    assert order.shipping_address["region"] == "CA"
    assert order.shipping_address["country"] == "US"
    assert order.billing_address == {}
    assert order.buyer.phone == "+1 415 555 0142"


@pytest.mark.parametrize(
    ("shopify_status", "status", "paid"),
    [
        ("pending", FinancialStatus.PENDING, "0"),
        ("authorized", FinancialStatus.PENDING, "0"),
        ("partially_paid", FinancialStatus.PARTIALLY_PAID, "51.05"),
        ("paid", FinancialStatus.PAID, "71.05"),
        ("partially_refunded", FinancialStatus.PARTIALLY_REFUNDED, "71.05"),
        ("refunded", FinancialStatus.REFUNDED, "71.05"),
        ("voided", FinancialStatus.VOIDED, "0"),
        ("expired", FinancialStatus.VOIDED, "0"),
    ],
)
def test_each_shopify_payment_status_reads_the_same_from_both_shapes(shopify_status, status, paid):
    webhook = rest()
    webhook["financial_status"] = shopify_status
    webhook["total_outstanding"] = "20.00" if shopify_status == "partially_paid" else "0.00"
    node = graphql()
    node["displayFinancialStatus"] = shopify_status.upper()
    node["totalReceivedSet"]["shopMoney"]["amount"] = paid

    from_webhook, from_graphql = mapping.order_from_rest(webhook), mapping.order_from_graphql(node)

    assert from_webhook.financial_status == from_graphql.financial_status == status
    assert from_webhook.amount_paid == from_graphql.amount_paid == Decimal(paid)


def test_a_fulfilled_and_cancelled_order_says_so_in_both_shapes():
    webhook, node = rest(), graphql()
    webhook.update(fulfillment_status="fulfilled", cancelled_at="2026-03-17T12:00:00+01:00")
    node.update(displayFulfillmentStatus="FULFILLED", cancelledAt="2026-03-17T11:00:00Z")

    from_webhook, from_graphql = mapping.order_from_rest(webhook), mapping.order_from_graphql(node)

    assert from_webhook.fulfilled and from_graphql.fulfilled
    assert from_webhook.cancelled_at == from_graphql.cancelled_at == datetime(2026, 3, 17, 11, tzinfo=UTC)


def _set(path, value):
    def change(order):
        target = order
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def _drop(path):
    def change(order):
        target = order
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return change


@pytest.mark.parametrize(
    ("change", "problem", "check"),
    [
        (_set(["line_items"], []), "the order has no line items", lambda o: o.lines == []),
        (_drop(["line_items"]), "the order has no line items", lambda o: o.lines == []),
        (_set(["line_items", 0, "sku"], None), f"{MUG} has no SKU", lambda o: o.lines[0].sku == ""),
        (_set(["line_items", 0, "sku"], "  "), f"{MUG} has no SKU", lambda o: o.lines[0].sku == ""),
        (
            _set(["line_items", 0, "current_quantity"], "2.5"),
            f"{MUG} has quantity '2.5', not a whole number above 0",
            lambda o: o.lines[0].quantity == 0,
        ),
        (
            _set(["line_items", 0, "current_quantity"], -1),
            f"{MUG} has quantity -1, not a whole number above 0",
            lambda o: o.lines[0].quantity == 0,
        ),
        (
            _set(["line_items", 1, "price"], "12,50"),
            "the price of line 2 (Linen tea towel - Natural) is not an amount ('12,50')",
            lambda o: o.lines[1].unit_price == 0,
        ),
        (
            _drop(["line_items", 1, "price"]),
            "line 2 (Linen tea towel - Natural) has no price",
            lambda o: o.lines[1].unit_price == 0,
        ),
        (
            _set(["line_items", 0, "discount_allocations", 0, "amount"], "-3.60"),
            f"a discount of {MUG} is not an amount ('-3.60')",
            lambda o: o.lines[0].discount >= 0,
        ),
        (
            _set(["line_items", 0, "tax_lines", 0, "rate"], "nineteen"),
            f"a tax rate of {MUG} is not a rate",
            lambda o: o.lines[0].tax_rate is None,
        ),
        (
            _drop(["line_items", 0, "id"]),
            f"{MUG} has no Shopify line id",
            lambda o: o.lines[0].platform_line_id == "",
        ),
        (
            _set(["line_items", 0], "a mug"),
            "line 1 is not a line item ('a mug')",
            lambda o: o.lines[0].sku == "",
        ),
        (
            _set(["shipping_address", "country_code"], "QQ"),
            "the shipping address country code 'QQ' is not a country we know",
            lambda o: o.shipping_address["country"] == "",
        ),
        (
            _set(["shipping_address", "country_code"], None),
            "the shipping address country 'Germany' has no country code",
            lambda o: o.shipping_address["country"] == "",
        ),
        (
            _set(["created_at"], "last Tuesday"),
            "the order date 'last Tuesday' is not a date",
            lambda o: o.created_at is None,
        ),
        (
            _set(["financial_status"], "on_the_way"),
            "the payment status 'on_the_way' is unknown; taken as pending",
            lambda o: o.financial_status == FinancialStatus.PENDING,
        ),
        (
            _set(["total_price"], "n/a"),
            "the order total is not an amount ('n/a')",
            lambda o: o.total is None,
        ),
        (
            lambda order: order.update(financial_status="partially_paid", total_outstanding=None),
            "the order is partially paid but does not say how much is outstanding",
            lambda o: o.amount_paid == 0 and o.financial_status == FinancialStatus.PARTIALLY_PAID,
        ),
        (
            _set(["shipping_lines", 0, "price"], "free"),
            "the price of shipping line 1 (DHL Paket) is not an amount ('free')",
            lambda o: o.delivery_fee == 0,
        ),
    ],
)
def test_a_field_that_cannot_be_read_is_a_problem_not_an_exception(change, problem, check):
    webhook = rest()
    change(webhook)

    order = mapping.order_from_rest(webhook)

    assert any(found.startswith(problem) for found in order.problems), order.problems
    assert check(order)
    assert order.platform_order_id == "5630119874561"  # the rest of the order is still read


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_drop(["id"]), "has no usable id"),
        (_set(["id"], "not-a-number"), "has no usable id"),
        (_drop(["updated_at"]), "has no usable updated_at"),
        (_set(["updated_at"], "2026-03-16T09:02:45"), "has no usable updated_at"),  # no offset: ambiguous
    ],
)
def test_an_order_without_an_id_or_updated_at_is_refused_with_a_clear_message(change, message):
    webhook = rest()
    change(webhook)

    with pytest.raises(ValueError, match=message):
        mapping.order_from_rest(webhook)


def test_something_that_is_not_an_order_is_refused():
    with pytest.raises(ValueError, match="JSON object"):
        mapping.order_from_rest(["not", "an", "order"])


def test_a_graphql_node_with_more_lines_than_were_read_says_so():
    node = graphql()
    node["lineItems"]["pageInfo"]["hasNextPage"] = True

    order = mapping.order_from_graphql(node)

    assert order.problems == ["the order has more than 3 lines; only those were read"]


def test_unknown_keys_change_nothing():
    webhook = rest()
    webhook["line_items"][0]["a_new_shopify_field"] = {"nested": [1, 2]}
    webhook["shipping_address"]["what3words"] = "///index.home.raft"
    webhook["x_custom"] = None

    assert without_raw(mapping.order_from_rest(webhook)) == without_raw(mapping.order_from_rest(rest()))


def test_numeric_ids_are_read_from_numbers_strings_and_global_ids():
    assert mapping.numeric_id(5630119874561) == "5630119874561"
    assert mapping.numeric_id("5630119874561") == "5630119874561"
    assert mapping.numeric_id("gid://shopify/LineItem/14220000000001") == "14220000000001"
    assert [mapping.numeric_id(bad) for bad in (None, True, 0, -4, "12a", "gid://shopify/Order/x")] == [
        ""
    ] * 6


# The samples channel_simulate sends.

SKUS = ["MUG-BLU-350", "TOWEL-LIN-NAT", "BOARD-WAL-L", "CANDLE-BW"]


def test_sample_webhooks_read_cleanly_and_as_the_shop_would_charge_them():
    orders = []
    for sequence in range(1, 301):
        topic, sample = PLATFORM.sample_webhook(sequence=sequence, seed=11, skus=SKUS)
        order = PLATFORM.order_from_webhook(topic, json.loads(json.dumps(sample)))
        assert topic == "orders/create"
        assert order.problems == [], (sequence, order.problems)
        assert 1 <= len(order.lines) <= 3 and {line.sku for line in order.lines} <= set(SKUS)
        assert abs(packline_total(order) - order.total) <= CENT * len(order.lines), sequence
        orders.append(order)

    assert len({order.platform_order_id for order in orders}) == 300
    assert len({order.shipping_address["country"] for order in orders}) >= 4
    statuses = [order.financial_status for order in orders]
    assert 0.6 < statuses.count(FinancialStatus.PAID) / 300 < 0.95
    assert FinancialStatus.PENDING in statuses
    exact = sum(packline_total(order) == order.total for order in orders)
    assert exact >= 295  # a rounding cent is possible, rarely


def test_a_sample_is_the_same_for_the_same_seed_and_sequence():
    first = PLATFORM.sample_webhook(sequence=42, seed=3, skus=SKUS)
    again = PLATFORM.sample_webhook(sequence=42, seed=3, skus=SKUS)
    other_seed = PLATFORM.sample_webhook(sequence=42, seed=4, skus=SKUS)

    assert first == again
    assert first[1]["id"] == other_seed[1]["id"]  # ids come from the sequence
    assert first != other_seed


def test_a_sample_needs_skus_to_sell():
    with pytest.raises(ValueError, match="at least one SKU"):
        PLATFORM.sample_webhook(sequence=1, seed=1, skus=[])
