"""The top bar's jobs menu: the user's recent mass actions, read only when a page shows them."""

from django.utils.functional import SimpleLazyObject

from orders.jobs.selectors import recent_jobs as read_recent_jobs


def recent_jobs(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    if hasattr(request, "recent_jobs"):  # read by JobNotificationMiddleware with the toasts
        return {"recent_jobs": request.recent_jobs}
    return {"recent_jobs": SimpleLazyObject(lambda: read_recent_jobs(user))}
