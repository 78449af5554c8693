"""An eBay seller account connected by command, polled over real HTTP (FakeEbay): the renewed access
token is kept with the connection for every worker, and a revoked consent says so."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import call_command

from channels.connections.models import Connection
from channels.intake.polling import connection_poll
from orders.models import Order
from tests.channels.fakes.ebay import FakeEbay

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "marketplaces" / "ebay" / "fixtures"


def connect(ebay, capsys) -> Connection:
    call_command(
        "channel_connect", "--kind", "ebay", "--name", "Acme on eBay", "--shop-url", "https://www.ebay.co.uk/usr/acme",
        "--api-base-url", ebay.url, "--auth-base-url", ebay.url, "--client-id", ebay.credentials["client_id"],
        "--client-secret", ebay.credentials["client_secret"], "--refresh-token", ebay.credentials["refresh_token"],
    )  # fmt: skip
    return Connection.objects.get(pk=json.loads(capsys.readouterr().out)["id"])


def test_channel_connect_takes_ebays_credentials_and_no_webhook_secret(capsys):
    with FakeEbay() as ebay:
        connection = connect(ebay, capsys)

        assert connection.kind == "ebay" and connection.webhook_secrets == []
        assert connection.credentials == {**ebay.credentials, "auth_base_url": ebay.url}


def test_a_poll_renews_the_token_once_and_keeps_it_for_every_worker(capsys):
    with FakeEbay() as ebay:
        ebay.add_order(json.loads((FIXTURES / "order_paid_gb.json").read_text()))
        connection = connect(ebay, capsys)

        first = connection_poll(connection_id=connection.pk, since=datetime(2020, 1, 1, tzinfo=UTC))
        kept = Connection.objects.get(pk=connection.pk).credentials
        second = connection_poll(connection_id=connection.pk, since=datetime(2020, 1, 1, tzinfo=UTC))

        assert (first.state, first.seen, first.created) == ("done", 1, 1), first.error
        assert kept["access_token"] and kept["access_token_expires_at"]
        assert second.state == "done"
        assert len(ebay.token_requests) == 1  # the second poll's client started with the kept token
    assert Order.objects.filter(channel=connection.channel).count() == 1


def test_a_revoked_consent_fails_the_poll_saying_it_needs_re_authorisation(capsys):
    with FakeEbay() as ebay:
        connection = connect(ebay, capsys)
        ebay.revoke()

        run = connection_poll(connection_id=connection.pk, since=datetime(2020, 1, 1, tzinfo=UTC))

    assert run.state == "failed" and "eBay needs re-authorisation" in run.error


def test_a_poll_cut_short_leaves_the_cursor_of_a_platform_that_pages_by_creation_date(capsys):
    with FakeEbay() as ebay:
        for n in range(3):
            order = json.loads((FIXTURES / "order_paid_gb.json").read_text())
            order["orderId"] = f"12-00000-0000{n}"
            ebay.add_order(order)
        connection = connect(ebay, capsys)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr("channels.marketplaces.ebay.client.EbayClient.orders_updated_since",
                          _first_page_then_down(), raising=True)  # fmt: skip
            run = connection_poll(connection_id=connection.pk, since=datetime(2020, 1, 1, tzinfo=UTC))

    assert run.state == "failed" and run.pages == 1
    assert Connection.objects.get(pk=connection.pk).poll_cursor is None


def _first_page_then_down():
    from channels.marketplaces.base import OrdersPage, PlatformError
    from channels.marketplaces.ebay.client import EbayClient

    original = EbayClient.orders_updated_since
    calls = []

    def page(self, since, cursor=None):
        calls.append(cursor)
        if len(calls) == 1:
            first = original(self, since, cursor)
            return OrdersPage(orders=first.orders[:1], next_cursor="1")
        raise PlatformError("eBay is down")

    return page
