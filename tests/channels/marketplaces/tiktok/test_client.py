"""The TikTok Shop client over real HTTP against FakeTikTokShop, which checks every request's signature,
token and shop cipher as TikTok Shop does: paging, rate limits, failures, timeouts, an order not yet
visible, tracking pushed back and cancellation decisions, each checked by what the fake recorded."""

import time
from datetime import UTC, datetime, timedelta

import pytest

from channels.marketplaces.base import PlatformError, TrackingLine, TrackingPush
from channels.marketplaces.tiktok.client import TikTokShopClient
from tests.channels.fakes.tiktok import FakeTikTokShop
from tests.channels.marketplaces.tiktok.conftest import shop_order

SINCE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
UK_ORDER = "576486316948490101"
MUG_LINE, TOWEL_LINE = "577086512123755101", "577086512123755103"


def add_orders(shop, count: int, start: datetime = SINCE) -> list[str]:
    """`count` orders changed a minute apart from `start`, added newest first."""
    ids = []
    for n in reversed(range(count)):
        stamp = int((start + timedelta(minutes=n)).timestamp())
        ids.append(shop.add_order(shop_order(id=str(576_486_316_948_500_000 + n), update_time=stamp))["id"])
    return sorted(ids)


def test_check_names_the_shop_and_every_request_is_signed_as_tiktok_checks_it(shop, connect, limiter):
    assert connect().check() == "Packline Homeware UK"

    [request] = shop.requests
    assert (request.method, request.path, request.status, request.code) == (
        "GET",
        "/authorization/202309/shops",
        200,
        0,
    )
    assert set(request.query) == {"app_key", "timestamp", "sign"}  # the shops list is not shop-scoped
    assert request.token == shop.access_token
    assert limiter.waits == 1


def test_a_cipher_for_another_shop_is_a_permanent_error_naming_the_shops(connect, shop):
    with pytest.raises(PlatformError) as refused:
        connect({"shop_cipher": "ROW_someone_else"}).check()

    assert refused.value.permanent
    assert "Packline Homeware UK (cipher ROW_fakeShopCipher0001)" in str(refused.value)


def test_a_wrong_app_secret_is_refused_by_its_signature_and_not_retried(shop, connect):
    with pytest.raises(PlatformError) as refused:
        connect({"app_secret": "not the app's secret"}).orders_updated_since(SINCE)

    assert refused.value.permanent
    assert "refused the request's signature" in str(refused.value)
    assert [(r.status, r.code) for r in shop.requests] == [(401, 106001)]


def test_missing_credentials_are_permanent_errors_before_any_request(shop, connect):
    with pytest.raises(PlatformError, match="app's key and secret") as no_key:
        connect({"app_key": ""}).check()
    with pytest.raises(PlatformError, match="no shop_cipher") as no_cipher:
        connect({"shop_cipher": ""}).order(UK_ORDER)

    assert no_key.value.permanent and no_cipher.value.permanent
    assert shop.requests == []


def test_paging_reads_three_pages_oldest_change_first(shop, connect):
    ids = add_orders(shop, 120)
    shop.add_order(
        shop_order(id="576486316948400001", update_time=int(SINCE.timestamp()) - 1)
    )  # before: not read
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
    assert [order.platform_order_id for order in orders] == ids
    assert [order.updated_at for order in orders] == sorted(order.updated_at for order in orders)
    assert orders[0].updated_at == SINCE  # changed at `since` exactly: included
    requests = shop.requests
    assert [r.body for r in requests] == [{"update_time_ge": int(SINCE.timestamp())}] * 3
    assert [r.query["page_size"] for r in requests] == ["50"] * 3
    assert "page_token" not in requests[0].query  # then each page's next_page_token
    assert (
        requests[1].query["page_token"] and requests[2].query["page_token"] != requests[1].query["page_token"]
    )
    assert [r.query["sort_field"] + " " + r.query["sort_order"] for r in requests] == ["update_time ASC"] * 3
    assert all(r.status == 200 and r.code == 0 for r in requests)


def test_an_order_the_page_cannot_name_is_skipped_and_the_rest_is_read(shop, connect):
    add_orders(shop, 2)
    shop.add_order(shop_order(id="576486316948499999", update_time="garbled"))

    page = connect().orders_updated_since(SINCE - timedelta(days=1))

    assert len(page.orders) == 2


def test_a_429_with_retry_after_pauses_the_connection_then_succeeds(shop, connect, limiter):
    shop.add_order(shop_order())
    shop.fail_next(429, retry_after=0.5)
    started = time.monotonic()

    order = connect().order(UK_ORDER)

    assert order.platform_order_id == UK_ORDER
    assert limiter.pauses == [0.5]
    assert time.monotonic() - started >= 0.5  # the limiter's wait sat the pause out
    assert [r.status for r in shop.requests] == [429, 200]


def test_a_retry_after_too_long_to_wait_in_a_worker_is_handed_back(shop, connect, limiter):
    shop.fail_next(429, retry_after=90)

    with pytest.raises(PlatformError) as slowed:
        connect(max_retry_after=60).orders_updated_since(SINCE)

    assert slowed.value.retry_after == 90 and not slowed.value.permanent
    assert limiter.pauses == [90]
    assert len(shop.requests) == 1


def test_an_answer_saying_too_many_requests_is_a_rate_limit_whatever_its_http_status(shop, connect, limiter):
    shop.add_order(shop_order())
    shop.fail_next(200, code=36009999, message="Too many requests, please slow down.", retry_after=0.1)

    assert connect().order(UK_ORDER).platform_order_id == UK_ORDER
    assert limiter.pauses == [0.1]
    assert [(r.status, r.code) for r in shop.requests] == [(200, 36009999), (200, 0)]


def test_any_other_code_is_a_permanent_error_with_tiktoks_message(shop, connect):
    shop.fail_next(200, code=36009004, message="Invalid parameter: ids.")

    with pytest.raises(PlatformError) as refused:
        connect().order(UK_ORDER)

    assert refused.value.permanent
    assert (
        "TikTok Shop refused GET /order/202309/orders: Invalid parameter: ids. (code 36009004, request "
        in str(refused.value)
    )
    assert len(shop.requests) == 1


def test_a_500_is_retried_then_succeeds(shop, connect):
    shop.add_order(shop_order())
    shop.fail_next(500)

    assert connect().order(UK_ORDER).platform_order_id == UK_ORDER
    assert [r.status for r in shop.requests] == [500, 200]


def test_repeated_500s_end_in_an_error_after_a_bounded_number_of_attempts(shop, connect):
    shop.fail_next(500, times=10)

    with pytest.raises(PlatformError) as failed:
        connect(max_attempts=3).orders_updated_since(SINCE)

    assert not failed.value.permanent
    assert "still failed after 3 attempts" in str(failed.value)
    assert len(shop.requests) == 3


def test_an_answer_slower_than_the_timeout_is_an_error(shop, connect):
    shop.slow_next(1.0, times=2)

    with pytest.raises(PlatformError, match="did not answer") as timed_out:
        connect(read_timeout=0.2, max_attempts=2).orders_updated_since(SINCE)

    assert not timed_out.value.permanent
    assert len(shop.requests) == 2


def test_one_slow_answer_to_a_read_is_tried_again(shop, connect):
    shop.add_order(shop_order())
    shop.slow_next(1.0)

    assert connect(read_timeout=0.2).order(UK_ORDER).platform_order_id == UK_ORDER
    assert len(shop.requests) == 2


def test_an_unreachable_api_is_an_error_after_bounded_attempts(limiter):
    with FakeTikTokShop() as gone:
        access = gone.access()
    client = TikTokShopClient(access, limiter, max_attempts=2, backoff=0.01, renew_before=0)
    with client, pytest.raises(PlatformError, match="Could not reach TikTok Shop") as failed:
        client.check()
    assert not failed.value.permanent
    assert limiter.waits == 2


def test_an_order_not_yet_visible_is_asked_for_again_later(shop, connect):
    shop.add_order(shop_order())
    shop.hide_order_once(UK_ORDER)
    client = connect()

    with pytest.raises(PlatformError, match="does not show order 576486316948490101 yet") as not_yet:
        client.order(UK_ORDER)
    assert not not_yet.value.permanent  # the framework asks again later

    assert client.order(UK_ORDER).platform_order_id == UK_ORDER
    assert [r.query["ids"] for r in shop.requests] == [UK_ORDER, UK_ORDER]


def test_an_id_that_cannot_be_tiktoks_is_refused_without_a_request(shop, connect):
    with pytest.raises(PlatformError, match="is not a TikTok Shop order id") as refused:
        connect().order("../shops")

    assert refused.value.permanent
    assert shop.requests == []


# Tracking


def test_a_whole_shipment_marks_every_unit_left_shipped_with_tiktoks_provider(shop, connect):
    shop.add_order(shop_order())
    push = TrackingPush(platform_order_id=UK_ORDER, carrier="royal mail", tracking_number="RM123456785GB")

    package_id = connect().push_tracking(push)

    assert shop.pushes == [
        {
            "order_id": UK_ORDER,
            "tracking_number": "RM123456785GB",
            "shipping_provider_id": "6617675021119438849",  # Royal Mail, as TikTok names it
            # Both mugs and the towel; the towel the buyer cancelled is not shipped.
            "order_line_item_ids": ["577086512123755101", "577086512123755102", "577086512123755103"],
        }
    ]
    assert package_id == shop.orders[UK_ORDER]["packages"][-1]["id"]
    assert shop.orders[UK_ORDER]["status"] == "IN_TRANSIT"
    assert [r.path for r in shop.requests] == [
        "/order/202309/orders",
        "/logistics/202309/delivery_options/7091146663229654785/shipping_providers",
        "/fulfillment/202309/orders/576486316948490101/packages",
    ]


def test_a_partial_shipment_names_as_many_units_of_the_line_as_shipped(shop, connect):
    shop.add_order(shop_order())
    first = TrackingPush(UK_ORDER, "DPD", "15501234567890", lines=[TrackingLine(MUG_LINE, 1)])
    rest = TrackingPush(
        UK_ORDER, "DPD", "15501234567891", lines=[TrackingLine(MUG_LINE, 1), TrackingLine(TOWEL_LINE, 1)]
    )
    client = connect()

    client.push_tracking(first)
    assert shop.orders[UK_ORDER]["status"] == "PARTIALLY_SHIPPING"
    client.push_tracking(rest)

    assert [push["order_line_item_ids"] for push in shop.pushes] == [
        ["577086512123755101"],
        ["577086512123755102", "577086512123755103"],  # the mug still to ship, then the towel
    ]
    assert shop.orders[UK_ORDER]["status"] == "IN_TRANSIT"


def test_more_units_than_are_left_is_a_permanent_error(shop, connect):
    shop.add_order(shop_order())

    with pytest.raises(PlatformError, match="3 shipped but only 2 left") as refused:
        connect().push_tracking(TrackingPush(UK_ORDER, "DPD", "155", lines=[TrackingLine(MUG_LINE, 3)]))

    assert refused.value.permanent
    assert shop.pushes == []


def test_a_push_retried_after_it_went_through_answers_the_same_package(shop, connect):
    shop.add_order(shop_order())
    push = TrackingPush(UK_ORDER, "Evri", "H01QPA0012345678")
    client = connect()

    first = client.push_tracking(push)
    again = client.push_tracking(push)

    assert again == first
    assert len(shop.pushes) == 1


def test_an_unknown_carrier_is_a_permanent_error_naming_tiktoks_providers(shop, connect):
    shop.add_order(shop_order())

    with pytest.raises(PlatformError) as refused:
        connect().push_tracking(TrackingPush(UK_ORDER, "Pigeon Post", "PP1"))

    assert refused.value.permanent
    assert str(refused.value) == (
        "TikTok Shop offers no shipping provider called 'Pigeon Post' for order 576486316948490101; it offers: "
        "DHL eCommerce, DPD, Evri, Royal Mail, UPS, UPS SurePost."
    )
    assert shop.pushes == []


@pytest.mark.parametrize(
    ("carrier", "provider"),
    [
        ("DHL", "6617675021119438852"),
        ("UPS", "6617675021119438853"),
        ("6617675021119438854", "6617675021119438854"),
    ],
    ids=["the only one starting so", "the same name before a longer one", "tiktok's own id"],
)
def test_a_carrier_is_matched_to_tiktoks_provider(shop, connect, carrier, provider):
    shop.add_order(shop_order())

    connect().push_tracking(TrackingPush(UK_ORDER, carrier, "1Z999AA10123456784"))

    assert shop.pushes[0]["shipping_provider_id"] == provider


def test_an_order_tiktok_ships_itself_takes_no_tracking_from_packline(shop, connect):
    shop.add_order(shop_order(shipping_type="TIKTOK"))

    with pytest.raises(PlatformError, match="ships order 576486316948490101 with its own label") as refused:
        connect().push_tracking(TrackingPush(UK_ORDER, "Royal Mail", "RM1"))

    assert refused.value.permanent
    assert shop.pushes == []


def test_an_order_on_hold_is_shipped_later(shop, connect):
    shop.add_order(shop_order(status="ON_HOLD"))

    with pytest.raises(PlatformError, match="once it awaits shipment") as later:
        connect().push_tracking(TrackingPush(UK_ORDER, "Royal Mail", "RM1"))

    assert not later.value.permanent


def test_a_shipment_that_timed_out_is_not_sent_again(shop, connect):
    shop.add_order(shop_order())
    shop.slow_next(1.0, path="/fulfillment/202309/orders/576486316948490101/packages")

    with pytest.raises(PlatformError, match="may or may not have been made") as timed_out:
        connect(read_timeout=0.3).push_tracking(TrackingPush(UK_ORDER, "Royal Mail", "RM1"))

    assert not timed_out.value.permanent
    assert [r.method for r in shop.requests] == ["GET", "GET", "POST"]


# Cancellation requests


def test_a_buyers_cancellation_request_is_listed_and_approved(shop, connect):
    shop.add_order(shop_order())
    request = shop.add_cancellation(UK_ORDER, reason="Ordered by mistake")
    client = connect()

    [listed] = client.cancellation_requests(UK_ORDER)
    client.approve_cancellation(listed.cancel_id)

    assert (listed.cancel_id, listed.order_id, listed.reason, listed.requested_by) == (
        request["cancel_id"],
        UK_ORDER,
        "Ordered by mistake",
        "BUYER",
    )
    assert listed.awaiting_decision and listed.cancel_type == "BUYER_CANCEL"
    assert shop.decisions == [
        {"cancel_id": request["cancel_id"], "decision": "approve", "reject_reason": "", "comment": ""}
    ]
    assert shop.orders[UK_ORDER]["status"] == "CANCELLED"
    assert client.order(UK_ORDER).cancelled_at is not None
    assert shop.requests[1].query["idempotency_key"] == f"packline-approve-{request['cancel_id']}"


def test_a_rejection_carries_tiktoks_reason_and_the_csrs_comment(shop, connect):
    shop.add_order(shop_order())
    request = shop.add_cancellation(UK_ORDER)
    client = connect()

    client.reject_cancellation(
        request["cancel_id"], "seller_reject_apply_product_has_been_packed", "Already packed."
    )

    assert shop.decisions == [
        {
            "cancel_id": request["cancel_id"],
            "decision": "reject",
            "reject_reason": "seller_reject_apply_product_has_been_packed",
            "comment": "Already packed.",
        }
    ]
    order = client.order(UK_ORDER)
    assert not order.cancellation_requested and order.cancelled_at is None
    assert [c.status for c in client.cancellation_requests(UK_ORDER)] == ["CANCELLATION_REQUEST_CANCEL"]


def test_a_decision_sent_twice_is_applied_once(shop, connect):
    shop.add_order(shop_order())
    request = shop.add_cancellation(UK_ORDER)
    client = connect()

    client.approve_cancellation(request["cancel_id"])
    client.approve_cancellation(request["cancel_id"])  # a retry after a lost answer: same idempotency key

    assert len(shop.decisions) == 1


def test_a_decision_tiktok_refuses_is_a_permanent_error_with_its_message(shop, connect):
    shop.add_order(shop_order())
    request = shop.add_cancellation(UK_ORDER)
    client = connect()
    client.reject_cancellation(request["cancel_id"], "seller_reject_apply_product_has_been_packed")

    with pytest.raises(PlatformError, match="The cancellation request is not pending") as refused:
        connect().approve_cancellation(request["cancel_id"])

    assert refused.value.permanent
    with pytest.raises(PlatformError, match="needs TikTok's reject reason"):
        client.reject_cancellation(request["cancel_id"], "  ")


def test_a_shipment_without_a_tracking_number_is_refused_before_any_request(shop, connect):
    shop.add_order(shop_order())

    with pytest.raises(PlatformError, match="needs a tracking number") as refused:
        connect().push_tracking(TrackingPush(UK_ORDER, "Royal Mail", "  "))

    assert refused.value.permanent
    assert shop.requests == []
