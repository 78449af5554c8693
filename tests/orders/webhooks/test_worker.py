"""As in production: a status change commits, the periodic task runs on a real Celery worker, and
the receiver gets the order.status_changed signed as the Standard Webhooks library verifies."""

import json

import pytest
from celery import current_app
from standardwebhooks import Webhook

from orders.actors import Actor
from orders.services.transitions import builtin_status, order_transition
from orders.webhooks.models import MessageState, WebhookMessage
from orders.webhooks.services import DELIVER_TASK, webhook_subscription_create
from orders.workflow import Stage
from tests.conftest import wait_for
from tests.factories import make_order

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_worker_delivers_the_status_change_signed(celery_worker_process, receiver):
    _, secret = webhook_subscription_create(url=receiver.url, events=["order.status_changed"], actor=None)
    order = make_order()
    order_transition(order_id=order.pk, to=builtin_status(Stage.CANCELLED), actor=Actor.system("tests"))
    assert WebhookMessage.objects.get().state == MessageState.PENDING

    current_app.send_task(DELIVER_TASK)  # what beat sends every few seconds
    wait_for(lambda: receiver.received, timeout=60, message="the worker delivers the message")
    request = receiver.received[0]
    payload = Webhook(secret).verify(request.body, request.headers)
    assert payload["type"] == "order.status_changed" and payload["data"]["id"] == order.pk
    assert payload["data"]["event"]["params"]["new_stage"] == "cancelled"
    assert json.loads(request.body) == payload
    wait_for(
        lambda: WebhookMessage.objects.filter(state=MessageState.DELIVERED).exists(),
        message="the worker records the delivery",
    )
