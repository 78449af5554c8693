"""The batch form of applying shop orders (channels/intake/batch.py) decides exactly what the single
form (channels/intake/apply.py) decides: the same orders, lines, holds, payments, customers and
timeline, and the same outcome for each version."""

import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction

from channels.intake.apply import shop_actor
from channels.intake.batch import platform_orders_apply_batch
from channels.intake.models import PlatformOrderLink
from channels.intake.processing import apply_safely
from channels.marketplaces.base import Buyer, PlatformLine
from orders.models import HoldRule, Order
from orders.services.create_many import OrderBatchCreator
from tests.channels.shops import T0, make_connection, shop_order
from tests.factories import CustomerFactory, ProductFactory

pytestmark = pytest.mark.django_db


def versions():
    """A webhook storm in small: new orders of every kind, repeats, versions out of order."""
    plate = PlatformLine(
        platform_line_id="2", sku="PLATE-2", name="Plate", quantity=1, unit_price=Decimal("8.00")
    )
    return [
        shop_order(1001),
        shop_order(1002, paid=False),
        shop_order(1003, problems=["line 2 (Spoon) has no SKU"]),
        shop_order(1004, sku="NOT-IN-CATALOGUE"),
        shop_order(1005, lines=[]),  # cannot form an order
        shop_order(1006, buyer=Buyer(name="Known Buyer", email="KNOWN@example.com")),
        shop_order(1007, buyer=Buyer(name="Ada again", email="ada@example.com")),
        shop_order(1008, minutes=5, shipping_method="Express"),
        shop_order(1008, minutes=1),  # older than the one above: never applied over it
        shop_order(1009, shipping_address={"name": "No Street", "city": "Leeds", "country": "GB"}),
        shop_order(1010, cancelled_at=T0),  # cancelled before it reached Packline
        shop_order(1011, lines=[plate], total=Decimal("12.95"), amount_paid=Decimal("12.95")),
        shop_order(1012, quantity=5, price="100.00"),  # over the hold rule's value
        shop_order(1013, ship_by=T0 + timedelta(days=2, hours=3)),  # the shop's ship-by date
        shop_order(1014, cancellation_requested=True),  # the buyer asked to cancel before it arrived
    ]


EARLIER = re.compile(r'same customer and total as [^"]+')


def same_earlier(value):
    """A suspected duplicate names the earlier order by its number, or by its shop reference when both
    were in one batch (the number is not known while a batch is planned): the decision is compared."""
    return json.loads(EARLIER.sub("same customer and total as <earlier order>", json.dumps(value)))


def snapshot(connection) -> list[dict]:
    orders = Order.objects.filter(channel=connection.channel).select_related(
        "status", "held_from", "customer"
    )
    result = []
    for order in orders.order_by("channel_order_id"):
        result.append(
            {
                "shop id": order.channel_order_id,
                "status": (order.status.code, order.held_from.code if order.held_from else None),
                "money": (order.subtotal, order.discount_total, order.tax_total, order.total, order.amount_paid),
                "fields": (order.payment_method, order.shipping_method, order.currency, order.channel_order_number,
                           order.shipping_address, order.billing_address, order.attributes, order.tags, order.notes,
                           order.warehouse_id, order.source, order.ship_by),
                "customer": (order.customer.name, order.customer.email.lower(), order.customer.address),
                "lines": list(order.lines.order_by("position").values_list(
                    "position", "sku", "product__sku", "name", "quantity", "unit_price", "discount", "tax_rate",
                    "tax_amount", "line_total", "channel_line_id")),
                "holds": same_earlier(sorted(order.holds.values_list("reason", "detail"))),
                "payments": list(order.payments.values_list("amount", "method", "state", "reference")),
                "events": same_earlier([
                    (e.type, e.actor_kind, e.actor_label, {k: v for k, v in e.params.items() if k != "payment"})
                    # Stock is reserved in the single form's creating transaction and after the batch's commit
                    # (fulfilment.receivers); the two writers are compared in tests/fulfilment.
                    for e in order.events.exclude(type="stock.allocation").order_by("id")
                ]),
            }
        )  # fmt: skip
    return result


def test_the_batch_form_decides_what_the_single_form_decides():
    ProductFactory(sku="MUG-1", price=Decimal("12.50"), tax_rate=Decimal("0"))
    ProductFactory(sku="PLATE-2", price=Decimal("8.00"), tax_rate=Decimal("0"))
    CustomerFactory(name="Known Buyer", email="known@example.com")
    HoldRule.objects.create(
        name="Big orders", field="total_over", value="400", reason="over 400", active=True
    )
    connection = make_connection()
    given = versions()

    with transaction.atomic():
        single = [apply_safely(connection, version) for version in given]
        single_rows = snapshot(connection)
        single_links = sorted(
            PlatformOrderLink.objects.exclude(order=None).values_list(
                "platform_order_id", "applied_updated_at"
            )
        )
        transaction.set_rollback(True)

    creator = OrderBatchCreator(actor=shop_actor(connection), source=connection.kind)
    with transaction.atomic():
        batch = platform_orders_apply_batch(connection, versions(), creator)
    batch_rows = snapshot(connection)
    batch_links = sorted(
        PlatformOrderLink.objects.exclude(order=None).values_list("platform_order_id", "applied_updated_at")
    )

    assert len(batch_rows) == 12
    assert batch_rows == single_rows
    by_shop_id = {row["shop id"]: row for row in batch_rows}
    assert by_shop_id["5001013"]["fields"][-1] == T0 + timedelta(days=2, hours=3)
    assert ["cancellation_requested", "the buyer asked Shopify to cancel"] in by_shop_id["5001014"]["holds"]
    assert batch_links == single_links

    # Outcomes agree, but for the order number each creation names and the wording of an older
    # version (the single form saw it after the newer one, the batch beside it).
    def outcome(result):
        return result.outcome, [d.split(" PL-")[0] if d.startswith("created") else d for d in result.details]

    assert [outcome(r) for r in batch][:8] == [outcome(r) for r in single][:8]
    assert batch[8].outcome == single[8].outcome == "stale"
    assert [outcome(r) for r in batch][9:] == [outcome(r) for r in single][9:]
    assert {r.outcome for r in batch} == {"created", "failed", "stale", "skipped"}


def test_a_second_version_of_a_known_order_takes_the_single_path_in_a_batch():
    ProductFactory(sku="MUG-1", price=Decimal("12.50"), tax_rate=Decimal("0"))
    connection = make_connection()
    apply_safely(connection, shop_order(2001, paid=False))
    creator = OrderBatchCreator(actor=shop_actor(connection), source=connection.kind)

    with transaction.atomic():
        results = platform_orders_apply_batch(connection, [shop_order(2001, minutes=3, paid=True)], creator)

    assert results[0].outcome == "updated"
    order = Order.objects.get(channel=connection.channel)
    assert order.stage == "processing" and order.amount_paid == order.total
    assert PlatformOrderLink.objects.get().applied_updated_at == T0 + timedelta(minutes=3)
