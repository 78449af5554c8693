"""Who may touch money (SPEC 1): CSRs record payments, expenses and refunds; delivery agents only cash
or POS they collected and expenses they paid, on their own orders; warehouse staff and viewers
never. The services refuse, and the pages answer 403, or 404 for orders the user may not see."""

import pytest
from django.urls import reverse

from orders.errors import MoneyRefused
from orders.models import Order
from orders.money.models import Expense, Payment
from orders.money.services.expenses import expense_record
from orders.money.services.payments import payment_record
from orders.money.services.refunds import refund_record
from orders.money.views import money_panel
from tests.orders.money.conftest import d

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["warehouse", "viewer"])
def test_warehouse_staff_and_viewers_cannot_record_money(order_of, make_user, role):
    order = order_of(1, payment_method="card")
    user = make_user(role)

    with pytest.raises(MoneyRefused, match="may not record payments"):
        payment_record(order_id=order.pk, amount="12.00", method="card", actor=user)
    with pytest.raises(MoneyRefused, match="may not record expenses"):
        expense_record(order_id=order.pk, category="delivery", amount="1.00", actor=user)
    with pytest.raises(MoneyRefused, match="may not record refunds"):
        refund_record(order_id=order.pk, amount="1.00", reason="x", actor=user)
    assert not Payment.objects.exists()


def test_the_warehouse_is_refused_the_payment_page_and_sees_no_money_forms(client, order_of, make_user):
    order = order_of(1, payment_method="card")
    warehouse = make_user("warehouse")
    client.force_login(warehouse)

    response = client.post(
        reverse("orders:payment_record", kwargs={"number": order.number}),
        {"amount": "12.00", "method": "card"},
    )

    assert response.status_code == 403
    assert not Payment.objects.exists()
    _template, panel = money_panel(order, warehouse)
    assert not any(panel["can"][key] for key in ("payment", "failure", "expense", "refund"))
    page = client.get(order.get_absolute_url()).content.decode()
    assert 'data-testid="financial-breakdown"' in page
    assert 'data-testid="record-payment"' not in page


def test_an_agent_records_cash_they_collected_on_their_own_order(order_of, agent):
    order = order_of(1, assigned_agent=agent)

    payment = payment_record(order_id=order.pk, amount="12.00", method="pos", actor=agent)

    assert (payment.collected_by, payment.recorded_by, payment.method) == (agent, agent, "pos")


def test_an_agent_cannot_record_a_card_payment(order_of, agent):
    order = order_of(1, assigned_agent=agent)
    with pytest.raises(MoneyRefused, match="only cash or POS you collected"):
        payment_record(order_id=order.pk, amount="12.00", method="card", actor=agent)


def test_an_agent_cannot_record_money_on_someone_elses_order(order_of, agent, make_user):
    order = order_of(1, assigned_agent=make_user("agent"))

    with pytest.raises(MoneyRefused, match="not assigned to you"):
        payment_record(order_id=order.pk, amount="12.00", method="cash", actor=agent)
    with pytest.raises(MoneyRefused, match="not assigned to you"):
        expense_record(order_id=order.pk, category="delivery", amount="2.00", actor=agent)


def test_an_agent_gets_404_for_money_pages_of_orders_not_theirs(client, order_of, agent, make_user):
    order = order_of(1, assigned_agent=make_user("agent"))
    client.force_login(agent)

    for name, data in (
        ("orders:payment_record", {"amount": "12.00", "method": "cash"}),
        ("orders:expense_record", {"amount": "2.00", "category": "delivery"}),
    ):
        response = client.post(reverse(name, kwargs={"number": order.number}), data)
        assert response.status_code == 404, name
    assert not Payment.objects.exists() and not Expense.objects.exists()


def test_an_agents_expense_is_always_paid_by_them(order_of, agent, make_user):
    order = order_of(1, assigned_agent=agent)

    expense = expense_record(
        order_id=order.pk, category="delivery", amount="2.00", paid_by=make_user("agent"), actor=agent
    )

    assert expense.paid_by == agent


def test_an_agent_cannot_refund_or_reverse(client, order_of, agent):
    order = order_of(1, assigned_agent=agent)
    payment = payment_record(order_id=order.pk, amount="12.00", method="cash", actor=agent)
    client.force_login(agent)

    refund = client.post(
        reverse("orders:refund_record", kwargs={"number": order.number}), {"amount": "1", "reason": "x"}
    )
    reverse_payment = client.post(
        reverse("orders:payment_reverse", kwargs={"number": order.number, "pk": payment.pk}), {"reason": "x"}
    )

    assert (refund.status_code, reverse_payment.status_code) == (403, 403)
    assert Order.objects.get(pk=order.pk).amount_paid == d("12.00")


def test_an_agent_sees_forms_for_cash_and_their_expenses_only(client, order_of, agent):
    order = order_of(1, assigned_agent=agent)
    client.force_login(agent)

    page = client.get(order.get_absolute_url()).content.decode()

    assert "Record cash collected" in page
    assert 'name="collected_by"' not in page
    assert 'name="paid_by"' not in page
    assert 'value="card"' not in page.split('data-testid="record-payment"')[1].split("</details>")[0]
    assert 'data-testid="record-refund"' not in page


def test_a_csr_records_a_payment_through_the_order_page(client, order_of, csr):
    order = order_of(1, payment_method="card")
    client.force_login(csr)

    response = client.post(
        reverse("orders:payment_record", kwargs={"number": order.number}),
        {"amount": "12.00", "method": "card", "reference": "PSP-77"},
        follow=True,
    )

    texts = [str(message) for message in response.context["messages"]]
    assert texts == [f"Payment of 12.00 USD recorded on {order}. {order} is now Processing."]
    assert Payment.objects.get(order=order).reference == "PSP-77"


def test_a_refused_payment_shows_the_reason(client, order_of, csr):
    order = order_of(1, payment_method="card")
    client.force_login(csr)

    response = client.post(
        reverse("orders:payment_record", kwargs={"number": order.number}),
        {"amount": "50.00", "method": "card"},
        follow=True,
    )

    assert [str(m) for m in response.context["messages"]] == [
        f"{order} has 12.00 USD left to pay; record at most that, not 50.00."
    ]
