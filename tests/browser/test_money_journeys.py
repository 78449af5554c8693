"""Money and returns through the real UI: a CSR takes the card payment that moves an order on, an
agent records cash on delivery and a fuel expense and the remittance figure matches, a CSR cancels
a paid order and pays out its refund, and the warehouse receives a return by scanning it."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from fulfilment.models import StockItem, StockMovement
from fulfilment.services import order_allocate, shipment_create
from fulfilment.services.returns import return_create
from orders.actors import Actor
from orders.inputs import LineInput
from orders.models import Order, Warehouse
from orders.money.models import Payment, Refund
from orders.money.services.payments import payment_record
from orders.workflow import Stage
from tests.factories import ProductFactory, make_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MUG_BARCODE = "5012345000011"


def toast(page, text: str):
    return page.get_by_test_id("toast").filter(has_text=text)


def stage_of(order) -> str:
    return Order.objects.get(pk=order.pk).stage


def shelved_mug(on_hand: int = 10):
    product = ProductFactory(
        sku="MUG-01", barcode=MUG_BARCODE, price=Decimal("10.00"), tax_rate=Decimal("20.00")
    )
    StockItem.objects.create(
        warehouse=Warehouse.objects.get(is_default=True), product=product, on_hand=on_hand
    )
    return product


def shipped_order(**fields) -> Order:
    """Two mugs (24.00), allocated and shipped by the warehouse."""
    order = make_order(lines=[LineInput(sku="MUG-01", quantity=2)], **fields)
    order_allocate(order_id=order.pk)
    shipment_create(order_id=order.pk, carrier="Own fleet", actor=Actor.system("tests"))
    return Order.objects.get(pk=order.pk)


def test_a_csr_records_the_card_payment_that_moves_an_order_to_processing(page, login, make_user):
    order = make_order(payment_method="card")
    assert order.stage == Stage.AWAITING_PAYMENT
    login(make_user("csr"))
    page.goto(order.get_absolute_url())
    expect(page.get_by_test_id("payment-status")).to_have_text("Unpaid")
    expect(page.get_by_test_id("breakdown-balance-due")).to_have_text("12.00 USD")

    page.get_by_text("Record a payment").click()
    expect(page.get_by_label("Amount (USD)").first).to_have_value("12.00")
    expect(page.get_by_label("Method")).to_have_value("card")
    page.get_by_label("Reference").fill("PSP-4242")
    page.get_by_test_id("record-payment-submit").click()

    expect(
        toast(page, f"Payment of 12.00 USD recorded on {order}. {order} is now Processing.")
    ).to_be_visible()
    expect(page.get_by_test_id("order-status")).to_have_text("Processing")
    expect(page.get_by_test_id("payment-status")).to_have_text("Paid")
    expect(page.get_by_test_id("breakdown-paid")).to_have_text("12.00 USD")
    expect(page.get_by_test_id("breakdown-balance-due")).to_have_text("0.00 USD")
    expect(page.get_by_test_id("payments")).to_contain_text("ref PSP-4242")
    expect(page.get_by_test_id("timeline")).to_contain_text(
        "Payment of 12.00 USD recorded (Card, ref PSP-4242)"
    )
    expect(page.get_by_test_id("timeline")).to_contain_text("fully paid")
    assert stage_of(order) == Stage.PROCESSING
    assert Payment.objects.get(order=order).reference == "PSP-4242"
    assert page.console_errors == []


def test_an_agent_records_cash_on_delivery_and_an_expense_and_the_remittance_matches(page, login, make_user):
    shelved_mug()
    agent = make_user("agent")
    order = shipped_order(assigned_agent=agent)  # cash on delivery: shipped unpaid
    assert (order.stage, order.amount_paid) == (Stage.SHIPPED, Decimal("0.00"))
    login(agent)
    page.goto(order.get_absolute_url())

    page.get_by_text("Record cash collected").click()
    expect(page.get_by_label("Amount (USD)").first).to_have_value("24.00")
    expect(page.get_by_label("Method").locator("option")).to_have_count(2)  # cash or POS, nothing else
    page.get_by_test_id("record-payment-submit").click()
    expect(toast(page, f"Payment of 24.00 USD recorded on {order}.")).to_be_visible()

    page.get_by_text("Record an expense").click()
    page.get_by_label("Category").select_option("delivery")
    page.get_by_test_id("record-expense").get_by_label("Amount (USD)").fill("3.50")
    page.get_by_test_id("record-expense").get_by_label("Note").fill("fuel")
    page.get_by_test_id("record-expense-submit").click()
    expect(toast(page, f"Expense of 3.50 USD recorded on {order}.")).to_be_visible()

    expect(page.get_by_test_id("breakdown-paid")).to_have_text("24.00 USD")
    expect(page.get_by_test_id("breakdown-expenses")).to_have_text("3.50 USD")
    expect(page.get_by_test_id("breakdown-expected-remittance")).to_have_text("20.50 USD")
    expect(page.get_by_test_id("payments")).to_contain_text(f"collected by {agent}")

    page.get_by_test_id("side-nav").get_by_role("link", name="Remittance").click()
    page.wait_for_url(f"**/orders/remittance/{agent.pk}/")
    expect(page.get_by_test_id("period-collected")).to_have_text("24.00 USD")
    expect(page.get_by_test_id("period-spent")).to_have_text("−3.50 USD")
    expect(page.get_by_test_id("period-expected")).to_have_text("20.50 USD")
    expect(page.get_by_test_id("remittance-owed-USD").get_by_test_id("owed")).to_have_text("20.50 USD")
    expect(page.get_by_test_id("collections")).to_contain_text(str(order))
    expect(page.get_by_test_id("mark-remitted")).to_have_count(0)  # only a manager marks it
    assert page.console_errors == []


def test_a_csr_cancels_a_paid_order_and_sees_and_pays_out_the_refund(page, login, make_user):
    csr = make_user("csr")
    order = make_order(payment_method="card")
    payment_record(order_id=order.pk, amount="12.00", method="card", actor=csr)
    login(csr)
    page.goto(order.get_absolute_url())
    expect(page.get_by_test_id("order-status")).to_have_text("Processing")

    page.get_by_label("Cancel reason").fill("customer cancelled by phone")
    page.get_by_role("button", name="Cancel order").click()

    expect(toast(page, f"{order} was cancelled.")).to_be_visible()
    expect(toast(page, f"Refund of 12.00 USD recorded for {order}")).to_be_visible()
    expect(page.get_by_test_id("order-status")).to_have_text("Cancelled")
    refund = Refund.objects.get(order=order)
    row = page.get_by_test_id(f"refund-{refund.pk}")
    expect(row).to_contain_text("Order cancelled")
    expect(row.get_by_test_id("refund-state")).to_have_text("to pay out")
    expect(page.get_by_test_id("breakdown-refunded")).to_contain_text("12.00 USD")
    expect(page.get_by_test_id("payment-status")).to_have_text("Refunded")

    row.get_by_label(f"Payout reference of refund {refund.pk}").fill("BANK-RF-77")
    row.get_by_role("button", name="Mark paid out").click()

    expect(toast(page, "Refund of 12.00 USD marked paid out (BANK-RF-77).")).to_be_visible()
    expect(page.get_by_test_id(f"refund-{refund.pk}").get_by_test_id("refund-state")).to_have_text("paid out")
    expect(page.get_by_test_id("timeline")).to_contain_text("paid out, ref BANK-RF-77")
    refund.refresh_from_db()
    assert (refund.reference, refund.executed_by) == ("BANK-RF-77", csr)
    assert page.console_errors == []


def test_the_warehouse_receives_a_return_and_the_order_becomes_returned_with_stock_back(
    page, login, make_user
):
    mug = shelved_mug(on_hand=10)
    order = shipped_order()
    rma = return_create(
        order_id=order.pk, quantities={order.lines.get().pk: 2}, reason="damaged", actor=make_user("csr")
    )
    stock = StockItem.objects.get(product=mug)
    assert stock.on_hand == 8
    login(make_user("warehouse"))

    page.get_by_test_id("side-nav").get_by_role("link", name="Returns").click()
    expect(page.get_by_test_id(f"return-row-{rma.number}")).to_contain_text("Requested")
    page.get_by_test_id("open-receiving").click()
    page.get_by_label("Scan the RMA number on the return slip").fill(rma.number)
    page.get_by_label("Scan the RMA number on the return slip").press("Enter")
    page.wait_for_url(re.compile(rf"/fulfilment/returns/{rma.pk}/receive/$"))
    expect(page.get_by_test_id("rma-number")).to_have_text(rma.number)

    counted = page.get_by_test_id("receive-line-MUG-01").get_by_test_id("counted")
    for count in ("1", "2"):
        field = page.get_by_test_id("scan-input")
        expect(field).to_be_focused()
        field.fill(MUG_BARCODE)
        field.press("Enter")
        expect(counted).to_have_value(count)
    page.get_by_test_id("scan-input").fill("NOT-OURS")
    page.get_by_test_id("scan-input").press("Enter")
    expect(page.get_by_test_id("scan-error")).to_contain_text("Nothing is known by “NOT-OURS”")

    page.get_by_test_id("book-return").click()

    page.wait_for_url(re.compile(rf"/fulfilment/returns/{rma.pk}/$"))
    expect(toast(page, f"{rma} received. {order} is Returned.")).to_be_visible()
    expect(page.get_by_test_id("rma-state")).to_have_text("Received")
    expect(page.get_by_test_id("rma-line-MUG-01")).to_contain_text("Restock")
    page.get_by_role("link", name=str(order)).click()
    expect(page.get_by_test_id("order-status")).to_have_text("Returned")
    expect(page.get_by_test_id("returns-panel")).to_contain_text(rma.number)
    page.get_by_test_id("side-nav").get_by_role("link", name="Stock").click()
    expect(page.get_by_test_id("stock-MUG-01").locator("td").nth(4)).to_have_text("10")
    stock.refresh_from_db()
    assert stock.on_hand == 10
    assert stage_of(order) == Stage.RETURNED
    assert StockMovement.objects.filter(kind=StockMovement.Kind.RETURN, order=order).get().quantity == 2
    assert page.console_errors == []
