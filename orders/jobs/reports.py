"""Which jobs a user may look at, and what a job did to each order: the job page, its CSV report and
the JSON API read them here."""

import csv

from django.db.models import QuerySet
from django.http import StreamingHttpResponse

from orders.jobs.models import BulkJob, BulkJobResult


def jobs_visible_to(user) -> QuerySet[BulkJob]:
    """A job is its owner's; superadmins see every one."""
    return BulkJob.objects.all() if user.is_superuser else BulkJob.objects.filter(created_by=user)


def job_results(job: BulkJob) -> QuerySet[BulkJobResult]:
    """One row per order of the job, in the order the job took them, with the order's number."""
    return (
        BulkJobResult.objects.filter(job=job)
        .select_related("order")
        .only("order__number", "state", "message", "job_id")
    )


def report_csv(job: BulkJob) -> StreamingHttpResponse:
    """The per-order report as CSV (order, result, reason), streamed."""

    class Echo:
        def write(self, value):
            return value

    writer = csv.writer(Echo())
    rows = job_results(job).order_by("pk").iterator(chunk_size=2000)

    def lines():
        yield writer.writerow(["order", "result", "reason"])
        for result in rows:
            yield writer.writerow([result.order.display_number, result.state, result.message])

    response = StreamingHttpResponse(lines(), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="job-{job.pk}-report.csv"'
    return response
