"""Outbound webhooks: subscriptions, the test event, resend, and delivering what is due.

Delivery claims due messages (FOR UPDATE SKIP LOCKED, with a lease so that a crashed worker's claim
runs out), sends them outside any transaction, and records every answer. A message waits while an
earlier message of the same order to the same subscription is still owed, so each receiver sees an
order's events in the order they happened. A failure is retried with exponential backoff for about a
day (then given up); a subscription whose deliveries have all failed for a day is disabled.
"""

import base64
import secrets
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from orders.errors import OrderError
from orders.webhooks import delivery
from orders.webhooks.models import (
    OWED,
    TEST_EVENT,
    MessageState,
    WebhookEvent,
    WebhookMessage,
    WebhookSubscription,
)
from orders.webhooks.selectors import NOTICE_CACHE_KEY

DELIVER_TASK = "webhooks.deliver_due"
LEASE = timedelta(minutes=5)  # a claimed message is due again after this, if its worker died
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=3)
GIVE_UP_AFTER = timedelta(days=1)  # of failed attempts, from the message's creation (or resend)
DISABLE_AFTER = timedelta(days=1)  # of nothing but failures, for a subscription
BATCH = 500
SENDERS = 8  # requests in flight at once


class WebhookError(OrderError):
    """A subscription or message action refused, with the sentence to show."""


def webhook_secret_new() -> str:
    """A Standard Webhooks secret: whsec_ and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def retry_delay(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: 30 s, 1 min, 2 min, ... at most 3 hours."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_WAIT)


def _clean_events(events) -> list[str]:
    chosen = sorted(set(events))
    unknown = [event for event in chosen if event not in WebhookEvent.values]
    if unknown:
        raise WebhookError(f"Unknown event type: {', '.join(unknown)}.")
    if not chosen:
        raise WebhookError("Choose at least one event.")
    return chosen


def _clean_url(url: str) -> str:
    url = (url or "").strip()
    if not url.lower().startswith(("http://", "https://")):
        raise WebhookError("The URL must start with http:// or https://.")
    return url


@transaction.atomic
def webhook_subscription_create(
    *, url: str, events, actor, description: str = ""
) -> tuple[WebhookSubscription, str]:
    """A new subscription and its secret, returned once for the page to show once."""
    secret = webhook_secret_new()
    subscription = WebhookSubscription.objects.create(
        url=_clean_url(url),
        events=_clean_events(events),
        description=description.strip(),
        secret=secret,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    return subscription, secret


@transaction.atomic
def webhook_subscription_update(
    *, subscription_id: int, url: str, events, active: bool, actor, description: str = ""
) -> WebhookSubscription:
    """Change a subscription; switching a disabled one back on clears why it was disabled."""
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription_id)
    subscription.url = _clean_url(url)
    subscription.events = _clean_events(events)
    subscription.description = description.strip()
    if active and not subscription.active:
        subscription.disabled_at, subscription.disabled_reason, subscription.failing_since = None, "", None
    subscription.active = active
    subscription.save()
    transaction.on_commit(lambda: cache.delete(NOTICE_CACHE_KEY))
    return subscription


@transaction.atomic
def webhook_subscription_delete(*, subscription_id: int, actor) -> None:
    """Delete a subscription with its messages and their log."""
    WebhookSubscription.objects.filter(pk=subscription_id).delete()
    transaction.on_commit(lambda: cache.delete(NOTICE_CACHE_KEY))


def _deliver_soon() -> None:
    from celery import current_app

    transaction.on_commit(lambda: current_app.send_task(DELIVER_TASK))


@transaction.atomic
def webhook_test_send(*, subscription_id: int, actor) -> WebhookMessage:
    """Queue a `webhook.test` message to the subscription, delivered at once by a worker."""
    subscription = WebhookSubscription.objects.get(pk=subscription_id)
    if not subscription.active:
        raise WebhookError("This subscription is disabled: switch it on to send a test event.")
    now = timezone.now()
    message = WebhookMessage.objects.create(
        subscription=subscription,
        event_type=TEST_EVENT,
        payload={
            "type": TEST_EVENT,
            "timestamp": now.isoformat().replace("+00:00", "Z"),
            "data": {"subscription": subscription.pk, "sent_by": str(actor)},
        },
    )
    _deliver_soon()
    return message


@transaction.atomic
def webhook_message_resend(*, message_id: int, actor) -> WebhookMessage:
    """Send a message again (same webhook-id, so a receiver can tell it has seen it), with a new day
    of retries."""
    message = WebhookMessage.objects.select_for_update().get(pk=message_id)
    now = timezone.now()
    message.state, message.next_attempt_at, message.retry_from = MessageState.PENDING, now, now
    message.save(update_fields=["state", "next_attempt_at", "retry_from"])
    _deliver_soon()
    return message


# Delivery ----------------------------------------------------------------------------------------

_CLAIM = f"""
WITH due AS (
    SELECT m.id FROM orders_webhookmessage m
    JOIN orders_webhooksubscription s ON s.id = m.subscription_id AND s.active
    WHERE m.state IN {tuple(str(state) for state in OWED)} AND m.next_attempt_at <= %(now)s
      AND NOT EXISTS (
          SELECT 1 FROM orders_webhookmessage b
          WHERE b.subscription_id = m.subscription_id AND b.order_id = m.order_id AND b.id < m.id
            AND b.state IN {tuple(str(state) for state in OWED)})
    ORDER BY m.next_attempt_at, m.id
    LIMIT %(limit)s
    FOR UPDATE OF m SKIP LOCKED
)
UPDATE orders_webhookmessage m SET next_attempt_at = %(lease)s FROM due WHERE m.id = due.id
RETURNING m.id, m.msg_id, m.subscription_id, m.payload, m.attempts, m.retry_from
"""


def _claim(now: datetime, limit: int) -> list[tuple]:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_CLAIM, {"now": now, "limit": limit, "lease": now + LEASE})
        return sorted(cursor.fetchall())


def webhook_deliver_due(*, now: datetime | None = None, limit: int = BATCH, client=None) -> int:
    """Send up to `limit` due messages and record their answers; returns how many were sent.
    `now` decides what is due and when retries fall (tests travel in time with it); the signature's
    timestamp is always the real time of the attempt."""
    now = now or timezone.now()
    claimed = _claim(now, limit)
    if not claimed:
        return 0
    subscriptions = WebhookSubscription.objects.in_bulk({row[2] for row in claimed})
    claimed = [row for row in claimed if row[2] in subscriptions]  # one deleted meanwhile: nothing owed
    if not claimed:
        return 0
    outgoing = [
        delivery.Outgoing(pk, msg_id, subscriptions[sub].url, subscriptions[sub].secret, payload)
        for pk, msg_id, sub, payload, _attempts, _retry_from in claimed
    ]
    own_client = client is None
    client = client or delivery.client()
    try:
        at = timezone.now()
        if len(outgoing) == 1:
            outcomes = [delivery.send(client, outgoing[0], at=at)]
        else:
            with ThreadPoolExecutor(min(SENDERS, len(outgoing))) as pool:
                outcomes = list(pool.map(lambda one: delivery.send(client, one, at=at), outgoing))
    finally:
        if own_client:
            client.close()
    _record(claimed, outcomes, now)
    return len(outcomes)


@transaction.atomic
def _record(claimed: list[tuple], outcomes: list[delivery.Outcome], now: datetime) -> None:
    messages = []
    succeeded, failed = set(), {}
    for (pk, _msg_id, sub, _payload, attempts, retry_from), outcome in zip(claimed, outcomes, strict=True):
        attempts += 1
        message = WebhookMessage(
            pk=pk, attempts=attempts, last_attempt_at=now, last_status=outcome.status,
            last_response=outcome.response, last_error=outcome.error,
        )  # fmt: skip
        if outcome.delivered:
            message.state, message.delivered_at, message.next_attempt_at = MessageState.DELIVERED, now, now
            succeeded.add(sub)
        elif now - retry_from >= GIVE_UP_AFTER:
            message.state, message.delivered_at, message.next_attempt_at = MessageState.GIVEN_UP, None, now
            failed[sub] = outcome.error
        else:
            message.state, message.delivered_at = MessageState.FAILED, None
            message.next_attempt_at = now + retry_delay(attempts)
            failed[sub] = outcome.error
        messages.append(message)
    _write_outcomes(messages)
    if succeeded:
        WebhookSubscription.objects.filter(pk__in=succeeded, failing_since__isnull=False).update(
            failing_since=None
        )
    failing = set(failed) - succeeded
    if failing:
        WebhookSubscription.objects.filter(pk__in=failing, failing_since__isnull=True).update(
            failing_since=now
        )
        for subscription in WebhookSubscription.objects.filter(
            pk__in=failing, active=True, failing_since__lte=now - DISABLE_AFTER
        ):
            subscription.active, subscription.disabled_at = False, now
            subscription.disabled_reason = (
                f"Disabled on {now:%Y-%m-%d %H:%M} UTC: every delivery since "
                f"{subscription.failing_since:%Y-%m-%d %H:%M} UTC failed (last: {failed[subscription.pk]})."
            )[:300]
            subscription.save(update_fields=["active", "disabled_at", "disabled_reason"])
            transaction.on_commit(lambda: cache.delete(NOTICE_CACHE_KEY))


_WRITE = """
UPDATE orders_webhookmessage m SET
    state = v.state, attempts = v.attempts, next_attempt_at = v.next_attempt_at,
    delivered_at = v.delivered_at, last_attempt_at = v.last_attempt_at, last_status = v.last_status,
    last_response = v.last_response, last_error = v.last_error
FROM unnest(%s::bigint[], %s::text[], %s::int[], %s::timestamptz[], %s::timestamptz[], %s::timestamptz[],
            %s::int[], %s::text[], %s::text[])
    AS v(id, state, attempts, next_attempt_at, delivered_at, last_attempt_at, last_status, last_response,
         last_error)
WHERE m.id = v.id
"""
_WRITTEN = (
    "pk", "state", "attempts", "next_attempt_at", "delivered_at", "last_attempt_at", "last_status",
    "last_response", "last_error",
)  # fmt: skip


def _write_outcomes(messages: list[WebhookMessage]) -> None:
    """One UPDATE for a batch's answers (bulk_update's CASE per column costs seconds at 500 rows)."""
    columns = [[getattr(message, name) for message in messages] for name in _WRITTEN]
    with connection.cursor() as cursor:
        cursor.execute(_WRITE, columns)


def webhook_deliver_all_due(*, now: datetime | None = None, budget_seconds: float = 50.0) -> int:
    """What the periodic task runs: batches until nothing is due or the budget is spent."""
    import time

    started, sent = time.monotonic(), 0
    while time.monotonic() - started < budget_seconds:
        count = webhook_deliver_due(now=now)
        sent += count
        if not count:  # an order's next message is due once its earlier one is delivered: go again
            break
    return sent
