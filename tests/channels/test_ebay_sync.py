"""An eBay seller account polled through the framework over real HTTP (FakeEbay), with the documented
order (fixtures/order_paid_gb.json, unknown keys included): a poll over several pages survives an
access token that runs out between two pages (401, renewal, the page asked again) and a 429 whose
Retry-After the shared limiter waits out, and loses nothing; an order a poll never saw (eBay showed it
late, with a modification date behind the poll cursor) is repaired by the nightly reconciliation, which
lists it in the sync log."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from channels.connections.models import Connection
from channels.intake.models import Delivery
from channels.intake.polling import connection_poll, connection_reconcile
from fulfilment.models import StockItem
from orders.models import Order, Warehouse
from tests.channels.fakes.ebay import API, FakeEbay
from tests.channels.marketplace_shops import connect_ebay
from tests.channels.marketplaces.ebay.conftest import ebay_order
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def catalogue():
    warehouse = Warehouse.objects.get(is_default=True)
    for sku in ("MUG-SLATE", "TOWEL-NAT"):
        product = ProductFactory(sku=sku, price=Decimal("10.00"))
        StockItem.objects.create(warehouse=warehouse, product=product, on_hand=100)


def stock(ebay: FakeEbay, count: int, start: datetime) -> list[str]:
    return [
        ebay.add_order(ebay_order(f"12-04711-{n:05d}", start + timedelta(minutes=n)))["orderId"]
        for n in range(count)
    ]


def test_a_poll_over_three_pages_renews_a_token_that_ran_out_and_waits_out_a_429(capsys):
    with FakeEbay() as ebay:
        ids = stock(ebay, 5, timezone.now() - timedelta(hours=3))
        ebay.max_page_size = 2
        connection = connect_ebay(ebay, lambda: capsys.readouterr().out)
        ebay.expire_tokens_after(1)  # the first page is answered, then the token runs out
        # The third page's first ask: page 1, page 2 (refused: expired), page 2 again, then the 429.
        ebay.fail_next(429, retry_after=0.3, path=f"{API}/order", method="GET", after=3)

        run = connection_poll(connection_id=connection.pk, since=LONG_AGO)

        listings = [r for r in ebay.requests if r.path == f"{API}/order"]
        assert (run.state, run.pages, run.seen, run.created, run.failed) == ("done", 3, 5, 5, 0), run.error
        assert [r.status for r in listings] == [200, 401, 200, 429, 200]
        assert [r.query["offset"] for r in listings] == ["0", "2", "2", "4", "4"]
        assert ebay.token_requests == ["refresh_token", "refresh_token"]
        kept = Connection.objects.get(pk=connection.pk)
        assert kept.credentials["access_token"] == listings[-1].bearer != listings[0].bearer
        assert kept.throttled_until is not None  # the pause was kept for every worker
    orders = Order.objects.filter(channel=connection.channel)
    assert sorted(orders.values_list("channel_order_id", flat=True)) == ids
    assert Delivery.objects.filter(run=run, state="applied").count() == 5


def test_the_nightly_reconciliation_imports_an_order_the_polls_never_saw_and_logs_it(capsys):
    with FakeEbay() as ebay:
        now = timezone.now()
        polled = stock(ebay, 3, now - timedelta(hours=2))
        connection = connect_ebay(ebay, lambda: capsys.readouterr().out)
        first = connection_poll(connection_id=connection.pk, since=now - timedelta(hours=6))
        assert (first.state, first.created) == ("done", 3), first.error
        cursor = Connection.objects.get(pk=connection.pk).poll_cursor
        # eBay shows an order late, modified well before the cursor: the next poll's window misses it.
        late = ebay.add_order(ebay_order("12-04711-09999", now - timedelta(hours=5)))["orderId"]
        missed = connection_poll(connection_id=connection.pk)
        assert (missed.state, missed.seen, missed.created) == ("done", 3, 0), missed.error  # the overlap only
        assert not Order.objects.filter(channel_order_id=late).exists()

        run = connection_reconcile(connection_id=connection.pk)

    assert (run.kind, run.state, run.seen, run.created, run.skipped) == ("reconcile", "done", 4, 1, 3)
    order = Order.objects.get(channel=connection.channel, channel_order_id=late)
    logged = list(
        Delivery.objects.filter(run=run).values_list("platform_order_id", "state", "outcome", "order")
    )
    assert logged == [(late, "applied", f"created {order.display_number}", order.pk)]
    assert sorted(
        Order.objects.filter(channel=connection.channel).values_list("channel_order_id", flat=True)
    ) == [
        *polled,
        late,
    ]
    assert Connection.objects.get(pk=connection.pk).poll_cursor == cursor
