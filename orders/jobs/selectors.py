"""Reads of mass-action jobs shared by the jobs page, the dashboard and the top bar's jobs menu."""

from datetime import datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from orders.jobs.models import BulkJob

FAILING_LOOK_BACK = timedelta(days=7)


def failing_jobs(user, *, now: datetime | None = None) -> QuerySet[BulkJob]:
    """The user's jobs of the last FAILING_LOOK_BACK that failed, or failed for some orders."""
    since = (now or timezone.now()) - FAILING_LOOK_BACK
    return BulkJob.objects.filter(
        Q(state=BulkJob.State.FAILED) | Q(failed_count__gt=0), created_by=user, created_at__gte=since
    )


RECENT_JOBS = 6  # in the top bar's menu
MENU_FIELDS = ("action", "state", "total", "done_count", "skipped_count", "failed_count", "created_at")


def recent_jobs(user) -> list[BulkJob]:
    """The user's most recent jobs, newest first, as the menu shows them (not their selection: a
    hand-picked selection holds every order id, 10,000 ids to decode on every page)."""
    return list(BulkJob.objects.filter(created_by=user).only(*MENU_FIELDS)[:RECENT_JOBS])


def recent_and_unannounced(user) -> tuple[list[BulkJob], list[BulkJob]]:
    """The menu's recent jobs and the finished jobs not yet announced, from one query: every job
    newer than the menu's oldest is in the menu, so the newest rows of the union are the menu."""
    jobs = BulkJob.objects.filter(created_by=user)
    newest = jobs.order_by("-created_at", "-id").values("pk")[:RECENT_JOBS]
    rows = list(
        jobs.filter(Q(pk__in=newest) | Q(notified=False, state__in=BulkJob.FINISHED_STATES)).only(
            *MENU_FIELDS, "notified"
        )
    )
    return rows[:RECENT_JOBS], [job for job in rows if job.finished and not job.notified][:5]
