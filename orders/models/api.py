"""What the JSON API keeps for itself: the first answer to each Idempotency-Key (issue 18)."""

from django.conf import settings
from django.db import models


class ApiIdempotencyKey(models.Model):
    """A client's Idempotency-Key with the request it came with and the answer it got, so that the same
    key with the same body answers the same again, and never creates a second order. Unique per user:
    two clients choosing the same key do not see each other's answers."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    operation = models.CharField(max_length=100)  # e.g. "POST /orders"
    request_hash = models.CharField(max_length=64)  # SHA-256 of the canonical request body
    status_code = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="one_answer_per_idempotency_key"),
        ]
        # The hourly removal of keys past API_IDEMPOTENCY_KEY_RETENTION_HOURS (orders/tasks.py).
        indexes = [models.Index("created_at", name="idempotency_key_created")]

    def __str__(self) -> str:
        return f"{self.operation} {self.key}"
