"""Agents' remittance: what a delivery agent collected and spent over a period, what they owe, and
"mark remitted", reversible only by a manager. Agents see their own page; managers everyone's."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.errors import MoneyRefused
from orders.money.models import Payment, Remittance
from orders.money.selectors import agent_owed, agent_remittance
from orders.money.services.expenses import expense_record
from orders.money.services.payments import payment_record, payment_reverse
from orders.money.services.remittance import remittance_mark, remittance_reverse
from tests.orders.money.conftest import d

pytestmark = pytest.mark.django_db


@pytest.fixture
def day_of_deliveries(order_of, agent, csr):
    """Two cash orders delivered by the agent: 24.00 cash + 12.00 POS collected, 3.50 fuel paid."""
    first, second = order_of(2, assigned_agent=agent), order_of(1, assigned_agent=agent)
    payment_record(order_id=first.pk, amount="24.00", method="cash", actor=agent)
    payment_record(order_id=second.pk, amount="12.00", method="pos", actor=agent)
    expense_record(order_id=first.pk, category="delivery", amount="3.50", note="fuel", actor=agent)
    expense_record(order_id=second.pk, category="courier_fee", amount="9.00", actor=csr)  # the company's
    return first, second


def test_the_statement_lists_what_the_agent_collected_and_spent_and_what_they_owe(day_of_deliveries, agent):
    statement = agent_remittance(agent, start=timezone.localdate(), end=timezone.localdate())

    assert [p.amount for p in statement.collections] == [d("24.00"), d("12.00")]
    assert [e.amount for e in statement.expenses] == [d("3.50")]
    (period,) = statement.period
    assert (period.currency, period.collected, period.spent, period.expected) == (
        "USD",
        d("36.00"),
        d("3.50"),
        d("32.50"),
    )
    assert statement.overall[0].owed == d("32.50")


def test_the_period_leaves_out_what_happened_outside_it(day_of_deliveries, agent):
    Payment.objects.filter(amount=d("12.00")).update(recorded_at=timezone.now() - timedelta(days=40))

    statement = agent_remittance(
        agent, start=timezone.localdate() - timedelta(days=7), end=timezone.localdate()
    )

    assert statement.period[0].collected == d("24.00")
    assert statement.overall[0].owed == d("32.50")  # what they owe is all time


def test_marking_remitted_reduces_what_is_owed_and_a_manager_can_reverse_it(
    day_of_deliveries, agent, manager
):
    remittance = remittance_mark(agent=agent, amount="30.00", currency="USD", actor=manager, note="counted")
    assert agent_owed(agent.pk, "USD") == d("2.50")

    reversal = remittance_reverse(remittance_id=remittance.pk, reason="envelope was short", actor=manager)

    assert (reversal.amount, reversal.reverses) == (d("-30.00"), remittance)
    assert agent_owed(agent.pk, "USD") == d("32.50")
    assert Remittance.objects.count() == 2


def test_more_than_is_owed_cannot_be_marked_remitted(day_of_deliveries, agent, manager):
    with pytest.raises(MoneyRefused, match=r"owes 32\.50 USD; mark at most that remitted"):
        remittance_mark(agent=agent, amount="40.00", currency="USD", actor=manager)


@pytest.mark.parametrize("role", ["csr", "agent", "warehouse", "viewer"])
def test_only_a_manager_marks_or_reverses_remittances(day_of_deliveries, agent, manager, make_user, role):
    remittance = remittance_mark(agent=agent, amount="10.00", currency="USD", actor=manager)
    user = agent if role == "agent" else make_user(role)

    with pytest.raises(MoneyRefused, match="may not mark"):
        remittance_mark(agent=agent, amount="1.00", currency="USD", actor=user)
    with pytest.raises(MoneyRefused, match="Only a manager"):
        remittance_reverse(remittance_id=remittance.pk, reason="x", actor=user)


def test_a_reversed_collection_is_no_longer_owed(day_of_deliveries, agent, csr):
    payment_reverse(payment_id=Payment.objects.get(amount=d("24.00")).pk, reason="wrong order", actor=csr)
    assert agent_owed(agent.pk, "USD") == d("8.50")


def test_an_agent_sees_their_own_remittance_page_and_not_anothers(
    client, day_of_deliveries, agent, make_user
):
    other = make_user("agent")
    client.force_login(agent)

    index = client.get(reverse("orders:remittances"))
    own = client.get(reverse("orders:remittance", kwargs={"agent_id": agent.pk}))
    theirs = client.get(reverse("orders:remittance", kwargs={"agent_id": other.pk}))

    assert index.status_code == 302 and index["Location"] == reverse(
        "orders:remittance", kwargs={"agent_id": agent.pk}
    )
    assert own.status_code == 200
    assert own.context["statement"].overall[0].owed == d("32.50")
    assert 'data-testid="mark-remitted"' not in own.content.decode()
    assert theirs.status_code == 404


def test_a_manager_sees_every_agent_and_marks_remitted_from_the_page(
    client, day_of_deliveries, agent, manager
):
    client.force_login(manager)

    index = client.get(reverse("orders:remittances")).content.decode()
    response = client.post(
        reverse("orders:remittance_mark", kwargs={"agent_id": agent.pk}),
        {"amount": "32.50", "currency": "USD", "note": "cash counted"},
        follow=True,
    )

    assert f'data-testid="remittance-agent-{agent.pk}"' in index and "32.50 USD" in index
    assert [str(m) for m in response.context["messages"]] == [f"32.50 USD from {agent} marked remitted."]
    assert agent_owed(agent.pk, "USD") == d("0.00")
