"""CSV order imports: the uploaded file and its mapping, the row errors found, what became of each order."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse


class OrderImport(models.Model):
    """One uploaded file on its way to orders: upload -> mapping -> validation -> import -> report.

    The file is stored as MEDIA_ROOT/imports/<uuid>.csv, never under the name the user gave it;
    `original_name` is only shown (timeline, report). Row numbers are the spreadsheet's: the header is
    row 1, the first data row is row 2.
    """

    class State(models.TextChoices):
        MAPPING = "mapping", "Check the mapping"
        VALIDATING = "validating", "Validating"
        READY = "ready", "Ready to import"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Importing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="order_imports"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    original_name = models.CharField(max_length=120, help_text="Shown only; the file is stored under a uuid")
    file = models.CharField(max_length=200, help_text="Path under MEDIA_ROOT: imports/<uuid>.csv")
    size_bytes = models.PositiveBigIntegerField(default=0)
    encoding = models.CharField(max_length=20)
    delimiter = models.CharField(max_length=1)
    headers = models.JSONField(default=list)
    # {field key: column index}; constants: {field key: text}; group_by: the column index of the order
    # reference, whose consecutive equal values form one order.
    mapping = models.JSONField(default=dict, blank=True)
    constants = models.JSONField(default=dict, blank=True)
    group_by = models.IntegerField(null=True, blank=True)
    historical = models.BooleanField(
        default=False,
        help_text="Keep the file's status, dates and payment state (no hold checks on closed orders)",
    )
    state = models.CharField(max_length=12, choices=State.choices, default=State.MAPPING)
    # Bumped whenever the mapping changes: a validation task for an older mapping finds out and stops.
    generation = models.PositiveIntegerField(default=0)

    # Validation pass (over the whole file, nothing written but these counts and the row errors).
    rows_total = models.PositiveIntegerField(default=0)
    bytes_validated = models.PositiveBigIntegerField(default=0)
    valid_orders = models.PositiveIntegerField(default=0)
    hold_orders = models.PositiveIntegerField(default=0)
    invalid_orders = models.PositiveIntegerField(default=0)
    existing_orders = models.PositiveIntegerField(default=0)
    validated_at = models.DateTimeField(null=True, blank=True)

    # The import itself.
    rows_done = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    held_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    rejected_count = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("import_orders", "Can import orders from CSV files")]
        indexes = [models.Index("created_by", F("created_at").desc(), name="import_user_created")]

    def __str__(self) -> str:
        return f"Import {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("channels:import_detail", kwargs={"pk": self.pk})

    @property
    def validating_percent(self) -> int:
        if not self.size_bytes:
            return 100
        return min(100, round(100 * self.bytes_validated / self.size_bytes))

    @property
    def orders_done(self) -> int:
        return self.created_count + self.held_count + self.skipped_count + self.rejected_count

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(100, round(100 * self.rows_done / self.rows_total))

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)

    @property
    def importing(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.RUNNING)


class ImportRowError(models.Model):
    """A problem the validation pass found on one row: an error rejects the row's order; a hold note
    says the order will be created on hold (SPEC 2.2: incomplete data is a hold, not an error); a
    warning says the order is created, but not quite as the file has it (its own total differs from
    the computed one, a refund larger than the payment ...)."""

    class Severity(models.TextChoices):
        ERROR = "error", "Rejected"
        HOLD = "hold", "On hold"
        WARNING = "warning", "Warning"

    order_import = models.ForeignKey(OrderImport, on_delete=models.CASCADE, related_name="row_errors")
    row_number = models.PositiveIntegerField()
    column = models.CharField(max_length=200, blank=True, help_text="The file's own header")
    reference = models.CharField(max_length=100, blank=True)
    severity = models.CharField(max_length=7, choices=Severity.choices, default=Severity.ERROR)
    message = models.CharField(max_length=500)

    class Meta:
        ordering = ["row_number", "id"]
        indexes = [models.Index("order_import", "severity", "row_number", name="import_error_row")]

    def __str__(self) -> str:
        if self.column:
            return f"row {self.row_number}, {self.column}: {self.message}"
        return f"row {self.row_number}: {self.message}"


class ImportOutcome(models.Model):
    """What the import did with one order of the file (rows grouped by reference). Written in the same
    transaction as the order itself, so a resumed import knows exactly what is left."""

    class Result(models.TextChoices):
        CREATED = "created", "Created"
        HELD = "held", "Created on hold"
        SKIPPED = "skipped", "Already imported, skipped"
        REJECTED = "rejected", "Rejected"

    # Indexed by one_outcome_per_import_row (import first).
    order_import = models.ForeignKey(
        OrderImport, on_delete=models.CASCADE, related_name="outcomes", db_index=False
    )
    row_number = models.PositiveIntegerField(help_text="The order's first row")
    reference = models.CharField(max_length=100, blank=True)
    result = models.CharField(max_length=10, choices=Result.choices)
    # No database constraint: a report row must not cost the import a foreign-key check per order, and
    # orders are never hard-deleted (SPEC 2.1).
    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["row_number"]
        constraints = [
            models.UniqueConstraint(fields=["order_import", "row_number"], name="one_outcome_per_import_row")
        ]
        indexes = [
            models.Index(
                "order_import", "result", name="import_outcome_result", condition=~Q(result="created")
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference or f'row {self.row_number}'}: {self.get_result_display()}"


class ImportMapping(models.Model):
    """A mapping saved by name, by header text, to reuse on the next file of the same layout."""

    name = models.CharField(max_length=100, unique=True)
    # {field key: header text}; the group-by column by header text.
    columns = models.JSONField(default=dict)
    constants = models.JSONField(default=dict, blank=True)
    group_by = models.CharField(max_length=200, blank=True)
    historical = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
