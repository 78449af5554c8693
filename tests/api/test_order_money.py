"""An order's money through the API: the money panel's forms and services, with the page's
permissions and sentences; amounts as decimal strings with their currency."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.actors import Actor
from orders.inputs import LineInput
from orders.models import Order, OrderEvent
from orders.money.models import Expense, Payment, Refund
from orders.money.services.expenses import expense_record
from orders.money.services.payments import payment_record
from orders.money.services.refunds import refund_record
from tests.factories import ProductFactory, make_order

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("tests")


@pytest.fixture
def order_of():
    """order_of(**fields): 12.00 due (10.00 + 20% tax), nothing paid yet; paid by card, so it awaits
    payment (cash on delivery: processing)."""

    def make(**fields):
        product = ProductFactory(price=Decimal("10.00"), tax_rate=Decimal("20.00"))
        fields.setdefault("payment_method", "card")
        return make_order(lines=[LineInput(sku=product.sku, quantity=1)], **fields)

    return make


@pytest.fixture
def order(order_of):
    return order_of()


def _money_events(order) -> list[str]:
    return list(
        OrderEvent.objects.filter(order=order, type__regex=r"^(payment|expense|refund)\.")
        .order_by("pk")
        .values_list("type", flat=True)
    )


# Payments -------------------------------------------------------------------------------------------


def test_a_csr_records_a_payment_and_lists_it_as_a_decimal_string(api, token_for, order):
    client = api(token_for("csr"))
    response = client.post(
        f"/orders/{order.number}/payments", {"amount": "5.00", "method": "card", "reference": "PSP-1"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["amount"], body["currency"], body["method"], body["reference"]) == (
        "5.00", order.currency, "card", "PSP-1",
    )  # fmt: skip
    assert body["state"] == "received" and body["reverses"] is None and body["reversed_by"] is None
    listed = client.get(f"/orders/{order.number}/payments").json()
    assert [(p["id"], p["amount"]) for p in listed] == [(body["id"], "5.00")]
    assert Order.objects.get(pk=order.pk).amount_paid == Decimal("5.00")
    assert _money_events(order) == ["payment.recorded"]


def test_the_payment_that_settles_an_awaiting_payment_order_moves_it_to_processing(api, token_for, order_of):
    order = order_of(payment_method="transfer")
    assert order.stage == "awaiting_payment"
    response = api(token_for("csr")).post(
        f"/orders/{order.number}/payments", {"amount": "12.00", "method": "transfer"}
    )
    assert response.status_code == 201, response.content
    assert Order.objects.get(pk=order.pk).stage == "processing"


@pytest.mark.parametrize(
    "role, status", [("superadmin", 201), ("manager", 201), ("csr", 201), ("warehouse", 403), ("viewer", 403)]
)
def test_who_records_a_payment_is_as_on_the_page(api, token_for, order, role, status):
    response = api(token_for(role)).post(
        f"/orders/{order.number}/payments", {"amount": "1.00", "method": "cash"}
    )
    assert response.status_code == status, response.content
    assert Payment.objects.filter(order=order).count() == (1 if status == 201 else 0)
    if status == 403:
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["detail"] == "Your role does not record payments."


def test_an_agent_records_cash_they_collected_on_their_own_order_only(api, token_for, make_user, order_of):
    agent = make_user("agent")
    own, other = order_of(assigned_agent=agent), order_of(assigned_agent=make_user("agent"))
    client = api(token_for(agent))

    collected = client.post(f"/orders/{own.number}/payments", {"amount": "12.00", "method": "cash"})
    assert collected.status_code == 201, collected.content
    assert collected.json()["collected_by"] == agent.username
    assert (
        client.post(f"/orders/{other.number}/payments", {"amount": "1.00", "method": "cash"}).status_code
        == 404
    )
    assert client.get(f"/orders/{other.number}/payments").status_code == 404
    assert [p["amount"] for p in client.get(f"/orders/{own.number}/payments").json()] == ["12.00"]
    assert Payment.objects.filter(order=other).count() == 0


def test_an_agent_may_not_record_a_card_payment_or_name_another_collector(
    api, token_for, make_user, order_of
):
    agent = make_user("agent")
    order = order_of(assigned_agent=agent)
    client = api(token_for(agent))

    card = client.post(f"/orders/{order.number}/payments", {"amount": "1.00", "method": "card"})
    assert card.status_code == 422 and [e["field"] for e in card.json()["errors"]] == ["method"]
    named = client.post(
        f"/orders/{order.number}/payments",
        {"amount": "1.00", "method": "cash", "collected_by": make_user("agent").username},
    )
    assert named.status_code == 422 and [e["field"] for e in named.json()["errors"]] == ["collected_by"]
    assert not Payment.objects.filter(order=order).exists()


def test_a_csr_names_the_agent_who_collected_and_only_an_agent(api, token_for, make_user, order):
    agent, csr = make_user("agent"), make_user("csr")
    client = api(token_for(csr))
    not_an_agent = client.post(
        f"/orders/{order.number}/payments", {"amount": "1.00", "method": "cash", "collected_by": csr.username}
    )
    assert not_an_agent.status_code == 422
    assert not_an_agent.json()["errors"] == [
        {"field": "collected_by", "detail": f"No delivery agent is called {csr.username!r}."}
    ]
    named = client.post(
        f"/orders/{order.number}/payments",
        {"amount": "1.00", "method": "cash", "collected_by": agent.username},
    )
    assert named.status_code == 201 and named.json()["collected_by"] == agent.username


@pytest.mark.parametrize(
    "body, field",
    [
        ({"amount": "0", "method": "cash"}, "amount"),
        ({"amount": "abc", "method": "cash"}, "amount"),
        ({"amount": "1.005", "method": "cash"}, "amount"),
        ({"amount": 1.5, "method": "cash"}, "amount"),  # a float: money is a decimal string
        ({"amount": "1.00", "method": "gold"}, "method"),
        ({"amount": "1.00"}, "method"),
        ({"amount": "1.00", "method": "cash", "tip": "2"}, "tip"),
        ({"amount": "1.00", "method": "cash", "collected_by": "nobody"}, "collected_by"),
    ],
)
def test_invalid_payment_input_is_422_naming_the_field_and_nothing_is_written(
    api, token_for, order, body, field
):
    response = api(token_for("csr")).post(f"/orders/{order.number}/payments", body)
    assert response.status_code == 422, response.content
    assert field in [error["field"] for error in response.json()["errors"]]
    assert not Payment.objects.filter(order=order).exists()
    assert Order.objects.get(pk=order.pk).amount_paid == 0


def test_more_than_the_balance_is_refused_with_the_pages_sentence(api, token_for, order):
    response = api(token_for("csr")).post(
        f"/orders/{order.number}/payments", {"amount": "50.00", "method": "card"}
    )
    assert response.status_code == 409
    assert response.json()["detail"] == f"{order} has 12.00 USD left to pay; record at most that, not 50.00."
    assert not Payment.objects.filter(order=order).exists()


def test_a_payment_is_reversed_once_and_a_reversal_never(api, token_for, order):
    payment = payment_record(order_id=order.pk, amount="12.00", method="card", actor=SYSTEM)
    client = api(token_for("csr"))
    path = f"/orders/{order.number}/payments"

    reversed_ = client.post(f"{path}/{payment.pk}/reverse", {"reason": "recorded twice"})
    assert reversed_.status_code == 201, reversed_.content
    reversal = reversed_.json()
    assert (reversal["amount"], reversal["reverses"], reversal["note"]) == (
        "-12.00",
        payment.pk,
        "recorded twice",
    )
    assert Order.objects.get(pk=order.pk).amount_paid == 0
    listed = {p["id"]: p for p in client.get(path).json()}
    assert listed[payment.pk]["reversed_by"] == reversal["id"]

    again = client.post(f"{path}/{payment.pk}/reverse", {"reason": "again"})
    assert (
        again.status_code == 409 and again.json()["detail"] == f"Payment {payment.pk} was already reversed."
    )
    of_reversal = client.post(f"{path}/{reversal['id']}/reverse", {"reason": "undo"})
    assert of_reversal.status_code == 409
    assert (
        of_reversal.json()["detail"] == "This record is itself a reversal; record the payment again instead."
    )
    assert Payment.objects.filter(order=order).count() == 2
    assert _money_events(order) == ["payment.recorded", "payment.reversed"]


@pytest.mark.parametrize("role", ["warehouse", "viewer", "agent"])
def test_only_those_who_record_payments_reverse_them(api, token_for, make_user, order_of, role):
    user = make_user(role)
    order = order_of(assigned_agent=user if role == "agent" else None)
    payment = payment_record(order_id=order.pk, amount="12.00", method="cash", actor=SYSTEM)
    response = api(token_for(user)).post(
        f"/orders/{order.number}/payments/{payment.pk}/reverse", {"reason": "x"}
    )
    assert response.status_code == 403
    assert Payment.objects.filter(order=order).count() == 1


def test_a_reversal_needs_a_reason_and_a_payment_of_this_order(api, token_for, order, order_of):
    payment = payment_record(order_id=order.pk, amount="12.00", method="card", actor=SYSTEM)
    client = api(token_for("csr"))
    blank = client.post(f"/orders/{order.number}/payments/{payment.pk}/reverse", {"reason": ""})
    assert blank.status_code == 422 and blank.json()["errors"][0]["field"] == "reason"
    elsewhere = client.post(f"/orders/{order_of().number}/payments/{payment.pk}/reverse", {"reason": "x"})
    assert elsewhere.status_code == 404
    assert client.post(f"/orders/{order.number}/payments/0/reverse", {"reason": "x"}).status_code == 404
    assert Payment.objects.filter(order=order).count() == 1


# Reading --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["superadmin", "manager", "csr", "warehouse", "viewer"])
def test_everyone_who_sees_the_order_page_reads_its_money(api, token_for, order, role):
    payment_record(order_id=order.pk, amount="2.50", method="card", actor=SYSTEM)
    expense_record(order_id=order.pk, category="packaging", amount="0.40", actor=SYSTEM)
    refund_record(order_id=order.pk, amount="1.00", reason="goodwill", actor=SYSTEM)
    client = api(token_for(role, scopes="read"))
    assert [p["amount"] for p in client.get(f"/orders/{order.number}/payments").json()] == ["2.50"]
    assert [e["amount"] for e in client.get(f"/orders/{order.number}/expenses").json()] == ["0.40"]
    refunds = client.get(f"/orders/{order.number}/refunds").json()
    assert [(r["amount"], r["kind"], r["executed_at"]) for r in refunds] == [("1.00", "manual", None)]


def test_a_read_only_token_reads_money_but_records_none(api, token_for, order):
    client = api(token_for("csr", scopes="read"))
    assert client.get(f"/orders/{order.number}/payments").status_code == 200
    response = client.post(f"/orders/{order.number}/payments", {"amount": "1.00", "method": "card"})
    assert response.status_code == 403
    assert not Payment.objects.exists()


# Expenses -------------------------------------------------------------------------------------------


def test_a_csr_records_an_expense_paid_by_an_agent_and_reverses_it(api, token_for, make_user, order):
    agent = make_user("agent")
    client = api(token_for("csr"))
    recorded = client.post(
        f"/orders/{order.number}/expenses",
        {"category": "delivery", "amount": "3.20", "paid_by": agent.username, "note": "fuel"},
    )
    assert recorded.status_code == 201, recorded.content
    body = recorded.json()
    assert (body["amount"], body["currency"], body["paid_by"], body["category"]) == (
        "3.20", order.currency, agent.username, "delivery",
    )  # fmt: skip
    reversed_ = client.post(
        f"/orders/{order.number}/expenses/{body['id']}/reverse", {"reason": "wrong order"}
    )
    assert reversed_.status_code == 201 and reversed_.json()["amount"] == "-3.20"
    of_reversal = client.post(
        f"/orders/{order.number}/expenses/{reversed_.json()['id']}/reverse", {"reason": "x"}
    )
    assert of_reversal.status_code == 409
    assert (
        of_reversal.json()["detail"] == "This record is itself a reversal; record the expense again instead."
    )
    assert _money_events(order) == ["expense.recorded", "expense.reversed"]


def test_an_agent_records_expenses_they_paid_on_their_own_order_only(api, token_for, make_user, order_of):
    agent = make_user("agent")
    own, other = order_of(assigned_agent=agent), order_of()
    client = api(token_for(agent))
    recorded = client.post(f"/orders/{own.number}/expenses", {"category": "delivery", "amount": "2.00"})
    assert recorded.status_code == 201 and recorded.json()["paid_by"] == agent.username
    named = client.post(
        f"/orders/{own.number}/expenses", {"category": "delivery", "amount": "2.00", "paid_by": "someone"}
    )
    assert named.status_code == 422 and named.json()["errors"][0]["field"] == "paid_by"
    assert (
        client.post(
            f"/orders/{other.number}/expenses", {"category": "delivery", "amount": "2.00"}
        ).status_code
        == 404
    )
    reverse = client.post(f"/orders/{own.number}/expenses/{recorded.json()['id']}/reverse", {"reason": "x"})
    assert reverse.status_code == 403
    assert Expense.objects.count() == 1


@pytest.mark.parametrize("role", ["warehouse", "viewer"])
def test_warehouse_staff_and_viewers_record_no_expense(api, token_for, order, role):
    response = api(token_for(role)).post(
        f"/orders/{order.number}/expenses", {"category": "other", "amount": "1.00"}
    )
    assert response.status_code == 403
    assert not Expense.objects.exists()


def test_an_unknown_expense_category_is_422_naming_it(api, token_for, order):
    response = api(token_for("csr")).post(
        f"/orders/{order.number}/expenses", {"category": "lunch", "amount": "1"}
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "category"
    assert not Expense.objects.exists()


# Refunds --------------------------------------------------------------------------------------------


def test_a_csr_refunds_at_most_what_was_paid_and_reverses_it(api, token_for, order):
    payment_record(order_id=order.pk, amount="10.00", method="card", actor=SYSTEM)
    client = api(token_for("csr"))
    too_much = client.post(f"/orders/{order.number}/refunds", {"amount": "10.01", "reason": "damaged"})
    assert too_much.status_code == 409
    assert too_much.json()["detail"] == (
        f"Only 10.00 USD of {order} was paid and not yet refunded; refund at most that, not 10.01."
    )
    recorded = client.post(f"/orders/{order.number}/refunds", {"amount": "4.00", "reason": "damaged"})
    assert recorded.status_code == 201, recorded.content
    refund = recorded.json()
    assert (refund["amount"], refund["method"], refund["kind"], refund["executed_at"]) == (
        "4.00",
        "card",
        "manual",
        None,
    )
    reversed_ = client.post(f"/orders/{order.number}/refunds/{refund['id']}/reverse", {"reason": "not owed"})
    assert reversed_.status_code == 201 and reversed_.json()["amount"] == "-4.00"
    of_reversal = client.post(
        f"/orders/{order.number}/refunds/{reversed_.json()['id']}/reverse", {"reason": "x"}
    )
    assert of_reversal.status_code == 409
    assert Refund.objects.filter(order=order).count() == 2
    assert _money_events(order) == ["payment.recorded", "refund.recorded", "refund.reversed"]


@pytest.mark.parametrize("role", ["warehouse", "viewer", "agent"])
def test_only_those_who_record_refunds_refund(api, token_for, make_user, order_of, role):
    user = make_user(role)
    order = order_of(assigned_agent=user if role == "agent" else None)
    payment_record(order_id=order.pk, amount="10.00", method="cash", actor=SYSTEM)
    refund = refund_record(order_id=order.pk, amount="1.00", reason="goodwill", actor=SYSTEM)
    client = api(token_for(user))
    assert (
        client.post(f"/orders/{order.number}/refunds", {"amount": "1.00", "reason": "x"}).status_code == 403
    )
    assert (
        client.post(f"/orders/{order.number}/refunds/{refund.pk}/reverse", {"reason": "x"}).status_code == 403
    )
    assert Refund.objects.filter(order=order).count() == 1


def test_a_refund_needs_a_reason(api, token_for, order):
    payment_record(order_id=order.pk, amount="10.00", method="card", actor=SYSTEM)
    response = api(token_for("csr")).post(f"/orders/{order.number}/refunds", {"amount": "1.00", "reason": ""})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "reason"
    assert not Refund.objects.exists()


def test_listing_payments_costs_the_same_queries_for_one_record_as_for_many(api, token_for, make_user, order):
    csr = make_user("csr")  # recorded_by is read with each payment: no query per row
    client = api(token_for(csr, scopes="read"))
    payment_record(order_id=order.pk, amount="1.00", method="card", actor=csr)
    client.get(f"/orders/{order.number}/payments")  # warm: the token's first use writes its last use
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(f"/orders/{order.number}/payments").json()) == 1
    for _ in range(3):
        payment_record(order_id=order.pk, amount="1.00", method="card", actor=csr)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(f"/orders/{order.number}/payments").json()) == 4
    assert len(many) == len(one)
