"""The orders API: the same selectors, filters, services and sentences as the pages."""

import base64

import pytest

from accounts.services import api_token_create
from orders.models import ApiIdempotencyKey, Customer, HoldRule, Order, OrderEvent
from tests.api.answers import problem_answer
from tests.factories import CustomerFactory, ProductFactory, make_order

pytestmark = pytest.mark.django_db


# Reading ---------------------------------------------------------------------------------------------


def test_the_list_walks_every_order_newest_first_by_cursor_without_repeats(api, token_for):
    orders = [make_order() for _ in range(7)]
    client = api(token_for("manager"))
    seen, cursor = [], None
    while True:
        response = client.get("/orders", limit=3, **({"cursor": cursor} if cursor else {}))
        assert response.status_code == 200
        page = response.json()
        assert "count" not in page
        seen += [item["number"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [order.display_number for order in reversed(orders)]


def test_a_cursor_not_made_by_the_list_is_a_422_naming_it(api, token_for):
    client = api(token_for("manager"))
    for cursor in ("nonsense", base64.urlsafe_b64encode(b"2026-01-01|x").decode()):
        body = problem_answer(client.get("/orders", cursor=cursor), 422)
        assert body["errors"][0]["field"] == "cursor"


def test_the_list_filters_as_the_list_page_does(api, token_for):
    tagged = make_order(tags=["vip"])
    held = make_order(shipping_method="")  # missing shipping method: on hold
    plain = make_order(po_number="PO-778")
    client = api(token_for("manager"))

    def numbers(**params):
        response = client.get("/orders", **params)
        assert response.status_code == 200, response.content
        return {item["number"] for item in response.json()["items"]}

    assert numbers(tag="vip") == {tagged.display_number}
    assert numbers(on_hold="true") == {held.display_number}
    assert numbers(stage="on_hold") == {held.display_number}
    assert numbers(hold_reason="missing_shipping_method") == {held.display_number}
    assert numbers(q="PO-778") == {plain.display_number}
    assert numbers(status="processing") == {tagged.display_number, plain.display_number}
    assert numbers(channel="manual") == {tagged.display_number, held.display_number, plain.display_number}
    assert numbers(channel="csv") == set()
    assert numbers(created_after="2999-01-01") == set()
    assert len(numbers(updated_since=tagged.updated_at.isoformat())) == 3


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"channel": "no-such"}, "channel"),
        ({"status": "no-such"}, "status"),
        ({"created_after": "1800-01-01"}, "created_after"),
        ({"updated_since": "0001-01-01T00:00:00+14:00"}, "updated_since"),
        ({"limit": "500"}, "limit"),
        ({"stage": "sideways"}, "stage"),
    ],
)
def test_bad_filters_are_422_naming_the_parameter(api, token_for, params, field):
    body = problem_answer(api(token_for("manager")).get("/orders", **params), 422)
    assert [error["field"] for error in body["errors"]] == [field]


def test_an_agent_sees_only_their_orders_and_another_is_404(api, make_user):
    agent = make_user("agent")
    theirs = make_order(assigned_agent=agent)
    others = make_order(channel_order_id=None)
    token = api_token_create(user=agent, name="phone", scopes="read")[1]
    client = api(token)
    assert [item["number"] for item in client.get("/orders").json()["items"]] == [theirs.display_number]
    assert client.get(f"/orders/{theirs.display_number}").status_code == 200
    body = problem_answer(client.get(f"/orders/{others.display_number}"), 404)
    missing = problem_answer(client.get("/orders/PL-999999999"), 404)
    assert body["title"] == missing["title"] == "Not Found"
    assert problem_answer(client.get(f"/orders/{others.number}/timeline"), 404)


def test_get_an_order_by_number_and_by_channel_order_id(api, token_for):
    order = make_order(channel_order_id="A/77", channel_order_number="#77")
    client = api(token_for("viewer"))
    for path in (
        f"/orders/{order.display_number}",
        f"/orders/{order.number}",
        "/channels/manual/orders/A/77",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        body = response.json()
        assert body["number"] == order.display_number
        assert body["lines"][0]["sku"] == order.lines.first().sku
    problem_answer(client.get("/channels/csv/orders/A/77"), 404)


def test_a_deleted_order_is_404_except_for_a_superadmin(api, token_for):
    from orders.actors import Actor
    from orders.services.edit import order_soft_delete

    order = make_order()
    order_soft_delete(order_id=order.pk, actor=Actor.system(), reason="test")
    problem_answer(api(token_for("manager")).get(f"/orders/{order.number}"), 404)
    assert api(token_for("superadmin")).get(f"/orders/{order.number}").status_code == 200
    assert order.display_number not in str(api(token_for("superadmin")).get("/orders").content)


def test_the_timeline_is_the_orders_events_newest_first(api, token_for):
    order = make_order()
    body = api(token_for("csr")).get(f"/orders/{order.number}/timeline").json()
    assert [entry["type"] for entry in body] == ["stock.allocation", "order.created"]  # the same moment
    assert body[-1]["params"]["source"] == "manual"


# Creating --------------------------------------------------------------------------------------------


def _body(**overrides) -> dict:
    product = ProductFactory()
    body = {
        "customer_id": CustomerFactory().pk,
        "lines": [{"sku": product.sku, "quantity": 2}],
        "shipping_method": "Standard",
        "payment_method": "cash",
    }
    return body | overrides


def test_create_takes_the_forms_path_holds_rules_and_allocation(
    api, token_for, django_capture_on_commit_callbacks
):
    from fulfilment.models import StockItem
    from orders.models import Warehouse

    body = _body()
    product_sku = body["lines"][0]["sku"]
    stock = StockItem.objects.create(
        warehouse=Warehouse.objects.get(is_default=True),
        product_id=ProductFactory._meta.model.objects.get(sku=product_sku).pk,
        on_hand=5,
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = api(token_for("csr")).post("/orders", body)
    assert response.status_code == 201, response.content
    created = response.json()
    order = Order.objects.get(number=int(created["number"].split("-")[-1]))
    assert response["Location"].endswith(f"/orders/{created['number']}")
    assert created["status"]["stage"] == "processing" and order.source == "api"
    assert OrderEvent.objects.filter(order=order, type="order.created").exists()
    stock.refresh_from_db()
    assert stock.allocated == 2

    HoldRule.objects.create(name="Big", field="total_over", value="1", reason="check big orders")
    held = api(token_for("csr")).post("/orders", _body()).json()
    assert held["status"]["stage"] == "on_hold"
    assert [hold["detail"] for hold in held["holds"]] == ["Big: check big orders"]


def test_create_with_a_new_customer(api, token_for):
    body = _body(customer_id=None, customer={"name": "Ada Lovelace", "email": "ada@example.com"})
    created = api(token_for("csr")).post("/orders", body).json()
    assert created["customer_name"] == "Ada Lovelace"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"lines": []}, "lines"),
        ({"lines": [{"sku": "X", "quantity": -1}]}, "lines[1]"),
        ({"lines": [{"sku": "X", "quantity": "many"}]}, "lines[0].quantity"),
        ({"customer_id": 10**12}, "customer_id"),
        ({"channel": "nope"}, "channel"),
        ({"payment_method": "barter"}, "payment_method"),
        ({"delivery_fee": "NaN"}, "delivery_fee"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_data_that_cannot_form_an_order_is_422_naming_the_field_and_writes_nothing(
    api, token_for, overrides, field
):
    body = problem_answer(api(token_for("csr")).post("/orders", _body(**overrides)), 422)
    assert field in [error["field"] for error in body["errors"]]
    assert not Order.objects.exists()


def test_a_duplicate_channel_order_is_409_with_the_pages_sentence(api, token_for):
    existing = make_order(channel_order_id="X-1")
    body = problem_answer(api(token_for("csr")).post("/orders", _body(channel_order_id="X-1")), 409)
    assert body["detail"] == f"Manual entry order X-1 was already imported as {existing}."


def test_a_customer_given_inline_is_not_kept_when_its_order_is_refused(api, token_for):
    make_order(channel_order_id="X-1")
    customer = {"name": "Ada Lovelace", "email": "ada@example.com"}
    body = _body(customer_id=None, customer=customer, channel_order_id="X-1")
    problem_answer(api(token_for("csr")).post("/orders", body), 409)
    assert not Customer.objects.filter(email="ada@example.com").exists()


def test_a_read_token_may_not_write_and_a_viewer_may_not_create(api, token_for):
    body = problem_answer(api(token_for("csr", scopes="read")).post("/orders", _body()), 403)
    assert "read and write token" in body["detail"]
    problem_answer(api(token_for("viewer")).post("/orders", _body()), 403)
    problem_answer(api(token_for("warehouse")).post("/orders", _body()), 403)
    assert not Order.objects.exists()


# Idempotency -----------------------------------------------------------------------------------------


def test_the_same_key_and_body_answer_the_first_answer_and_create_one_order(api, token_for):
    client = api(token_for("csr"))
    body = _body()
    first = client.post("/orders", body, headers={"Idempotency-Key": "order-1"})
    again = client.post("/orders", body, headers={"Idempotency-Key": "order-1"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Order.objects.count() == 1 and ApiIdempotencyKey.objects.count() == 1


def test_the_same_key_with_another_body_is_422_and_creates_nothing(api, token_for):
    client = api(token_for("csr"))
    client.post("/orders", _body(), headers={"Idempotency-Key": "order-1"})
    body = problem_answer(client.post("/orders", _body(), headers={"Idempotency-Key": "order-1"}), 422)
    assert "different request" in body["detail"]
    assert Order.objects.count() == 1


def test_a_failed_request_keeps_no_key_so_a_corrected_retry_works(api, token_for):
    client = api(token_for("csr"))
    problem_answer(client.post("/orders", _body(lines=[]), headers={"Idempotency-Key": "k"}), 422)
    assert not ApiIdempotencyKey.objects.exists()
    assert client.post("/orders", _body(), headers={"Idempotency-Key": "k"}).status_code == 201


def test_keys_belong_to_their_user(api, token_for):
    body = _body()
    first = api(token_for("csr")).post("/orders", body, headers={"Idempotency-Key": "same"})
    second = api(token_for("csr")).post("/orders", body, headers={"Idempotency-Key": "same"})
    assert first.json()["number"] != second.json()["number"]


def test_the_list_filters_by_csr_and_agent_username(api, token_for, make_user):
    csr, agent = make_user("csr"), make_user("agent")
    theirs = make_order(assigned_csr=csr, assigned_agent=agent)
    make_order()
    client = api(token_for("manager"))
    for params in ({"csr": csr.username}, {"agent": agent.username}):
        assert [item["number"] for item in client.get("/orders", **params).json()["items"]] == [
            theirs.display_number
        ]
    assert problem_answer(client.get("/orders", csr="nobody"), 422)["errors"][0]["field"] == "csr"
    # A user who is no CSR is refused by the list page's own filter, named as the API names it.
    assert problem_answer(client.get("/orders", csr=agent.username), 422)["errors"][0]["field"] == "csr"


def test_a_page_of_orders_costs_the_same_queries_for_5_or_50_orders(
    api, token_for, django_assert_max_num_queries
):
    client = api(token_for("manager"))
    client.get("/orders")  # the token's last use is written once a minute: not on the next calls
    make_order(), make_order(), make_order(), make_order(), make_order()
    with django_assert_max_num_queries(6) as few:
        assert len(client.get("/orders").json()["items"]) == 5
    for _ in range(45):
        make_order()
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get("/orders").json()["items"]) == 50


def test_nul_characters_are_refused_as_problems_naming_where(api, token_for):
    client = api(token_for("csr"))
    body = problem_answer(client.post("/orders", _body(notes="a\x00b")), 422)
    assert body["errors"][0]["field"] == "notes" and "NUL" in body["errors"][0]["detail"]
    in_query = problem_answer(client.get("/orders", q="a\x00b"), 400)
    assert "NUL" in in_query["detail"]
    problem_answer(client.get("/channels/manual/orders/a%00b"), 404)
    assert not Order.objects.exists()


def test_an_unknown_api_path_is_a_404problem_answer(api, token_for):
    problem_answer(api(token_for("csr")).get("/no-such-thing"), 404)


def test_the_create_answer_is_the_order_as_a_later_get_reads_it(api, token_for):
    """The create answer is made from what order_create wrote, without reading the order again: it
    must say what the database holds: for an order short of stock (one line allocated, one partly),
    one on hold for three reasons, and one on another channel with a customer created inline."""
    from fulfilment.models import StockItem
    from orders.models import Channel, Warehouse

    warehouse = Warehouse.objects.get(is_default=True)
    stocked, short = ProductFactory(), ProductFactory()
    StockItem.objects.create(warehouse=warehouse, product=stocked, on_hand=100)
    StockItem.objects.create(warehouse=warehouse, product=short, on_hand=1)
    HoldRule.objects.create(name="Big", field="total_over", value="100000", reason="check big orders")
    customer = CustomerFactory()
    lines = [{"sku": stocked.sku, "quantity": 2}, {"sku": short.sku, "quantity": 3}]
    bodies = [
        {"customer_id": customer.pk, "lines": lines, "shipping_method": "Standard", "tags": ["b", "a"]},
        {  # no shipping method, over the value limit and the rule's total: three holds
            "customer_id": customer.pk,
            "lines": [{"sku": stocked.sku, "quantity": 1, "unit_price": "150000.00"}],
            "payment_method": "cash",
        },
        {"customer": {"name": "Ada Lovelace", "email": "ada@example.com"}, "lines": lines[:1],
         "shipping_method": "Standard", "channel": Channel.objects.exclude(code="manual").first().code,
         "channel_order_id": "EXT-1", "amount_paid": "5.00", "payment_method": "card"},
    ]  # fmt: skip
    client = api(token_for("csr"))
    answers = []
    for body in bodies:
        response = client.post("/orders", body)
        assert response.status_code == 201, response.content
        answers.append(response.json())
    assert [[hold["reason"] for hold in answer["holds"]] for answer in answers] == [
        [],
        ["missing_shipping_method", "over_value", "rule"],
        ["missing_address", "payment_mismatch"],
    ]
    assert answers[0]["lines"][1]["quantity_allocated"] == 1  # one of three in stock
    for answer in answers:
        assert client.get(f"/orders/{answer['number']}").json() == answer
