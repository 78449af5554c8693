"""Expenses: what fulfilling an order cost, paid by the company or by a delivery agent."""

from django.db import transaction

from orders import events
from orders.actors import Actor, as_actor
from orders.errors import MoneyRefused
from orders.models import Order
from orders.money.events import MoneyEvent
from orders.money.models import Expense, ExpenseCategory
from orders.money.services.common import (
    open_order,
    require,
    reversal_reason,
    to_amount,
)
from orders.services.common import service_context


def _payer(order: Order, actor: Actor, paid_by):
    if actor.has_perm("orders.record_expense"):
        return paid_by
    if actor.has_perm("orders.record_delivery_expense") and actor.user is not None:
        if order.assigned_agent_id != actor.user_id:
            raise MoneyRefused(f"{order} is not assigned to you; record expenses on your own deliveries.")
        return actor.user
    raise MoneyRefused(f"You may not record expenses on {order}.")


@transaction.atomic
def expense_record(*, order_id: int, category: str, amount, actor, paid_by=None, note: str = "") -> Expense:
    """Record a cost of the order, paid by a delivery agent (paid_by) or by the company (None)."""
    actor = as_actor(actor)
    amount = to_amount(amount)
    if category not in ExpenseCategory.values:
        raise MoneyRefused(f"Choose the expense category ({', '.join(ExpenseCategory.labels)}).")
    with service_context("expense_record", actor):
        order = open_order(order_id, "an expense")
        payer = _payer(order, actor, paid_by)
        expense = Expense.objects.create(
            order=order, category=category, amount=amount, currency=order.currency, paid_by=payer,
            note=note.strip()[:300], recorded_by=actor.user,
        )  # fmt: skip
        events.record(
            order, actor, MoneyEvent.EXPENSE_RECORDED, expense=expense.pk, amount=str(amount),
            currency=order.currency, category=expense.get_category_display(),
            paid_by=str(payer) if payer else "the company", note=expense.note,
        )  # fmt: skip
    return expense


@transaction.atomic
def expense_reverse(*, expense_id: int, actor, reason: str) -> Expense:
    actor = as_actor(actor)
    reason = reversal_reason(reason, "expense")
    order_id = Expense.objects.values_list("order_id", flat=True).get(pk=expense_id)
    with service_context("expense_reverse", actor):
        order = open_order(order_id, "a reversal")
        require(actor, "orders.record_expense", f"You may not reverse expenses on {order}.")
        expense = Expense.objects.get(pk=expense_id)
        if expense.reverses_id:
            raise MoneyRefused("This record is itself a reversal; record the expense again instead.")
        if Expense.objects.filter(reverses=expense).exists():
            raise MoneyRefused(f"Expense {expense.pk} was already reversed.")
        reversal = Expense.objects.create(
            order=order, category=expense.category, amount=-expense.amount, currency=expense.currency,
            paid_by=expense.paid_by, note=reason, recorded_by=actor.user, reverses=expense,
        )  # fmt: skip
        events.record(
            order, actor, MoneyEvent.EXPENSE_REVERSED, expense=expense.pk, amount=str(expense.amount),
            currency=expense.currency, category=expense.get_category_display(), reason=reason,
        )  # fmt: skip
    return reversal
