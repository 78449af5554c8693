"""A manager connects a Shopify store through the pages (issue "Sales channels I"), at laptop and phone
widths, against a FakeShopify over real HTTP and with a real Celery worker: tests the connection, sees
a signed webhook's order arrive, opens a delivery that failed and retries it, and imports the shop's
orders since a date while the run's progress updates itself."""

import json
import re
from decimal import Decimal

import httpx
import pytest
from playwright.sync_api import expect

from channels.connections.models import Connection, SyncRun
from channels.intake.models import Delivery
from channels.marketplaces import platform
from channels.marketplaces.base import hmac_sha256_base64
from fulfilment.models import StockItem
from orders.models import Order, Warehouse
from tests.channels.fakes.shopify import FakeShopify
from tests.conftest import side_nav, wait_for
from tests.factories import ProductFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"laptop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
TOKEN = "shpat_browser-token-31337"
WEBHOOK_SECRET = "whsec-browser-secret-271828"
CONNECTION_URL = re.compile(r"/channels/(\d+)/$")
WORKER_TIMEOUT = 45  # s: the worker starts, takes the task from the broker and applies it
SHOPIFY = platform("shopify")


def deliver(webhook_url: str, topic: str, body: bytes, delivery_id: str) -> httpx.Response:
    """POST a delivery as Shopify does: the raw body, signed with the webhook secret."""
    headers = SHOPIFY.webhook_headers(
        topic=topic,
        delivery_id=delivery_id,
        signature=hmac_sha256_base64(WEBHOOK_SECRET, body),
        shop_url="https://mugs.myshopify.com",
    )
    return httpx.post(webhook_url, content=body, headers=headers, timeout=10)


def toast(page, text: str):
    return page.get_by_test_id("toast").filter(has_text=text)


@pytest.mark.parametrize("width", list(WIDTHS))
def test_a_manager_connects_a_store_sees_its_orders_arrive_and_retries_a_failed_delivery(
    page, login, make_user, live_server, celery_worker_process, width
):
    page.set_viewport_size(WIDTHS[width])
    product = ProductFactory(sku="MUG-1", price=Decimal("12.50"))
    StockItem.objects.create(warehouse=Warehouse.objects.get(is_default=True), product=product, on_hand=50)
    manager = make_user("manager")

    with FakeShopify(token=TOKEN, shop_name="Mugs & Co") as shop:
        login(manager)
        side_nav(page).get_by_role("link", name="Sales channels").click()
        page.get_by_test_id("add-connection").click()

        # The form asks Shopify's credentials only, and saves the shop pointing at the fake.
        page.get_by_label("Platform").select_option("shopify")
        expect(page.get_by_label("Access token")).to_be_visible()
        expect(page.get_by_label("Consumer key")).to_be_hidden()
        page.get_by_label("Name", exact=True).fill("Mugs Store")
        page.get_by_label("Shop URL").fill("https://mugs.myshopify.com")
        page.get_by_label("API base URL").fill(shop.url)
        page.get_by_label("Access token").fill(TOKEN)
        page.get_by_label("Webhook secret").fill(WEBHOOK_SECRET)
        page.get_by_test_id("save-connection").click()
        page.wait_for_url(CONNECTION_URL)
        connection = Connection.objects.get()
        assert connection.api_base_url == shop.url and connection.credentials == {"access_token": TOKEN}
        webhook_url = page.get_by_test_id("webhook-url").input_value()
        assert webhook_url == f"{live_server.url}/channels/webhooks/{connection.pk}/"
        expect(page.get_by_test_id("webhook-topics")).to_contain_text("orders/create")
        assert TOKEN not in page.content() and WEBHOOK_SECRET not in page.content()

        # Test connection: the fake shop answers with its name.
        page.get_by_test_id("test-connection").click()
        expect(toast(page, "the shop is “Mugs & Co”")).to_be_visible()

        # A signed webhook: the worker makes the order, and the sync log links to it.
        topic, payload = SHOPIFY.sample_webhook(sequence=1, seed=11, skus=["MUG-1"])
        answer = deliver(webhook_url, topic, json.dumps(payload).encode(), "shopify-delivery-1")
        assert (answer.status_code, answer.text) == (200, "stored")
        order = wait_for(
            lambda: Order.objects.filter(channel=connection.channel).first(),
            timeout=WORKER_TIMEOUT,
            message="the worker creates the order",
        )
        page.reload()
        applied = page.get_by_test_id("delivery").filter(has=page.locator("[data-testid=delivery-order]"))
        expect(applied).to_have_attribute("data-state", "applied")
        expect(applied).to_contain_text(str(payload["id"]))
        applied.get_by_test_id("delivery-order").click()
        panel = page.get_by_test_id("shop-panel")
        expect(panel).to_contain_text(f"From Shopify store Mugs Store, order {payload['name']}")
        expect(panel).to_contain_text("Cancelling in Packline does not cancel the order in Shopify.")
        expect(panel.get_by_test_id("shop-payload")).to_be_attached()
        assert page.url.endswith(order.get_absolute_url())

        # A delivery Shopify signed but whose order cannot be read fails; the manager retries it.
        unreadable = b'{"id": "abc", "name": "#broken"}'
        assert deliver(webhook_url, "orders/create", unreadable, "shopify-delivery-2").status_code == 200
        failed = wait_for(
            lambda: Delivery.objects.filter(connection=connection, state=Delivery.State.FAILED).first(),
            timeout=WORKER_TIMEOUT,
            message="the worker fails the unreadable delivery",
        )
        page.goto(f"/channels/{connection.pk}/")
        page.get_by_test_id("log-filters").get_by_role("link", name="Failed").click()
        rows = page.get_by_test_id("delivery")
        expect(rows).to_have_count(1)
        rows.first.get_by_test_id("delivery-details").click()
        expect(page.get_by_test_id("delivery-state")).to_have_text("Failed")
        expect(page.get_by_test_id("delivery-outcome")).to_contain_text("no usable id")
        expect(page.get_by_test_id("delivery-body")).to_contain_text('"id": "abc"')
        page.get_by_test_id("retry-delivery").click()
        expect(toast(page, "Tried again: failed: the order could not be read")).to_be_visible()
        failed.refresh_from_db()
        assert failed.attempts == 2 and failed.state == Delivery.State.FAILED

        # Import since a date: the fake shop has a second order; the run's progress updates itself.
        _second_topic, second = SHOPIFY.sample_webhook(sequence=2, seed=12, skus=["MUG-1"])
        shop.add_order(payload)
        shop.add_order(second)
        page.goto(f"/channels/{connection.pk}/")
        page.locator("#id_since").fill("2020-01-01")
        shop.slow_next(3)  # the shop's first page takes a while: the page shows the run going on
        page.get_by_test_id("start-backfill").click()
        run = page.locator("[data-testid=sync-run][data-kind=backfill]")
        expect(run).to_have_attribute("data-state", "running")
        expect(run).to_have_attribute("data-state", "done", timeout=WORKER_TIMEOUT * 1000)
        expect(run.get_by_test_id("run-counts")).to_contain_text("1 created")
        assert SyncRun.objects.get(kind=SyncRun.Kind.BACKFILL).created == 1
        assert Order.objects.filter(channel=connection.channel).count() == 2

        # Nothing of the page is wider than the screen: wide tables scroll inside their own box.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.console_errors == []
