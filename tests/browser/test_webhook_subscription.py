"""A manager subscribes a receiver to order events, copies the secret shown once, sends a test event
and reads the answer in the delivery log; the receiver verifies the delivery with that secret."""

import json

import pytest
from playwright.sync_api import expect
from standardwebhooks import Webhook

from orders.webhooks.services import webhook_deliver_all_due
from tests.orders.webhooks.receiver import Receiver

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_subscribes_sends_a_test_event_and_reads_the_answer(page, login, make_user):
    receiver = Receiver()
    try:
        # A name with "url" in it: the sidebar is labelled by its user's name, and a label looked for
        # by substring ("URL") found it too.
        login(make_user("manager", first_name="Jennifer", last_name="Hurley"))
        page.get_by_test_id("side-nav").get_by_role("link", name="Webhooks").click()
        page.get_by_role("link", name="Add subscription").click()
        page.get_by_label("URL", exact=True).fill("ftp://nope.example")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text("The URL must start with http:// or https://.")).to_be_visible()
        expect(page.get_by_text("Choose at least one event.")).to_be_visible()

        page.get_by_label("URL", exact=True).fill(receiver.url)
        page.get_by_label("Status changed").check()
        page.get_by_label("Shipped").check()
        page.get_by_role("button", name="Save").click()
        secret = page.get_by_test_id("webhook-secret").inner_text().strip()
        assert secret.startswith("whsec_")
        page.get_by_role("link", name="Done").click()
        row = page.get_by_test_id("webhook-subscription")
        expect(row).to_contain_text("order.shipped, order.status_changed")
        expect(page.get_by_text(secret)).to_have_count(0)

        row.get_by_role("link", name="Log").click()
        page.get_by_role("button", name="Send test event").click()
        expect(page.get_by_test_id("toast").filter(has_text="Test event queued")).to_be_visible()
        webhook_deliver_all_due()  # what the worker does on the task the page queued
        page.reload()
        message = page.get_by_test_id("webhook-message")
        expect(message).to_have_attribute("data-state", "delivered")
        expect(message).to_contain_text("HTTP 200")
        request = receiver.received[0]
        assert Webhook(secret).verify(request.body, request.headers) == json.loads(request.body)
        assert json.loads(request.body)["type"] == "webhook.test"
    finally:
        receiver.stop()
