"""Values past what the database's columns hold are an error a person can act on, at every door
into orders: the order form, the creation service, edits and line changes (orders/bounds.py, issue 15)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from orders.actors import Actor
from orders.errors import OrderError, OrderInvalid
from orders.inputs import LineInput, OrderInput
from orders.models import HoldRule, Order, OrderEvent, OrderLine
from orders.services.create import order_create
from orders.services.edit import order_update
from orders.services.lines import order_line_replace
from tests.factories import CustomerFactory, ProductFactory, make_order

pytestmark = pytest.mark.django_db


def order_form(customer, *, sku: str, quantity="1", unit_price="", delivery_fee="0", tags="", **extra):
    """The new-order form as the page posts it, one line."""
    return {
        "customer": customer.pk, "shipping_method": "Standard", "payment_method": "cash",
        "delivery_fee": delivery_fee, "amount_paid": "0", "priority": "0", "tags": tags,
        "ship_line1": "1 Road", "ship_city": "Leeds", "ship_postcode": "LS1", "ship_country": "GB",
        "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0",
        "lines-0-sku": sku, "lines-0-quantity": quantity, "lines-0-unit_price": unit_price,
        "lines-0-discount": "0",
    } | extra  # fmt: skip


def counts() -> tuple[int, int, int]:
    return Order.objects.count(), OrderLine.objects.count(), OrderEvent.objects.count()


@pytest.mark.parametrize(
    ("quantity", "unit_price"),
    [
        ("2147483648", ""),  # past integer
        ("99999999999999999999", ""),  # past bigint too
        ("2", "9999999999.99"),  # each number fits; the line's total does not
        ("1", "9999999999.99"),  # the line fits; with the delivery fee the order's total does not
    ],
)
def test_a_new_order_past_the_databases_range_is_a_form_error_and_writes_nothing(
    client, users, quantity, unit_price
):
    product, customer = ProductFactory(), CustomerFactory()
    client.force_login(users["csr"])
    before = counts()
    data = order_form(customer, sku=product.sku, quantity=quantity, unit_price=unit_price, delivery_fee="5")
    response = client.post(reverse("orders:new"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "largest amount" in page or "Ensure this value is less than or equal to 2147483647" in page
    assert counts() == before


def test_editing_an_order_to_a_quantity_past_integer_is_a_form_error(client, users):
    order = make_order()
    line = order.lines.get()
    client.force_login(users["csr"])
    data = order_form(order.customer, sku=line.sku, quantity="2147483648", version=order.version)
    response = client.post(reverse("orders:edit", kwargs={"number": order.number}), data)
    assert response.status_code == 200
    assert "less than or equal to 2147483647" in response.content.decode()
    line.refresh_from_db()
    assert line.quantity == 1


def test_editing_a_delivery_fee_that_takes_the_total_past_numeric_12_2_writes_nothing(users):
    product = ProductFactory(price=Decimal("9999999990.00"), tax_rate=Decimal(0))
    order = make_order(lines=[LineInput(sku=product.sku, quantity=1)])
    with pytest.raises(OrderInvalid, match="largest amount"):
        order_update(
            order_id=order.pk,
            expected_version=order.version,
            changes={"delivery_fee": Decimal("9999999.99")},
            lines=None,
            actor=users["manager"],
        )
    order.refresh_from_db()
    assert order.delivery_fee == 0 and order.version == 1


def test_replacing_a_line_by_a_product_whose_total_does_not_fit_is_refused(users):
    cheap, dear = ProductFactory(price=Decimal("0.01")), ProductFactory(price=Decimal("9999.00"))
    order = make_order(lines=[LineInput(sku=cheap.sku, quantity=2_000_000_000)])
    line = order.lines.get()
    with pytest.raises(OrderError, match="largest amount"):
        order_line_replace(line_id=line.pk, sku=dear.sku, actor=users["manager"])
    line.refresh_from_db()
    assert line.quantity_cancelled == 0 and order.lines.count() == 1


@pytest.mark.parametrize(
    ("line", "field"),
    [
        (LineInput(sku="S", quantity=2147483648), "lines[1]"),
        (LineInput(sku="S", quantity=1, unit_price=Decimal("NaN")), "lines[1]"),
        (LineInput(sku="S", quantity=1, unit_price=Decimal("1e20")), "lines[1]"),
        (LineInput(sku="S", quantity=1, discount=Decimal("Infinity")), "lines[1]"),
        (LineInput(sku="S" * 65, quantity=1), "lines[1]"),
        (LineInput(sku="S", quantity=3, unit_price=Decimal("9999999999.99")), "lines[1]"),
    ],
)
def test_the_creation_service_refuses_what_no_column_holds_for_every_source(line, field):
    before = counts()
    with pytest.raises(OrderInvalid) as refused:
        order_create(data=OrderInput(customer=CustomerFactory(), lines=[line]), actor=Actor.system("tests"))
    assert field in refused.value.errors
    assert counts() == before


def test_the_creation_service_refuses_an_order_total_past_numeric_12_2():
    product = ProductFactory(price=Decimal("6000000000.00"), tax_rate=Decimal(0))
    lines = [LineInput(sku=product.sku, quantity=1), LineInput(sku=product.sku, quantity=1)]
    with pytest.raises(OrderInvalid) as refused:
        order_create(data=OrderInput(customer=CustomerFactory(), lines=lines), actor=Actor.system("tests"))
    assert "total" in refused.value.errors


def test_a_tag_longer_than_40_characters_is_a_form_error_not_cut(client, users):
    product, customer = ProductFactory(), CustomerFactory()
    client.force_login(users["csr"])
    tag = "t" * 41
    response = client.post(reverse("orders:new"), order_form(customer, sku=product.sku, tags=f"vip, {tag}"))
    assert response.status_code == 200
    assert "longer than 40 characters" in response.content.decode()
    assert not Order.objects.exists()


def test_a_tag_of_40_characters_is_kept_whole(client, users):
    product, customer = ProductFactory(), CustomerFactory()
    client.force_login(users["csr"])
    tag = "t" * 40
    response = client.post(reverse("orders:new"), order_form(customer, sku=product.sku, tags=tag))
    assert response.status_code == 302
    assert Order.objects.get().tags == [tag]


def test_the_live_totals_take_nan_and_infinity_for_no_fee(client, users):
    product = ProductFactory()
    client.force_login(users["csr"])
    data = {"lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0", "lines-0-sku": product.sku}
    for fee in ("NaN", "sNaN", "Infinity", "1e999999"):
        response = client.post(
            reverse("orders:totals"), data | {"lines-0-quantity": "1", "delivery_fee": fee}
        )
        assert response.status_code == 200, fee


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e999999"])
def test_a_total_hold_rule_needs_an_amount_a_total_can_reach(client, users, value):
    client.force_login(users["manager"])
    response = client.post(
        reverse("orders:hold_rule_create"),
        {"name": "Odd", "field": "total_over", "value": value, "reason": "x", "position": 1},
    )
    assert response.status_code == 200
    assert not HoldRule.objects.exists()
