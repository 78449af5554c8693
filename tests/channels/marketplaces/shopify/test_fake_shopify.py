"""FakeShopify itself: the framework's end-to-end tests rely on it answering as Shopify documents."""

import json
from decimal import Decimal

import httpx
import pytest

from channels.marketplaces.base import PlatformError
from channels.marketplaces.shopify.queries import ORDER_QUERY
from tests.channels.marketplaces.shopify.conftest import TOKEN, payload

ORDER_GID = "gid://shopify/Order/5630119874561"


def ask(shop, query: str, variables: dict | None = None, *, token: str = TOKEN) -> httpx.Response:
    return httpx.post(
        f"{shop.url}/admin/api/2026-10/graphql.json",
        json={"query": query, "variables": variables or {}},
        headers={"X-Shopify-Access-Token": token},
    )


def test_the_clients_order_query_is_answered_exactly_as_the_documented_fixture(shop):
    shop.add_order(payload("order_webhook_de.json"))

    answer = ask(shop, ORDER_QUERY, {"id": ORDER_GID}).json(parse_float=Decimal)

    assert answer["data"] == payload("order_graphql_de.json")["data"]
    assert answer["extensions"]["cost"]["requestedQueryCost"] <= 1000


def test_a_field_the_order_does_not_have_is_an_error(shop):
    shop.add_order(payload("order_webhook_de.json"))

    answer = ask(shop, "query($id: ID!) { order(id: $id) { name totalPrice } }", {"id": ORDER_GID}).json()

    assert answer["errors"][0]["message"] == "Field 'totalPrice' doesn't exist on type 'Order'"


def test_a_query_asking_for_more_than_1000_points_is_refused(shop, make_client):
    answer = ask(shop, "{ orders(first: 250) { nodes { lineItems(first: 10) { nodes { id } } } } }").json()

    assert answer["errors"][0]["extensions"]["code"] == "MAX_COST_EXCEEDED"


def test_a_connection_without_first_is_refused(shop):
    answer = ask(shop, "{ orders { nodes { id } } }").json()

    assert "first" in answer["errors"][0]["message"]


def test_a_wrong_token_gets_401_and_other_paths_404(shop):
    assert ask(shop, "{ shop { name } }", token="shpat_wrong").status_code == 401
    assert httpx.post(f"{shop.url}/admin/api/2026-10/orders.json", json={}).status_code == 404
    assert [request.status for request in shop.requests] == [401, 404]


def test_aliases_and_fragments_are_answered_under_their_names(shop):
    shop.add_order(payload("order_webhook_de.json"))
    query = """
    query Named($id: ID!) { mine: order(id: $id) { ...Bits } }
    fragment Bits on Order { number: name  money: totalPriceSet { shopMoney { amount } } }
    """

    answer = ask(shop, query, {"id": ORDER_GID}).json()

    assert answer["data"] == {"mine": {"number": "#2047", "money": {"shopMoney": {"amount": "71.05"}}}}
    assert shop.requests[-1].operation == "Named"


def test_the_clients_errors_for_a_refused_query_are_permanent(shop, make_client, monkeypatch):
    from channels.marketplaces.shopify import client as client_module

    monkeypatch.setattr(client_module, "SHOP_QUERY", "query PacklineShop { shop { name plan } }")

    with pytest.raises(PlatformError, match="Field 'plan' doesn't exist on type 'Shop'") as refused:
        make_client().check()

    assert refused.value.permanent
    assert json.dumps(shop.requests[-1].variables) == "{}"
