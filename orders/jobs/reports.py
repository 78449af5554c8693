"""Which jobs a user may look at, what a job did to each order, and the file it produced: the job page,
its CSV report, its download and the JSON API read them here."""

import csv
from pathlib import Path

from django.conf import settings
from django.db.models import QuerySet
from django.http import FileResponse, Http404, StreamingHttpResponse

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


# What an export's file is served as (its suffix is the runner's: orders/jobs/runner.py).
FILE_TYPES = {
    ".csv": "text/csv",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def job_file_response(job: BulkJob) -> FileResponse:
    """The file a job produced (an export) as a download; 404 when it has none or it is gone. Only
    under MEDIA_ROOT: the stored name is the runner's, never a user's, and is checked all the same."""
    if not job.file:
        raise Http404("This job has no file")
    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / job.file).resolve()
    if root not in path.parents or not path.exists():
        raise Http404("The file is gone")
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"packline-job-{job.pk}{path.suffix}",
        content_type=FILE_TYPES.get(path.suffix, "application/octet-stream"),
    )
