"""The WooCommerce client over real HTTP against FakeWooCommerce: paging, rate limits, failures,
timeouts, bad keys and tracking pushed back, each checked by what the fake shop recorded."""

import json
import logging
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from channels.marketplaces.base import Access, PlatformError, TrackingLine, TrackingPush
from channels.marketplaces.woocommerce import PLATFORM
from channels.marketplaces.woocommerce.client import WooCommerceClient
from tests.channels.fakes.woocommerce import FakeWooCommerce
from tests.channels.marketplaces.woocommerce.conftest import raw

SINCE = datetime(2025, 5, 1, 12, 0, 0, tzinfo=UTC)


def shop_order(order_id: int, modified: datetime, **changes) -> dict:
    """The documented order (fixtures/order_processing.json) as the shop stores it, renumbered."""
    order = json.loads(raw("order_processing.json"))
    stamp = modified.strftime("%Y-%m-%dT%H:%M:%S")
    order.update(
        id=order_id, number=str(order_id), date_modified_gmt=stamp, date_created_gmt=stamp, **changes
    )
    return order


def test_check_answers_the_shops_name_after_trying_the_keys(shop, connect, limiter):
    assert connect().check() == "Fake Woo Shop"

    assert [(r.method, r.path, r.status) for r in shop.requests] == [
        ("GET", "/wp-json/", 200),
        ("GET", "/wp-json/wc/v3/orders", 200),
    ]
    assert shop.requests[1].authorised
    assert limiter.waits == 2  # the limiter is asked before every request


def test_the_platform_builds_a_client_on_the_shops_own_site(shop, limiter):
    access = Access(shop_url=shop.url + "/", api_base_url="", credentials=shop.credentials)
    with PLATFORM.client(access, limiter) as client:
        assert client.base_url == shop.url
        assert client.check() == "Fake Woo Shop"


def test_bad_keys_are_a_permanent_error_a_manager_can_act_on(shop, connect):
    client = connect({"consumer_key": "ck_wrong", "consumer_secret": "cs_wrong"})

    with pytest.raises(PlatformError) as refused:
        client.orders_updated_since(SINCE)

    assert refused.value.permanent
    message = str(refused.value)
    assert "HTTP 401: woocommerce_rest_cannot_view" in message
    assert "Check the consumer key and secret" in message
    assert "WooCommerce accepts keys over HTTPS only" in message  # the fake's address is http://
    assert len(shop.requests) == 1  # not retried


def test_paging_returns_every_changed_order_once_oldest_change_first(shop, connect):
    # 250 orders changed after SINCE, inserted out of order, and 5 changed before it.
    for n in range(250):
        shop.add_order(shop_order(5000 + (n * 7919) % 250, SINCE + timedelta(minutes=(n * 7919) % 250)))
    for n in range(5):
        shop.add_order(shop_order(4000 + n, SINCE - timedelta(hours=1, minutes=n)))
    client = connect()

    orders, cursor, pages = [], None, 0
    while True:
        page = client.orders_updated_since(SINCE, cursor)
        orders.extend(page.orders)
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break

    assert pages == 3
    assert [order.platform_order_id for order in orders] == [str(5000 + n) for n in range(250)]
    assert [order.updated_at for order in orders] == sorted(order.updated_at for order in orders)
    assert orders[0].updated_at == SINCE  # changed at `since` exactly: included
    assert [r.query for r in shop.requests] == [
        {
            "modified_after": "2025-05-01T11:59:59",
            "dates_are_gmt": "true",
            "orderby": "modified",
            "order": "asc",
            "per_page": "100",
            "page": str(page_number),
        }
        for page_number in (1, 2, 3)
    ]


def test_a_429_with_retry_after_pauses_the_connection_then_succeeds(shop, connect, limiter):
    shop.add_order(shop_order(5001, SINCE))
    shop.fail_next(429, retry_after=0.5)
    started = time.monotonic()

    page = connect().orders_updated_since(SINCE)

    assert [order.platform_order_id for order in page.orders] == ["5001"]
    assert limiter.pauses == [0.5]
    assert time.monotonic() - started >= 0.5  # the limiter's wait sat the pause out
    assert [r.status for r in shop.requests] == [429, 200]


def test_a_retry_after_too_long_to_wait_in_a_worker_is_handed_back(shop, connect, limiter):
    shop.fail_next(429, retry_after=120)

    with pytest.raises(PlatformError) as slowed:
        connect(max_retry_after=60).orders_updated_since(SINCE)

    assert slowed.value.retry_after == 120
    assert not slowed.value.permanent
    assert limiter.pauses == [120]
    assert len(shop.requests) == 1


def test_a_500_is_retried_then_succeeds(shop, connect):
    shop.add_order(shop_order(5001, SINCE))
    shop.fail_next(500)

    order = connect().order("5001")

    assert order.platform_order_id == "5001"
    assert [r.status for r in shop.requests] == [500, 200]


def test_repeated_500s_end_in_an_error_after_a_bounded_number_of_tries(shop, connect):
    shop.fail_next(500, times=10)

    with pytest.raises(PlatformError) as failed:
        connect(attempts=5).orders_updated_since(SINCE)

    assert not failed.value.permanent
    assert "kept failing (HTTP 500" in str(failed.value)
    assert "5 tries" in str(failed.value)
    assert len(shop.requests) == 5


def test_an_answer_slower_than_the_timeout_is_an_error(shop, connect):
    shop.slow_next(1.0, times=2)

    with pytest.raises(PlatformError, match="did not answer in time") as timed_out:
        connect(read_timeout=0.2, attempts=2).orders_updated_since(SINCE)

    assert not timed_out.value.permanent
    assert len(shop.requests) == 2


def test_one_slow_answer_to_a_read_is_tried_again(shop, connect):
    shop.add_order(shop_order(5001, SINCE))
    shop.slow_next(1.0)

    assert connect(read_timeout=0.2).order("5001").platform_order_id == "5001"
    assert len(shop.requests) == 2


def test_a_note_that_timed_out_is_not_posted_again(shop, connect):
    shop.add_order(shop_order(5001, SINCE))
    shop.slow_next(1.0, method="POST")
    push = TrackingPush(platform_order_id="5001", carrier="DHL", tracking_number="JD0146")

    with pytest.raises(PlatformError, match="may or may not have been made"):
        connect(read_timeout=0.2).push_tracking(push)

    assert [r.method for r in shop.requests] == ["GET", "GET", "POST"]


def test_an_unreachable_shop_is_an_error(limiter):
    with FakeWooCommerce() as gone:
        url, credentials = gone.url, gone.credentials
    access = Access(shop_url=url, api_base_url="", credentials=credentials)
    client = WooCommerceClient(access, limiter, attempts=2, backoff=0.01)
    with client, pytest.raises(PlatformError, match="could not reach the shop"):
        client.check()
    assert limiter.waits == 2


def test_an_order_the_shop_does_not_have_is_a_permanent_error(shop, connect):
    with pytest.raises(PlatformError, match="no order at /orders/404") as missing:
        connect().order("404")
    assert missing.value.permanent


def test_a_partial_shipment_adds_a_customer_note_only(shop, connect):
    shop.add_order(shop_order(5001, SINCE))
    push = TrackingPush(
        platform_order_id="5001",
        carrier="DHL",
        tracking_number="JD014600006281230",
        tracking_url="https://www.dhl.com/track?id=JD014600006281230",
        lines=[TrackingLine("8801", 2)],  # the mugs; the tea towels are still to come
    )

    note_id = connect().push_tracking(push)

    assert shop.pushes == [
        {
            "order_id": 5001,
            "note": "Shipped with DHL, tracking JD014600006281230 https://www.dhl.com/track?id=JD014600006281230",
            "customer_note": True,
        }
    ]
    assert note_id == str(shop.notes[5001][0]["id"])
    assert shop.status_changes == []
    assert shop.orders[5001]["status"] == "processing"


@pytest.mark.parametrize(
    "lines", [[], [TrackingLine("8801", 2), TrackingLine("8802", 3)]], ids=["whole order", "every line"]
)
def test_a_whole_shipment_adds_the_note_and_completes_the_order(shop, connect, lines):
    shop.add_order(shop_order(5001, SINCE))
    push = TrackingPush(
        platform_order_id="5001", carrier="Royal Mail", tracking_number="RM123456785GB", lines=lines
    )

    note_id = connect().push_tracking(push)

    assert shop.pushes == [
        {"order_id": 5001, "note": "Shipped with Royal Mail, tracking RM123456785GB", "customer_note": True}
    ]
    assert shop.status_changes == [(5001, "processing", "completed")]
    assert [(r.method, r.path, r.body) for r in shop.requests if r.method != "GET"] == [
        (
            "POST",
            "/wp-json/wc/v3/orders/5001/notes",
            {"note": "Shipped with Royal Mail, tracking RM123456785GB", "customer_note": True},
        ),
        ("PUT", "/wp-json/wc/v3/orders/5001", {"status": "completed"}),
    ]
    assert note_id == str(shop.notes[5001][0]["id"])


def test_a_push_tried_again_does_not_write_a_second_note(shop, connect):
    shop.add_order(shop_order(5001, SINCE))
    push = TrackingPush(
        platform_order_id="5001", carrier="UPS", tracking_number="1Z999AA10123456784", notify_customer=False
    )
    client = connect()

    first, second = client.push_tracking(push), client.push_tracking(push)

    assert first == second
    assert shop.pushes == [
        {"order_id": 5001, "note": "Shipped with UPS, tracking 1Z999AA10123456784", "customer_note": False}
    ]
    assert shop.status_changes == [(5001, "processing", "completed")]  # once: then it was completed


def test_a_cancelled_order_is_not_completed_by_a_shipment(shop, connect):
    shop.add_order(shop_order(5001, SINCE, status="cancelled"))
    connect().push_tracking(TrackingPush(platform_order_id="5001", carrier="DHL", tracking_number="JD1"))
    assert len(shop.pushes) == 1
    assert shop.status_changes == []


def test_requests_are_logged_without_credentials_or_query_strings(shop, connect, caplog):
    caplog.set_level(logging.INFO, logger="channels.marketplaces.woocommerce.client")

    connect().orders_updated_since(SINCE)

    ours = [r.getMessage() for r in caplog.records if r.name == "channels.marketplaces.woocommerce.client"]
    assert len(ours) == 1
    assert "GET /wp-json/wc/v3/orders 200" in ours[0]
    assert "modified_after" not in ours[0] and "?" not in ours[0]
    # The keys travel in the Authorization header only, so no log line (httpx's own INFO line shows
    # the URL with its query) can carry them.
    assert "ck_live_packline" not in caplog.text and "cs_live_packline" not in caplog.text


def test_an_answer_that_is_not_json_is_explained(limiter):
    def html_page(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, html="<html>Access denied by firewall</html>")

    access = Access(
        shop_url="https://shop.example.com",
        api_base_url="",
        credentials={"consumer_key": "ck", "consumer_secret": "cs"},
    )
    client = WooCommerceClient(access, limiter, transport=httpx.MockTransport(html_page))
    with client, pytest.raises(PlatformError, match=r"not JSON \(text/html\)"):
        client.check()


def test_a_connection_without_keys_is_refused_before_any_request(limiter):
    access = Access(shop_url="https://shop.example.com", api_base_url="", credentials={"consumer_key": "ck"})
    with pytest.raises(PlatformError, match="no WooCommerce consumer key and secret") as refused:
        WooCommerceClient(access, limiter)
    assert refused.value.permanent
    assert limiter.waits == 0


def scripted(routes: dict[str, httpx.Response]) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: routes[request.url.path])


def test_a_shop_that_hides_its_rest_index_is_named_by_its_host_once_the_keys_work(limiter):
    transport = scripted(
        {
            "/wp-json/": httpx.Response(
                401,
                json={
                    "code": "rest_cannot_access",
                    "message": "Only authenticated users can access the REST API.",
                },
            ),
            "/wp-json/wc/v3/orders": httpx.Response(200, json=[], headers={"X-WP-TotalPages": "0"}),
        }
    )
    access = Access(
        shop_url="https://shop.example.com",
        api_base_url="",
        credentials={"consumer_key": "ck", "consumer_secret": "cs"},
    )
    with WooCommerceClient(access, limiter, transport=transport) as client:
        assert client.check() == "shop.example.com"


def test_a_redirect_is_not_followed_but_explained(limiter):
    transport = scripted(
        {
            "/wp-json/wc/v3/orders/7": httpx.Response(
                301, headers={"Location": "https://www.shop.example.com/wp-json/wc/v3/orders/7"}
            )
        }
    )
    access = Access(
        shop_url="https://shop.example.com",
        api_base_url="",
        credentials={"consumer_key": "ck", "consumer_secret": "cs"},
    )
    client = WooCommerceClient(access, limiter, transport=transport)
    with (
        client,
        pytest.raises(
            PlatformError, match=r"redirects /wp-json/wc/v3/orders/7 to https://www\.shop\.example\.com"
        ) as moved,
    ):
        client.order("7")
    assert moved.value.permanent


def test_a_site_without_pretty_permalinks_is_told_what_to_check(limiter):
    # With "Plain" permalinks WordPress answers /wp-json/... with its HTML "not found" page.
    not_found = httpx.Response(404, html="<html><title>Page not found</title></html>")
    transport = scripted({"/wp-json/": not_found, "/wp-json/wc/v3/orders": not_found})
    access = Access(
        shop_url="https://shop.example.com",
        api_base_url="",
        credentials={"consumer_key": "ck", "consumer_secret": "cs"},
    )
    client = WooCommerceClient(access, limiter, transport=transport)
    with client, pytest.raises(PlatformError, match="permalinks anything but Plain") as missing:
        client.check()
    assert missing.value.permanent
