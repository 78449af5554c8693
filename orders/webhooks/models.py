"""Outbound webhooks: a manager's subscriptions and the outbox of messages owed to them.

The outbox is filled by the database in the transaction that writes the timeline (see
orders/webhooks/outbox.py): whatever path wrote the event, the ORM or a COPY, the message exists
exactly when the change does. Delivery (orders/webhooks/delivery.py) sends and records the answers.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from encrypted_fields.fields import EncryptedCharField


class WebhookEvent(models.TextChoices):
    """What a subscription can ask for (docs/webhooks.md)."""

    ORDER_CREATED = "order.created", "Order created"
    ORDER_UPDATED = "order.updated", "Order updated (edited, assigned, lines changed)"
    ORDER_STATUS_CHANGED = "order.status_changed", "Status changed"
    ORDER_HELD = "order.held", "Put on hold"
    ORDER_RELEASED = "order.released", "Hold released"
    ORDER_SHIPPED = "order.shipped", "Shipped"
    ORDER_CANCELLED = "order.cancelled", "Cancelled"
    ORDER_RETURNED = "order.returned", "Returned"
    PAYMENT_RECORDED = "payment.recorded", "Payment recorded"
    REFUND_RECORDED = "refund.recorded", "Refund recorded"


TEST_EVENT = "webhook.test"  # "send test event": no order, never matched by a subscription's events


class WebhookSubscription(models.Model):
    url = models.URLField("URL", max_length=500)
    events = ArrayField(models.CharField(max_length=40, choices=WebhookEvent.choices), default=list)
    description = models.CharField(max_length=200, blank=True)
    # whsec_<base64>, encrypted at rest like the channel connections' secrets (SALT_KEY in settings).
    secret = EncryptedCharField(max_length=100)
    active = models.BooleanField(default=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    # The first failure since the last success: a day of failures disables the subscription.
    failing_since = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["pk"]
        permissions = [("manage_webhooks", "Can manage outbound webhook subscriptions")]

    def __str__(self) -> str:
        return self.url


class MessageState(models.TextChoices):
    PENDING = "pending", "Pending"
    FAILED = "failed", "Failed, will retry"
    DELIVERED = "delivered", "Delivered"
    GIVEN_UP = "given_up", "Given up"


# A message still owed: it is sent when due, and it holds back later messages of its order.
OWED = (MessageState.PENDING, MessageState.FAILED)


class WebhookMessage(models.Model):
    """One event owed to one subscription. Columns the database trigger leaves out have database
    defaults, so that a COPY of ten thousand events writes its messages in one INSERT ... SELECT."""

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="messages")
    event_type = models.CharField(max_length=40)
    order = models.ForeignKey("orders.Order", null=True, blank=True, on_delete=models.CASCADE, db_index=False)
    payload = models.JSONField()
    msg_id = models.CharField(
        max_length=60, db_default=models.Func(models.Value("msg_"), models.Func(function="gen_random_uuid"),
                                              function="concat")
    )  # fmt: skip
    created_at = models.DateTimeField(db_default=Now())
    state = models.CharField(max_length=10, choices=MessageState.choices, db_default=MessageState.PENDING)
    attempts = models.PositiveIntegerField(db_default=0)
    next_attempt_at = models.DateTimeField(db_default=Now())
    # Retries last about a day from here (created, or resent).
    retry_from = models.DateTimeField(db_default=Now())
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_response = models.TextField(blank=True, db_default="")
    last_error = models.CharField(max_length=300, blank=True, db_default="")

    class Meta:
        ordering = ["-pk"]
        indexes = [
            models.Index(fields=["next_attempt_at", "id"], name="webhook_message_due", condition=Q(state__in=OWED)),
            models.Index(fields=["subscription", "order", "id"], name="webhook_message_order_owed",
                         condition=Q(state__in=OWED)),
            models.Index(fields=["subscription", "-id"], name="webhook_message_log"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.event_type} {self.msg_id}"
