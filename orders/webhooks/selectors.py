"""Reads of the outbound webhooks pages."""

from django.db.models import Count, Q, QuerySet

from orders.webhooks.models import OWED, WebhookMessage, WebhookSubscription

MANAGE = "orders.manage_webhooks"
LOG_SIZE = 100
NOTICE_CACHE_KEY = "webhooks:disabled-subscriptions"  # the managers' notice, cached briefly


def subscriptions_listed() -> QuerySet[WebhookSubscription]:
    return WebhookSubscription.objects.annotate(
        owed=Count("messages", filter=Q(messages__state__in=OWED)),
    ).order_by("pk")


def disabled_subscriptions() -> list[dict]:
    return list(
        WebhookSubscription.objects.filter(active=False, disabled_at__isnull=False)
        .order_by("pk")
        .values("pk", "url", "disabled_reason")
    )


def delivery_log(subscription: WebhookSubscription, *, size: int = LOG_SIZE) -> list[WebhookMessage]:
    """The subscription's latest messages, newest first."""
    return list(subscription.messages.select_related("order").order_by("-pk")[:size])
