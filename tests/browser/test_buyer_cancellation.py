"""A CSR answers a TikTok Shop buyer's request to cancel from the order page, at phone and laptop width:
the request is on the page with the order's ship-by date, approving asks to confirm, and the order ends
cancelled in Packline and on TikTok Shop (FakeTikTokShop, over real HTTP)."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from channels.connections.services import connection_client
from channels.intake.processing import apply_safely
from orders.models import Order
from tests.channels.fakes.tiktok import FakeTikTokShop
from tests.channels.marketplaces.tiktok.conftest import payload
from tests.channels.shops import make_connection
from tests.factories import ProductFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"laptop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
ORDER_ID = "576486316948490101"


@pytest.mark.parametrize("width", list(WIDTHS))
def test_a_csr_approves_a_buyers_cancellation_from_the_order_page(page, login, make_user, width):
    page.set_viewport_size(WIDTHS[width])
    for sku in ("MUG-SLATE", "TOWEL-NAT"):
        ProductFactory(sku=sku, price=Decimal("10.00"), tax_rate=Decimal("0"))
    csr = make_user("csr")
    with FakeTikTokShop() as shop:
        shop.add_order(payload("order_uk_awaiting_shipment.json"))  # its ready-to-ship SLA is long past
        connection = make_connection("tiktok", "Homeware UK")
        connection.credentials, connection.api_base_url = shop.credentials, shop.url
        connection.save()
        request = shop.add_cancellation(ORDER_ID, reason="Ordered by mistake")
        with connection_client(connection) as client:
            assert apply_safely(connection, client.order(ORDER_ID)).outcome == "created"
        order = Order.objects.get(channel=connection.channel)

        login(csr)
        page.goto(order.get_absolute_url())
        expect(page.get_by_test_id("order-status")).to_have_text("On hold")
        expect(page.get_by_test_id("ship-by")).to_contain_text("Ship by 04 Mar 2026")
        expect(page.get_by_test_id("ship-by")).to_contain_text("Late")
        panel = page.get_by_test_id("buyer-cancellation")
        expect(panel).to_contain_text("The buyer asked TikTok Shop to cancel.")
        panel.get_by_test_id("approve-cancellation").click()

        decision = page.get_by_test_id("cancellation-decision")
        expect(decision).to_contain_text(f"{order} is cancelled in Packline and on TikTok Shop")
        assert shop.decisions == []  # nothing is told before the CSR confirms
        decision.get_by_test_id("confirm-approve").click()

        page.wait_for_url(f"**{order.get_absolute_url()}")
        expect(page.get_by_test_id("toast")).to_contain_text(
            f"{order} was cancelled in Packline and on TikTok Shop."
        )
        expect(page.get_by_test_id("order-status")).to_have_text("Cancelled")
        expect(page.get_by_test_id("buyer-cancellation")).to_have_count(0)
        expect(page.get_by_test_id("ship-by")).not_to_contain_text("Late")  # a cancelled order is not late
        expect(page.get_by_test_id("timeline")).to_contain_text("Approved the buyer's request to cancel")
        assert [d["decision"] for d in shop.decisions] == ["approve"]
        assert shop.cancellations[request["cancel_id"]]["cancel_status"] == "CANCELLATION_REQUEST_SUCCESS"
        assert page.console_errors == []
