"""Money records (SPEC 6): payments, expenses, refunds and remittances, append-only."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from orders.models.order import Order
from orders.models.reference import PaymentMethod

# Money (SPEC 6) -------------------------------------------------------------------------------------
# Payments, expenses, refunds and remittances are append-only. A mistake is corrected by a reversing
# record: the same amount with the opposite sign, `reverses` pointing at the original, both kept and
# both on the timeline. Every figure (paid, refunded, balance due, expected remittance, ...) is a sum
# of these rows, computed in orders/money/selectors.py. Order.amount_paid is the one cached figure: the
# sum of received payments net of their reversals (refunds are separate). Only orders/money/services.py
# writes it, in the same transaction as the payment; the list, the guard "paid before fulfilment" and
# the hold checks read it without a join.


def _reversal_sign_rule(name: str) -> models.CheckConstraint:
    """An original record is positive; its reversal is negative."""
    return models.CheckConstraint(
        condition=Q(reverses__isnull=True, amount__gt=0) | Q(reverses__isnull=False, amount__lt=0),
        name=name,
    )


class Payment(models.Model):
    """Money received for an order, or a failed attempt (which counts for nothing but the record)."""

    class State(models.TextChoices):
        RECEIVED = "received", "Received"
        FAILED = "failed", "Failed"

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    method = models.CharField(max_length=20, choices=PaymentMethod.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.RECEIVED)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    reference = models.CharField(max_length=100, blank=True)
    note = models.CharField(max_length=300, blank=True)
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="collected_payments",
        help_text="The delivery agent who collected the cash or POS payment, who owes it to the company.",
        db_index=False,  # indexed by payment_collected_by (agent first, where there is one)
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )

    class Meta:
        ordering = ["recorded_at", "id"]
        default_permissions = ()
        permissions = [
            ("record_payment", "Can record, fail and reverse any payment"),
            ("record_collection", "Can record cash or POS they collected on delivery of their own orders"),
        ]
        constraints = [
            _reversal_sign_rule("payment_reversal_has_opposite_sign"),
            models.CheckConstraint(
                condition=Q(state="received") | Q(reverses__isnull=True), name="payment_failed_is_no_reversal"
            ),
        ]
        indexes = [
            models.Index(
                "collected_by",
                "recorded_at",
                name="payment_collected_by",
                condition=Q(collected_by__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.amount} {self.currency}"


class ExpenseCategory(models.TextChoices):
    DELIVERY = "delivery", "Delivery"
    PACKAGING = "packaging", "Packaging"
    COURIER_FEE = "courier_fee", "Courier fee"
    OTHER = "other", "Other"


class Expense(models.Model):
    """A cost of fulfilling an order, paid by a delivery agent (who deducts it from what they remit)
    or by the company (paid_by empty)."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="expenses")
    category = models.CharField(max_length=20, choices=ExpenseCategory.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="paid_expenses",
        help_text="The delivery agent who paid it; empty when the company paid.",
    )
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )

    class Meta:
        ordering = ["recorded_at", "id"]
        default_permissions = ()
        permissions = [
            ("record_expense", "Can record and reverse any expense"),
            ("record_delivery_expense", "Can record expenses they paid delivering their own orders"),
        ]
        constraints = [_reversal_sign_rule("expense_reversal_has_opposite_sign")]
        indexes = [
            models.Index("paid_by", "recorded_at", name="expense_paid_by", condition=Q(paid_by__isnull=False))
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.amount} {self.currency}"


class Refund(models.Model):
    """Money owed back to the customer: recorded first, marked executed once it has been paid out."""

    class Kind(models.TextChoices):
        CANCELLATION = "cancellation", "Order cancelled"
        RETURN = "return", "Return"
        MANUAL = "manual", "Manual"

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.MANUAL)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    method = models.CharField(max_length=20, choices=PaymentMethod.choices)
    reason = models.CharField(max_length=300)
    # The lines it covers: [{"line": id, "sku": ..., "quantity": n, "amount": "12.00"}, ...].
    lines = models.JSONField(default=list, blank=True)
    return_number = models.CharField(max_length=20, blank=True, help_text="The RMA it refunds, if any")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    executed_at = models.DateTimeField(null=True, blank=True)
    executed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reference = models.CharField(max_length=100, blank=True, help_text="Bank or PSP reference of the payout")
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )

    class Meta:
        ordering = ["recorded_at", "id"]
        default_permissions = ()
        permissions = [("record_refund", "Can record, execute and reverse refunds")]
        constraints = [
            _reversal_sign_rule("refund_reversal_has_opposite_sign"),
            models.CheckConstraint(
                condition=Q(executed_at__isnull=True) | (Q(reverses__isnull=True) & ~Q(reference="")),
                name="refund_executed_has_reference",
            ),
        ]

    def __str__(self) -> str:
        return f"Refund {self.amount} {self.currency}"


class Remittance(models.Model):
    """Cash a delivery agent handed over to the company, against what they collected less what they
    spent. Reversible only by a new, negative record."""

    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="remittances")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )

    class Meta:
        ordering = ["-recorded_at", "-id"]
        default_permissions = ()
        permissions = [
            ("view_remittance", "Can see remittance: their own, or every agent's with view_all_orders"),
            ("mark_remitted", "Can mark an agent's cash remitted and reverse such a record"),
        ]
        constraints = [_reversal_sign_rule("remittance_reversal_has_opposite_sign")]

    def __str__(self) -> str:
        return f"Remittance {self.amount} {self.currency} by {self.agent_id}"
