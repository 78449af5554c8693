"""Managers' ship-by rules: when an order that became ready must be handed to the carrier.

The decision itself lives in orders/ship_by.py; these rows are its input. A rule names a channel (or
any) and a shipping method (or any); the most specific rule for an order wins (orders.ship_by.rule_for).
"""

from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from orders.models.reference import Channel, Warehouse

MAX_EXTRA_DAYS = 30


class ShipByRule(models.Model):
    """ "Paid before `cutoff` ships the same working day, else the next working day", plus `extra_days`
    working days, counted on `warehouse`'s calendar (the order's warehouse's when empty)."""

    channel = models.ForeignKey(
        Channel, on_delete=models.CASCADE, null=True, blank=True, help_text="Empty: any channel."
    )
    shipping_method = models.CharField(
        max_length=100, blank=True, help_text="As orders name it (any case). Empty: any method."
    )
    cutoff = models.TimeField(
        "cut-off", help_text="Orders ready before this time (warehouse time) ship the same working day."
    )
    extra_days = models.PositiveSmallIntegerField(
        "extra working days",
        default=0,
        validators=[MaxValueValidator(MAX_EXTRA_DAYS)],
        help_text="Working days added after the shipping day.",
    )
    warehouse = models.ForeignKey(
        Warehouse,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        help_text="Whose working days and time zone count. Empty: the order's warehouse.",
    )

    class Meta:
        ordering = ["channel__name", "shipping_method"]
        constraints = [
            # One rule per (channel or any, method or any): the most specific rule is then one rule.
            models.UniqueConstraint(
                "channel",
                Lower("shipping_method"),
                name="one_ship_by_rule_per_scope",
                nulls_distinct=False,
                violation_error_message="A rule for this channel and shipping method exists already: edit that one.",
            ),
            models.CheckConstraint(
                condition=Q(extra_days__lte=MAX_EXTRA_DAYS), name="ship_by_rule_extra_days_bounded"
            ),
        ]

    def __str__(self) -> str:
        channel = self.channel.name if self.channel_id else "Any channel"
        method = self.shipping_method or "any method"
        return f"{channel} · {method}: before {self.cutoff:%H:%M}"
