"""The managers' pages: add (secret shown once, encrypted at rest), bad input refused with nothing
written, edit, delete, the delivery log with the receiver's answer, resend and the test event."""

import json

import pytest
from django.db import connection
from django.urls import reverse
from standardwebhooks import Webhook

from orders.webhooks.models import MessageState, WebhookMessage, WebhookSubscription
from orders.webhooks.services import webhook_deliver_all_due

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(client, make_user):
    client.force_login(make_user("manager"))
    return client


@pytest.mark.parametrize(
    ("data", "field", "error"),
    [
        ({"url": "ftp://example.com/x", "events": ["order.created"]}, "url", "http:// or https://"),
        ({"url": "not a url", "events": ["order.created"]}, "url", "Enter a valid URL"),
        ({"url": "https://example.com/x"}, "events", "Choose at least one event."),
        (
            {"url": "https://example.com/x", "events": ["order.exploded"]},
            "events",
            "not one of the available",
        ),
    ],
)
def test_bad_input_is_refused_with_a_clear_error_and_nothing_written(manager, data, field, error):
    response = manager.post(reverse("orders:webhook_add"), data)
    assert response.status_code == 200
    assert any(error in message for message in response.context["form"].errors[field])
    assert error in response.content.decode()
    assert not WebhookSubscription.objects.exists()


def test_the_secret_is_shown_once_and_encrypted_at_rest(manager):
    response = manager.post(
        reverse("orders:webhook_add"),
        {"url": "https://erp.example.com/hooks", "events": ["order.created", "order.shipped"]},
    )
    secret = response.context["secret"]
    assert secret.startswith("whsec_") and secret in response.content.decode()
    Webhook(secret)  # a secret the Standard Webhooks library takes
    subscription = WebhookSubscription.objects.get()
    assert subscription.secret == secret and subscription.events == ["order.created", "order.shipped"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM orders_webhooksubscription")
        stored = cursor.fetchone()[0]
    assert secret not in stored and "whsec_" not in stored
    for url in (reverse("orders:webhook_list"), reverse("orders:webhook_edit", args=[subscription.pk])):
        assert secret not in manager.get(url).content.decode()


def test_edit_switches_off_and_on_and_delete_asks_first(manager):
    subscription = WebhookSubscription.objects.create(
        url="https://a.example/h", events=["order.created"], secret="whsec_AAAA", active=False,
        disabled_reason="Disabled: every delivery failed", disabled_at="2026-12-01T00:00Z",
    )  # fmt: skip
    edit = reverse("orders:webhook_edit", args=[subscription.pk])
    assert "every delivery failed" in manager.get(edit).content.decode()
    response = manager.post(edit, {"url": "https://b.example/h", "events": ["order.held"], "active": "on"})
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert (subscription.url, subscription.events, subscription.active) == (
        "https://b.example/h",
        ["order.held"],
        True,
    )
    assert subscription.disabled_reason == "" and subscription.disabled_at is None

    delete = reverse("orders:webhook_delete", args=[subscription.pk])
    assert "Delete" in manager.get(delete).content.decode()
    assert WebhookSubscription.objects.exists()
    manager.post(delete)
    assert not WebhookSubscription.objects.exists()


def test_the_log_shows_the_test_event_and_the_answer_and_resend_sends_it_again(manager, receiver):
    manager.post(reverse("orders:webhook_add"), {"url": receiver.url, "events": ["order.created"]})
    subscription = WebhookSubscription.objects.get()
    receiver.answers = [418]
    response = manager.post(reverse("orders:webhook_test", args=[subscription.pk]))
    assert response.status_code == 302
    webhook_deliver_all_due()
    message = WebhookMessage.objects.get(event_type="webhook.test")
    assert (message.state, message.last_status) == (MessageState.FAILED, 418)
    page = manager.get(reverse("orders:webhook_log", args=[subscription.pk])).content.decode()
    assert "HTTP 418" in page and "receiver says no (418)" in page and message.msg_id in page

    manager.post(reverse("orders:webhook_resend", args=[subscription.pk, message.pk]))
    webhook_deliver_all_due()
    message.refresh_from_db()
    assert (message.state, message.last_status, message.attempts) == (MessageState.DELIVERED, 200, 2)
    assert [r.headers["webhook-id"] for r in receiver.received] == [message.msg_id] * 2
    body = Webhook(subscription.secret).verify(receiver.received[1].body, receiver.received[1].headers)
    assert body["type"] == "webhook.test" and json.loads(receiver.received[1].body) == body


def test_a_csr_has_no_webhook_pages_nor_the_link(client, make_user):
    client.force_login(make_user("csr"))
    assert client.get(reverse("orders:webhook_list")).status_code == 403
    assert reverse("orders:webhook_list") not in client.get("/").content.decode()
    client.force_login(make_user("manager"))
    assert reverse("orders:webhook_list") in client.get("/").content.decode()


def test_a_disabled_subscription_sends_no_test_event_and_says_why(manager):
    subscription = WebhookSubscription.objects.create(
        url="https://a.example/h", events=["order.created"], secret="whsec_AAAA", active=False
    )
    response = manager.post(reverse("orders:webhook_test", args=[subscription.pk]), follow=True)
    assert "This subscription is disabled" in response.content.decode()
    assert not WebhookMessage.objects.exists()
