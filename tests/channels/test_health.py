"""Connection health (issue 17): the figures each connection's rows give, in words on the list and the
connection page, the failing rule at its boundaries, the tokens that run out, and the query counts."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from channels.connections import health
from channels.connections.models import Connection, SyncRun
from channels.intake.models import Delivery
from channels.intake.polling import connection_poll
from channels.tracking.models import TrackingPush
from tests.channels.factories import (
    ConnectionFactory,
    DeliveryFactory,
    SyncRunFactory,
    TrackingPushFactory,
)
from tests.channels.fakes.ebay import FakeEbay

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_client(client, users):
    client.force_login(users["manager"])
    return client


def ago(now: datetime, **span) -> datetime:
    return now - timedelta(**span)


def made(connection: Connection, at: datetime) -> None:
    Connection.objects.filter(pk=connection.pk).update(created_at=at)


def poll(connection: Connection, state: str, finished_at: datetime, kind: str = SyncRun.Kind.POLL) -> SyncRun:
    run = SyncRunFactory(connection=connection, kind=kind, state=state)
    SyncRun.objects.filter(pk=run.pk).update(started_at=finished_at, finished_at=finished_at)
    return run


def webhook(connection: Connection, state: str, at: datetime) -> Delivery:
    delivery = DeliveryFactory(connection=connection, state=state)
    Delivery.objects.filter(pk=delivery.pk).update(received_at=at, processed_at=at)
    return delivery


def health_of(connection: Connection, now: datetime) -> health.Health:
    [row] = health.with_health(now=now, pk=connection.pk)
    return row.health


def failing_names(now: datetime) -> list[str]:
    return [failing.name for failing in health.failing(now=now)]


# The figures ------------------------------------------------------------------------------------------


def test_the_figures_come_from_the_connections_rows_and_read_as_words(manager_client):
    now = timezone.now()
    shop = ConnectionFactory(name="Acme Store")
    made(shop, ago(now, days=10))
    poll(shop, SyncRun.State.DONE, ago(now, hours=3, minutes=10))
    webhook(shop, Delivery.State.APPLIED, ago(now, hours=5))
    poll(shop, SyncRun.State.FAILED, ago(now, hours=2))
    poll(shop, SyncRun.State.FAILED, ago(now, hours=30))  # older than the day: not counted
    webhook(shop, Delivery.State.FAILED, ago(now, hours=4))
    DeliveryFactory.create_batch(2, connection=shop)  # waiting to be applied
    TrackingPushFactory.create_batch(2, connection=shop)
    TrackingPushFactory(connection=shop, state=TrackingPush.State.FAILED)
    TrackingPushFactory(connection=shop, state=TrackingPush.State.SENT)
    TrackingPushFactory(state=TrackingPush.State.PENDING)  # another connection's

    figures = health_of(shop, now)

    assert figures.last_success_at == now - timedelta(hours=3, minutes=10)
    assert (figures.failed_24h, figures.failed_runs_24h, figures.failed_last_hour) == (1, 1, 0)
    assert (figures.backlog, figures.pushes_pending, figures.pushes_failed) == (2, 2, 1)
    assert figures.lag_words == "Last successful sync 3 h ago"
    assert figures.failures_words == "1 failed delivery, 1 failed sync in 24 h"
    assert figures.pushes_words == "Tracking: 2 pushes waiting, 1 given up"
    for url in (reverse("channels:connection_list"), reverse("channels:connection_detail", args=[shop.pk])):
        html = manager_client.get(url).content.decode()
        assert "Last successful sync 3 h ago" in html and "1 failed delivery, 1 failed sync in 24 h" in html
        assert "Tracking: 2 pushes waiting, 1 given up" in html
        assert "2 deliveries waiting to be applied" in html


def test_a_webhook_applied_after_the_last_poll_is_the_last_successful_sync():
    now = timezone.now()
    shop = ConnectionFactory()
    poll(shop, SyncRun.State.DONE, ago(now, hours=2))
    webhook(shop, Delivery.State.APPLIED, ago(now, minutes=40))
    webhook(shop, Delivery.State.FAILED, ago(now, minutes=5))  # a failure is no success

    assert health_of(shop, now).lag_words == "Last successful sync 40 min ago"


def test_a_connection_that_never_synced_says_so_and_a_quiet_one_says_nothing_failed():
    now = timezone.now()
    shop = ConnectionFactory()

    figures = health_of(shop, now)

    assert figures.lag_words == "No successful sync yet"
    assert (
        figures.failures_words == "No failures in 24 h"
        and figures.pushes_words == "Tracking: no pushes waiting"
    )
    assert figures.tokens == () and not figures.troubled


# The failing rule ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("minutes", "is_failing"), [(59, False), (61, True)])
def test_a_connection_fails_once_its_last_success_is_more_than_an_hour_old(minutes, is_failing):
    now = timezone.now()
    shop = ConnectionFactory(name="Acme Store")
    made(shop, ago(now, days=1))
    poll(shop, SyncRun.State.DONE, ago(now, minutes=minutes))
    poll(shop, SyncRun.State.FAILED, ago(now, minutes=5))

    assert failing_names(now) == (["Acme Store"] if is_failing else [])
    if is_failing:
        [failing] = health.failing(now=now)
        assert failing.reason == "no successful sync for 1 h, and syncing failed in the last hour"


@pytest.mark.parametrize(("minutes", "is_failing"), [(59, True), (61, False)])
def test_only_a_failure_within_the_hour_makes_a_stale_connection_failing(minutes, is_failing):
    now = timezone.now()
    shop = ConnectionFactory(name="Acme Store")
    made(shop, ago(now, days=1))
    poll(shop, SyncRun.State.DONE, ago(now, hours=3))
    webhook(shop, Delivery.State.FAILED, ago(now, minutes=minutes))

    assert failing_names(now) == (["Acme Store"] if is_failing else [])


def test_a_refused_signature_in_the_hour_is_a_failure_too():
    now = timezone.now()
    shop = ConnectionFactory(name="Acme Store")
    made(shop, ago(now, days=1))
    webhook(shop, Delivery.State.APPLIED, ago(now, hours=2))
    Connection.objects.filter(pk=shop.pk).update(rejected_deliveries=3, last_rejected_at=ago(now, minutes=10))

    assert failing_names(now) == ["Acme Store"]


def test_a_paused_connection_is_never_failing():
    now = timezone.now()
    shop = ConnectionFactory(name="Acme Store", paused=True)
    made(shop, ago(now, days=1))
    poll(shop, SyncRun.State.FAILED, ago(now, minutes=5))

    assert failing_names(now) == []
    [row] = health.with_health(now=now, pk=shop.pk)
    assert row.failing_reason is None


def test_a_connection_made_minutes_ago_is_not_failing_yet_but_one_that_never_synced_in_hours_is():
    now = timezone.now()
    new = ConnectionFactory(name="New Store")
    made(new, ago(now, minutes=30))
    old = ConnectionFactory(name="Old Store")
    made(old, ago(now, hours=2))
    for shop in (new, old):
        poll(shop, SyncRun.State.FAILED, ago(now, minutes=5))

    [failing] = health.failing(now=now)
    assert (
        failing.name == "Old Store" and failing.reason == "never synced, and syncing failed in the last hour"
    )


def test_an_ebay_connection_whose_consent_was_revoked_fails_and_its_page_says_why(capsys, manager_client):
    from tests.channels.test_ebay_connection import connect

    with FakeEbay() as ebay:
        shop = connect(ebay, capsys)
        made(shop, timezone.now() - timedelta(hours=2))
        ebay.revoke()
        run = connection_poll(connection_id=shop.pk, since=datetime(2020, 1, 1, tzinfo=UTC))
    assert run.state == SyncRun.State.FAILED

    assert failing_names(timezone.now()) == ["Acme on eBay"]
    html = manager_client.get(reverse("channels:connection_detail", args=[shop.pk])).content.decode()
    assert 'data-testid="connection-failing"' in html and "never synced, and syncing failed" in html
    assert "needs re-authorisation" in html  # the run's error, shown under Runs


def test_a_lost_consent_fails_at_once_because_nothing_recovers_until_a_manager_authorises_again():
    now = timezone.now()
    shop = ConnectionFactory(name="Acme on eBay")
    made(shop, ago(now, minutes=10))
    assert failing_names(now) == []

    Connection.objects.filter(pk=shop.pk).update(
        authorisation_failed_at=ago(now, minutes=1), authorisation_error="invalid_grant: consent revoked"
    )
    assert failing_names(now) == ["Acme on eBay"]
    [row] = health.with_health(now=now, pk=shop.pk)
    assert row.failing_reason == "needs re-authorisation (invalid_grant: consent revoked)"

    Connection.objects.filter(pk=shop.pk).update(paused=True)
    assert failing_names(now) == []


# Tokens ---------------------------------------------------------------------------------------------


def test_an_ebay_poll_keeps_the_renewed_tokens_expiry_and_the_page_shows_it(capsys, manager_client):
    from tests.channels.test_ebay_connection import connect

    with FakeEbay(expires_in=40 * 60 + 30) as ebay:
        shop = connect(ebay, capsys)
        run = connection_poll(connection_id=shop.pk, since=datetime(2020, 1, 1, tzinfo=UTC))
    assert run.state == SyncRun.State.DONE, run.error

    html = manager_client.get(reverse("channels:connection_detail", args=[shop.pk])).content.decode()
    assert "Access token expires in 40 min (renewed by itself)" in html
    assert "Last successful sync under a minute ago" in html
    # An access token renews itself: the list does not mention it.
    assert "Access token" not in manager_client.get(reverse("channels:connection_list")).content.decode()


def test_a_refresh_token_running_out_is_named_on_the_list_and_troubles_the_connection(manager_client):
    now = timezone.now()
    ebay = ConnectionFactory(
        name="Acme on eBay",
        kind="ebay",
        credentials={
            "refresh_token": "v^1.1#r",
            "access_token_expires_at": (now + timedelta(minutes=90)).isoformat(),
            "refresh_token_expires_at": (now + timedelta(days=12, minutes=5)).isoformat(),
        },
    )
    tiktok = ConnectionFactory(
        name="Acme UK",
        kind="tiktok",
        credentials={
            "access_token_expires_at": str(int((now + timedelta(days=6, hours=1)).timestamp())),
            "refresh_token_expires_at": str(int((now - timedelta(days=3, minutes=5)).timestamp())),
        },
    )
    far = ConnectionFactory(
        kind="ebay", credentials={"refresh_token_expires_at": (now + timedelta(days=400)).isoformat()}
    )

    ebay_health, tiktok_health, far_health = (health_of(shop, now) for shop in (ebay, tiktok, far))

    assert [token.name for token in ebay_health.tokens_expiring] == ["refresh token"]
    assert ebay_health.token_lines == [
        ("Access token expires in 1 h (renewed by itself)", False),
        ("Refresh token expires in 12 days", True),
    ]
    assert tiktok_health.token_lines == [
        ("Access token expires in 6 days (renewed by itself)", False),
        ("Refresh token expired 3 days ago", True),
    ]
    assert ebay_health.troubled and tiktok_health.troubled
    assert far_health.tokens_expiring == () and not far_health.troubled
    html = manager_client.get(reverse("channels:connection_list")).content.decode()
    assert "Refresh token expires in 12 days" in html and "Refresh token expired 3 days ago" in html
    assert "renewed by itself" not in html


def test_an_unreadable_expiry_is_left_out_and_a_shop_without_tokens_has_none():
    now = timezone.now()
    ebay = ConnectionFactory(
        kind="ebay", credentials={"access_token_expires_at": "soon", "refresh_token_expires_at": ""}
    )
    shopify = ConnectionFactory(kind="shopify", credentials={"access_token_expires_at": now.isoformat()})

    assert health_of(ebay, now).tokens == () and health_of(shopify, now).tokens == ()


# Queries ----------------------------------------------------------------------------------------------


def test_every_connections_health_and_the_failing_ones_are_one_statement_for_ten_as_for_one():
    now = timezone.now()

    def busy_connection() -> None:
        shop = ConnectionFactory(kind="ebay", credentials={"refresh_token_expires_at": now.isoformat()})
        made(shop, ago(now, days=1))
        poll(shop, SyncRun.State.FAILED, ago(now, minutes=5))
        webhook(shop, Delivery.State.APPLIED, ago(now, hours=2))
        TrackingPushFactory(connection=shop)

    busy_connection()
    for figures in (lambda: health.with_health(now=now), lambda: health.failing(now=now)):
        with CaptureQueriesContext(db) as one:
            assert len(figures()) == 1
        assert len(one) == 1
    for _ in range(9):
        busy_connection()
    for figures in (lambda: health.with_health(now=now), lambda: health.failing(now=now)):
        with CaptureQueriesContext(db) as ten:
            assert len(figures()) == 10
        assert len(ten) == 1
