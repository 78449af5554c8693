"""Per-token rate limit of the JSON API, counted in the "api" cache (Redis when REDIS_URL is set, so
that every web process shares one count per token): a fixed window per minute, announced on every
answer with RateLimit headers, and 429 with Retry-After once spent."""

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from ninja.errors import Throttled

from config.ratelimit import window_take

WINDOW = 60  # seconds


@dataclass(frozen=True)
class RateState:
    limit: int
    remaining: int
    reset: int  # seconds until the window ends

    def headers(self) -> dict[str, str]:
        # The IETF httpapi draft's fields, as GitHub and most gateways send them.
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset),
            "RateLimit-Policy": f"{self.limit};w={WINDOW}",
        }


def rate_take(*, request: HttpRequest, token_id: int) -> None:
    """Count one request for the token; raise Throttled (429) when its window's allowance is spent.
    The state is left on the request for the answer's headers (add_headers)."""
    limit = settings.API_RATE_LIMIT_PER_MINUTE
    count = window_take(caches["api"], f"api-rate:{token_id}", WINDOW)
    if count is None:
        return
    used, reset = count.used, count.reset
    request.api_rate = RateState(limit=limit, remaining=max(0, limit - used), reset=reset)
    if used > limit:
        raise Throttled(wait=reset)


def add_headers(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    state = getattr(request, "api_rate", None)
    if state is not None:
        for name, value in state.headers().items():
            response[name] = value
    return response
