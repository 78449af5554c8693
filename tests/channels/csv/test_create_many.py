"""orders/services/create_many.py: the batched creation gives the same orders as order_create."""

from decimal import Decimal

import pytest
from django.contrib.postgres.search import SearchQuery

from orders.actors import Actor
from orders.models import Channel, HoldRule, Order
from orders.selectors import search_orders
from orders.services.create import LineInput, OrderInput, order_create
from orders.services.create_many import BatchOrder, order_create_many
from tests.factories import CustomerFactory, ProductFactory

pytestmark = pytest.mark.django_db

CASES = {
    "complete-card-unpaid": {"payment_method": "card", "shipping_method": "Standard"},
    "complete-cash": {
        "payment_method": "cash",
        "shipping_method": "Express",
        "delivery_fee": Decimal("4.99"),
    },
    "paid": {"payment_method": "card", "shipping_method": "Standard", "amount_paid": Decimal("1.00")},
    "no-shipping-method": {"payment_method": "cash"},
    "no-address": {
        "payment_method": "cash",
        "shipping_method": "Standard",
        "shipping_address": {"line1": "1 A St"},
    },
    "tagged": {
        "payment_method": "cash",
        "shipping_method": "Standard",
        "tags": [" vip ", "b2b"],
        "notes": "fragile",
    },
    "draft": {"payment_method": "card", "draft": True},
}


def snapshot(order: Order) -> dict:
    order.refresh_from_db()
    return {
        "status": order.status.code,
        "held_from": order.held_from.code if order.held_from else None,
        "totals": (
            order.subtotal,
            order.discount_total,
            order.tax_total,
            order.delivery_fee,
            order.total,
            order.amount_paid,
        ),
        "address": order.shipping_address,
        "billing": order.billing_address,
        "tags": order.tags,
        "lines": [
            (
                line.position,
                line.sku,
                line.name,
                line.quantity,
                line.unit_price,
                line.discount,
                line.tax_rate,
                line.tax_amount,
                line.line_total,
                line.product_id,
            )
            for line in order.lines.order_by("position")
        ],
        "holds": sorted((hold.reason, hold.detail) for hold in order.holds.all()),
        "events": sorted(event.type for event in order.events.exclude(type="stock.allocation")),
        "created": {k: v for k, v in order.events.get(type="order.created").params.items() if k != "detail"},
        # The reference's own words (r-single / r-batch) aside, the same search document.
        "search": sorted(str(order.search_vector).replace("single", "REF").replace("batch", "REF").split()),
    }


@pytest.mark.parametrize("case", list(CASES))
def test_a_batched_order_is_the_order_order_create_makes(case, django_capture_on_commit_callbacks):
    HoldRule.objects.create(name="VIP", field="tag", value="vip", reason="call them")
    channel = Channel.objects.get(code="csv")
    product = ProductFactory(price=Decimal("12.50"), tax_rate=Decimal("20.00"))
    customer = CustomerFactory(company="Acme")
    address = {"line1": "12 Harbour Road", "city": "Leeds", "postcode": "LS1 4AP", "country": "GB"}

    def data(reference: str) -> OrderInput:
        fields = {"shipping_address": dict(address), **CASES[case]}
        lines = [
            LineInput(sku=product.sku, quantity=2, discount=Decimal("1.00")),
            LineInput(sku="UNKNOWN-1", quantity=1, unit_price=Decimal("3")),
        ]
        return OrderInput(
            customer=customer,
            lines=lines,
            channel=channel,
            channel_order_id=reference,
            channel_order_number=reference,
            **fields,
        )

    actor = Actor.system("tests")
    with django_capture_on_commit_callbacks(execute=True):
        single = order_create(data=data("R-single"), actor=actor, source="csv")
        (planned,) = order_create_many(
            items=[BatchOrder(key=1, data=data("R-batch"))], actor=actor, source="csv"
        )
    batched = Order.objects.get(pk=planned.order.pk)
    expected, got = snapshot(single), snapshot(batched)
    expected["holds"] = [h for h in expected["holds"] if h[0] != "suspected_duplicate"]
    got["holds"] = [h for h in got["holds"] if h[0] != "suspected_duplicate"]  # the second of the two is one
    assert got == expected
    assert batched.stage == batched.status.stage and batched.number > single.number


def test_batched_orders_are_found_by_the_list_search(django_capture_on_commit_callbacks):
    customer = CustomerFactory(name="Philippa Quist", email="pq@example.com", phone="+44 20 7946 0991")
    data = OrderInput(
        customer=customer,
        lines=[LineInput(sku="SKU-Z", quantity=1, unit_price=Decimal(1))],
        po_number="PO-778",
    )
    order_create_many(items=[BatchOrder(key=1, data=data)], actor=Actor.system("tests"))
    for term in ("Quist", "pq@example.com", "PO-778", "SKU-Z", "7946"):
        assert search_orders(Order.objects.all(), term).exists(), term
    assert Order.objects.filter(search_vector=SearchQuery("quist", config="simple")).exists()


def test_a_reference_taken_between_planning_and_writing_skips_that_order_and_writes_the_others(
    django_capture_on_commit_callbacks,
):
    from orders.models import OrderEvent
    from orders.services.create_many import SKIPPED, OrderBatchCreator

    channel = Channel.objects.get(code="csv")
    product = ProductFactory()
    customer = CustomerFactory()

    def data(reference: str) -> OrderInput:
        return OrderInput(
            customer=customer,
            lines=[LineInput(sku=product.sku, quantity=1)],
            channel=channel,
            channel_order_id=reference,
            channel_order_number=reference,
        )

    actor = Actor.system("tests")
    creator = OrderBatchCreator(actor=actor)
    planned = creator.plan([BatchOrder(key=n, data=data(f"R-{n}")) for n in range(3)])
    batch = creator.prepare(planned)
    with django_capture_on_commit_callbacks(execute=True):
        taken = order_create(data=data("R-1"), actor=actor, source="api")  # a webhook, meanwhile
        creator.execute(batch)
    assert [p.result for p in planned] == ["held", SKIPPED, "held"]  # held: no shipping address
    assert planned[1].message == "already imported (by another import at the same time)"
    assert set(Order.objects.values_list("channel_order_id", flat=True)) == {"R-0", "R-1", "R-2"}
    assert Order.objects.get(channel_order_id="R-1") == taken
    assert (
        taken.lines.count() == 1 and OrderEvent.objects.filter(order=taken, type="order.created").count() == 1
    )
