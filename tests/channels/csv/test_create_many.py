"""orders/services/create_many.py: the batched creation gives the same orders as order_create."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.postgres.search import SearchQuery
from django.utils import timezone

from orders.actors import Actor
from orders.inputs import LineInput, OrderInput
from orders.models import Channel, HoldRule, Order, Warehouse
from orders.selectors import search_orders
from orders.services.create import order_create
from orders.services.create_many import order_create_many
from orders.services.planned import BatchOrder
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
    # Orders with only known products, so that the ones with nothing to hold go on by themselves.
    "known-products-cash": {"payment_method": "cash", "shipping_method": "Standard", "lines": "known"},
    "known-products-card-unpaid": {"payment_method": "card", "shipping_method": "Standard", "lines": "known"},
    "known-products-paid-in-full": {
        "payment_method": "card",
        "shipping_method": "Standard",
        "lines": "known",
        "amount_paid": Decimal("28.80"),  # 2 x 12.50 - 1.00 + 20% tax
    },
    "every-field": {
        "payment_method": "transfer",
        "shipping_method": " Next day ",
        "lines": "known",
        "amount_paid": Decimal("28.80"),
        "delivery_fee": Decimal("0"),
        "currency": "eur",
        "po_number": " PO-42 ",
        "customer_reference": " REF-7 ",
        "gift_message": "Happy birthday!\tfrom\nus",
        "notes": "Leave at the back\\door",
        "tags": ["gift", "gift", " "],
        "priority": 2,
        "billing_address": {"line1": "1 Billing Way", "city": "York", "postcode": "YO1 1AA", "country": "GB"},
        "assigned_csr": "csr",
        "assigned_agent": "agent",
        "warehouse": "east",
        "channel": "shop",
        "source": "api",
        "actor": "user",
    },
    "b2b-without-po-number": {
        "payment_method": "cash",
        "shipping_method": "Standard",
        "lines": "known",
        "customer": "b2b",
    },
    "no-address-at-all-from-the-customer": {
        "payment_method": "cash",
        "shipping_method": "Standard",
        "lines": "known",
        "shipping_address": {},
        "customer": "no-address",
        "actor": "user",
    },
    "attributes": {
        "payment_method": "cash",
        "shipping_method": "Standard",
        "attributes": {"gift_wrap": "yes", "delivery_slot": "Saturday 9-12"},
    },
}
# Set by the database or by the sequence, different for any two orders however made.
NOT_COMPARED = {"id", "number", "created_at", "updated_at", "recorded_at", "search_vector"}
# The order's own reference differs between the two orders of a case ("R-single" and "R-batch").
REFERENCES = {"channel_order_id", "channel_order_number", "reference"}


def row(instance, *, leave_out=()) -> dict:
    """Every column of the row, from the model's own field list (a new column is compared the day it is
    added), but for those NOT_COMPARED and the ones named."""
    values = {}
    for model_field in type(instance)._meta.concrete_fields:
        name = model_field.attname
        if name in NOT_COMPARED or name in leave_out:
            continue
        value = getattr(instance, name)
        if name in REFERENCES and isinstance(value, str):
            value = value.replace("single", "REF").replace("batch", "REF")
        values[name] = value
    return values


def snapshot(order: Order) -> dict:
    order.refresh_from_db()
    payments = list(order.payments.all())
    payment_ids = {payment.pk: f"payment {index}" for index, payment in enumerate(payments)}

    def event(e) -> tuple:
        params = dict(e.params)
        if "payment" in params:
            params["payment"] = payment_ids[params["payment"]]  # the order's own payment row
        if "reference" in params:
            params["reference"] = params["reference"].replace("single", "REF").replace("batch", "REF")
        return (e.type, sorted(params.items()), e.actor_id, e.actor_kind, e.actor_label)

    return {
        "order": row(order),
        "lines": [row(line, leave_out={"order_id"}) for line in order.lines.order_by("position")],
        "holds": sorted(tuple(row(hold, leave_out={"order_id"}).items()) for hold in order.holds.all()),
        "payments": [row(payment, leave_out={"order_id"}) for payment in payments],
        "events": sorted(event(e) for e in order.events.all()),
        # The reference's own words (r-single / r-batch) aside, the same search document.
        "search": sorted(str(order.search_vector).replace("single", "REF").replace("batch", "REF").split()),
    }


@pytest.mark.parametrize("case", list(CASES))
def test_a_batched_order_is_the_order_order_create_makes(
    case, django_capture_on_commit_callbacks, make_user, settings
):
    HoldRule.objects.create(name="VIP", field="tag", value="vip", reason="call them")
    product = ProductFactory(price=Decimal("12.50"), tax_rate=Decimal("20.00"))
    address = {"line1": "12 Harbour Road", "city": "Leeds", "postcode": "LS1 4AP", "country": "GB"}
    named = {
        "csr": make_user("csr"),
        "agent": make_user("agent"),
        "east": Warehouse.objects.create(code="east-eq", name="East"),
        "shop": Channel.objects.create(code="shop-eq", name="Shop", kind="shopify"),
        "b2b": CustomerFactory(company="Acme", requires_po_number=True),
        "no-address": CustomerFactory(address={}),
    }
    fields = {"shipping_address": dict(address), **CASES[case]}
    customer = named[fields.pop("customer")] if "customer" in fields else CustomerFactory(company="Acme")
    channel = named[fields.pop("channel", None)] if "channel" in fields else Channel.objects.get(code="csv")
    source = fields.pop("source", "csv")
    actor = Actor(user=named["csr"]) if fields.pop("actor", None) == "user" else Actor.system("tests")
    known = fields.pop("lines", None) == "known"
    for name in ("assigned_csr", "assigned_agent", "warehouse"):
        if name in fields:
            fields[name] = named[fields[name]]

    def data(reference: str) -> OrderInput:
        lines = [LineInput(sku=product.sku, quantity=2, discount=Decimal("1.00"))]
        if not known:
            lines.append(LineInput(sku="UNKNOWN-1", quantity=1, unit_price=Decimal("3")))
        return OrderInput(
            customer=customer,
            lines=lines,
            channel=channel,
            channel_order_id=reference,
            channel_order_number=reference,
            **fields,
        )

    with django_capture_on_commit_callbacks(execute=True):
        single = order_create(data=data("R-single"), actor=actor, source=source)
    # Out of the duplicate check's window, so that the batched order is not the second of two.
    Order.objects.filter(pk=single.pk).update(
        created_at=timezone.now() - timedelta(hours=settings.DUPLICATE_WINDOW_HOURS + 1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        (planned,) = order_create_many(
            items=[BatchOrder(key=1, data=data("R-batch"))], actor=actor, source=source
        )
    batched = Order.objects.get(pk=planned.order.pk)
    expected, got = snapshot(single), snapshot(batched)
    assert got == expected
    assert batched.stage == batched.status.stage and batched.number > single.number
    assert expected["events"] and expected["lines"]
    assert bool(expected["payments"]) == ("amount_paid" in fields)
    if case == "every-field":  # the fields were set, not only equally left out
        assert {
            name: expected["order"][name]
            for name in (
                "currency", "po_number", "customer_reference", "priority", "tags", "assigned_csr_id",
                "assigned_agent_id", "warehouse_id", "channel_id", "source", "shipping_method",
            )
        } == {
            "currency": "EUR", "po_number": "PO-42", "customer_reference": "REF-7", "priority": 2,
            "tags": ["gift"], "assigned_csr_id": named["csr"].pk, "assigned_agent_id": named["agent"].pk,
            "warehouse_id": named["east"].pk, "channel_id": named["shop"].pk, "source": "api",
            "shipping_method": "Next day",
        }  # fmt: skip
        assert expected["order"]["billing_address"]["line1"] == "1 Billing Way"
        assert expected["payments"][0]["recorded_by_id"] == named["csr"].pk


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
    from orders.services.create_many import OrderBatchCreator
    from orders.services.planned import SKIPPED

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
    from orders.money.services.refunds import order_cancellation_refund, refund_execute, refund_record
    from orders.services.planned import RefundAtCreation
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
    from orders.services.create_many import OrderBatchCreator
    from orders.services.planned import RefundAtCreation

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
