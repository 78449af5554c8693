"""Holds (SPEC 2.2): why an order waits for a person, and the managers' own hold rules."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from orders.models.order import Order


class HoldReason(models.TextChoices):
    MISSING_ADDRESS = "missing_address", "Missing address"
    MISSING_SHIPPING_METHOD = "missing_shipping_method", "Missing shipping method"
    UNKNOWN_SKU = "unknown_sku", "Unknown SKU"
    MISSING_PO_NUMBER = "missing_po_number", "PO number missing"
    UNDELIVERABLE_ADDRESS = "undeliverable_address", "Address not deliverable"
    PAYMENT_MISMATCH = "payment_mismatch", "Payment mismatch"
    SUSPECTED_DUPLICATE = "suspected_duplicate", "Suspected duplicate"
    OVER_VALUE = "over_value", "Over value threshold"
    RULE = "rule", "Hold rule"
    SHORT_PICK = "short_pick", "Short pick"
    CHANNEL_DATA = "channel_data", "Shop data to check"
    CHANGED_AFTER_PICKING = "changed_after_picking", "Changed in the shop after picking"
    CANCELLED_AFTER_SHIPPING = "cancelled_after_shipping", "Cancelled in the shop after shipping"
    CANCELLATION_REQUESTED = "cancellation_requested", "Buyer asked to cancel"
    MANUAL = "manual", "Manual hold"


# The reasons a hold may be placed for after the order shipped (orders.workflow.HOLDABLE_AFTER_SHIPPING).
HOLD_REASONS_AFTER_SHIPPING = frozenset({HoldReason.CANCELLED_AFTER_SHIPPING})


class OrderHold(models.Model):
    """One reason an order is on hold. Released holds are kept for the record."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="holds")
    reason = models.CharField(max_length=30, choices=HoldReason.choices)
    detail = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index("order", name="hold_active_order", condition=Q(released_at__isnull=True)),
            # The dashboard's "on hold by reason" and the list's hold reason filter.
            models.Index("reason", "order", name="hold_active_reason", condition=Q(released_at__isnull=True)),
            # Empty while the hold stands: a new hold writes no entry.
            models.Index("released_by", name="hold_released_by", condition=Q(released_by__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()}: {self.detail}" if self.detail else self.get_reason_display()


class HoldRule(models.Model):
    """A manager's rule: when an order matches the condition, it goes on hold with the reason."""

    class Field(models.TextChoices):
        CHANNEL = "channel", "Channel is"
        COUNTRY = "country", "Shipping country is"
        TOTAL_OVER = "total_over", "Total is over"
        SKU = "sku", "Contains SKU"
        TAG = "tag", "Has tag"
        NOTE_CONTAINS = "note_contains", "Notes or gift message contain"

    name = models.CharField(max_length=100)
    field = models.CharField(max_length=20, choices=Field.choices)
    value = models.CharField(max_length=200)
    reason = models.CharField(max_length=200, help_text="Shown on the order as the hold reason")
    active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name
