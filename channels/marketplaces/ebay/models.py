"""eBay's Marketplace Account Deletion notifications as received: one row per notification id (eBay
sends one again until it is answered), worked by a worker and retried by the channels sweeper."""

from django.db import models
from django.db.models import Q


class AccountDeletion(models.Model):
    class State(models.TextChoices):
        RECEIVED = "received", "Waiting"
        DONE = "done", "Erased"
        FAILED = "failed", "Failed"

    notification_id = models.CharField(max_length=200, unique=True)
    # Whose data to erase. The user name is cleared once the erasure is done: the row then keeps only
    # eBay's opaque user id, as the record that the request was met.
    username = models.CharField(max_length=200, blank=True)
    user_id = models.CharField(max_length=200, blank=True)
    event_date = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.RECEIVED)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    orders_erased = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField(auto_now_add=True)
    # The last attempt, failed or done: the sweeper asks again a while after a failed one.
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            # What the sweeper looks for: only the few rows still waiting get an entry.
            models.Index(fields=["received_at"], name="ebay_deletion_waiting", condition=Q(state="received")),
        ]

    def __str__(self) -> str:
        return f"eBay account deletion {self.notification_id} ({self.get_state_display()})"
