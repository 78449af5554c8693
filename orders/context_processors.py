"""The top bar's jobs menu: the user's recent mass actions, read only when a page shows them."""

from django.utils.functional import SimpleLazyObject

from orders.models import BulkJob


def recent_jobs(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Not the selection or parameters: a hand-picked selection holds every order id (10,000 ids decode
    # in milliseconds, on every page).
    recent = BulkJob.objects.filter(created_by=user).only(
        "action", "state", "total", "done_count", "skipped_count", "failed_count"
    )
    return {"recent_jobs": SimpleLazyObject(lambda: list(recent[:6]))}
