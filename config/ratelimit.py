"""Fixed-window counting in a cache shared by every process (Redis when REDIS_URL is set): the one rule
behind the API's per-token limit and the password reset's per-address and per-IP limits."""

import logging
import time
from dataclasses import dataclass

from django.core.cache.backends.redis import RedisCache

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
        used = _count(cache, bucket, timeout=window + 5)
    except Exception:
        logger.warning(
            "rate limit not counted for %s: the cache is unavailable", key.split(":")[0], exc_info=True
        )
        return None
    return WindowCount(used=used, reset=reset)


def _count(cache, bucket: str, timeout: int) -> int:
    """Add one to the bucket's count and return it; a new bucket lives `timeout` seconds. On Redis,
    one round trip: INCR and EXPIRE sent together (Django's add and incr take three, a millisecond of
    every API request on a loaded machine). The bucket's name holds its window's start, so renewing
    its expiry on every request never carries a count into the next window."""
    if isinstance(cache, RedisCache):
        key = cache.make_and_validate_key(bucket)
        client = cache._cache.get_client(key, write=True)  # Django's Redis client (redis-py)
        pipeline = client.pipeline(transaction=False)
        pipeline.incr(key)
        pipeline.expire(key, timeout)
        used, _renewed = pipeline.execute()
        return used
    cache.add(bucket, 0, timeout=timeout)
    return cache.incr(bucket)
