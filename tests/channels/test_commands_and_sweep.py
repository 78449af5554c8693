"""channel_simulate against a running server, and the sweeper that repairs lost messages and dead runs."""

import json
from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from channels.connections.models import SyncRun
from channels.intake.models import Delivery
from channels.intake.tasks import sweep
from tests.channels.shops import make_connection
from tests.factories import ProductFactory


@pytest.mark.django_db(transaction=True)
def test_channel_simulate_sends_signed_deliveries_the_server_stores(live_server, capsys):
    ProductFactory(sku="MUG-1", price=Decimal("10.00"))
    shop = make_connection(kind="woocommerce", name="Acme EU")

    with mock.patch("channels.intake.receive.queue_processing"):
        call_command("channel_simulate", str(shop.pk), "--orders", "4", "--url", live_server.url)

    printed = json.loads(capsys.readouterr().out)
    assert printed["sent"] == 4 and printed["answers"] == {"200": 4}
    assert Delivery.objects.filter(connection=shop, topic="order.created").count() == 4


@pytest.mark.django_db
def test_channel_simulate_says_when_nothing_listens():
    shop = make_connection(kind="woocommerce", name="Acme EU")

    with pytest.raises(CommandError, match="Is `make run` running"):
        call_command("channel_simulate", str(shop.pk), "--orders", "1", "--url", "http://127.0.0.1:9")


@pytest.mark.django_db
def test_the_sweeper_asks_again_for_lost_deliveries_and_resumes_a_dead_backfill():
    shop = make_connection()
    old = Delivery.objects.create(
        connection=shop, source="webhook", delivery_id="lost", topic="orders/create", body="{}"
    )
    Delivery.objects.filter(pk=old.pk).update(received_at=timezone.now() - timedelta(minutes=5))
    Delivery.objects.create(
        connection=shop, source="webhook", delivery_id="fresh", topic="orders/create", body="{}"
    )
    backfill = SyncRun.objects.create(connection=shop, kind="backfill", since=timezone.now())
    poll = SyncRun.objects.create(connection=shop, kind="poll", since=timezone.now())
    SyncRun.objects.filter(pk__in=[backfill.pk, poll.pk]).update(
        heartbeat_at=timezone.now() - timedelta(hours=1)
    )

    with (
        mock.patch("channels.intake.tasks.current_app.send_task") as sent,
        mock.patch("channels.intake.tasks.queue_processing") as queued,
        mock.patch("channels.intake.tasks.backfill.delay") as resumed,
    ):
        swept = sweep()

    queued.assert_called_once_with(shop.pk)
    resumed.assert_called_once_with(backfill.pk)
    assert swept["connections"] == [shop.pk] and swept["backfills"] == [backfill.pk]
    poll.refresh_from_db()
    assert poll.state == "failed" and "stopped" in poll.error
    sent.assert_not_called()  # no tracking push was due


@pytest.mark.django_db
def test_a_drain_that_reaches_its_limit_asks_for_another():
    from channels.intake.tasks import process_deliveries

    shop = make_connection()
    for n in range(3):
        Delivery.objects.create(
            connection=shop, source="webhook", delivery_id=f"d{n}", topic="app/uninstalled", body="{}"
        )

    with (
        mock.patch("channels.intake.batch.DRAIN_LIMIT", 2),
        mock.patch("channels.intake.tasks.current_app.send_task") as sent,
    ):
        first = process_deliveries(shop.pk)
        sent.assert_called_once()
        sent.reset_mock()
        second = process_deliveries(shop.pk)

    assert first == {"skipped": 2} and second == {"skipped": 1}
    sent.assert_not_called()
