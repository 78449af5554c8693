"""FakeEbay itself: the framework's tests will rely on it answering as eBay documents."""

from datetime import UTC, datetime, timedelta

import httpx

from tests.channels.marketplaces.ebay.conftest import ebay_order, stamp

SINCE = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
ORDERS = "/sell/fulfillment/v1/order"


def ask(ebay, path: str, token: str, **params) -> httpx.Response:
    return httpx.get(f"{ebay.url}{path}", params=params, headers={"Authorization": f"Bearer {token}"})


def test_the_lastmodifieddate_filter_includes_both_ends_and_lists_by_creation(ebay):
    token, _ = ebay.grant_token()
    for n, minutes in enumerate([30, 0, 60, 90]):
        ebay.add_order(
            ebay_order(f"12-0000{n}-00000", SINCE + timedelta(minutes=minutes), SINCE - timedelta(days=9 - n))
        )
    window = f"lastmodifieddate:[{stamp(SINCE)}..{stamp(SINCE + timedelta(minutes=60))}]"

    page = ask(ebay, ORDERS, token, filter=window).json()

    assert [o["orderId"] for o in page["orders"]] == ["12-00000-00000", "12-00001-00000", "12-00002-00000"]
    assert (page["total"], page["limit"], page["offset"]) == (3, 50, 0)
    assert "next" not in page and "prev" not in page


def test_pages_carry_next_and_prev_hrefs_and_limits_above_200_are_refused(ebay):
    token, _ = ebay.grant_token()
    for n in range(3):
        ebay.add_order(ebay_order(f"12-0001{n}-00000", SINCE))

    middle = ask(ebay, ORDERS, token, limit=1, offset=1).json()
    too_many = ask(ebay, ORDERS, token, limit=201)

    assert httpx.URL(middle["next"]).params["offset"] == "2"
    assert httpx.URL(middle["prev"]).params["offset"] == "0"
    assert too_many.status_code == 400 and too_many.json()["errors"][0]["errorId"] == 31100


def test_get_orders_leaves_cancel_requests_out_and_get_order_keeps_them(ebay):
    token, _ = ebay.grant_token()
    request = {"cancelRequestId": "1", "cancelInitiator": "BUYER", "cancelRequestState": "REQUESTED"}
    ebay.add_order(
        ebay_order(
            "12-00020-00000", SINCE, cancelStatus={"cancelState": "IN_PROGRESS", "cancelRequests": [request]}
        )
    )

    listed = ask(ebay, ORDERS, token).json()["orders"][0]
    single = ask(ebay, f"{ORDERS}/12-00020-00000", token).json()

    assert listed["cancelStatus"] == {"cancelState": "IN_PROGRESS", "cancelRequests": []}
    assert single["cancelStatus"]["cancelRequests"] == [request]


def test_every_api_call_needs_a_live_token(ebay):
    token, _ = ebay.grant_token()
    assert ask(ebay, ORDERS, token).status_code == 200

    ebay.expire_tokens()
    expired = ask(ebay, ORDERS, token)

    assert expired.status_code == 401
    assert expired.json()["errors"][0] == {
        "errorId": 1001,
        "domain": "OAuth",
        "category": "REQUEST",
        "message": "Invalid access token",
        "longMessage": "Invalid access token. Check the value of the Authorization HTTP request header.",
    }
    assert ask(ebay, ORDERS, "made-up").status_code == 401


def test_a_shipment_is_refused_for_unknown_repeated_or_untrackable_lines(ebay):
    token, _ = ebay.grant_token()
    ebay.add_order(ebay_order("12-00030-00000", SINCE))
    url = f"{ebay.url}{ORDERS}/12-00030-00000/shipping_fulfillment"
    headers = {"Authorization": f"Bearer {token}"}

    def ship(lines, **fields):
        body = {"lineItems": lines, "shippingCarrierCode": "DHL", "trackingNumber": "JD1", **fields}
        return httpx.post(url, json=body, headers=headers)

    unknown = ship([{"lineItemId": "1", "quantity": 1}])
    repeated = ship([{"lineItemId": "10059374821001", "quantity": 1}] * 2)
    untrackable = ship([{"lineItemId": "10059374821001", "quantity": 1}], trackingNumber="JD 1")

    assert [(r.status_code, r.json()["errors"][0]["errorId"]) for r in (unknown, repeated, untrackable)] == [
        (400, 32200),
        (400, 32210),
        (400, 32300),
    ]
    assert ebay.pushes == []
