"""The top bar's jobs menu: the user's recent mass actions, read only when a page shows them."""

from django.utils.functional import SimpleLazyObject

from orders.models import BulkJob


def recent_jobs(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"recent_jobs": SimpleLazyObject(lambda: list(BulkJob.objects.filter(created_by=user)[:6]))}
