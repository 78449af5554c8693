"""Order creation (SPEC 2, 2.2): where a new order lands, every hold check and hold rule, data that
cannot form an order, duplicates, totals, numbers, creation events, and holding and releasing."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from orders.actors import Actor
from orders.errors import DuplicateOrder, OrderInvalid, TransitionRefused
from orders.inputs import LineInput, OrderInput
from orders.models import Channel, HoldReason, HoldRule, Order, OrderEvent, OrderHold, OrderLine
from orders.services.create import order_create
from orders.services.edit import order_soft_delete, order_update
from orders.services.transitions import builtin_status, order_cancel, order_hold, order_release
from orders.workflow import Stage
from tests.factories import CustomerFactory, ProductFactory

pytestmark = pytest.mark.django_db

S = Stage
FULL_ADDRESS = {"line1": "4 Mill Lane", "city": "York", "postcode": "YO1 7HH", "country": "GB"}


@pytest.fixture
def csr(make_user):
    return make_user("csr")


def one_line(quantity: int = 1, **product_fields) -> list[LineInput]:
    """A line of a new product at 10.00 with 20% tax: 12.00 a unit."""
    return [LineInput(sku=ProductFactory(**product_fields).sku, quantity=quantity)]


def order_data(**fields) -> OrderInput:
    """A complete cash order for a new customer unless the fields say otherwise."""
    fields.setdefault("customer", CustomerFactory())
    fields.setdefault("lines", one_line())
    fields.setdefault("shipping_method", "Standard")
    fields.setdefault("payment_method", "cash")
    return OrderInput(**fields)


def create(actor=None, **fields) -> Order:
    return order_create(data=order_data(**fields), actor=actor or Actor.system("tests"))


def active_holds(order: Order) -> list[tuple[str, str]]:
    return [
        (hold.reason, hold.detail) for hold in OrderHold.objects.filter(order=order, released_at__isnull=True)
    ]


def order_events(order: Order):
    """The order's own events: fulfilment's stock allocation, written in the creating transaction, aside."""
    return OrderEvent.objects.filter(order=order).exclude(type="stock.allocation")


def event_types(order: Order) -> list[str]:
    return list(order_events(order).order_by("id").values_list("type", flat=True))


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (Order, OrderLine, OrderEvent, OrderHold)}


def assert_held(order: Order, *, reasons: list[tuple[str, str]], held_from: str) -> None:
    order = Order.objects.select_related("status", "held_from").get(pk=order.pk)
    assert order.stage == S.ON_HOLD
    assert order.held_from.label == held_from
    assert active_holds(order) == reasons


def assert_goes_on(order: Order, status_label: str) -> None:
    order = Order.objects.select_related("status").get(pk=order.pk)
    assert (order.status.label, order.held_from_id) == (status_label, None)
    assert active_holds(order) == []


# Where a new order lands -------------------------------------------------------------------------


def test_a_complete_cash_order_goes_straight_to_processing():
    order = create(payment_method="cash")
    assert_goes_on(order, "Processing")
    assert order.stage == S.PROCESSING


def test_a_complete_unpaid_card_order_waits_for_payment():
    order = create(payment_method="card")
    assert_goes_on(order, "Pending")
    assert order.stage == S.AWAITING_PAYMENT


def test_a_card_order_paid_in_full_goes_to_processing():
    order = create(payment_method="card", amount_paid=Decimal("12.00"))
    assert_goes_on(order, "Processing")
    assert (order.total, order.amount_paid) == (Decimal("12.00"), Decimal("12.00"))


def test_a_draft_stays_a_draft():
    order = create(payment_method="card", draft=True)
    assert_goes_on(order, "Concept")
    assert order.stage == S.DRAFT


# Built-in hold checks ------------------------------------------------------------------------------


@pytest.mark.parametrize(("payment_method", "would_have_been"), [("cash", "Processing"), ("card", "Pending")])
def test_missing_address_parts_hold_the_order_naming_them(payment_method, would_have_been):
    order = create(
        customer=CustomerFactory(address={}),
        shipping_address={"line1": "4 Mill Lane", "city": "  ", "country": "GB"},
        payment_method=payment_method,
    )
    assert_held(order, reasons=[(HoldReason.MISSING_ADDRESS, "city, postcode")], held_from=would_have_been)


def test_an_order_with_no_address_at_all_is_held_for_every_part():
    order = create(customer=CustomerFactory(address={}))
    assert_held(
        order,
        reasons=[(HoldReason.MISSING_ADDRESS, "street address, city, postcode, country")],
        held_from="Processing",
    )


def test_an_order_without_an_address_takes_the_customers_default_one():
    customer = CustomerFactory(address=FULL_ADDRESS)
    order = create(customer=customer)
    assert order.shipping_address == FULL_ADDRESS
    assert_goes_on(order, "Processing")


def test_a_missing_shipping_method_holds_the_order():
    order = create(shipping_method="  ")
    assert_held(order, reasons=[(HoldReason.MISSING_SHIPPING_METHOD, "")], held_from="Processing")


def test_an_order_of_only_unshippable_goods_needs_no_shipping_method():
    order = create(shipping_method="", lines=one_line(shippable=False))
    assert_goes_on(order, "Processing")


def test_an_unknown_sku_holds_the_order_naming_it():
    lines = [*one_line(), LineInput(sku="GHOST-1", quantity=2, unit_price=Decimal("4.00"), name="Mystery")]
    order = create(lines=lines)
    assert_held(order, reasons=[(HoldReason.UNKNOWN_SKU, "GHOST-1")], held_from="Processing")
    ghost = OrderLine.objects.get(order=order, sku="GHOST-1")
    assert (ghost.product, ghost.name, ghost.quantity) == (None, "Mystery", 2)


def test_an_inactive_product_counts_as_an_unknown_sku():
    product = ProductFactory(active=False)
    order = create(lines=[LineInput(sku=product.sku, quantity=1)])
    assert_held(order, reasons=[(HoldReason.UNKNOWN_SKU, product.sku)], held_from="Processing")


def test_a_b2b_customer_without_a_po_number_is_held_and_one_with_it_goes_on():
    customer = CustomerFactory(name="Harbour Supplies Ltd", requires_po_number=True)
    without = create(customer=customer, po_number="  ")
    with_po = create(customer=customer, po_number="PO-7781", lines=one_line(quantity=2))
    assert_held(
        without,
        reasons=[(HoldReason.MISSING_PO_NUMBER, "Harbour Supplies Ltd orders need a PO number")],
        held_from="Processing",
    )
    assert_goes_on(with_po, "Processing")


def test_an_order_over_the_value_threshold_is_held(settings):
    settings.HOLD_VALUE_THRESHOLD = "100"
    over = create(lines=one_line(quantity=9))  # 108.00
    at = create(lines=one_line(quantity=1, price=Decimal("100.00"), tax_rate=Decimal("0")))  # 100.00
    assert_held(over, reasons=[(HoldReason.OVER_VALUE, "total 108.00 over 100")], held_from="Processing")
    assert_goes_on(at, "Processing")


def test_a_value_threshold_of_zero_holds_nothing(settings):
    settings.HOLD_VALUE_THRESHOLD = "0"
    order = create(lines=one_line(quantity=1000))
    assert order.total == Decimal("12000.00")
    assert_goes_on(order, "Processing")


@pytest.mark.parametrize(
    ("amount_paid", "would_have_been", "detail"),
    [
        (Decimal("5.00"), "Pending", "paid 5.00, total 12.00"),
        (Decimal("20.00"), "Processing", "paid 20.00, total 12.00"),
    ],
)
def test_a_payment_that_does_not_match_the_total_holds_the_order(amount_paid, would_have_been, detail):
    order = create(payment_method="card", amount_paid=amount_paid)
    assert_held(order, reasons=[(HoldReason.PAYMENT_MISMATCH, detail)], held_from=would_have_been)


def test_the_same_customer_ordering_the_same_total_again_is_a_suspected_duplicate():
    customer = CustomerFactory()
    first = create(customer=customer)
    again = create(customer=customer)
    different_total = create(customer=customer, lines=one_line(quantity=2))
    assert_held(
        again,
        reasons=[(HoldReason.SUSPECTED_DUPLICATE, f"same customer and total as {first.display_number}")],
        held_from="Processing",
    )
    assert_goes_on(first, "Processing")
    assert_goes_on(different_total, "Processing")


def test_an_order_like_a_cancelled_or_an_old_one_is_not_a_suspected_duplicate(settings):
    settings.DUPLICATE_WINDOW_HOURS = 24
    customer = CustomerFactory()
    cancelled = create(customer=customer)
    order_cancel(order_id=cancelled.pk, actor=Actor.system(), reason="customer withdrew")
    old = create(customer=customer, lines=one_line(quantity=2))
    Order.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=25))

    assert_goes_on(create(customer=customer), "Processing")
    assert_goes_on(create(customer=customer, lines=one_line(quantity=2)), "Processing")


def test_every_failing_check_is_listed_and_recorded():
    order = create(customer=CustomerFactory(address={}), shipping_method="", lines=[LineInput("NOPE", 1)])
    assert_held(
        order,
        reasons=[
            (HoldReason.MISSING_ADDRESS, "street address, city, postcode, country"),
            (HoldReason.MISSING_SHIPPING_METHOD, ""),
            (HoldReason.UNKNOWN_SKU, "NOPE"),
        ],
        held_from="Processing",
    )
    placed = OrderEvent.objects.get(order=order, type="hold.placed")
    assert placed.params["reasons"] == [
        "Missing address: street address, city, postcode, country",
        "Missing shipping method",
        "Unknown SKU: NOPE",
    ]


# Hold rules --------------------------------------------------------------------------------------


def address(**fields) -> dict:
    return {**FULL_ADDRESS, **fields}


RULE_CASES = [
    # field, value, what makes an order match, what makes it not match
    ("channel", "CSV", lambda: {"channel": Channel.objects.get(code="csv")}, dict),
    ("channel", "manual entry", dict, lambda: {"channel": Channel.objects.get(code="csv")}),
    (
        "country",
        "fr",
        lambda: {"shipping_address": address(country="FR")},
        lambda: {"shipping_address": address()},
    ),
    ("total_over", "50", lambda: {"lines": one_line(quantity=5)}, lambda: {"lines": one_line(quantity=4)}),
    (
        "sku",
        "firework-1",
        lambda: {"lines": [*one_line(), LineInput(sku=ProductFactory(sku="FIREWORK-1").sku, quantity=1)]},
        dict,
    ),
    ("tag", "vip", lambda: {"tags": ["gift", "VIP"]}, lambda: {"tags": ["gift", "vip-lounge"]}),
    ("note_contains", "fragile", lambda: {"notes": "Glass: FRAGILE"}, lambda: {"notes": "Leave at the door"}),
    (
        "note_contains",
        "fragile",
        lambda: {"gift_message": "A fragile vase"},
        lambda: {"gift_message": "Enjoy"},
    ),
]


@pytest.mark.parametrize(
    ("field", "value", "matching", "not_matching"),
    RULE_CASES,
    ids=[f"{case[0]}={case[1]}" for case in RULE_CASES],
)
def test_a_hold_rule_holds_a_matching_order_and_leaves_the_rest(field, value, matching, not_matching):
    HoldRule.objects.create(name="Watch list", field=field, value=value, reason="check with a manager")
    matched = create(**matching())
    unmatched = create(**not_matching())
    assert_held(
        matched, reasons=[(HoldReason.RULE, "Watch list: check with a manager")], held_from="Processing"
    )
    assert OrderEvent.objects.get(order=matched, type="hold.placed").params["reasons"] == [
        "Hold rule: Watch list: check with a manager"
    ]
    assert_goes_on(unmatched, "Processing")


def test_an_inactive_hold_rule_is_ignored():
    HoldRule.objects.create(name="Tags", field="tag", value="vip", reason="call first", active=False)
    assert_goes_on(create(tags=["vip"]), "Processing")


def test_every_matching_rule_adds_its_own_reason():
    HoldRule.objects.create(name="Big", field="total_over", value="10", reason="value check", position=1)
    HoldRule.objects.create(name="France", field="country", value="FR", reason="customs papers", position=2)
    order = create(shipping_address=address(country="FR"))
    assert_held(
        order,
        reasons=[(HoldReason.RULE, "Big: value check"), (HoldReason.RULE, "France: customs papers")],
        held_from="Processing",
    )


# Data that cannot form an order ------------------------------------------------------------------


def sku() -> str:
    return ProductFactory().sku


INVALID_CASES = {
    "no lines": (lambda: {"lines": []}, "lines", "at least one line"),
    "quantity 0": (lambda: {"lines": [LineInput(sku(), 0)]}, "lines[1]", "whole number above 0"),
    "negative quantity": (lambda: {"lines": [LineInput(sku(), -2)]}, "lines[1]", "whole number above 0"),
    "negative price": (
        lambda: {"lines": [LineInput(sku(), 1, unit_price=Decimal("-0.01"))]},
        "lines[1]",
        "negative",
    ),
    "negative discount": (
        lambda: {"lines": [LineInput(sku(), 1, discount=Decimal("-1"))]},
        "lines[1]",
        "negative",
    ),
    "discount above the line's price": (
        lambda: {
            "lines": [
                LineInput(sku(), 1),
                LineInput(sku(), 2, unit_price=Decimal("10"), discount=Decimal("20.01")),
            ]
        },
        "lines[2]",
        "more than the line's price",
    ),
    "negative delivery fee": (lambda: {"delivery_fee": Decimal("-0.01")}, "delivery_fee", "negative"),
    "negative amount paid": (lambda: {"amount_paid": Decimal("-1")}, "amount_paid", "negative"),
    "unknown payment method": (lambda: {"payment_method": "bitcoin"}, "payment_method", "'bitcoin'"),
}


@pytest.mark.parametrize(("build", "field", "message"), INVALID_CASES.values(), ids=INVALID_CASES.keys())
def test_data_that_cannot_form_an_order_is_refused_and_nothing_is_written(build, field, message):
    fields = build()
    before = row_counts()

    with pytest.raises(OrderInvalid) as invalid:
        create(**fields)

    assert list(invalid.value.errors) == [field]
    assert message in " ".join(invalid.value.errors[field])
    assert str(invalid.value).startswith("The order cannot be created:")
    assert row_counts() == before


def test_a_discount_above_the_products_price_is_refused_when_the_line_uses_the_product_price():
    product = ProductFactory(price=Decimal("10.00"))
    before = row_counts()
    with pytest.raises(OrderInvalid) as invalid:
        create(
            lines=[LineInput(sku=product.sku, quantity=1, discount=Decimal("15.00"))],
            delivery_fee=Decimal("10"),
        )
    assert "lines[1]" in invalid.value.errors
    assert row_counts() == before


def test_a_channel_order_id_can_be_imported_only_once():
    shop = Channel.objects.create(code="shop", name="Shopify", kind="shopify")
    first = create(channel=shop, channel_order_id="1001", channel_order_number="#1001")
    before = row_counts()

    with pytest.raises(DuplicateOrder) as duplicate:
        create(channel=shop, channel_order_id="1001", channel_order_number="#1001")

    assert duplicate.value.existing_id == first.pk
    assert str(duplicate.value) == f"Shopify order 1001 was already imported as {first.display_number}."
    assert row_counts() == before


def test_a_soft_deleted_order_still_owns_its_channel_order_id(make_user):
    shop = Channel.objects.create(code="shop", name="Shopify", kind="shopify")
    first = create(channel=shop, channel_order_id="1001")
    order_soft_delete(order_id=first.pk, actor=make_user("manager"), reason="test order")
    before = row_counts()

    with pytest.raises(DuplicateOrder) as duplicate:
        create(channel=shop, channel_order_id="1001")

    assert duplicate.value.existing_id == first.pk
    assert row_counts() == before


def test_the_same_order_id_on_another_channel_or_no_id_at_all_is_not_a_duplicate():
    shop = Channel.objects.create(code="shop", name="Shopify", kind="shopify")
    create(channel=shop, channel_order_id="1001")
    create(channel=Channel.objects.get(code="csv"), channel_order_id="1001")
    create(channel_order_id=None)
    create(channel_order_id="")
    assert Order.objects.count() == 4


# Totals and numbers ------------------------------------------------------------------------------


def test_totals_add_up_in_decimal_rounding_half_up_to_the_cent():
    widget = ProductFactory(price=Decimal("19.99"), tax_rate=Decimal("20.00"))
    sticker = ProductFactory(price=Decimal("0.25"), tax_rate=Decimal("10.00"))
    order = create(
        lines=[
            LineInput(sku=widget.sku, quantity=3, discount=Decimal("5.00")),
            LineInput(sku=sticker.sku, quantity=1),
        ],
        delivery_fee=Decimal("4.95"),
    )

    order = Order.objects.get(pk=order.pk)
    # 3 x 19.99 = 59.97, less 5.00 = 54.97, tax 20% = 10.994 -> 10.99; 0.25 with 10% tax = 0.025 -> 0.03.
    assert (order.subtotal, order.discount_total, order.tax_total, order.delivery_fee, order.total) == (
        Decimal("60.22"),
        Decimal("5.00"),
        Decimal("11.02"),
        Decimal("4.95"),
        Decimal("71.19"),
    )
    lines = {line.sku: line for line in OrderLine.objects.filter(order=order)}
    assert (lines[widget.sku].tax_amount, lines[widget.sku].line_total) == (
        Decimal("10.99"),
        Decimal("65.96"),
    )
    assert (lines[sticker.sku].tax_amount, lines[sticker.sku].line_total) == (
        Decimal("0.03"),
        Decimal("0.28"),
    )
    assert all(isinstance(value, Decimal) for value in (order.subtotal, order.tax_total, order.total))


def test_a_line_price_given_on_the_order_wins_over_the_products_price():
    product = ProductFactory(price=Decimal("19.99"), tax_rate=Decimal("0"))
    order = create(lines=[LineInput(sku=product.sku, quantity=2, unit_price=Decimal("15.00"))])
    assert order.total == Decimal("30.00")
    assert OrderLine.objects.get(order=order).unit_price == Decimal("15.00")


def test_order_numbers_are_sequential_and_carry_the_configured_prefix(settings):
    first, second = create(), create()
    assert second.number == first.number + 1
    assert first.display_number == f"PL-{first.number}"
    settings.ORDER_NUMBER_PREFIX = "SO-"
    assert str(second) == f"SO-{second.number}"


# Creation events -------------------------------------------------------------------------------------


def test_creation_records_who_made_the_order_and_from_where(csr):
    order = create(actor=csr)
    source_order = order_create(
        data=order_data(), actor=Actor.channel("Shopify"), source="shopify", source_detail="#1042"
    )

    [created] = order_events(order)
    assert (created.type, created.actor, created.params) == (
        "order.created",
        csr,
        {"source": "manual", "detail": "", "status": "Processing"},
    )
    [synced] = order_events(source_order)
    assert (synced.actor, synced.actor_kind, synced.actor_label) == (None, "channel", "Shopify")
    assert (synced.params["source"], synced.params["detail"]) == ("shopify", "#1042")


def test_creating_a_held_order_records_the_hold_after_the_creation(csr):
    order = create(actor=csr, shipping_method="")
    assert event_types(order) == ["order.created", "hold.placed"]
    created, placed = order_events(order).order_by("id")
    assert created.params["status"] == "On hold"
    assert placed.params["reasons"] == ["Missing shipping method"]
    assert OrderHold.objects.get(order=order).created_by == csr


# Holding and releasing -----------------------------------------------------------------------------


def test_releasing_an_order_whose_data_is_still_missing_keeps_it_held_with_fresh_reasons(csr):
    order = create(
        customer=CustomerFactory(address={}), shipping_address={"line1": "4 Mill Lane", "country": "GB"}
    )
    [first_hold] = OrderHold.objects.filter(order=order)

    order_release(order_id=order.pk, actor=csr)

    first_hold.refresh_from_db()
    assert (first_hold.released_by, first_hold.released_at is not None) == (csr, True)
    assert_held(order, reasons=[(HoldReason.MISSING_ADDRESS, "city, postcode")], held_from="Processing")
    assert OrderHold.objects.get(order=order, released_at__isnull=True).pk != first_hold.pk
    assert event_types(order) == ["order.created", "hold.placed", "hold.released", "hold.placed"]


@pytest.mark.parametrize(("payment_method", "held_from"), [("cash", "Processing"), ("card", "Pending")])
def test_fixing_the_address_and_releasing_sends_the_order_where_it_was_going(csr, payment_method, held_from):
    order = create(
        customer=CustomerFactory(address={}),
        shipping_address={"line1": "4 Mill Lane", "country": "GB"},
        payment_method=payment_method,
    )
    order = order_update(
        order_id=order.pk,
        expected_version=order.version,
        changes={"shipping_address": FULL_ADDRESS},
        lines=None,
        actor=csr,
    )
    assert order.stage == S.ON_HOLD

    order_release(order_id=order.pk, actor=csr)

    assert_goes_on(order, held_from)
    change = OrderEvent.objects.get(order=order, type="status.changed")
    assert (change.params["old"], change.params["new"], change.actor) == ("On hold", held_from, csr)


def test_only_someone_who_may_hold_orders_may_release_them(users):
    order = create(shipping_method="")
    before = event_types(order)
    for role in ("warehouse", "agent", "viewer"):
        with pytest.raises(TransitionRefused, match=f"You may not release {order.display_number}"):
            order_release(order_id=order.pk, actor=users[role])
    assert Order.objects.get(pk=order.pk).stage == S.ON_HOLD
    assert event_types(order) == before


def test_releasing_an_order_that_is_not_on_hold_is_refused(csr):
    order = create()
    with pytest.raises(TransitionRefused, match=rf"{order.display_number} is Processing, not on hold"):
        order_release(order_id=order.pk, actor=csr)


@pytest.mark.parametrize("reason", ["", "   "])
def test_holding_an_order_needs_a_reason(csr, reason):
    order = create()
    with pytest.raises(TransitionRefused, match="Say why the order is held"):
        order_hold(order_id=order.pk, actor=csr, reason=reason)
    assert_goes_on(order, "Processing")
    assert event_types(order) == ["order.created"]


def test_holding_an_order_by_hand_records_the_reason_and_a_second_hold_adds_one(csr):
    order = create()
    order_hold(order_id=order.pk, actor=csr, reason="customer asked to wait")
    order_hold(order_id=order.pk, actor=csr, reason="and check the address")
    assert_held(
        order,
        reasons=[(HoldReason.MANUAL, "customer asked to wait"), (HoldReason.MANUAL, "and check the address")],
        held_from="Processing",
    )
    assert event_types(order) == ["order.created", "hold.placed", "status.changed", "hold.placed"]


def test_a_warehouse_user_may_not_hold_an_order_and_a_shipped_order_cannot_be_held(users):
    order = create()
    with pytest.raises(TransitionRefused, match=re.escape(f"You may not move {order.display_number}")):
        order_hold(order_id=order.pk, actor=users["warehouse"], reason="short of stock")
    Order.objects.filter(pk=order.pk).update(status=builtin_status(S.SHIPPED))
    with pytest.raises(TransitionRefused, match=re.escape(f"{order.display_number} is Shipped; only")):
        order_hold(order_id=order.pk, actor=users["csr"], reason="too late")
    assert OrderHold.objects.filter(order=order).count() == 0
