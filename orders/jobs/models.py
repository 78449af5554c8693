"""Mass-action jobs (SPEC 4) and what each did to every order."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from orders.jobs.registry import ACTIONS
from orders.models.order import Order


class BulkJob(models.Model):
    """A mass action running on the workers: what, on which orders, by whom, and how far it got."""

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    FINISHED_STATES = (State.DONE, State.FAILED)  # a job in either has ended and does no more

    action = models.CharField(max_length=40)
    params = models.JSONField(default=dict, blank=True)
    # {"ids": [...]} for hand-picked rows, or {"tab": "...", "query": "<list querystring>"} for
    # "all matching this filter"; re-evaluated through the user's visible orders when the job runs.
    selection = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bulk_jobs"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    file = models.CharField(max_length=200, blank=True, help_text="Path under MEDIA_ROOT of the job's output")
    notified = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index("created_by", F("created_at").desc(), name="job_user_created"),
            models.Index("state", name="job_unfinished", condition=Q(state__in=["queued", "running"])),
        ]

    def __str__(self) -> str:
        return f"Job {self.pk}"

    @property
    def label(self) -> str:
        """The action's name as the action menu shows it."""
        action = ACTIONS.get(self.action)
        return action.label if action else self.action

    @property
    def processed(self) -> int:
        return self.done_count + self.skipped_count + self.failed_count

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, round(100 * self.processed / self.total))

    @property
    def finished(self) -> bool:
        return self.state in self.FINISHED_STATES


class BulkJobResult(models.Model):
    """What a job did to one order. Written in the same transaction as the change itself, so a job
    resumed after a crash knows exactly which orders are still to do."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        DONE = "done", "Done"
        SKIPPED = "skipped", "Skipped"
        FAILED = "failed", "Failed"

    # Indexed by one_result_per_job_and_order, which starts with the job.
    job = models.ForeignKey(BulkJob, on_delete=models.CASCADE, related_name="results", db_index=False)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    message = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["job", "order"], name="one_result_per_job_and_order")]
        # No index holds `state` or `message`, and the table leaves room in its pages (fillfactor,
        # migration 0006), so marking a pending row done is an in-place "HOT" update that writes no
        # index entry. The worker walks a job's pending rows by (job, order), the unique index.

    def __str__(self) -> str:
        return f"{self.job} · {self.order_id}: {self.state}"
