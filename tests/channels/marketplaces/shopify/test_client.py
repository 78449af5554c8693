"""The Shopify client over real HTTP against FakeShopify: reading, paging, rate limits, failures and
tracking pushed back as fulfillments."""

import copy
import json
import logging
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from channels.marketplaces.base import Access, PlatformError, TrackingLine, TrackingPush
from channels.marketplaces.shopify import PLATFORM, mapping
from channels.marketplaces.shopify.client import ShopifyClient
from tests.channels.marketplaces.shopify.conftest import TOKEN, RecordingLimiter, payload

ORDER_ID = "5630119874561"
MUG, TOWEL = "14220000000001", "14220000000002"
SINCE = datetime(2026, 3, 1, tzinfo=UTC)


def add_orders(shop, count: int, *, start: datetime) -> list[str]:
    """`count` sample orders (count not a multiple of 3) whose last changes come in another order than
    their ids; their ids, oldest change first."""
    changed = {}
    for sequence in range(1, count + 1):
        _, sample = PLATFORM.sample_webhook(sequence=sequence, seed=5, skus=["MUG-BLU-350", "TOWEL-LIN-NAT"])
        minutes = (sequence * 3) % count + 1
        sample["updated_at"] = (start + timedelta(minutes=minutes)).isoformat()
        shop.add_order(sample)
        changed[minutes] = str(sample["id"])
    return [changed[minutes] for minutes in sorted(changed)]


def push(*lines, number="00340434161094042557", order_id=ORDER_ID, url="") -> TrackingPush:
    return TrackingPush(
        platform_order_id=order_id,
        carrier="DHL",
        tracking_number=number,
        tracking_url=url,
        lines=[TrackingLine(platform_line_id=line_id, quantity=quantity) for line_id, quantity in lines],
    )


def operations(shop) -> list[str]:
    return [request.operation for request in shop.requests]


# Reading.


def test_check_answers_the_shop_name_through_the_pinned_api_version(shop, make_client):
    assert make_client().check() == "Atelier Lindqvist"

    (request,) = shop.requests
    assert (request.api_version, request.operation, request.status) == ("2026-10", "PacklineShop", 200)


def test_paging_across_three_pages_returns_every_changed_order_once_oldest_change_first(shop, make_client):
    ids = add_orders(shop, 5, start=SINCE)
    assert ids != sorted(ids)  # the shop's id order would not pass
    older = PLATFORM.sample_webhook(sequence=99, seed=5, skus=["MUG-BLU-350"])[1]
    older["updated_at"] = "2026-02-27T10:00:00+01:00"  # before SINCE: not listed
    shop.add_order(older)
    client = make_client(page_size=2)

    pages, cursor = [], None
    while True:
        page = client.orders_updated_since(SINCE, cursor)
        pages.append([order.platform_order_id for order in page.orders])
        cursor = page.next_cursor
        if cursor is None:
            break

    assert pages == [ids[0:2], ids[2:4], ids[4:5]]
    listings = [r for r in shop.requests if r.operation == "PacklineOrdersUpdated"]
    assert [r.variables["query"] for r in listings] == ["updated_at:>='2026-03-01T00:00:00Z'"] * 3
    assert listings[0].variables["after"] is None and listings[1].variables["after"] is not None


def test_an_order_read_through_graphql_equals_the_same_order_from_its_webhook(shop, make_client):
    shop.add_order(payload("order_webhook_de.json"))

    order = make_client().order(ORDER_ID)

    assert order.problems == []
    assert replace(order, raw={}) == replace(
        mapping.order_from_rest(payload("order_webhook_de.json")), raw={}
    )


def test_every_query_the_client_sends_stays_within_shopifys_cost_limit(shop, make_client):
    add_orders(shop, 2, start=SINCE)
    shop.add_order(payload("order_webhook_de.json"))
    client = make_client()
    client.check()
    client.orders_updated_since(SINCE)
    client.push_tracking(push((MUG, 1)))

    assert set(operations(shop)) == {
        "PacklineShop",
        "PacklineOrdersUpdated",
        "PacklineOrder",
        "PacklineFulfillmentOrders",
        "PacklineFulfillmentCreate",
    }
    assert all(request.status == 200 and 0 < request.cost <= 1000 for request in shop.requests)


def test_an_order_the_shop_does_not_have_is_a_permanent_error(shop, make_client):
    with pytest.raises(PlatformError, match="Shopify has no order 123") as refused:
        make_client().order("123")

    assert refused.value.permanent


# Rate limits and failures.


def test_a_429_with_retry_after_pauses_the_shared_limiter_then_succeeds(shop, make_client, limiter):
    shop.fail_next(429, retry_after=1)
    started = time.monotonic()

    assert make_client().check() == "Atelier Lindqvist"

    assert limiter.pauses == [1.0]
    assert time.monotonic() - started >= 0.95  # the second attempt waited for the limiter
    assert [r.status for r in shop.requests] == [429, 200]


def test_a_500_is_tried_again(shop, make_client):
    shop.fail_next(500)

    assert make_client().check() == "Atelier Lindqvist"
    assert [r.status for r in shop.requests] == [500, 200]


def test_a_shop_that_keeps_failing_is_given_up_on_after_a_bounded_number_of_attempts(shop, make_client):
    shop.fail_next(503, times=10)

    with pytest.raises(PlatformError, match="after 3 attempts") as failed:
        make_client(max_attempts=3).check()

    assert not failed.value.permanent
    assert [r.status for r in shop.requests] == [503, 503, 503]


def test_a_throttled_query_waits_for_the_bucket_to_refill_then_succeeds(shop, make_client, limiter):
    shop.add_order(payload("order_webhook_de.json"))
    shop.throttle_next()

    assert make_client().order(ORDER_ID).platform_order_id == ORDER_ID

    # The fake's bucket is 30 points short of the query's cost and refills at 100 points a second.
    assert limiter.pauses == [pytest.approx(0.3)]
    assert [r.status for r in shop.requests] == [200, 200]


def test_an_answer_slower_than_the_read_timeout_is_an_error_to_try_later(shop, make_client):
    shop.slow_next(1.5)
    started = time.monotonic()

    with pytest.raises(PlatformError, match=r"did not answer PacklineShop within 0\.3 s") as failed:
        make_client(read_timeout=0.3).check()

    assert time.monotonic() - started < 1.2
    assert not failed.value.permanent


def test_a_refused_token_is_a_permanent_error_a_manager_can_act_on(shop, make_client):
    with pytest.raises(PlatformError, match=r"^Shopify refused the access token") as refused:
        make_client(token="shpat_revoked").check()

    assert refused.value.permanent
    assert "shpat_revoked" not in str(refused.value)
    assert [r.status for r in shop.requests] == [401]  # not tried again


def test_requests_are_logged_without_token_or_body(shop, make_client, caplog):
    shop.add_order(payload("order_webhook_de.json"))
    with caplog.at_level(logging.INFO, logger="channels.marketplaces.shopify.client"):
        make_client().order(ORDER_ID)

    (record,) = [r for r in caplog.records if r.name == "channels.marketplaces.shopify.client"]
    line = record.getMessage()
    assert "POST /admin/api/2026-10/graphql.json PacklineOrder -> 200 in" in line
    assert TOKEN not in line and "Lindqvist" not in line


# Tracking back.


def test_pushing_the_whole_order_fulfils_everything_that_remains(shop, make_client):
    shop.add_order(payload("order_webhook_de.json"))

    fulfillment_id = make_client().push_tracking(push(url="https://www.dhl.de/track?n=00340434161094042557"))

    (fulfillment_order,) = shop.graphql_order(ORDER_ID)["fulfillmentOrders"]["nodes"]
    assert shop.pushes == [
        {
            "lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fulfillment_order["id"]}],
            "trackingInfo": {
                "company": "DHL",
                "number": "00340434161094042557",
                "url": "https://www.dhl.de/track?n=00340434161094042557",
            },
            "notifyCustomer": True,
        }
    ]
    assert shop.remaining(ORDER_ID) == {MUG: 0, TOWEL: 0}
    (created,) = shop.fulfillments(ORDER_ID)
    assert fulfillment_id == created["legacyResourceId"]
    assert created["lines"] == {MUG: 2, TOWEL: 3}
    assert make_client().order(ORDER_ID).fulfilled


def test_pushing_some_lines_fulfils_exactly_those_quantities(shop, make_client):
    shop.add_order(payload("order_webhook_de.json"))
    client = make_client()

    client.push_tracking(push((TOWEL, 2), number="JJD0001"))
    client.push_tracking(push((TOWEL, 1), (MUG, 2), number="JJD0002"))

    nodes = shop.graphql_order(ORDER_ID)["fulfillmentOrders"]["nodes"][0]["lineItems"]["nodes"]
    fo_line = {node["lineItem"]["id"].rsplit("/", 1)[1]: node["id"] for node in nodes}
    fulfillment_order_id = shop.graphql_order(ORDER_ID)["fulfillmentOrders"]["nodes"][0]["id"]
    assert [p["lineItemsByFulfillmentOrder"] for p in shop.pushes] == [
        [
            {
                "fulfillmentOrderId": fulfillment_order_id,
                "fulfillmentOrderLineItems": [{"id": fo_line[TOWEL], "quantity": 2}],
            }
        ],
        [
            {
                "fulfillmentOrderId": fulfillment_order_id,
                "fulfillmentOrderLineItems": [
                    {"id": fo_line[TOWEL], "quantity": 1},
                    {"id": fo_line[MUG], "quantity": 2},
                ],
            }
        ],
    ]
    assert [p["trackingInfo"] for p in shop.pushes] == [
        {"company": "DHL", "number": "JJD0001"},
        {"company": "DHL", "number": "JJD0002"},
    ]
    assert shop.remaining(ORDER_ID) == {MUG: 0, TOWEL: 0}


def test_a_line_split_across_fulfillment_orders_is_taken_from_each(shop, make_client):
    shop.add_order(payload("order_webhook_de.json"), fulfillment_orders=[[MUG], [TOWEL]])

    make_client().push_tracking(push((MUG, 1), (TOWEL, 3)))

    (pushed,) = shop.pushes
    assert [len(group["fulfillmentOrderLineItems"]) for group in pushed["lineItemsByFulfillmentOrder"]] == [
        1,
        1,
    ]
    assert shop.remaining(ORDER_ID) == {MUG: 1, TOWEL: 0}


def test_pushing_lines_that_are_already_fulfilled_is_a_permanent_error(shop, make_client):
    shop.add_order(payload("order_webhook_de.json"))
    client = make_client()
    client.push_tracking(push((MUG, 2), number="JJD0001"))

    with pytest.raises(PlatformError, match="line 14220000000001: 2 shipped but only 0 left") as refused:
        client.push_tracking(push((MUG, 2), number="JJD0002"))

    assert refused.value.permanent
    assert len(shop.pushes) == 1  # refused before asking Shopify to create anything


def test_pushing_a_whole_order_that_is_already_fulfilled_is_a_permanent_error(shop, make_client):
    shop.add_order(payload("order_webhook_de.json"))
    shop.fulfil_all(ORDER_ID)

    with pytest.raises(PlatformError, match="nothing left to fulfil") as refused:
        make_client().push_tracking(push())

    assert refused.value.permanent
    assert shop.pushes == []


@pytest.mark.parametrize("lines", [(), ((MUG, 1),)], ids=["whole order", "some lines"])
def test_an_order_on_hold_in_shopify_is_an_error_to_try_again_once_released(shop, make_client, lines):
    shop.add_order(payload("order_webhook_de.json"))
    shop.hold(ORDER_ID)
    client = make_client()

    with pytest.raises(PlatformError, match="is on hold in Shopify") as held:
        client.push_tracking(push(*lines))

    assert not held.value.permanent
    assert shop.pushes == []
    shop.release(ORDER_ID)
    assert client.push_tracking(push(*lines))


def test_a_line_the_order_does_not_have_is_a_permanent_error(shop, make_client):
    shop.add_order(payload("order_webhook_de.json"))

    with pytest.raises(PlatformError, match="has no line 999") as refused:
        make_client().push_tracking(push(("999", 1)))

    assert refused.value.permanent


def test_pushing_the_same_tracking_number_again_answers_the_fulfillment_already_made(shop, make_client):
    shop.add_order(payload("order_webhook_de.json"))
    client = make_client()

    first = client.push_tracking(push((MUG, 1)))
    again = client.push_tracking(push((MUG, 1)))

    assert first == again
    assert len(shop.pushes) == 1
    assert shop.remaining(ORDER_ID)[MUG] == 1


def test_shopify_refusing_the_fulfillment_is_a_permanent_error_with_its_reason(shop, make_client):
    shop.add_order(payload("order_webhook_de.json"))
    # Someone fulfils the order in the Shopify admin between our read and our write.
    shop.on_next("PacklineFulfillmentCreate", lambda: shop.fulfil_all(ORDER_ID))

    with pytest.raises(PlatformError, match="unfulfillable status= closed") as refused:
        make_client().push_tracking(push((MUG, 1)))

    assert refused.value.permanent
    assert len(shop.pushes) == 1 and shop.fulfillments(ORDER_ID) == []


def test_a_fulfillment_that_failed_with_a_500_is_not_sent_twice(shop, make_client):
    shop.add_order(payload("order_webhook_de.json"))
    shop.on_next("PacklineFulfillmentOrders", lambda: shop.fail_next(500))
    client = make_client()

    with pytest.raises(PlatformError, match="answered 500 to PacklineFulfillmentCreate") as failed:
        client.push_tracking(push((MUG, 1)))

    assert not failed.value.permanent
    assert operations(shop).count("PacklineFulfillmentCreate") == 1
    assert client.push_tracking(push((MUG, 1)))  # the next try goes through
    assert shop.remaining(ORDER_ID)[MUG] == 1


# Shopify's documented answers, without the fake.


def mock_client(answers: list[httpx.Response], limiter) -> ShopifyClient:
    queue = list(answers)
    access = Access(
        shop_url="https://atelier-demo.myshopify.com", api_base_url="", credentials={"access_token": TOKEN}
    )
    return ShopifyClient(
        access, limiter, backoff=0.01, transport=httpx.MockTransport(lambda request: queue.pop(0))
    )


def test_a_documented_throttled_answer_pauses_for_the_points_missing_at_the_restore_rate():
    limiter = RecordingLimiter()
    limiter.wait = lambda: None  # record only: the pause would take 0.86 s
    throttled = payload("throttled_response.json")
    answered = {"data": {"shop": {"name": "Atelier Lindqvist"}}}
    client = mock_client(
        [
            httpx.Response(200, json=json.loads(json.dumps(throttled, default=str))),
            httpx.Response(200, json=answered),
        ],
        limiter,
    )

    assert client.check() == "Atelier Lindqvist"
    assert limiter.pauses == [pytest.approx((752 - 666) / 100)]


def test_a_documented_user_error_is_a_permanent_error_quoting_shopify():
    order = {
        "data": {
            "order": {
                "legacyResourceId": ORDER_ID,
                "fulfillments": [],
                "fulfillmentOrders": {
                    "nodes": [
                        {
                            "id": "gid://shopify/FulfillmentOrder/1",
                            "status": "OPEN",
                            "lineItems": {
                                "nodes": [
                                    {
                                        "id": "gid://shopify/FulfillmentOrderLineItem/2",
                                        "remainingQuantity": 2,
                                        "lineItem": {"id": f"gid://shopify/LineItem/{MUG}"},
                                    }
                                ]
                            },
                        }
                    ]
                },
            }
        }
    }
    refused = json.loads(json.dumps(payload("fulfillment_create_refused.json"), default=str))
    client = mock_client(
        [httpx.Response(200, json=order), httpx.Response(200, json=refused)], RecordingLimiter()
    )

    with pytest.raises(
        PlatformError, match="Invalid fulfillment order line item quantity requested"
    ) as error:
        client.push_tracking(push((MUG, 1)))

    assert error.value.permanent


def test_a_redirect_is_a_permanent_error_about_the_shop_address():
    moved = httpx.Response(301, headers={"Location": "https://atelier.example/admin"})
    client = mock_client([moved], RecordingLimiter())

    with pytest.raises(PlatformError, match="check the shop address") as error:
        client.check()

    assert error.value.permanent


def test_graphql_errors_other_than_throttling_are_not_tried_again():
    limiter = RecordingLimiter()
    denied = {
        "errors": [{"message": "Access denied for orders field.", "extensions": {"code": "ACCESS_DENIED"}}]
    }
    client = mock_client([httpx.Response(200, json=denied)], limiter)

    with pytest.raises(PlatformError, match="Shopify refused the access token: Access denied") as error:
        client.order(ORDER_ID)

    assert error.value.permanent
    assert limiter.waits == 1


def test_fixture_money_survives_a_round_trip_through_the_fake(shop):
    order = copy.deepcopy(payload("order_webhook_de.json"))
    shop.add_order(order)

    assert shop.order(ORDER_ID)["line_items"][0]["tax_lines"][0]["rate"] == Decimal("0.19")
