"""The per-token rate limit: announced on every answer, 429 with Retry-After once spent, per token."""

from uuid import uuid4

import pytest
from django.core.cache import caches

from tests.factories import make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def limit_of_three(settings):
    """Three requests a minute, counted under a key prefix of this test's own: token ids start again
    after a flush (the demo data's tests), and a count left in Redis by an earlier token with the same
    id in the same minute must not spend this one's allowance."""
    settings.API_RATE_LIMIT_PER_MINUTE = 3
    api = settings.CACHES["api"]
    settings.CACHES = {
        **settings.CACHES,
        "api": {**api, "KEY_PREFIX": f"{api.get('KEY_PREFIX', '')}-{uuid4().hex}"},
    }


def test_every_answer_carries_the_limit_and_the_fourth_request_is_429(api, token_for, limit_of_three):
    client = api(token_for("viewer"))
    answers = [client.get("/orders") for _ in range(4)]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert [answer["RateLimit-Remaining"] for answer in answers] == ["2", "1", "0", "0"]
    assert all(answer["RateLimit-Limit"] == "3" for answer in answers)
    assert answers[0]["RateLimit-Policy"] == "3;w=60"
    refused = answers[-1]
    assert refused["Content-Type"] == "application/problem+json"
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused.json()["status"] == 429


def test_each_token_has_its_own_allowance(api, token_for, limit_of_three):
    first, second = api(token_for("viewer")), api(token_for("viewer"))
    for _ in range(3):
        first.get("/orders")
    assert first.get("/orders").status_code == 429
    assert second.get("/orders").status_code == 200


def test_writes_and_refusals_count_too(api, token_for, limit_of_three):
    order = make_order()
    client = api(token_for("csr"))
    client.post(f"/orders/{order.number}/release")  # 409
    client.get("/orders/PL-1")  # 404
    client.get("/orders")
    assert client.get("/orders").status_code == 429


def test_the_count_lives_in_the_shared_api_cache(settings):
    """With REDIS_URL set (as in CI and production) every web process counts in the same Redis."""
    if not settings.REDIS_URL:
        pytest.skip("no REDIS_URL: the api cache is per process")
    assert caches["api"].__class__.__name__ == "RedisCache"
