"""Fixed-window counting in a cache shared by every process (Redis when REDIS_URL is set): the one rule
behind the API's per-token limit and the password reset's per-address and per-IP limits."""

import logging
import time
from dataclasses import dataclass

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class WindowCount:
    used: int  # requests counted in this window, this one included
    reset: int  # seconds until the window ends


def window_take(cache, key: str, window: int) -> WindowCount | None:
    """Count one request under `key` in the current window of `window` seconds. None when the cache
    cannot be reached: a cache outage must not take the pages or the API down with it."""
    now = time.time()
    start = int(now // window) * window
    reset = max(1, int(start + window - now + 0.999))
    bucket = f"{key}:{start}"
    try:
        cache.add(bucket, 0, timeout=window + 5)
        used = cache.incr(bucket)
    except Exception:
        logger.warning(
            "rate limit not counted for %s: the cache is unavailable", key.split(":")[0], exc_info=True
        )
        return None
    return WindowCount(used=used, reset=reset)
