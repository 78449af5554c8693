"""Idempotency-Keys are kept API_IDEMPOTENCY_KEY_RETENTION_HOURS, then removed by the hourly beat task."""

from datetime import timedelta

import pytest
from django.utils import timezone

from config.celery import app
from orders.api_idempotency import REMOVE_TASK
from orders.models import ApiIdempotencyKey, Order
from orders.tasks import remove_expired_idempotency_keys
from tests.factories import CustomerFactory, ProductFactory

pytestmark = pytest.mark.django_db


def order_body() -> dict:
    return {
        "customer_id": CustomerFactory().pk,
        "lines": [{"sku": ProductFactory().sku, "quantity": 1}],
        "shipping_method": "Standard",
    }


def create(client, key: str, body: dict | None = None):
    response = client.post("/orders", body or order_body(), headers={"Idempotency-Key": key})
    assert response.status_code == 201, response.content
    return response


def age(key: str, hours: float) -> None:
    ApiIdempotencyKey.objects.filter(key=key).update(created_at=timezone.now() - timedelta(hours=hours))


@pytest.mark.parametrize(("retention", "kept_hours", "gone_hours"), [(24, 23.9, 24.1), (2, 1.9, 2.1)])
def test_the_task_removes_keys_past_the_retention_and_keeps_the_others_and_the_orders(
    api, token_for, settings, retention, kept_hours, gone_hours
):
    settings.API_IDEMPOTENCY_KEY_RETENTION_HOURS = retention
    client = api(token_for("manager"))
    create(client, "kept")
    create(client, "gone")
    age("kept", kept_hours)
    age("gone", gone_hours)
    assert remove_expired_idempotency_keys.apply().get() == 1
    assert list(ApiIdempotencyKey.objects.values_list("key", flat=True)) == ["kept"]
    assert Order.objects.count() == 2


def test_a_kept_key_still_replays_and_a_removed_one_creates_anew(api, token_for):
    client = api(token_for("manager"))
    body = order_body()
    first = create(client, "erp-1", body)
    age("erp-1", 23)
    remove_expired_idempotency_keys.apply()
    replay = client.post("/orders", body, headers={"Idempotency-Key": "erp-1"})
    assert replay.status_code == 201 and replay["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json() and Order.objects.count() == 1
    age("erp-1", 25)
    remove_expired_idempotency_keys.apply()
    assert not ApiIdempotencyKey.objects.exists()
    again = create(client, "erp-1", body)
    assert again.json()["number"] != first.json()["number"] and Order.objects.count() == 2


def test_the_task_runs_hourly_from_the_beat_schedule():
    entries = [entry for entry in app.conf.beat_schedule.values() if entry["task"] == REMOVE_TASK]
    assert len(entries) == 1
    schedule = entries[0]["schedule"]
    assert schedule.hour == set(range(24)) and len(schedule.minute) == 1  # once an hour, every hour
    assert REMOVE_TASK in app.tasks
