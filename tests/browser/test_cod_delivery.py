"""An agent on a phone (390x844) delivers a cash-on-delivery order: "Delivered" asks the amount
collected, pre-filled with the balance; too much is refused by the field itself; the amount taken
is recorded as the agent's collection in the same step (issue 19)."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from orders.models import Order
from orders.money.models import Payment
from orders.services.transitions import builtin_status
from orders.workflow import Stage
from tests.factories import make_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def in_viewport(page, locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"]


def test_an_agent_on_a_phone_delivers_a_cash_order_and_records_what_was_collected(page, login, make_user):
    page.set_viewport_size(PHONE)
    agent = make_user("agent")
    order = make_order(assigned_agent=agent)  # cash on delivery, nothing paid
    Order.objects.filter(pk=order.pk).update(
        status=builtin_status(Stage.SHIPPED),
        stage=Stage.SHIPPED,
        customer_phone="+44 20 7946 0018",
        shipping_address={"line1": "1 High St", "city": "Leeds", "postcode": "LS1 1AA", "country": "GB"},
    )
    order.refresh_from_db()
    due = f"{order.balance_due:.2f}"
    login(agent)
    page.goto("/orders/deliveries/")

    card = page.get_by_test_id(f"delivery-{order.number}")
    expect(card.get_by_test_id("phone")).to_have_attribute("href", "tel:+442079460018")
    expect(card.get_by_test_id("map-link")).to_have_attribute(
        "href", "https://www.openstreetmap.org/search?query=1%20High%20St%2C%20Leeds%2C%20LS1%201AA%2C%20GB"
    )
    collected = card.get_by_label(f"Amount collected ({order.currency})")
    expect(collected).to_have_value(due)
    delivered = card.get_by_role("button", name="Delivered")
    collected.scroll_into_view_if_needed()
    assert in_viewport(page, collected) and in_viewport(page, delivered)

    # More than the balance: the field refuses it, nothing is sent.
    collected.fill(str(order.balance_due + 1))
    delivered.click()
    assert collected.evaluate("field => !field.validity.valid")
    assert Order.objects.get(pk=order.pk).stage == Stage.SHIPPED

    # Part of it: recorded, the rest stays due.
    collected.fill("5.00")
    delivered.click()
    expect(page.get_by_test_id("toast").filter(has_text=f"{order} marked Delivered")).to_be_visible()
    order.refresh_from_db()
    assert order.stage == Stage.DELIVERED
    payment = Payment.objects.get(order=order)
    assert (payment.amount, payment.method, payment.collected_by) == (Decimal("5.00"), "cash", agent)
    assert order.balance_due == order.total - Decimal("5.00")
    expect(page.get_by_test_id(f"delivery-{order.number}")).to_have_count(0)  # off the run
    assert page.console_errors == []
