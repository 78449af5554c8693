"""The managers' banner (issue 17): on every page, superadmins and managers see the connections failing
now, read at most once per 30 s; other roles never see it and pay no query for it."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from channels.connections.models import Connection, SyncRun
from channels.context_processors import BANNER_CACHE_KEY, BANNER_SECONDS
from tests.channels.factories import ConnectionFactory, SyncRunFactory

pytestmark = pytest.mark.django_db

PAGES = ("orders:list", "home", "channels:connection_list")
CONNECTION_QUERIES = "sales_channels_connection"


def failing_shop(name: str = "Acme Store", **fields) -> Connection:
    """A connection made two hours ago whose every poll since failed, the last five minutes ago."""
    shop = ConnectionFactory(name=name, **fields)
    now = timezone.now()
    Connection.objects.filter(pk=shop.pk).update(created_at=now - timedelta(hours=2))
    run = SyncRunFactory(connection=shop, state=SyncRun.State.FAILED)
    SyncRun.objects.filter(pk=run.pk).update(finished_at=now - timedelta(minutes=5))
    return shop


def connection_queries(captured) -> list[str]:
    return [query["sql"] for query in captured if CONNECTION_QUERIES in query["sql"]]


@pytest.mark.parametrize("role", ["manager", "superadmin"])
@pytest.mark.parametrize("page", PAGES)
def test_managers_see_the_banner_on_every_page_linking_to_the_connection(client, users, role, page):
    shop = failing_shop()
    ConnectionFactory(name="Healthy Store")
    client.force_login(users[role])

    html = client.get(reverse(page)).content.decode()

    assert html.count('data-testid="failing-banner"') == 1
    assert html.count('data-testid="failing-connection"') == 1
    assert f'href="{reverse("channels:connection_detail", args=[shop.pk])}"' in html
    assert "Acme Store</a> (Shopify) is failing: never synced, and syncing failed in the last hour." in html


@pytest.mark.parametrize("role", ["csr", "warehouse", "agent", "viewer"])
def test_other_roles_never_see_it_and_pay_no_query_for_it(client, users, role):
    client.force_login(users[role])
    url = reverse("home")
    client.get(url)  # the session and the permission caches are warm
    with CaptureQueriesContext(db) as without_failing:
        client.get(url)
    failing_shop()
    client.get(url)  # the shop's new channel changed the reference data: the permissions are read again
    with CaptureQueriesContext(db) as with_failing:
        html = client.get(url).content.decode()

    assert 'data-testid="failing-banner"' not in html and "Acme Store" not in html
    assert connection_queries(with_failing) == [] and len(with_failing) == len(without_failing)
    assert cache.get(BANNER_CACHE_KEY) is None


def test_no_banner_when_nothing_fails_nor_for_a_paused_connection(client, users):
    failing_shop(paused=True)
    client.force_login(users["manager"])

    assert 'data-testid="failing-banner"' not in client.get(reverse("orders:list")).content.decode()


def test_the_banner_is_read_once_per_30_seconds_for_every_manager(client, users, make_user):
    failing_shop()
    client.force_login(users["manager"])
    with CaptureQueriesContext(db) as first:
        client.get(reverse("home"))
    client.force_login(make_user("manager", username="another-manager"))
    with CaptureQueriesContext(db) as second:
        html = client.get(reverse("home")).content.decode()

    assert len(connection_queries(first)) == 1
    assert connection_queries(second) == [] and 'data-testid="failing-banner"' in html
    assert BANNER_SECONDS == 30

    # A recovered connection leaves the banner once the cached figure has expired.
    Connection.objects.update(paused=True)
    assert 'data-testid="failing-banner"' in client.get(reverse("home")).content.decode()
    cache.delete(BANNER_CACHE_KEY)
    assert 'data-testid="failing-banner"' not in client.get(reverse("home")).content.decode()


def test_an_htmx_partial_does_not_read_the_banner(client, users):
    failing_shop()
    run = SyncRunFactory(connection=ConnectionFactory())
    client.force_login(users["manager"])

    with CaptureQueriesContext(db) as captured:
        response = client.get(reverse("channels:sync_run", args=[run.pk]), headers={"HX-Request": "true"})

    assert response.status_code == 200 and cache.get(BANNER_CACHE_KEY) is None
    assert not [sql for sql in connection_queries(captured) if "paused" in sql]
