"""The eBay client over real HTTP against FakeEbay: paging, rate limits, failures, timeouts, orders eBay
does not show yet, and tracking pushed back, each checked by what the fake eBay recorded."""

import logging
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from channels.marketplaces.base import Access, PlatformError, TrackingLine, TrackingPush
from channels.marketplaces.ebay.client import EbayClient
from tests.channels.marketplaces.ebay.conftest import ebay_order, raw

SINCE = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
ORDERS = "/sell/fulfillment/v1/order"


def api_requests(ebay) -> list:
    return [r for r in ebay.requests if r.path.startswith("/sell/")]


def read_all(client, since=SINCE) -> tuple[list, int]:
    orders, cursor, pages = [], None, 0
    while True:
        page = client.orders_updated_since(since, cursor)
        orders.extend(page.orders)
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            return orders, pages


def test_check_names_the_seller(ebay, connect, limiter):
    ebay.add_order(ebay_order("12-00001-00001", SINCE))

    assert connect().check() == "packline_homeware"
    assert [(r.path, r.query) for r in api_requests(ebay)] == [(ORDERS, {"limit": "1"})]
    assert limiter.waits == 2  # the token's request and the orders'


def test_check_of_a_seller_without_orders_counts_them(ebay, connect):
    assert connect().check() == "eBay seller (0 orders)"


def test_paging_reads_every_changed_order_once_over_three_pages(ebay, connect):
    # Created in one order, changed in another: eBay lists by creation date, not by change.
    for n in range(5):
        created = SINCE - timedelta(days=5 - n)
        ebay.add_order(ebay_order(f"12-00005-0000{n}", SINCE + timedelta(minutes=(n * 3) % 5), created))
    for n in range(2):  # changed before `since`
        ebay.add_order(
            ebay_order(f"12-00004-0000{n}", SINCE - timedelta(seconds=1), SINCE - timedelta(days=9))
        )

    orders, pages = read_all(connect(page_size=2))

    assert pages == 3
    assert [o.platform_order_id for o in orders] == [f"12-00005-0000{n}" for n in range(5)]
    assert min(o.updated_at for o in orders) == SINCE  # changed at `since` exactly: included
    assert [r.query for r in api_requests(ebay)] == [
        {"filter": "lastmodifieddate:[2025-05-01T12:00:00.000Z..]", "limit": "2", "offset": str(offset)}
        for offset in (0, 2, 4)
    ]


def test_a_page_holds_up_to_200_orders_and_since_keeps_its_milliseconds(ebay, connect):
    connect().orders_updated_since(SINCE + timedelta(microseconds=512_999))

    assert api_requests(ebay)[0].query == {
        "filter": "lastmodifieddate:[2025-05-01T12:00:00.512Z..]",
        "limit": "200",
        "offset": "0",
    }


def test_ebays_next_href_is_accepted_as_a_cursor(ebay, connect):
    for n in range(3):
        ebay.add_order(ebay_order(f"12-00006-0000{n}", SINCE + timedelta(minutes=n)))
    client = connect(page_size=2)
    first = client.orders_updated_since(SINCE)
    next_href = (
        f"{ebay.url}{ORDERS}?filter=lastmodifieddate:%5B2025-05-01T12:00:00.000Z..%5D&limit=2"
        f"&offset={first.next_cursor}"
    )

    second = client.orders_updated_since(SINCE, next_href)

    assert [o.platform_order_id for o in second.orders] == ["12-00006-00002"]
    assert second.next_cursor is None


def test_the_documented_page_shape_gives_the_next_offset(limiter):
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return httpx.Response(200, content=raw("token_refreshed.json"))
        return httpx.Response(200, content=raw("orders_page.json"))

    access = Access(
        shop_url="",
        api_base_url="https://api.ebay.com",
        credentials={"client_id": "id", "client_secret": "secret", "refresh_token": "r"},
    )
    with EbayClient(access, limiter, transport=httpx.MockTransport(answer)) as client:
        page = client.orders_updated_since(SINCE)

    assert page.orders == []
    assert page.next_cursor is None  # no orders on the page: nothing more to read

    def with_order(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return httpx.Response(200, content=raw("token_refreshed.json"))
        listing = httpx.Response(200, content=raw("orders_page.json")).json()
        listing["orders"] = [ebay_order("12-00007-00001", SINCE)]
        return httpx.Response(200, json=listing)

    with EbayClient(access, limiter, transport=httpx.MockTransport(with_order)) as client:
        assert client.orders_updated_since(SINCE).next_cursor == "1"  # from the `next` href


def test_an_order_without_an_id_is_skipped_and_the_rest_of_the_page_read(ebay, connect, caplog):
    ebay.add_order(ebay_order("12-00008-00001", SINCE))
    ebay.add_order(ebay_order("12-00008-00002", SINCE + timedelta(minutes=1)))
    ebay.orders["12-00008-00001"]["lastModifiedDate"] = SINCE.isoformat()
    ebay.orders["12-00008-00001"]["orderId"] = ""

    page = connect().orders_updated_since(SINCE)

    assert [o.platform_order_id for o in page.orders] == ["12-00008-00002"]
    assert "skipped an order at offset 0" in caplog.text


def test_a_429_with_retry_after_pauses_the_connection_then_succeeds(ebay, connect, limiter):
    ebay.add_order(ebay_order("12-00009-00001", SINCE))
    ebay.fail_next(429, retry_after=0.5, path="/sell/")
    started = time.monotonic()

    page = connect().orders_updated_since(SINCE)

    assert [o.platform_order_id for o in page.orders] == ["12-00009-00001"]
    assert limiter.pauses == [0.5]
    assert time.monotonic() - started >= 0.5  # the limiter's wait sat the pause out
    assert [r.status for r in api_requests(ebay)] == [429, 200]


def test_a_retry_after_too_long_to_wait_in_a_worker_is_handed_back(ebay, connect, limiter):
    ebay.fail_next(429, retry_after=120, path="/sell/")

    with pytest.raises(PlatformError) as slowed:
        connect(max_retry_after=60).orders_updated_since(SINCE)

    assert slowed.value.retry_after == 120
    assert not slowed.value.permanent
    assert limiter.pauses == [120]
    assert len(api_requests(ebay)) == 1


def test_a_500_is_tried_again_then_succeeds(ebay, connect):
    ebay.add_order(ebay_order("12-00010-00001", SINCE))
    ebay.fail_next(500, path="/sell/")

    assert connect().order("12-00010-00001").platform_order_id == "12-00010-00001"
    assert [r.status for r in api_requests(ebay)] == [500, 200]


def test_repeated_500s_end_in_an_error_after_a_bounded_number_of_tries(ebay, connect):
    ebay.fail_next(500, times=10, path="/sell/")

    with pytest.raises(PlatformError) as failed:
        connect(attempts=4).orders_updated_since(SINCE)

    assert not failed.value.permanent
    assert "kept failing (HTTP 500" in str(failed.value) and "4 tries" in str(failed.value)
    assert "30500: System error" in str(failed.value)
    assert len(api_requests(ebay)) == 4


def test_an_answer_slower_than_the_timeout_is_an_error(ebay, connect):
    ebay.slow_next(1.0, times=2, path="/sell/")

    with pytest.raises(
        PlatformError, match=r"did not answer GET /sell/fulfillment/v1/order within 0\.2 s"
    ) as late:
        connect(read_timeout=0.2, attempts=2).orders_updated_since(SINCE)

    assert not late.value.permanent
    assert len(api_requests(ebay)) == 2


def test_one_slow_answer_to_a_read_is_tried_again(ebay, connect):
    ebay.add_order(ebay_order("12-00011-00001", SINCE))
    ebay.slow_next(1.0, path="/sell/")

    assert connect(read_timeout=0.2).order("12-00011-00001").platform_order_id == "12-00011-00001"
    assert len(api_requests(ebay)) == 2


def test_an_unreachable_ebay_is_an_error(limiter):
    from tests.channels.fakes.ebay import FakeEbay

    with FakeEbay() as gone:
        access = gone.access()
    client = EbayClient(access, limiter, attempts=2, backoff=0.01)
    with client, pytest.raises(PlatformError, match="could not reach eBay"):
        client.check()
    assert limiter.waits == 2


def test_an_order_ebay_does_not_show_yet_is_asked_for_again_later(ebay, connect):
    ebay.add_order(ebay_order("12-00012-00001", SINCE))
    ebay.hide_order_once("12-00012-00001")
    client = connect()

    with pytest.raises(PlatformError, match="does not show /order/12-00012-00001 yet") as not_yet:
        client.order("12-00012-00001")
    assert not not_yet.value.permanent  # the framework's FetchLater asks again

    assert client.order("12-00012-00001").platform_order_id == "12-00012-00001"


def test_an_unknown_order_is_not_permanent_either(ebay, connect):
    with pytest.raises(PlatformError, match="HTTP 404: 32100") as missing:
        connect().order("99-99999-99999")
    assert not missing.value.permanent


def test_a_whole_order_push_ships_every_line(ebay, connect):
    ebay.add_order(ebay_order("12-00013-00001", SINCE))
    push = TrackingPush(
        platform_order_id="12-00013-00001", carrier="Royal Mail", tracking_number="RM 1234 5678 5GB"
    )

    fulfillment_id = connect().push_tracking(push)

    assert fulfillment_id == "RM123456785GB"  # eBay names it after its tracking number
    [pushed] = ebay.pushes
    body = pushed["body"]
    assert pushed["order_id"] == "12-00013-00001"
    assert body["lineItems"] == [
        {"lineItemId": "10059374821001", "quantity": 2},
        {"lineItemId": "10059374821002", "quantity": 3},
    ]
    assert body["shippingCarrierCode"] == "RoyalMail"
    assert body["trackingNumber"] == "RM123456785GB"
    shipped = datetime.fromisoformat(body["shippedDate"])
    assert body["shippedDate"].endswith("Z") and abs(shipped - datetime.now(UTC)) < timedelta(seconds=10)
    assert ebay.orders["12-00013-00001"]["orderFulfillmentStatus"] == "FULFILLED"


def test_a_partial_push_ships_its_lines_and_a_later_whole_push_the_rest(ebay, connect):
    ebay.add_order(ebay_order("12-00014-00001", SINCE))
    client = connect()

    first = client.push_tracking(
        TrackingPush("12-00014-00001", "DHL", "JD014600006281230", lines=[TrackingLine("10059374821001", 2)])
    )
    second = client.push_tracking(TrackingPush("12-00014-00001", "dpd", "15501234567890"))

    assert (first, second) == ("JD014600006281230", "15501234567890")
    assert [(p["body"]["shippingCarrierCode"], p["body"]["lineItems"]) for p in ebay.pushes] == [
        ("DHL", [{"lineItemId": "10059374821001", "quantity": 2}]),
        ("DPD", [{"lineItemId": "10059374821002", "quantity": 3}]),
    ]
    assert ebay.orders["12-00014-00001"]["orderFulfillmentStatus"] == "FULFILLED"


def test_a_line_named_twice_in_a_push_is_sent_once_with_its_quantities_added(ebay, connect):
    ebay.add_order(ebay_order("12-00021-00001", SINCE))
    lines = [TrackingLine("10059374821002", 1), TrackingLine("10059374821002", 2)]

    connect().push_tracking(TrackingPush("12-00021-00001", "Parcelforce", "CP123456789GB", lines=lines))

    assert ebay.pushes[0]["body"]["lineItems"] == [{"lineItemId": "10059374821002", "quantity": 3}]
    assert ebay.pushes[0]["body"]["shippingCarrierCode"] == "Parcelforce"


def test_a_push_tried_again_answers_the_fulfilment_it_made(ebay, connect):
    ebay.add_order(ebay_order("12-00015-00001", SINCE))
    push = TrackingPush("12-00015-00001", "UPS", "1Z999AA10123456784")
    client = connect()

    assert client.push_tracking(push) == client.push_tracking(push) == "1Z999AA10123456784"
    assert len(ebay.pushes) == 1


def test_a_push_that_timed_out_is_not_posted_again_but_found(ebay, connect):
    ebay.add_order(ebay_order("12-00016-00001", SINCE))
    ebay.slow_next(1.0, path="/sell/fulfillment/v1/order/12-00016-00001/shipping_fulfillment", method="POST")
    push = TrackingPush("12-00016-00001", "FedEx", "449044304137821")
    client = connect(read_timeout=0.3)

    with pytest.raises(PlatformError, match="may or may not have been made") as late:
        client.push_tracking(push)
    assert not late.value.permanent
    time.sleep(0.8)  # eBay finishes what it was asked

    assert client.push_tracking(push) == "449044304137821"
    assert len(ebay.pushes) == 1


def test_shipping_a_line_already_shipped_is_refused_for_good(ebay, connect):
    ebay.add_order(ebay_order("12-00017-00001", SINCE))
    client = connect()
    client.push_tracking(
        TrackingPush("12-00017-00001", "GLS", "GLS0001", lines=[TrackingLine("10059374821001", 2)])
    )

    with pytest.raises(PlatformError, match="HTTP 409") as refused:
        client.push_tracking(
            TrackingPush("12-00017-00001", "GLS", "GLS0002", lines=[TrackingLine("10059374821001", 1)])
        )

    assert refused.value.permanent
    assert len(ebay.pushes) == 1


def test_a_whole_order_push_when_everything_shipped_says_so(ebay, connect):
    ebay.add_order(ebay_order("12-00018-00001", SINCE))
    client = connect()
    client.push_tracking(TrackingPush("12-00018-00001", "Hermes", "H00A1B2C3D4E5F6"))

    with pytest.raises(PlatformError, match="already counts every line") as nothing_left:
        client.push_tracking(TrackingPush("12-00018-00001", "Hermes", "H00A1B2C3D4E5F7"))

    assert nothing_left.value.permanent


def test_an_unmapped_carrier_is_refused_before_anything_is_sent(ebay, connect, limiter):
    push = TrackingPush("12-00019-00001", "Pigeon Post", "P1")

    with pytest.raises(
        PlatformError, match="eBay does not know the carrier 'Pigeon Post'; use one of "
    ) as refused:
        connect().push_tracking(push)

    assert refused.value.permanent
    assert "Royal Mail" in str(refused.value)
    assert ebay.requests == [] and limiter.waits == 0


def test_a_tracking_number_eBay_cannot_take_is_refused_before_anything_is_sent(ebay, connect):
    with pytest.raises(PlatformError, match="letters and digits only") as refused:
        connect().push_tracking(TrackingPush("12-00020-00001", "USPS", "9400/1118"))

    assert refused.value.permanent
    assert ebay.requests == []


def test_requests_are_logged_without_tokens_or_query_strings(ebay, connect, caplog):
    caplog.set_level(logging.INFO, logger="channels.marketplaces.ebay.client")

    connect().orders_updated_since(SINCE)

    ours = [r.getMessage() for r in caplog.records if r.name == "channels.marketplaces.ebay.client"]
    assert len(ours) == 2
    assert "POST /identity/v1/oauth2/token 200" in ours[0]
    assert "GET /sell/fulfillment/v1/order 200" in ours[1]
    assert all("lastmodifieddate" not in line and "?" not in line for line in ours)
    assert ebay.requests[1].bearer and ebay.requests[1].bearer not in caplog.text


def test_a_redirect_is_not_followed_but_explained(limiter):
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return httpx.Response(200, content=raw("token_refreshed.json"))
        return httpx.Response(
            301, headers={"Location": "https://elsewhere.example/sell/fulfillment/v1/order"}
        )

    access = Access(
        shop_url="",
        api_base_url="https://api.ebay.com",
        credentials={"client_id": "id", "client_secret": "secret", "refresh_token": "r"},
    )
    client = EbayClient(access, limiter, transport=httpx.MockTransport(answer))
    with (
        client,
        pytest.raises(
            PlatformError, match="redirects /sell/fulfillment/v1/order to https://elsewhere"
        ) as moved,
    ):
        client.check()
    assert moved.value.permanent
