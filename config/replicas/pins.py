"""Read-your-writes: after a request that may write, its user reads from the primary until a replica
has replayed past the primary's WAL position (LSN) at the end of that request, or REPLICA_PIN_SECONDS
have passed, whichever comes first.

The pin travels in a signed cookie (a browser's next request, whichever web process answers it) and,
for a signed-in user or an API token's user, in the cache under the user's id (an API client keeps
no cookies; with REDIS_URL every process sees it)."""

import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import connections

COOKIE = "packline_read_pin"
SALT = "config.replicas.pin"


@dataclass(frozen=True)
class Pin:
    lsn: int
    until: float  # time.time()

    def active(self) -> bool:
        return time.time() < self.until

    def as_text(self) -> str:
        return f"{self.lsn}:{self.until:.3f}"

    @classmethod
    def from_text(cls, text) -> "Pin | None":
        try:
            lsn, until = str(text).split(":")
            pin = cls(int(lsn), float(until))
        except (TypeError, ValueError):
            return None
        return pin if pin.active() else None


def _user_key(user) -> str | None:
    if user is not None and getattr(user, "is_authenticated", False) and user.pk is not None:
        return f"replica-pin:{user.pk}"
    return None


class RequestPin:
    """The pin of one request, worked out at its first replica-safe read: the cookie's, or the one
    kept for its user (known only then for an API request, once its token is checked)."""

    def __init__(self, request):
        self.request = request
        self._pin: Pin | None = None
        self._known = False
        self.connected: set[str] = set()  # replicas this request has reached
        self.behind: set[str] = set()  # replicas found not to have replayed the pinned write yet
        self.chosen: str | None = None  # the replica this request reads from

    def pin(self) -> Pin | None:
        if not self._known:
            self._known = True
            pins = [Pin.from_text(self._cookie())]
            key = _user_key(getattr(self.request, "user", None))
            if key:
                pins.append(Pin.from_text(cache.get(key)))
            pins = [pin for pin in pins if pin is not None]
            self._pin = max(pins, key=lambda pin: pin.lsn) if pins else None
        return self._pin if self._pin is not None and self._pin.active() else None

    def _cookie(self) -> str | None:
        try:
            return self.request.get_signed_cookie(COOKIE, salt=SALT, default=None)
        except signing.BadSignature:
            return None


def primary_lsn() -> int:
    """Where the primary's WAL ends now, this request's writes included (health.primary_end)."""
    from config.replicas.health import primary_end

    with connections["default"].cursor() as cursor:
        return primary_end(cursor)


def pin_after_write(request, response) -> None:
    """Pin the request's user (cookie, and cache when signed in) to the primary's current LSN."""
    seconds = settings.REPLICA_PIN_SECONDS
    if seconds <= 0:
        return
    pin = Pin(primary_lsn(), time.time() + seconds)
    response.set_signed_cookie(
        COOKIE,
        pin.as_text(),
        salt=SALT,
        max_age=seconds,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    key = _user_key(getattr(request, "user", None))
    if key:
        cache.set(key, pin.as_text(), timeout=seconds)
