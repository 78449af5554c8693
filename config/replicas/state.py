"""Per-request (per context) state of replica routing: whether reads are replica-safe here, and the
request's pin to the primary (read-your-writes)."""

from contextlib import ContextDecorator
from contextvars import ContextVar

_replica_safe: ContextVar[bool] = ContextVar("replica_safe", default=False)
_request_pin: ContextVar[object | None] = ContextVar("replica_request_pin", default=None)


class replica_reads(ContextDecorator):
    """The reads of this block (or view) may be served by a replica: they show what was committed a
    moment ago, not what this request writes. Reads inside a transaction still go to the primary, and
    so do a user's reads just after they wrote. Without replicas this changes nothing."""

    def _recreate_cm(self):
        return type(self)()  # a decorated view runs in many threads at once: one token each

    def __enter__(self):
        self._token = _replica_safe.set(True)
        return self

    def __exit__(self, *exc):
        _replica_safe.reset(self._token)
        return False


class primary_reads(replica_reads):
    """The reads of this block go to the primary, even inside a replica_reads view."""

    def __enter__(self):
        self._token = _replica_safe.set(False)
        return self


def replica_safe() -> bool:
    return _replica_safe.get()


def request_pin():
    """The current request's pin (config/replicas/pins.RequestPin), or None outside a request."""
    return _request_pin.get()


def set_request_pin(pin):
    return _request_pin.set(pin)


def reset_request_pin(token) -> None:
    _request_pin.reset(token)
