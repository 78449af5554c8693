"""The edit page of an order whose lines are locked shows the order's total in a real browser, after
every script and htmx request has run (it read "Total 0.00" for a 22.19 order once packed)."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from orders.inputs import LineInput
from orders.models import Order
from orders.services.transitions import builtin_status
from tests.factories import ProductFactory, make_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_packed_orders_edit_page_shows_its_total(page, login, make_user):
    product = ProductFactory(price=Decimal("18.49"))
    order = make_order(lines=[LineInput(sku=product.sku, quantity=1)])
    Order.objects.filter(pk=order.pk).update(status=builtin_status("packed"))
    login(make_user("manager"))
    page.goto(f"/orders/{order.number}/edit/")
    page.wait_for_load_state("networkidle")
    totals = page.get_by_test_id("live-totals")
    expect(totals.locator("[data-total=total]")).to_have_text("22.19")
    expect(totals.locator("[data-total=subtotal]")).to_have_text("18.49")
    # The address can still change, and saving it keeps the lines and the total.
    page.get_by_label("City").fill("York")
    page.get_by_test_id("save-order").click()
    page.wait_for_url(f"**/orders/{order.number}/")
    order.refresh_from_db()
    assert (order.shipping_address["city"], order.total) == ("York", Decimal("22.19"))
    assert page.console_errors == []
