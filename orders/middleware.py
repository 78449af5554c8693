"""Tell a user, on the next page they open, that one of their jobs has finished; and read the jobs
menu's recent jobs in the same query."""

from django.contrib import messages
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html

from orders.models import BulkJob

RECENT = 6  # jobs in the top bar's menu
MENU_FIELDS = ("action", "state", "total", "done_count", "skipped_count", "failed_count", "created_at")
FINISHED = (BulkJob.State.DONE, BulkJob.State.FAILED)


def recent_jobs(user) -> list[BulkJob]:
    """The user's most recent jobs, newest first, as the menu shows them (not their selection: a
    hand-picked selection holds every order id, 10,000 ids to decode on every page)."""
    return list(BulkJob.objects.filter(created_by=user).only(*MENU_FIELDS)[:RECENT])


def recent_and_unannounced(user) -> tuple[list[BulkJob], list[BulkJob]]:
    """The menu's recent jobs and the finished jobs not yet announced, from one query: every job
    newer than the menu's oldest is in the menu, so the newest rows of the union are the menu."""
    jobs = BulkJob.objects.filter(created_by=user)
    newest = jobs.order_by("-created_at", "-id").values("pk")[:RECENT]
    rows = list(
        jobs.filter(Q(pk__in=newest) | Q(notified=False, state__in=FINISHED)).only(*MENU_FIELDS, "notified")
    )
    return rows[:RECENT], [job for job in rows if job.state in FINISHED and not job.notified][:5]


class JobNotificationMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            request.method == "GET"
            and user is not None
            and user.is_authenticated
            and not getattr(request, "htmx", False)
            and not request.path.startswith(("/static/", "/healthz"))
        ):
            request.recent_jobs, finished = recent_and_unannounced(user)
            for job in finished:
                link = reverse("orders:job", kwargs={"pk": job.pk})
                text = format_html(
                    '<a class="link-light" href="{}">Job {}</a> {}: {} done, {} skipped, {} failed.',
                    link, job.pk, "finished" if job.state == BulkJob.State.DONE else "failed",
                    job.done_count, job.skipped_count, job.failed_count,
                )  # fmt: skip
                done = job.state == BulkJob.State.DONE and not job.failed_count
                (messages.success if done else messages.warning)(request, text)
            if finished:
                BulkJob.objects.filter(pk__in=[job.pk for job in finished]).update(notified=True)
        return self.get_response(request)
