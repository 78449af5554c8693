"""The outbox of tracking pushes (SPEC 5): a shipment made in Packline, to be told to its shop, written
in the shipment's own transaction and sent by a worker with retries and backoff."""

from django.db import models
from django.db.models import Q

from channels.connections.models import Connection
from orders.models import Order


class TrackingPush(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Waiting"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"  # permanently, or out of attempts: a person retries

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="pushes")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="tracking_pushes")
    shipment = models.OneToOneField("fulfilment.Shipment", on_delete=models.CASCADE, related_name="push")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.CharField(max_length=500, blank=True)
    platform_reference = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="push_due", condition=Q(state="pending")),
        ]

    def __str__(self) -> str:
        return f"Tracking of {self.order} to {self.connection}"
