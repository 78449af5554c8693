"""A connected shop or marketplace (SPEC 5): where its orders come from, how Packline reaches it, and
what it should do with them. Orders point at the connection's Channel row, so "one order per
(connection, platform order id)" is orders' own unique constraint."""

from django.db import models
from django.db.models import Q
from encrypted_fields.fields import EncryptedJSONField

from orders.models import Channel, Warehouse


class Connection(models.Model):
    channel = models.OneToOneField(Channel, on_delete=models.PROTECT, related_name="connection")
    kind = models.CharField(max_length=20)  # channels.marketplaces.KINDS
    name = models.CharField(max_length=100)
    shop_url = models.URLField(
        max_length=300, help_text="The shop's own address, e.g. https://acme.myshopify.com"
    )
    api_base_url = models.URLField(
        max_length=300,
        blank=True,
        help_text="Leave empty for the platform's own; a sandbox's address otherwise.",
    )
    # Encrypted at rest (SALT_KEY list in settings: the first key encrypts, every key decrypts).
    # Never shown again after saving, never logged, never exported.
    credentials = EncryptedJSONField(default=dict, blank=True)
    webhook_secrets = EncryptedJSONField(default=list, blank=True)  # newest first; two during a rotation

    # What to do with the shop's orders.
    auto_process = models.BooleanField(
        default=True,
        help_text="Send complete orders on by themselves; off: every new order arrives as a draft.",
    )
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    paid_gateways = models.JSONField(
        default=list, blank=True, help_text="Payment gateways that count as paid; empty: every gateway."
    )
    sku_mapping = models.JSONField(default=dict, blank=True, help_text="The shop's SKU -> Packline's SKU.")
    sync_cancellations = models.BooleanField(default=True)
    push_tracking = models.BooleanField(default=True)
    paused = models.BooleanField(
        default=False, help_text="Deliveries are kept but nothing is processed or polled."
    )

    # State and health.
    poll_cursor = models.DateTimeField(
        null=True, blank=True, help_text="Orders updated since then are read next poll."
    )
    last_webhook_at = models.DateTimeField(null=True, blank=True)
    last_poll_at = models.DateTimeField(null=True, blank=True)
    rejected_deliveries = models.PositiveIntegerField(
        default=0, help_text="Webhooks refused for a bad signature."
    )
    last_rejected_at = models.DateTimeField(null=True, blank=True)
    throttled_until = models.DateTimeField(null=True, blank=True)  # channels/ratelimit.py
    # OAuth platforms (eBay, TikTok Shop): when the seller last consented, and when the platform last
    # refused the connection's refresh token (with its words). While authorisation_failed_at is set the
    # connection "needs re-authorisation": nothing is polled or pushed until a manager authorises again.
    authorised_at = models.DateTimeField(null=True, blank=True)
    authorisation_error = models.TextField(blank=True)
    authorisation_failed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        permissions = [("manage_connections", "Can connect and configure shops and marketplaces")]

    def __str__(self) -> str:
        return self.name

    @property
    def needs_authorisation(self) -> bool:
        return self.authorisation_failed_at is not None

    @property
    def label(self) -> str:
        from channels.marketplaces import KINDS

        return KINDS.get(self.kind, self.kind)


class SyncRun(models.Model):
    """One poll, backfill or reconciliation of a connection: what it read and how it ended."""

    class Kind(models.TextChoices):
        POLL = "poll", "Poll"
        BACKFILL = "backfill", "Backfill"
        RECONCILE = "reconcile", "Reconciliation"

    class State(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="runs")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.RUNNING)
    since = models.DateTimeField()
    page_cursor = models.CharField(max_length=500, blank=True)  # where a resumed run goes on
    pages = models.PositiveIntegerField(default=0)
    seen = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    started_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    heartbeat_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            # One poll or backfill at a time per connection: a second one would read the same pages.
            models.UniqueConstraint(
                fields=["connection", "kind"], condition=Q(state="running"), name="one_running_sync_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.connection_id} since {self.since:%Y-%m-%d %H:%M}"

    def counts(self) -> dict[str, int]:
        return {
            name: getattr(self, name) for name in ("pages", "seen", "created", "updated", "skipped", "failed")
        }
