"""Remittance: cash a delivery agent hands over against what they collected less what they spent."""

from datetime import date

from django.contrib.auth import get_user_model
from django.db import transaction

from orders.actors import as_actor
from orders.errors import MoneyRefused
from orders.money.models import Remittance
from orders.money.selectors import agent_owed
from orders.money.services.common import (
    amount_text,
    require,
    reversal_reason,
    to_amount,
)


def _locked_agent(agent_id: int):
    return get_user_model().objects.select_for_update().get(pk=agent_id)


@transaction.atomic
def remittance_mark(
    *, agent, amount, currency: str, actor, period_start: date | None = None, period_end: date | None = None,
    note: str = "",
) -> Remittance:  # fmt: skip
    """Record cash an agent handed over; at most what they owe."""
    actor = as_actor(actor)
    amount = to_amount(amount)
    require(actor, "orders.mark_remitted", "You may not mark remittances.")
    agent = _locked_agent(agent.pk)
    owed = agent_owed(agent.pk, currency)
    if amount > owed:
        raise MoneyRefused(
            f"{agent} owes {amount_text(owed, currency)}; mark at most that remitted, not {amount}."
        )
    if period_start and period_end and period_start > period_end:
        raise MoneyRefused("The period starts after it ends.")
    return Remittance.objects.create(
        agent=agent, amount=amount, currency=currency, period_start=period_start, period_end=period_end,
        note=note.strip()[:300], recorded_by=actor.user,
    )  # fmt: skip


@transaction.atomic
def remittance_reverse(*, remittance_id: int, actor, reason: str) -> Remittance:
    """Undo a remittance marked by mistake: managers only, with a reversing record."""
    actor = as_actor(actor)
    reason = reversal_reason(reason, "remittance")
    require(actor, "orders.mark_remitted", "Only a manager may reverse a remittance.")
    agent_id = Remittance.objects.values_list("agent_id", flat=True).get(pk=remittance_id)
    _locked_agent(agent_id)
    remittance = Remittance.objects.get(pk=remittance_id)
    if remittance.reverses_id:
        raise MoneyRefused("This record is itself a reversal; mark the remittance again instead.")
    if Remittance.objects.filter(reverses=remittance).exists():
        raise MoneyRefused(f"Remittance {remittance.pk} was already reversed.")
    return Remittance.objects.create(
        agent_id=agent_id, amount=-remittance.amount, currency=remittance.currency,
        period_start=remittance.period_start, period_end=remittance.period_end, note=reason,
        recorded_by=actor.user, reverses=remittance,
    )  # fmt: skip
