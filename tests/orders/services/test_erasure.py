"""Erasing a buyer's personal data: who they were goes, everywhere the order kept it; the orders, their
lines, money and statuses stay; one timeline entry per order, once."""

from decimal import Decimal

import pytest
from django.apps import apps

from orders import events
from orders.actors import Actor
from orders.errors import OrderError
from orders.events import EventType
from orders.inputs import LineInput
from orders.models import Customer, Order, OrderEvent, OrderHold, Product
from orders.money.services.payments import payment_record
from orders.selectors import search_orders
from orders.services import erasure
from orders.services.edit import order_update
from orders.services.erasure import ERASED, ERASED_NAME, personal_data_erase
from orders.services.transitions import order_hold
from orders.timeline import describe
from tests.factories import CustomerFactory, make_order

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system("tests")
ADDRESS = {
    "name": "Eleanor Hughes",
    "line1": "Unit 4, Paintworks",
    "line2": "Bath Road",
    "city": "Bristol",
    "postcode": "BS4 3EH",
    "country": "GB",
    "phone": "+44 7700 900123",
}


def eleanors_order(customer=None, **fields) -> Order:
    customer = customer or CustomerFactory(
        name="Eleanor Hughes",
        email="eleanor@example.com",
        phone="+44 117 496 0555",
        company="Hughes & Daughter",
    )
    Product.objects.get_or_create(sku="MUG-01", defaults={"name": "Mug", "price": Decimal("12.50")})
    fields.setdefault("lines", [LineInput(sku="MUG-01", quantity=2)])
    return make_order(
        customer=customer,
        shipping_address=ADDRESS,
        billing_address={**ADDRESS, "line1": "27 Clifton Down Road", "postcode": "BS8 2NT"},
        gift_message="Happy birthday Eleanor!",
        notes="Please ring the bell at the side door.",
        attributes={"ebay_buyer": "eleanor_h_1987", "legacy_order_id": "12-03955-36441"},
        **fields,
    )


def erase(*orders, **options) -> erasure.Erasure:
    return personal_data_erase(
        order_ids=[order.pk for order in orders], actor=SYSTEM, reason="at eBay's request", **options
    )


def test_the_buyers_personal_data_goes_and_the_order_and_its_money_stay():
    order = eleanors_order()
    payment_record(order_id=order.pk, amount="20.00", method="cash", actor=SYSTEM)
    before = Order.objects.get(pk=order.pk)
    lines_before = list(before.lines.values_list("sku", "quantity", "unit_price", "line_total"))

    result = erase(order, keep_attributes=["legacy_order_id"])

    after = Order.objects.get(pk=order.pk)
    assert result.order_ids == [order.pk]
    assert (after.customer_name, after.customer_email, after.customer_phone) == (ERASED_NAME, "", "")
    assert after.shipping_address == {"country": "GB"} and after.billing_address == {"country": "GB"}
    assert (after.gift_message, after.notes) == ("", "")
    assert after.attributes == {"legacy_order_id": "12-03955-36441"}
    # What the order is stays: number, status, money, lines, payments.
    assert (after.number, after.status_id, after.stage) == (before.number, before.status_id, before.stage)
    assert (after.total, after.amount_paid, after.subtotal, after.tax_total) == (
        before.total, before.amount_paid, before.subtotal, before.tax_total,
    )  # fmt: skip
    assert after.total == Decimal("25.00") and after.amount_paid == Decimal("20.00")
    assert list(after.lines.values_list("sku", "quantity", "unit_price", "line_total")) == lines_before
    assert after.payments.count() == 1
    # The customer row had no other orders: it is erased too.
    customer = Customer.objects.get(pk=order.customer_id)
    assert (customer.name, customer.email, customer.phone, customer.company, customer.address) == (
        ERASED_NAME, "", "", "", {},
    )  # fmt: skip
    assert result.customer_ids == [customer.pk]


def test_one_timeline_entry_says_so_and_a_second_request_changes_nothing():
    order = eleanors_order()

    erase(order)
    first = Order.objects.get(pk=order.pk)
    again = erase(order)

    events = list(OrderEvent.objects.filter(order=order, type=EventType.PERSONAL_DATA_ERASED))
    assert len(events) == 1
    assert (events[0].actor_kind, events[0].actor_label) == ("system", "tests")
    assert str(describe(events[0].type, events[0].params)).replace("&#x27;", "'") == (
        "Buyer's personal data erased at eBay's request"
    )
    assert again.order_ids == [] and again.customer_ids == []
    second = Order.objects.get(pk=order.pk)
    assert (second.version, second.updated_at) == (first.version, first.updated_at)


def test_other_buyers_are_untouched_and_a_shared_customer_row_is_kept():
    order = eleanors_order()
    other = make_order(shipping_address={"name": "Sam Patel", "line1": "1 Mill Lane", "country": "GB"})
    # The same customer row also has an order that is not part of this request.
    unrelated_of_hers = make_order(customer=order.customer, shipping_address=ADDRESS)

    result = erase(order)

    assert Order.objects.get(pk=other.pk).shipping_address["name"] == "Sam Patel"
    assert Order.objects.get(pk=unrelated_of_hers.pk).customer_name == "Eleanor Hughes"
    assert Customer.objects.get(pk=order.customer_id).name == "Eleanor Hughes"
    assert result.customers_kept == [order.customer_id] and result.customer_ids == []


def test_search_no_longer_finds_the_order_by_the_buyers_name_email_or_phone():
    order = eleanors_order()
    assert search_orders(Order.objects.all(), "Hughes").filter(pk=order.pk).exists()

    erase(order)

    for term in ("Hughes", "eleanor@example.com", "4960555"):
        assert not search_orders(Order.objects.all(), term).filter(pk=order.pk).exists(), term
    assert search_orders(Order.objects.all(), order.display_number).filter(pk=order.pk).exists()


def test_copies_in_the_timeline_holds_and_captured_changes_are_erased():
    order = eleanors_order()
    order = order_update(
        order_id=order.pk,
        expected_version=order.version,
        changes={"shipping_address": {**ADDRESS, "line1": "9 Whiteladies Road"}},
        lines=None,
        actor=SYSTEM,
    )
    order_hold(order_id=order.pk, actor=SYSTEM, reason="Eleanor Hughes asked us to wait for her call")
    events.note_added(order, SYSTEM, text="Bristolian pottery; Eleanor Hughes will collect")
    payment = payment_record(
        order_id=order.pk,
        amount="5.00",
        method="cash",
        actor=SYSTEM,
        note="handed over by Eleanor Hughes in Bristol",
    )
    # A change made outside the services is captured by the database with the old address.
    Order.objects.filter(pk=order.pk).update(shipping_address={**ADDRESS, "line1": "1 Park Row"})
    snapshots = apps.get_model("orders", "OrderSnapshot").objects.filter(pgh_obj_id=order.pk)
    assert any("Whiteladies" in str(s.shipping_address) for s in snapshots)

    erase(order)

    edit = OrderEvent.objects.get(order=order, type=EventType.EDITED)
    assert edit.params["changes"] == [{"field": "Shipping address", "old": ERASED, "new": ERASED}]
    hold = OrderHold.objects.get(order=order)
    assert hold.detail == f"{ERASED} asked us to wait for her call"
    payment.refresh_from_db()
    assert (payment.note, payment.amount) == (f"handed over by {ERASED} in {ERASED}", Decimal("5.00"))
    # Whole values only: "Bristol" goes, "Bristolian" stays.
    note = OrderEvent.objects.get(order=order, type=EventType.NOTE_ADDED)
    assert note.params["text"] == f"Bristolian pottery; {ERASED} will collect"
    held = OrderEvent.objects.get(order=order, type=EventType.HELD)
    assert "Eleanor" not in str(held.params) and ERASED in str(held.params)
    for snapshot in snapshots.all():
        assert snapshot.shipping_address in ({"country": "GB"}, {})
    everything = str(list(OrderEvent.objects.filter(order=order).values_list("params", flat=True)))
    for value in ("Hughes", "Paintworks", "Whiteladies", "BS4 3EH", "eleanor@example.com"):
        assert value not in everything


def test_a_failure_part_way_leaves_nothing_half_written(monkeypatch):
    first, second = eleanors_order(), eleanors_order()
    real = erasure.events.personal_data_erased
    calls = []

    def fail_on_the_second(order, actor, **params):
        calls.append(order.pk)
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        return real(order, actor, **params)

    monkeypatch.setattr(erasure.events, "personal_data_erased", fail_on_the_second)

    with pytest.raises(RuntimeError):
        erase(first, second)

    for order in (first, second):
        kept = Order.objects.get(pk=order.pk)
        assert kept.customer_name == "Eleanor Hughes" and kept.shipping_address == ADDRESS
        assert not OrderEvent.objects.filter(order=order, type=EventType.PERSONAL_DATA_ERASED).exists()
    assert Customer.objects.get(pk=first.customer_id).email == "eleanor@example.com"


def test_erasing_costs_a_bounded_number_of_queries_per_order(django_assert_max_num_queries):
    orders = [eleanors_order() for _ in range(3)]

    with django_assert_max_num_queries(3 + 3 * 12 + 3 * 3):
        erase(*orders)


def test_only_a_superadmin_may_erase_by_hand(make_user):
    order = eleanors_order()

    with pytest.raises(OrderError, match="Only a superadmin"):
        personal_data_erase(order_ids=[order.pk], actor=make_user("manager"), reason="on request")

    assert Order.objects.get(pk=order.pk).customer_name == "Eleanor Hughes"
    done = personal_data_erase(order_ids=[order.pk], actor=make_user("superadmin"), reason="on request")
    assert done.order_ids == [order.pk]
