"""Idempotency-Key for the API's creating requests: the same key with the same body answers the first
answer again (same status, same body) and creates nothing; with another body it is refused.

The key's row is written in the same transaction as what the request creates. A second request with
the same key waits on the row's unique index until the first commits, then finds its answer: two
parallel requests create one order. A request that fails writes nothing, key included, so the client
may retry it with the same key."""

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from ninja.errors import HttpError

from orders.models import ApiIdempotencyKey

MAX_KEY_LENGTH = 255
REMOVE_TASK = "orders.idempotency_keys_remove_expired"


class KeyReused(HttpError):
    def __init__(self, key: str):
        super().__init__(
            422, f"Idempotency-Key {key[:60]!r} was used with a different request; use a new key for it."
        )


def request_digest(operation: str, canonical_body: str) -> str:
    return hashlib.sha256(f"{operation}\n{canonical_body}".encode()).hexdigest()


def answer_once(
    *, user, key: str, operation: str, canonical_body: str, run: Callable[[], tuple[int, dict, object]]
) -> tuple[int, dict, bool]:
    """(status, body, replayed). `run` does the work and returns (status, body, order or None)."""
    if not key.strip() or len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise HttpError(400, f"An Idempotency-Key is 1 to {MAX_KEY_LENGTH} printable ASCII characters.")
    digest = request_digest(operation, canonical_body)
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = ApiIdempotencyKey.objects.create(
                    user=user,
                    key=key,
                    operation=operation,
                    request_hash=digest,
                    status_code=0,
                    response_body={},
                )
        except IntegrityError:
            # Committed by an earlier (or the parallel) request: its answer is the answer.
            record = ApiIdempotencyKey.objects.get(user=user, key=key)
            if record.request_hash != digest:
                raise KeyReused(key) from None
            return record.status_code, record.response_body, True
        status, body, order = run()
        record.status_code, record.response_body, record.order = status, body, order
        record.save(update_fields=["status_code", "response_body", "order"])
    return status, body, False


def idempotency_keys_remove_expired(*, now: datetime | None = None) -> int:
    """Remove the keys older than API_IDEMPOTENCY_KEY_RETENTION_HOURS (hourly, orders/tasks.py): a key
    answers its first answer again for at least that long. Returns the number removed. One DELETE on
    the keys' created_at index (0019); the orders they created stay, of course."""
    cutoff = (now or timezone.now()) - timedelta(hours=settings.API_IDEMPOTENCY_KEY_RETENTION_HOURS)
    removed, _by_model = ApiIdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return removed
