"""What arrived from a shop: every webhook delivery and every polled order, stored before any work
(the sync log), and per platform order what was last applied (so nothing older is applied over it)."""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q

from channels.connections.models import Connection, SyncRun
from orders.models import Order


class Delivery(models.Model):
    class Source(models.TextChoices):
        WEBHOOK = "webhook", "Webhook"
        POLL = "poll", "Poll"

    class State(models.TextChoices):
        RECEIVED = "received", "Waiting"
        APPLIED = "applied", "Applied"
        SKIPPED = "skipped", "Skipped"
        FAILED = "failed", "Failed"

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="deliveries")
    source = models.CharField(max_length=10, choices=Source.choices)
    # The platform's delivery id (X-Shopify-Webhook-Id, X-WC-Webhook-Delivery-ID); for a polled order,
    # "poll:<order id>:<updated at>", so reading the same version twice stores it once.
    delivery_id = models.CharField(max_length=200)
    topic = models.CharField(max_length=100, blank=True)
    body = models.TextField(help_text="The raw body as received")
    run = models.ForeignKey(
        SyncRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.RECEIVED)
    outcome = models.CharField(max_length=300, blank=True, help_text="What happened, in words")
    platform_order_id = models.CharField(max_length=100, blank=True)
    platform_updated_at = models.DateTimeField(null=True, blank=True)
    order = models.ForeignKey(Order, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    attempts = models.PositiveSmallIntegerField(default=0)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "delivery_id"], name="one_delivery_per_platform_id")
        ]
        indexes = [
            models.Index(fields=["connection", "-received_at"], name="delivery_connection_recent"),
            # The backlog: what workers still have to do.
            models.Index(fields=["connection", "id"], name="delivery_waiting", condition=Q(state="received")),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.delivery_id}"


class PlatformOrderLink(models.Model):
    """One platform order of one connection: the Packline order it became and the newest version
    applied. Its row lock serialises all work on that platform order across workers."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="links")
    platform_order_id = models.CharField(max_length=100)
    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, null=True, blank=True, related_name="platform_links"
    )
    applied_updated_at = models.DateTimeField(null=True, blank=True)
    # Adapters read money as Decimal (never float); stored for reading, it is written as text.
    payload = models.JSONField(
        default=dict,
        blank=True,
        encoder=DjangoJSONEncoder,
        help_text="The newest payload applied, for managers",
    )
    refunds_recorded = models.JSONField(
        default=list, blank=True
    )  # the platform's refund ids already recorded

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "platform_order_id"], name="one_link_per_platform_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.platform_order_id} of connection {self.connection_id}"
