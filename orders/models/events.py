"""The timeline's rows (SPEC 2.4): one typed event per change, written by the service that made it."""

from django.conf import settings
from django.db import models
from django.db.models import F

from orders.models.order import Order
from orders.querysets import SHIPPED_EVENT


class ActorKind(models.TextChoices):
    USER = "user", "User"
    SYSTEM = "system", "System"
    CHANNEL = "channel", "Channel"
    JOB = "job", "Job"


class OrderEvent(models.Model):
    """One entry of an order's timeline, written by the service that made the change."""

    # Indexed by event_order_created, which starts with the order.
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events", db_index=False)
    type = models.CharField(max_length=40)
    params = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices, default=ActorKind.USER)
    actor_label = models.CharField(max_length=100, blank=True, help_text="Channel name or job number")
    created_at = models.DateTimeField(db_default=models.functions.Now())

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index("order", F("created_at").desc(), F("id").desc(), name="event_order_created"),
            # Orders entering the shipped stage, by time: "shipped today" and the dashboard's chart.
            models.Index("created_at", "order", name="event_shipped", condition=SHIPPED_EVENT),
        ]

    def __str__(self) -> str:
        return f"{self.type} on {self.order_id}"
