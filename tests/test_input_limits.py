"""No NUL character and no over-long value reaches a view: one middleware answers 400 with the reason
(config/middleware.py, issue 15)."""

import pytest
from django.urls import reverse

from orders.models import OrderEvent
from tests.factories import make_order

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "url_name", "parameter"),
    [
        ("warehouse", "fulfilment:stock", "q"),
        ("csr", "orders:customer_search", "customer_q"),
        ("csr", "orders:product_search", "product_q"),
        ("manager", "orders:list", "q"),
    ],
)
def test_a_nul_byte_in_a_search_answers_400_with_the_reason(client, users, role, url_name, parameter):
    client.force_login(users[role])
    response = client.get(reverse(url_name) + f"?{parameter}=ja%00ne")
    assert response.status_code == 400
    assert "NUL character" in response.content.decode()


def test_a_nul_byte_in_a_form_field_answers_400_and_writes_nothing(client, users):
    order = make_order()
    client.force_login(users["csr"])
    response = client.post(reverse("orders:note", kwargs={"number": order.number}), {"text": "call\x00back"})
    assert response.status_code == 400
    assert not OrderEvent.objects.filter(order=order, type="note.added").exists()


def test_a_nul_byte_in_a_parameters_name_answers_400(client, users):
    client.force_login(users["manager"])
    assert client.get(reverse("orders:list") + "?q%00=x").status_code == 400


def test_over_long_values_answer_400_and_values_at_the_limit_pass(client, users):
    client.force_login(users["manager"])
    assert client.get(reverse("orders:list"), {"q": "x" * 2_000}).status_code == 200
    response = client.get(reverse("orders:list"), {"q": "x" * 2_001})
    assert response.status_code == 400
    assert "2,001 characters long; at most 2,000" in response.content.decode()
    order = make_order()
    response = client.post(reverse("orders:note", kwargs={"number": order.number}), {"text": "n" * 100_001})
    assert response.status_code == 400
