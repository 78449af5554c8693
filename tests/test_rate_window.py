"""config.ratelimit.window_take, the fixed-window count behind the API's per-token limit and the
password reset's limits: the same counts on Redis (one round trip) and on a per-process cache."""

from uuid import uuid4

import pytest
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from redis.connection import AbstractConnection

from config.ratelimit import window_take


@pytest.fixture
def redis_cache(settings):
    if not settings.REDIS_URL:
        pytest.skip("no REDIS_URL: no Redis to count in")
    cache = caches["api"]
    assert cache.__class__.__name__ == "RedisCache"
    return cache


def test_redis_counts_each_request_in_one_round_trip(redis_cache, monkeypatch):
    key = f"test-window:{uuid4().hex}"
    window_take(redis_cache, key, 60)  # the client's connection is made here, outside the count
    sent = []
    send = AbstractConnection.send_packed_command
    monkeypatch.setattr(
        AbstractConnection,
        "send_packed_command",
        lambda self, *args, **kwargs: sent.append(args) or send(self, *args, **kwargs),
    )
    counts = [window_take(redis_cache, key, 60) for _ in range(3)]
    assert [count.used for count in counts] == [2, 3, 4]
    assert len(sent) == 3


def test_a_redis_bucket_expires_after_its_window(redis_cache):
    key = f"test-window:{uuid4().hex}"
    count = window_take(redis_cache, key, 60)
    assert count.used == 1 and 1 <= count.reset <= 60
    bucket = next(k for k in redis_cache._cache.get_client().scan_iter(f"*{key}:*"))
    assert 60 < redis_cache._cache.get_client().ttl(bucket) <= 65


def test_redis_and_a_process_cache_count_alike(redis_cache):
    key = f"test-window:{uuid4().hex}"
    local = LocMemCache(f"test-window-{uuid4().hex}", {})
    for expected in (1, 2, 3):
        assert window_take(redis_cache, key, 60).used == expected
        assert window_take(local, key, 60).used == expected


def test_an_unreachable_cache_counts_nothing_and_refuses_nothing(settings):
    settings.CACHES = {
        **settings.CACHES,
        "unreachable": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        },
    }
    assert window_take(caches["unreachable"], "test-window:down", 60) is None
