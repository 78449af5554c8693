"""The order form (orders/forms.py OrderForm) and the pages that use it: every OrderInput field the
form has reaches creation and editing, without the views copying them one by one."""

from decimal import Decimal

import pytest
from django import forms
from django.urls import reverse

from orders.forms import ORDER_INPUT_FIELDS, OrderForm
from orders.inputs import LineInput, OrderInput
from orders.models import Order, Warehouse
from tests.factories import CustomerFactory, ProductFactory, make_order

pytestmark = pytest.mark.django_db


def filled(customer, csr, agent, warehouse, **overrides) -> dict:
    post = {
        "customer": str(customer.pk),
        "ship_name": "Ada Lovelace",
        "ship_line1": "12 Harbour Road",
        "ship_city": "Leeds",
        "ship_postcode": "LS1 4AP",
        "ship_country": "gb",
        "shipping_method": "Express",
        "payment_method": "cash",
        "delivery_fee": "4.99",
        "amount_paid": "0.00",
        "po_number": "PO-77",
        "customer_reference": "REF-9",
        "gift_message": "Happy birthday",
        "notes": "ring twice",
        "tags": "vip, gift",
        "assigned_csr": str(csr.pk),
        "assigned_agent": str(agent.pk),
        "warehouse": str(warehouse.pk),
        "priority": "2",
    }
    return post | overrides


@pytest.fixture
def people(make_user):
    east = Warehouse.objects.create(code="east-form", name="East")
    return make_user("csr"), make_user("agent"), east


def test_order_input_carries_every_field_the_form_shares_with_order_input(people):
    csr, agent, east = people
    customer = CustomerFactory()
    form = OrderForm(filled(customer, csr, agent, east))
    assert form.is_valid(), form.errors
    lines = [LineInput(sku="MUG-1", quantity=1)]
    data = form.order_input(customer=customer, lines=lines)
    shared = [name for name in ORDER_INPUT_FIELDS if name in form.fields]
    assert len(shared) >= 14  # the form's own fields, not only the address
    for name in shared:
        assert getattr(data, name) == form.cleaned_data[name], name
    assert data.customer == customer and data.lines == lines
    assert data.shipping_address == {
        "name": "Ada Lovelace",
        "line1": "12 Harbour Road",
        "city": "Leeds",
        "postcode": "LS1 4AP",
        "country": "GB",
    }
    assert (data.po_number, data.priority, data.warehouse, data.tags) == ("PO-77", 2, east, ["gift", "vip"])


def test_a_field_added_to_order_input_and_to_the_form_reaches_the_input_without_a_view_change(people):
    class OrderFormWithCurrency(OrderForm):
        currency = forms.CharField(max_length=3)  # an OrderInput field the form does not have yet

    csr, agent, east = people
    customer = CustomerFactory()
    form = OrderFormWithCurrency(filled(customer, csr, agent, east, currency="EUR"))
    assert form.is_valid(), form.errors
    assert form.order_input(customer=customer, lines=[]).currency == "EUR"
    assert OrderForm(filled(customer, csr, agent, east)).is_valid()
    assert OrderInput(customer=customer, lines=[]).currency == ""  # the default, when no form fills it


def test_the_new_order_page_creates_the_order_with_every_field_filled_in(client, people, make_user):
    csr, agent, east = people
    client.force_login(make_user("manager"))
    product = ProductFactory(price=Decimal("10.00"), tax_rate=Decimal("0"))
    customer = CustomerFactory()
    post = filled(customer, csr, agent, east) | {
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-sku": product.sku,
        "lines-0-quantity": "2",
    }
    response = client.post(reverse("orders:new"), post)
    order = Order.objects.get()
    assert response.status_code == 302 and response["Location"] == order.get_absolute_url()
    assert {
        name: getattr(order, name)
        for name in (
            "shipping_method", "payment_method", "delivery_fee", "po_number", "customer_reference",
            "gift_message", "notes", "tags", "assigned_csr", "assigned_agent", "warehouse", "priority",
        )
    } == {
        "shipping_method": "Express", "payment_method": "cash", "delivery_fee": Decimal("4.99"),
        "po_number": "PO-77", "customer_reference": "REF-9", "gift_message": "Happy birthday",
        "notes": "ring twice", "tags": ["gift", "vip"], "assigned_csr": csr, "assigned_agent": agent,
        "warehouse": east, "priority": 2,
    }  # fmt: skip
    assert order.shipping_address["country"] == "GB" and order.total == Decimal("24.99")


def test_the_edit_page_saves_the_fields_the_user_may_edit(client, people, make_user):
    csr, agent, east = people
    manager = make_user("manager")
    client.force_login(manager)
    order = make_order()
    line = order.lines.get()
    post = filled(order.customer, csr, agent, east, version=str(order.version), payment_method="card") | {
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "1",
        "lines-0-sku": line.sku,
        "lines-0-quantity": str(line.quantity),
        "lines-0-unit_price": str(line.unit_price),
        "lines-0-discount": str(line.discount),
    }
    response = client.post(reverse("orders:edit", kwargs={"number": order.number}), post)
    assert response.status_code == 302, response.content.decode()[:2000]
    order.refresh_from_db()
    assert (order.po_number, order.customer_reference, order.priority, order.warehouse) == (
        "PO-77",
        "REF-9",
        2,
        east,
    )
    assert (order.assigned_csr, order.assigned_agent, order.payment_method, order.tags) == (
        csr,
        agent,
        "card",
        ["gift", "vip"],
    )
    assert order.amount_paid == Decimal("0")  # not editable: the form's value is ignored


def locked_total(page: str) -> str:
    """The total the edit page shows before any script runs."""
    totals = page.split('data-testid="live-totals"')[1].split("</dl>")[0]
    return totals.split('data-total="total">')[1].split("<")[0]


@pytest.mark.parametrize("stage", ["packed", "picking"])
def test_an_edit_page_whose_lines_are_locked_shows_the_orders_own_total(client, make_user, stage):
    """Locked lines and fee are disabled inputs, which a browser does not send: the live totals, fed by
    the posted form, added up nothing and the page read "Total 0.00" for a 22.19 order."""
    from orders.services.transitions import builtin_status

    product = ProductFactory(price=Decimal("18.49"))
    order = make_order(lines=[LineInput(sku=product.sku, quantity=1)])
    assert order.total == Decimal("22.19")
    Order.objects.filter(pk=order.pk).update(status=builtin_status(stage))
    client.force_login(make_user("manager"))
    page = client.get(reverse("orders:edit", kwargs={"number": order.number})).content.decode()
    assert locked_total(page) == "22.19"
    assert reverse("orders:totals") not in page  # nothing recomputes them from the empty form


def test_an_edit_page_whose_lines_can_change_keeps_the_live_totals(client, make_user):
    order = make_order()
    client.force_login(make_user("manager"))
    page = client.get(reverse("orders:edit", kwargs={"number": order.number})).content.decode()
    assert f'hx-post="{reverse("orders:totals")}"' in page
