"""POST /orders/batch: many orders in one request through batched creation, each answering on its own,
with the same decisions as POST /orders."""

import pytest

from fulfilment.models import StockItem
from orders.models import ApiIdempotencyKey, Customer, HoldRule, Order, OrderEvent, Warehouse
from tests.api.answers import problem_answer
from tests.factories import CustomerFactory, ProductFactory, make_order

pytestmark = pytest.mark.django_db


def _order(product, **overrides) -> dict:
    return {
        "customer_id": CustomerFactory().pk,
        "lines": [{"sku": product.sku, "quantity": 2}],
        "shipping_method": "Standard",
        "payment_method": "cash",
    } | overrides


def _stocked(on_hand: int = 50):
    product = ProductFactory()
    StockItem.objects.create(
        warehouse=Warehouse.objects.get(is_default=True), product=product, on_hand=on_hand
    )
    return product


def _shape(order: Order) -> dict:
    """What creation decided about an order, without what differs between any two orders."""
    return {
        "status": order.status.code,
        "source": order.source,
        "holds": sorted((h.reason, h.detail) for h in order.holds.all()),
        "totals": (order.subtotal, order.tax_total, order.total, order.amount_paid),
        "lines": [
            (line.quantity, line.unit_price, line.line_total, line.quantity_allocated)
            for line in order.lines.order_by("position")
        ],
        "events": sorted(OrderEvent.objects.filter(order=order).values_list("type", flat=True)),
        "payments": sorted(str(amount) for amount in order.payments.values_list("amount", flat=True)),
    }


def test_each_order_answers_on_its_own_and_the_good_ones_are_created_with_stock(
    api, token_for, django_capture_on_commit_callbacks
):
    product = _stocked()
    body = {
        "orders": [
            _order(product),
            _order(product, lines=[{"sku": "NOT-A-PRODUCT", "quantity": 1}]),
            _order(product, customer_id=10**9),
            _order(product, lines=[]),
            _order(product, channel="nope"),
        ]
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = api(token_for("csr")).post("/orders/batch", body)
    assert response.status_code == 200, response.content
    answer = response.json()
    results = answer["results"]
    assert [r["index"] for r in results] == [0, 1, 2, 3, 4]
    assert [r["result"] for r in results] == ["created", "held", "rejected", "rejected", "rejected"]
    assert (answer["created"], answer["held"], answer["rejected"], answer["duplicate"]) == (1, 1, 3, 0)
    assert results[2]["errors"] == {"customer_id": ["No customer has this id."]}
    assert "lines" in results[3]["errors"]
    assert results[4]["errors"] == {"channel": ["No channel has the code 'nope'."]}
    assert results[1]["holds"] and "NOT-A-PRODUCT" in " ".join(results[1]["holds"])
    created = Order.objects.get(number=int(results[0]["number"].split("-")[-1]))
    assert created.source == "api" and created.status.stage == "processing"
    assert list(created.lines.values_list("quantity_allocated", flat=True)) == [2]
    assert StockItem.objects.get(product=product).allocated == 2
    assert Order.objects.count() == 2


def test_the_batch_decides_as_one_order_at_a_time_does(api, token_for, django_capture_on_commit_callbacks):
    """The same orders through POST /orders and through POST /orders/batch, each run on its own product
    with the same price and stock: same status, holds, totals, lines, allocation, payments, timeline."""
    HoldRule.objects.create(name="Big", field="total_over", value="500", reason="check big orders")

    def cases(product):  # a customer per run, or the second run's orders would look like duplicates
        customer = CustomerFactory()  # the second order finds too little stock left
        return [
            _order(product, customer_id=customer.pk, amount_paid="5.00"),
            _order(
                product,
                customer_id=customer.pk,
                lines=[{"sku": product.sku, "quantity": 2, "unit_price": "999"}],
            ),
            _order(
                product, customer_id=customer.pk, lines=[{"sku": "UNKNOWN", "quantity": 1, "unit_price": "3"}]
            ),
            _order(product, customer_id=customer.pk, payment_method="card", draft=True),
        ]

    client = api(token_for("manager"))
    singles = []
    for case in cases(_stocked(on_hand=3)):
        with django_capture_on_commit_callbacks(execute=True):
            singles.append(client.post("/orders", case).json()["number"])
    with django_capture_on_commit_callbacks(execute=True):
        results = client.post("/orders/batch", {"orders": cases(_stocked(on_hand=3))}).json()["results"]
    batched = [r["number"] for r in results]
    for single, batch in zip(singles, batched, strict=True):
        assert _shape(_by_number(batch)) == _shape(_by_number(single))


def _by_number(number: str) -> Order:
    return Order.objects.get(number=int(number.split("-")[-1]))


def test_a_new_customer_is_created_once_per_email_as_an_import_does(api, token_for):
    product = ProductFactory()
    new = {"name": "Ada Lovelace", "email": "ada@example.com"}
    body = {"orders": [_order(product, customer_id=None, customer=new) for _ in range(2)]}
    answer = api(token_for("csr")).post("/orders/batch", body).json()
    assert answer["created"] + answer["held"] == 2
    assert Customer.objects.filter(email="ada@example.com").count() == 1


def test_a_role_that_may_not_create_customers_gets_those_orders_rejected(api, token_for, make_user):
    from django.contrib.auth.models import Permission

    csr = make_user("csr")
    csr.groups.first().permissions.remove(Permission.objects.get(codename="add_customer"))
    product = ProductFactory()
    body = {"orders": [_order(product, customer_id=None, customer={"name": "New"}), _order(product)]}
    results = api(token_for(csr)).post("/orders/batch", body).json()["results"]
    assert results[0]["errors"] == {"customer": ["You may not create customers."]}
    assert results[1]["result"] in ("created", "held")
    assert not Customer.objects.filter(name="New").exists()


def test_an_order_already_imported_is_a_duplicate_and_not_created_again(api, token_for):
    existing = make_order(channel_order_id="X-1")
    product = ProductFactory()
    body = {"orders": [_order(product, channel_order_id="X-1")]}
    results = api(token_for("csr")).post("/orders/batch", body).json()["results"]
    assert results[0]["result"] == "duplicate" and results[0]["number"] is None
    assert Order.objects.filter(channel_order_id="X-1").get() == existing


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"orders": []}, "orders"),
        (
            {"orders": [{"customer_id": 1, "lines": [{"sku": "X", "quantity": "many"}]}]},
            "orders[0].lines[0].quantity",
        ),
        ({"orders": "all"}, "orders"),
        ({"orders": [{}] * 101}, "orders"),
    ],
)
def test_a_request_that_does_not_fit_the_schema_is_422_and_writes_nothing(api, token_for, body, field):
    answer = problem_answer(api(token_for("csr")).post("/orders/batch", body), 422)
    assert any(error["field"].startswith(field) for error in answer["errors"]), answer
    assert not Order.objects.exists()


def test_read_tokens_viewers_and_warehouse_may_not_create(api, token_for):
    body = {"orders": [_order(ProductFactory())]}
    problem_answer(api(token_for("csr", scopes="read")).post("/orders/batch", body), 403)
    problem_answer(api(token_for("viewer")).post("/orders/batch", body), 403)
    problem_answer(api(token_for("warehouse")).post("/orders/batch", body), 403)
    assert not Order.objects.exists()


def test_the_same_key_answers_the_first_answer_and_another_body_is_422(api, token_for):
    client = api(token_for("csr"))
    product = ProductFactory()
    body = {"orders": [_order(product), _order(product)]}
    first = client.post("/orders/batch", body, headers={"Idempotency-Key": "batch-1"})
    again = client.post("/orders/batch", body, headers={"Idempotency-Key": "batch-1"})
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json() and Order.objects.count() == 2
    other = {"orders": [_order(product)]}
    problem_answer(client.post("/orders/batch", other, headers={"Idempotency-Key": "batch-1"}), 422)
    assert Order.objects.count() == 2 and ApiIdempotencyKey.objects.count() == 1
