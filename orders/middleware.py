"""Tell a user, on the next page they open, that one of their jobs has finished; the jobs menu's
recent jobs come from the same query and are handed to the context processor on the request."""

from django.contrib import messages
from django.urls import reverse
from django.utils.html import format_html

from orders.jobs.models import BulkJob
from orders.jobs.selectors import recent_and_unannounced


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
