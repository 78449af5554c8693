"""A shop's order applied to Packline: created through the one creation path, then paid, refunded,
edited, cancelled or held through the same services as a person's click; older versions never win."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection as db

from channels.intake.apply import platform_order_apply
from channels.intake.models import PlatformOrderLink
from channels.intake.processing import apply_safely
from channels.marketplaces.base import FinancialStatus, PlatformLine, PlatformRefund
from orders.models import Customer, HoldReason, Order, OrderEvent
from orders.money.models import Payment, Refund
from orders.workflow import Stage
from tests.channels.shops import T0, make_connection, shop_order
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    ProductFactory(sku="MUG-1", price=Decimal("12.50"), tax_rate=Decimal("0"))
    ProductFactory(sku="PLATE-2", price=Decimal("8.00"), tax_rate=Decimal("0"))
    return make_connection()


def apply(shop, version):
    return platform_order_apply(connection=shop, platform_order=version)


def order_of(shop, number=1047) -> Order:
    return Order.objects.select_related("status").get(
        channel=shop.channel, channel_order_id=str(5_000_000 + number)
    )


def event_types(order: Order) -> list[str]:
    return list(order.events.order_by("id").values_list("type", flat=True))


def test_a_paid_shop_order_is_created_in_processing_with_its_payment_and_source(shop):
    result = apply(shop, shop_order())

    order = order_of(shop)
    assert result.outcome == "created" and result.order_id == order.pk
    assert order.stage == Stage.PROCESSING
    assert order.channel_order_number == "#1047"
    assert order.total == Decimal("29.95") and order.amount_paid == Decimal("29.95")
    assert order.payment_method == "channel"
    assert list(Payment.objects.filter(order=order).values_list("amount", "method")) == [
        (Decimal("29.95"), "channel")
    ]
    line = order.lines.get()
    assert (line.sku, line.quantity, line.channel_line_id) == ("MUG-1", 2, "104701")
    created = order.events.get(type="order.created")
    assert created.actor_kind == "channel" and created.actor_label == "Shopify: Acme Store"
    assert created.params["detail"] == "Shopify store Acme Store, order #1047"
    link = PlatformOrderLink.objects.get(connection=shop)
    assert link.order_id == order.pk and link.applied_updated_at == T0 and link.payload["name"] == "#1047"


def test_an_unpaid_order_waits_for_payment_and_moves_on_when_the_shop_says_paid(shop):
    apply(shop, shop_order(paid=False))
    assert order_of(shop).stage == Stage.AWAITING_PAYMENT

    result = apply(shop, shop_order(minutes=5, paid=True))

    order = order_of(shop)
    assert result.outcome == "updated"
    assert order.stage == Stage.PROCESSING and order.amount_paid == order.total
    assert "paid 29.95 in the shop" in result.text()


def test_an_older_version_is_recorded_and_never_applied_over_a_newer_one(shop):
    apply(shop, shop_order())
    newer = shop_order(minutes=10, shipping_method="Express")
    apply(shop, newer)

    result = apply(shop, shop_order(minutes=5, shipping_method="Pigeon"))

    assert result.outcome == "stale"
    assert order_of(shop).shipping_method == "Express"
    assert PlatformOrderLink.objects.get(connection=shop).applied_updated_at == newer.updated_at


def test_the_same_version_twice_changes_nothing_and_makes_one_order(shop):
    apply(shop, shop_order())
    events_before = OrderEvent.objects.count()

    result = apply(shop, shop_order())

    assert result.outcome == "unchanged"
    assert Order.objects.filter(channel=shop.channel).count() == 1
    assert OrderEvent.objects.count() == events_before


def test_what_the_adapter_could_not_read_puts_the_new_order_on_hold_with_the_reason(shop):
    apply(shop, shop_order(problems=["line 2 (Blue mug) has no SKU"]))

    order = order_of(shop)
    assert order.stage == Stage.ON_HOLD
    hold = order.holds.get(reason=HoldReason.CHANNEL_DATA)
    assert hold.detail == "line 2 (Blue mug) has no SKU"


def test_an_order_without_lines_is_refused_and_nothing_is_written(shop):
    customers = Customer.objects.count()

    result = apply_safely(shop, shop_order(lines=[]))

    assert result.outcome == "failed"
    assert "at least one line" in result.text()
    assert not Order.objects.filter(channel=shop.channel).exists()
    assert Customer.objects.count() == customers
    assert not PlatformOrderLink.objects.filter(order__isnull=False).exists()


def test_an_edit_before_picking_is_applied_with_old_and_new_on_the_timeline(shop):
    apply(shop, shop_order())
    moved = dict(shop_order().shipping_address, line1="1 Infinite Loop")

    result = apply(shop, shop_order(minutes=3, shipping_address=moved, shipping_method="Express"))

    order = order_of(shop)
    assert order.shipping_address["line1"] == "1 Infinite Loop" and order.shipping_method == "Express"
    assert "changed in Shopify: shipping address, shipping method" in result.text()
    edited = order.events.get(type="order.edited")
    assert edited.actor_label == "Shopify: Acme Store"
    fields = {change["field"]: change for change in edited.params["changes"]}
    assert "12 St James's Square" in fields["Shipping address"]["old"]
    assert "1 Infinite Loop" in fields["Shipping address"]["new"]
    assert fields["Shipping method"] == {"field": "Shipping method", "old": "Standard", "new": "Express"}


def test_new_lines_from_the_shop_replace_the_lines_before_picking(shop):
    apply(shop, shop_order())
    lines = [
        PlatformLine(
            platform_line_id="104701", sku="MUG-1", name="Blue mug", quantity=1, unit_price=Decimal("12.50")
        ),
        PlatformLine(
            platform_line_id="104702", sku="PLATE-2", name="Plate", quantity=3, unit_price=Decimal("8.00")
        ),
    ]

    apply(shop, shop_order(minutes=2, lines=lines))

    order = order_of(shop)
    assert sorted(order.lines.values_list("sku", "quantity", "channel_line_id")) == [
        ("MUG-1", 1, "104701"), ("PLATE-2", 3, "104702"),
    ]  # fmt: skip
    assert order.total == Decimal("12.50") + Decimal("24.00") + Decimal("4.95")


def _move_to(order: Order, stage: str) -> None:
    # The warehouse's own steps are tested in tests/fulfilment; here only the stage matters.
    from orders.actors import Actor
    from orders.services.transitions import builtin_status, order_transition

    order_transition(order_id=order.pk, to=builtin_status(stage), actor=Actor.system("tests"))


def test_an_edit_after_picking_started_puts_the_order_on_hold_for_a_person(shop):
    apply(shop, shop_order())
    _move_to(order_of(shop), Stage.PICKING)

    result = apply(shop, shop_order(minutes=3, shipping_method="Express"))

    order = order_of(shop)
    assert order.stage == Stage.ON_HOLD and order.shipping_method == "Standard"
    hold = order.holds.get(reason=HoldReason.CHANGED_AFTER_PICKING)
    assert hold.detail == "changed in Shopify after picking: shipping method Standard → Express"
    noticed = order.events.get(type="channel.noticed")
    assert noticed.params["text"] == "changed after picking: shipping method Standard → Express"
    assert result.outcome == "updated"

    apply(shop, shop_order(minutes=4, shipping_method="Express"))  # the same difference again: one hold
    assert order.holds.filter(reason=HoldReason.CHANGED_AFTER_PICKING).count() == 1


def test_a_cancellation_in_the_shop_cancels_an_order_that_has_not_shipped(shop):
    apply(shop, shop_order(paid=False))

    result = apply(shop, shop_order(minutes=1, paid=False, cancelled_at=T0 + timedelta(minutes=1)))

    order = order_of(shop)
    assert order.stage == Stage.CANCELLED
    assert "cancelled in Shopify" in result.text()
    change = order.events.filter(type="status.changed").latest("id")
    assert change.params["reason"] == "Cancelled in Shopify"


def test_a_cancellation_after_shipping_puts_the_shipped_order_on_hold_instead_of_cancelling(shop):
    apply(shop, shop_order())
    _move_to(order_of(shop), Stage.SHIPPED)

    result = apply(shop, shop_order(minutes=1, cancelled_at=T0 + timedelta(minutes=1)))

    order = order_of(shop)
    assert (order.stage, order.held_from.stage) == (Stage.ON_HOLD, Stage.SHIPPED)
    hold = order.holds.get(released_at__isnull=True)
    assert (hold.reason, hold.detail) == (
        HoldReason.CANCELLED_AFTER_SHIPPING,
        "cancelled in Shopify after shipping",
    )
    assert "on hold: cancelled in Shopify after shipping" in result.text()
    assert not order.events.filter(type="channel.noticed").exists()

    apply(shop, shop_order(minutes=2, cancelled_at=T0 + timedelta(minutes=1)))  # told again: one hold
    assert order.holds.filter(reason=HoldReason.CANCELLED_AFTER_SHIPPING).count() == 1


def test_with_cancellation_sync_off_a_shop_cancellation_waits_for_a_person(shop):
    shop.sync_cancellations = False
    shop.save()
    apply(shop, shop_order())

    apply(shop, shop_order(minutes=1, cancelled_at=T0 + timedelta(minutes=1)))

    order = order_of(shop)
    assert order.stage == Stage.ON_HOLD
    assert order.holds.get(reason=HoldReason.CANCELLATION_REQUESTED).detail == (
        "cancelled in Shopify; cancellation sync is off"
    )


def test_a_buyers_cancellation_request_puts_the_order_on_hold(shop):
    apply(shop, shop_order())

    apply(shop, shop_order(minutes=1, cancellation_requested=True))

    assert order_of(shop).holds.get(reason=HoldReason.CANCELLATION_REQUESTED, released_at=None)


def test_a_new_order_the_buyer_already_asked_to_cancel_arrives_on_hold(shop):
    result = apply(shop, shop_order(cancellation_requested=True))

    order = order_of(shop)
    assert result.outcome == "created" and order.stage == Stage.ON_HOLD
    assert order.holds.get(released_at=None).detail == "the buyer asked Shopify to cancel"


def test_a_buyers_request_after_shipping_is_noted_not_held(shop):
    apply(shop, shop_order())
    _move_to(order_of(shop), Stage.SHIPPED)

    result = apply(shop, shop_order(minutes=1, cancellation_requested=True))
    apply(shop, shop_order(minutes=2, cancellation_requested=True))  # told again: noted once

    order = order_of(shop)
    assert order.stage == Stage.SHIPPED and not order.holds.exists()
    assert "the buyer asked Shopify to cancel after shipping; not held" in result.text()
    assert order.events.filter(type="channel.noticed").count() == 1


def test_a_buyers_request_after_part_of_the_order_shipped_is_not_held(shop):
    apply(shop, shop_order())
    order = order_of(shop)
    order.lines.update(quantity_shipped=1)  # a partial shipment leaves the order in processing

    apply(shop, shop_order(minutes=1, cancellation_requested=True))

    assert order_of(shop).stage == Stage.PROCESSING and not order.holds.exists()


def test_a_refund_in_the_shop_is_recorded_once_as_paid_out(shop):
    apply(shop, shop_order())
    refund = PlatformRefund(platform_refund_id="9001", amount=Decimal("12.50"), note="broken mug")

    apply(shop, shop_order(minutes=1, financial_status=FinancialStatus.PARTIALLY_REFUNDED, refunds=[refund]))
    apply(shop, shop_order(minutes=2, financial_status=FinancialStatus.PARTIALLY_REFUNDED, refunds=[refund]))

    refunds = Refund.objects.filter(order=order_of(shop))
    assert refunds.count() == 1
    recorded = refunds.get()
    assert recorded.amount == Decimal("12.50") and recorded.executed_at is not None
    assert (
        recorded.reference == "Shopify refund 9001" and recorded.reason == "Refunded in Shopify: broken mug"
    )


def test_a_voided_payment_cancels_an_order_awaiting_payment(shop):
    apply(shop, shop_order(paid=False))

    apply(shop, shop_order(minutes=1, paid=False, financial_status=FinancialStatus.VOIDED))

    assert order_of(shop).stage == Stage.CANCELLED


def test_draft_setting_and_sku_mapping_are_the_connections_own(shop):
    shop.auto_process = False
    shop.sku_mapping = {"SHOP-MUG": "MUG-1"}
    shop.save()

    apply(shop, shop_order(sku="SHOP-MUG"))

    order = order_of(shop)
    assert order.stage == Stage.DRAFT
    assert order.lines.get().sku == "MUG-1" and order.lines.get().product.sku == "MUG-1"


def test_gateways_that_do_not_count_as_paid_leave_the_order_awaiting_payment(shop):
    shop.paid_gateways = ["shopify_payments"]
    shop.save()

    apply(shop, shop_order(payment_gateways=["gift_card_elsewhere"]))

    assert order_of(shop).stage == Stage.AWAITING_PAYMENT


def test_a_returning_buyer_is_the_same_customer(shop):
    apply(shop, shop_order(1047))
    apply(shop, shop_order(1048))

    assert order_of(shop, 1047).customer_id == order_of(shop, 1048).customer_id


@pytest.mark.django_db(transaction=True)
def test_two_workers_with_the_same_new_order_make_one_order():
    ProductFactory(sku="MUG-1", price=Decimal("12.50"), tax_rate=Decimal("0"))
    shop = make_connection()
    barrier = threading.Barrier(2)
    outcomes = []

    def work(minutes):
        try:
            barrier.wait()
            outcomes.append(apply_safely(shop, shop_order(minutes=minutes)).outcome)
        finally:
            db.close()

    threads = [threading.Thread(target=work, args=(m,)) for m in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Order.objects.filter(channel=shop.channel).count() == 1
    # Whichever worker locked first created the order; the newer version is the one applied either way.
    assert sorted(outcomes) in (["created", "unchanged"], ["created", "stale"])
    assert PlatformOrderLink.objects.get(connection=shop).applied_updated_at == T0 + timedelta(minutes=1)
