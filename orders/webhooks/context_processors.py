"""The managers' notice of disabled webhook subscriptions, beside the failing connections banner:
read once per NOTICE_SECONDS for everybody; other roles get nothing and cost no query."""

from django.core.cache import cache
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from orders.webhooks.selectors import MANAGE, NOTICE_CACHE_KEY, disabled_subscriptions

NOTICE_SECONDS = 30


def disabled_webhooks_now() -> list:
    return cache.get_or_set(NOTICE_CACHE_KEY, disabled_subscriptions, NOTICE_SECONDS)


def disabled_webhooks(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.has_perm(MANAGE):
        return {}
    return {"disabled_webhooks": SimpleLazyObject(disabled_webhooks_now)}
