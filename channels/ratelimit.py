"""The pause a platform asked for (HTTP 429 Retry-After, Shopify's THROTTLED), shared by every worker
on every machine through the connection's row: one worker told to wait makes them all wait."""

import time
from datetime import timedelta

from django.db.models import F
from django.db.models.functions import Greatest, Now
from django.utils import timezone

from channels.connections.models import Connection

LONGEST_PAUSE = 300.0  # seconds; a platform asking for more is treated as down and tried later


class ConnectionLimiter:
    def __init__(self, connection_id: int, *, sleep=time.sleep):
        self.connection_id = connection_id
        self.sleep = sleep

    def wait(self) -> None:
        until = (
            Connection.objects.filter(pk=self.connection_id).values_list("throttled_until", flat=True).first()
        )
        if until is None:
            return
        remaining = (until - timezone.now()).total_seconds()
        if remaining > 0:
            self.sleep(min(remaining, LONGEST_PAUSE))

    def pause(self, seconds: float) -> None:
        seconds = max(0.0, min(float(seconds), LONGEST_PAUSE))
        later = Now() + timedelta(seconds=seconds)
        # GREATEST: a shorter pause asked for by one worker never cuts a longer one asked for by another.
        Connection.objects.filter(pk=self.connection_id).update(
            throttled_until=Greatest(F("throttled_until"), later)
        )
