"""The managers' alert banner on every page: the connections failing now (health.failing), read once
per BANNER_SECONDS for everybody. Other roles get nothing and cost no query."""

from django.core.cache import cache
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from channels.connections import health
from channels.connections.services import MANAGE

BANNER_CACHE_KEY = "channels:failing-connections"
BANNER_SECONDS = 30


def failing_connections_now() -> list[health.Failing]:
    return cache.get_or_set(BANNER_CACHE_KEY, health.failing, BANNER_SECONDS)


def failing_connections(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.has_perm(MANAGE):
        return {}
    # Lazy: a partial (an htmx swap) never shows the banner, so it never reads it.
    return {"failing_connections": SimpleLazyObject(failing_connections_now)}
