"""Tell a user, on the next page they open, that one of their jobs has finished."""

from django.contrib import messages
from django.urls import reverse
from django.utils.html import format_html

from orders.models import BulkJob


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
            finished = list(
                BulkJob.objects.filter(
                    created_by=user, notified=False, state__in=["done", "failed"]
                ).values_list("pk", "state", "done_count", "skipped_count", "failed_count")[:5]
            )
            for pk, state, done, skipped, failed in finished:
                link = reverse("orders:job", kwargs={"pk": pk})
                text = format_html(
                    '<a class="link-light" href="{}">Job {}</a> {}: {} done, {} skipped, {} failed.',
                    link, pk, "finished" if state == "done" else "failed", done, skipped, failed,
                )  # fmt: skip
                (messages.success if state == "done" and not failed else messages.warning)(request, text)
            if finished:
                BulkJob.objects.filter(pk__in=[row[0] for row in finished]).update(notified=True)
        return self.get_response(request)
