"""Reads of mass-action jobs shared by the jobs page and the dashboard."""

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
