"""Parallel requests with the same Idempotency-Key, over real HTTP against the live server: one order."""

import threading

import httpx
import pytest

from accounts.services import api_token_create
from orders.models import ApiIdempotencyKey, Order
from tests.factories import CustomerFactory, ProductFactory

pytestmark = pytest.mark.django_db(transaction=True)
PARALLEL = 6


def test_parallel_requests_with_one_key_create_one_order_and_all_get_its_answer(live_server, make_user):
    token = api_token_create(user=make_user("csr"), name="ERP", scopes="read,write")[1]
    body = {
        "customer_id": CustomerFactory().pk,
        "lines": [{"sku": ProductFactory().sku, "quantity": 1}],
        "shipping_method": "Standard",
        "payment_method": "cash",
    }
    start = threading.Barrier(PARALLEL)
    answers: list[httpx.Response] = []

    def send():
        with httpx.Client(base_url=live_server.url, timeout=30) as client:
            start.wait()
            answers.append(
                client.post(
                    "/api/v1/orders",
                    json=body,
                    headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "erp-order-1047"},
                )
            )

    threads = [threading.Thread(target=send) for _ in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [answer.status_code for answer in answers] == [201] * PARALLEL, [a.text for a in answers]
    assert len({answer.json()["number"] for answer in answers}) == 1
    assert sum(answer.headers.get("Idempotent-Replayed") == "true" for answer in answers) == PARALLEL - 1
    assert Order.objects.count() == 1
    assert ApiIdempotencyKey.objects.get().order == Order.objects.get()
