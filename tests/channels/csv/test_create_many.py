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
    "attributes": {
        "payment_method": "cash",
        "shipping_method": "Standard",
        "attributes": {"gift_wrap": "yes", "delivery_slot": "Saturday 9-12"},
    },
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
        "attributes": order.attributes,
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


# Refunds an order arrives with (imports of other tools' exports) ---------------------------------------

REFUND_CASES = {
    "part, by hand": {"kind": "manual", "reason": "refunded before the import", "amount": Decimal("5.00")},
    "all, cancelled": {"kind": "cancellation", "reason": "order cancelled", "amount": None},
}


def refund_snapshot(order: Order) -> dict:
    """The order's refund rows and refund events, without their ids and times."""
    from orders.money.selectors import money_figures

    refunds = [
        (
            refund.kind, refund.amount, refund.currency, refund.method, refund.reason, refund.lines,
            refund.return_number, refund.recorded_by_id, refund.executed_by_id, refund.executed_at is not None,
            refund.reference, refund.reverses_id,
        )
        for refund in order.refunds.order_by("pk")
    ]  # fmt: skip
    ids = {refund.pk: n for n, refund in enumerate(order.refunds.order_by("pk"))}
    events = [
        (event.type, {**event.params, "refund": ids[event.params["refund"]]}, event.actor_id, event.actor_kind,
         event.actor_label)
        for event in order.events.filter(type__startswith="refund.").order_by("pk")
    ]  # fmt: skip
    return {"refunds": refunds, "events": events, "figures": money_figures(order.pk)}


@pytest.mark.parametrize("case", list(REFUND_CASES))
def test_a_refund_written_with_its_batch_is_the_one_refund_record_and_refund_execute_leave(case, csr):
    from orders.money.services import order_cancellation_refund, refund_execute, refund_record
    from orders.services.create_many import RefundAtCreation
    from orders.services.transitions import builtin_status, order_transition

    channel = Channel.objects.get(code="csv")
    product = ProductFactory(price=Decimal("12.50"), tax_rate=Decimal("20.00"))
    customer = CustomerFactory()
    given = REFUND_CASES[case]
    cancelled = given["kind"] == "cancellation"

    def data(reference: str) -> OrderInput:
        return OrderInput(
            customer=customer, lines=[LineInput(sku=product.sku, quantity=2)], channel=channel,
            channel_order_id=reference, channel_order_number=reference, payment_method="card",
            shipping_method="Standard", amount_paid=Decimal("30.00"),
            shipping_address={"line1": "1 High St", "city": "Leeds", "postcode": "LS1 1AA", "country": "GB"},
        )  # fmt: skip

    actor = Actor(user=csr, kind="job", label="Import 7")
    # One at a time: the order, then the money services as a person would use them (the on-commit
    # follow-ups, the automatic cancellation refund among them, are not run: it is called here).
    single = order_create(data=data("R-single"), actor=actor, source="csv")
    if cancelled:
        order_transition(order_id=single.pk, to=builtin_status("cancelled"), actor=actor, reason="")
        refund = order_cancellation_refund(order_id=single.pk, actor=actor)
    else:
        refund = refund_record(
            order_id=single.pk, amount=given["amount"], actor=actor, reason=given["reason"]
        )
    refund_execute(refund_id=refund.pk, actor=actor, reference="PSP-42")
    # The batch: the refund arrives with the order.
    item = BatchOrder(
        key=1,
        data=data("R-batch"),
        status=builtin_status("cancelled") if cancelled else None,
        refund=RefundAtCreation(
            amount=given["amount"], kind=given["kind"], reason=given["reason"], reference="PSP-42"
        ),
    )
    (planned,) = order_create_many(items=[item], actor=actor, source="csv")
    batched = Order.objects.get(pk=planned.order.pk)
    expected, got = refund_snapshot(single), refund_snapshot(batched)
    assert got == expected
    assert len(got["refunds"]) == 1 and [event[0] for event in got["events"]] == [
        "refund.recorded", "refund.executed",
    ]  # fmt: skip


def test_no_refund_is_written_for_an_order_taken_between_planning_and_writing(
    django_capture_on_commit_callbacks,
):
    from orders.money.models import Refund
    from orders.services.create_many import OrderBatchCreator, RefundAtCreation

    channel = Channel.objects.get(code="csv")
    product = ProductFactory()
    customer = CustomerFactory()

    def data(reference: str) -> OrderInput:
        return OrderInput(
            customer=customer, lines=[LineInput(sku=product.sku, quantity=1)], channel=channel,
            channel_order_id=reference, channel_order_number=reference, amount_paid=Decimal("5.00"),
        )  # fmt: skip

    actor = Actor.system("tests")
    creator = OrderBatchCreator(actor=actor)
    items = [BatchOrder(key=n, data=data(f"R-{n}"), refund=RefundAtCreation()) for n in range(2)]
    batch = creator.prepare(creator.plan(items))
    with django_capture_on_commit_callbacks(execute=True):
        order_create(data=data("R-1"), actor=actor, source="api")
        creator.execute(batch)
    assert list(Refund.objects.values_list("order__channel_order_id", "amount")) == [("R-0", Decimal("5.00"))]


def test_both_paths_keep_the_channels_attributes_on_the_order(django_capture_on_commit_callbacks):
    attributes = {"gift_wrap": "yes", "How did you hear about us?": "a friend"}
    customer = CustomerFactory()

    def data(reference: str) -> OrderInput:
        return OrderInput(
            customer=customer,
            lines=[LineInput(sku="SKU-A", quantity=1, unit_price=Decimal(1))],
            channel_order_id=reference,
            attributes=dict(attributes),
        )

    single = order_create(data=data("R-single"), actor=Actor.system("tests"))
    (planned,) = order_create_many(
        items=[BatchOrder(key=1, data=data("R-batch"))], actor=Actor.system("tests")
    )
    assert Order.objects.get(pk=single.pk).attributes == attributes
    assert Order.objects.get(pk=planned.order.pk).attributes == attributes


def test_a_batched_order_keeps_its_payment_date_and_writes_its_own_events_after_creations():
    from datetime import UTC, datetime

    paid_at = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)
    data = OrderInput(
        customer=CustomerFactory(),
        lines=[LineInput(sku="SKU-A", quantity=1, unit_price=Decimal(4))],
        amount_paid=Decimal(4),
    )
    item = BatchOrder(
        key=1, data=data, paid_at=paid_at, events=[("import.figures_differ", {"differences": []})]
    )
    (planned,) = order_create_many(items=[item], actor=Actor.system("tests"))
    order = Order.objects.get(pk=planned.order.pk)
    assert order.payments.get().recorded_at == paid_at
    events = list(order.events.order_by("pk").values_list("type", "params"))
    assert [type for type, _params in events] == [
        "order.created", "payment.recorded", "hold.placed", "import.figures_differ",
    ]  # fmt: skip
    assert events[-1][1] == {"differences": []}
