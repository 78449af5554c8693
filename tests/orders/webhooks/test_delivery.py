"""Outbound deliveries over real HTTP: Standard Webhooks signatures checked by the Standard Webhooks
library itself, retries, order kept per order, giving up and disabling after a day (time travel by
`now`, no sleeping)."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from standardwebhooks import Webhook, WebhookVerificationError

from orders.actors import Actor
from orders.services.transitions import builtin_status, order_transition
from orders.webhooks.models import MessageState, WebhookMessage, WebhookSubscription
from orders.webhooks.services import (
    GIVE_UP_AFTER,
    webhook_deliver_all_due,
    webhook_deliver_due,
    webhook_message_resend,
    webhook_subscription_create,
)
from orders.workflow import Stage
from tests.factories import make_order

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("tests")


def subscribe(receiver, *events):
    return webhook_subscription_create(
        url=receiver.url, events=events or ["order.status_changed"], actor=None
    )


def move(order, stage, reason=""):
    return order_transition(order_id=order.pk, to=builtin_status(stage), actor=SYSTEM, reason=reason)


def test_a_status_change_arrives_signed_as_the_standard_webhooks_library_verifies(receiver):
    _, secret = subscribe(receiver, "order.status_changed", "order.held")
    order = make_order()
    move(order, Stage.ON_HOLD, "check the address")

    assert webhook_deliver_due() == 1  # the order's second message waits for its first
    assert webhook_deliver_all_due() == 1
    assert [json.loads(r.body)["type"] for r in receiver.received] == ["order.held", "order.status_changed"]
    for request in receiver.received:
        payload = Webhook(secret).verify(request.body, request.headers)  # the reference implementation
        assert payload["data"]["id"] == order.pk and payload["data"]["number"] == order.number
        assert request.headers["webhook-id"].startswith("msg_")
    changed = json.loads(receiver.received[1].body)
    assert changed["data"]["stage"] == "on_hold" and changed["data"]["status"] == "On hold"
    assert changed["data"]["event"]["params"]["new_stage"] == "on_hold"
    # A tampered body, or another secret, does not verify.
    tampered = receiver.received[1].body.replace(b"on_hold", b"shipped")
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(tampered, receiver.received[1].headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(WebhookSubscription.objects.exclude(pk=0).first().secret[:-4] + "AAA=").verify(
            receiver.received[1].body, receiver.received[1].headers
        )
    assert set(WebhookMessage.objects.values_list("state", "last_status", "attempts")) == {
        ("delivered", 200, 1)
    }


def test_a_receiver_that_fails_twice_then_recovers_gets_the_message_on_the_third_attempt(receiver):
    subscription, secret = subscribe(receiver)
    move(make_order(), Stage.CANCELLED)
    receiver.answers = [500, 503]
    t0 = timezone.now()

    assert webhook_deliver_due(now=t0) == 1
    message = WebhookMessage.objects.get()
    assert (message.state, message.attempts, message.last_status) == ("failed", 1, 500)
    assert message.next_attempt_at == t0 + timedelta(seconds=30)
    assert "receiver says no (500)" in message.last_response
    subscription.refresh_from_db()
    assert subscription.failing_since == t0

    assert webhook_deliver_due(now=t0 + timedelta(seconds=29)) == 0  # not due yet
    assert webhook_deliver_due(now=t0 + timedelta(seconds=30)) == 1
    message.refresh_from_db()
    assert (message.state, message.attempts, message.last_status) == ("failed", 2, 503)
    assert message.next_attempt_at == t0 + timedelta(seconds=90)

    assert webhook_deliver_due(now=t0 + timedelta(seconds=90)) == 1
    message.refresh_from_db()
    assert (message.state, message.attempts, message.last_status) == ("delivered", 3, 200)
    subscription.refresh_from_db()
    assert subscription.failing_since is None and subscription.active
    ids = {r.headers["webhook-id"] for r in receiver.received}
    assert ids == {message.msg_id} and len(receiver.received) == 3
    for request in receiver.received:
        Webhook(secret).verify(request.body, request.headers)


def test_a_later_message_of_an_order_waits_for_the_earlier_one_and_other_orders_do_not(receiver):
    subscribe(receiver, "order.held", "order.released", "order.status_changed")
    first, other = make_order(), make_order()
    move(first, Stage.ON_HOLD, "wait")
    move(first, Stage.PROCESSING)
    move(other, Stage.CANCELLED)
    failed_once = []

    def first_held_fails_once(body: bytes) -> int | None:
        if json.loads(body)["type"] == "order.held" and not failed_once:
            failed_once.append(body)
            return 500
        return None

    receiver.decide = first_held_fails_once
    t0 = timezone.now()

    assert webhook_deliver_due(now=t0) == 2  # first's first message, and the other order's
    sent = {(json.loads(r.body)["data"]["id"], json.loads(r.body)["type"]) for r in receiver.received}
    assert sent == {(first.pk, "order.held"), (other.pk, "order.status_changed")}
    assert WebhookMessage.objects.filter(order=first, state=MessageState.FAILED).count() == 1
    assert webhook_deliver_all_due(now=t0 + timedelta(seconds=10)) == 0  # the rest of first waits
    assert webhook_deliver_all_due(now=t0 + timedelta(hours=1)) == 4
    of_first = [
        json.loads(r.body)["type"] for r in receiver.received if json.loads(r.body)["data"]["id"] == first.pk
    ]
    assert of_first == [
        "order.held", "order.held", "order.status_changed", "order.released", "order.status_changed"
    ]  # fmt: skip
    assert not WebhookMessage.objects.exclude(state=MessageState.DELIVERED).exists()


def test_a_message_failing_for_a_day_is_given_up_and_the_subscription_disabled(receiver, client, make_user):
    subscription, _ = subscribe(receiver)
    move(make_order(), Stage.CANCELLED)
    receiver.answers = [500] * 100
    t0 = now = timezone.now()
    while True:
        assert webhook_deliver_due(now=now) == 1
        message = WebhookMessage.objects.get()
        if message.state != MessageState.FAILED:
            break
        now = message.next_attempt_at
    assert message.state == MessageState.GIVEN_UP
    elapsed = now - t0
    assert GIVE_UP_AFTER <= elapsed <= GIVE_UP_AFTER + timedelta(hours=3)
    assert 10 <= message.attempts == len(receiver.received) <= 25
    subscription.refresh_from_db()
    assert not subscription.active and subscription.disabled_at == now
    assert "HTTP 500" in subscription.disabled_reason

    # Disabled: nothing more is sent, even what becomes due.
    move(make_order(), Stage.CANCELLED)
    assert WebhookMessage.objects.count() == 1  # a disabled subscription gets no new messages
    webhook_message_resend(message_id=message.pk, actor=None)
    assert webhook_deliver_due(now=now + timedelta(days=1)) == 0

    # Managers see it on every page; a CSR does not.
    client.force_login(make_user("manager"))
    page = client.get("/").content.decode()
    assert 'data-testid="webhook-disabled"' in page and subscription.url in page
    client.force_login(make_user("csr"))
    assert 'data-testid="webhook-disabled"' not in client.get("/").content.decode()


def test_a_success_in_between_keeps_the_subscription_on(receiver):
    subscription, _ = subscribe(receiver)
    move(make_order(), Stage.CANCELLED)
    receiver.answers = [500]
    t0 = timezone.now()
    webhook_deliver_due(now=t0)
    webhook_deliver_due(now=t0 + timedelta(minutes=1))  # delivered
    move(make_order(), Stage.CANCELLED)
    receiver.answers = [500] * 100
    webhook_deliver_due(now=t0 + timedelta(hours=23))
    subscription.refresh_from_db()
    assert subscription.active and subscription.failing_since == t0 + timedelta(hours=23)


def test_a_receiver_that_does_not_answer_is_a_failure_with_the_reason(receiver):
    subscribe(receiver)
    move(make_order(), Stage.CANCELLED)
    port = receiver.server.server_port
    receiver.stop()
    WebhookSubscription.objects.update(url=f"http://127.0.0.1:{port}/gone")
    webhook_deliver_due()
    message = WebhookMessage.objects.get()
    assert message.state == MessageState.FAILED and message.last_status is None
    assert "ConnectError" in message.last_error
