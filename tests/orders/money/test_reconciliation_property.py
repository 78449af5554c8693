"""Property: whatever sequence of payments, refunds, expenses, payouts and reversals is tried, the
figures reconcile. Each operation is accepted exactly when a plain Python model says it should be,
refused ones change nothing, and after every step the breakdown, the records and the cached
Order.amount_paid agree with the model: paid + balance due = total, 0 <= refunded <= paid, the
payment status follows them, expected remittance = agent cash/POS - agent expenses."""

from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orders.errors import MoneyRefused
from orders.models import Order
from orders.money.models import Expense, Payment, Refund
from orders.money.selectors import PaymentStatus, order_breakdown
from orders.money.services.expenses import expense_record, expense_reverse
from orders.money.services.payments import payment_record, payment_reverse
from orders.money.services.refunds import refund_execute, refund_record, refund_reverse
from orders.workflow import Stage

pytestmark = pytest.mark.django_db

CENTS = st.integers(min_value=1, max_value=5000).map(lambda cents: Decimal(cents) / 100)
INDEX = st.integers(min_value=0, max_value=20)
OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("pay"), st.sampled_from(["card", "cash", "pos", "transfer"]), CENTS),
        st.tuples(st.just("reverse_payment"), INDEX),
        st.tuples(st.just("refund"), CENTS),
        st.tuples(st.just("execute_refund"), INDEX),
        st.tuples(st.just("reverse_refund"), INDEX),
        st.tuples(st.just("expense"), st.booleans(), CENTS),
        st.tuples(st.just("reverse_expense"), INDEX),
    ),
    max_size=14,
)


@dataclass
class Model:
    """What the figures must be, kept with plain Decimals."""

    total: Decimal
    payments: list[dict] = field(default_factory=list)  # {"amount", "by_agent", "reversed"}
    refunds: list[dict] = field(default_factory=list)  # {"amount", "executed", "reversed"}
    expenses: list[dict] = field(default_factory=list)  # {"amount", "by_agent", "reversed"}
    became_paid: bool = False

    @staticmethod
    def net(rows, only=lambda row: True) -> Decimal:
        return sum((row["amount"] for row in rows if only(row) and not row["reversed"]), Decimal("0.00"))

    @property
    def paid(self) -> Decimal:
        return self.net(self.payments)

    @property
    def refunded(self) -> Decimal:
        return self.net(self.refunds)


def pick(rows: list, index: int):
    return (index % len(rows), rows[index % len(rows)]) if rows else (None, None)


def originals(model_class, order) -> list:
    return list(model_class.objects.filter(order=order, reverses__isnull=True).order_by("pk"))


def attempt(service, expected: bool, operation, order) -> bool:
    """Call the service; it must succeed exactly when the model expects it to, and a refusal must
    leave every record and the order as they were."""
    before = snapshot(order)
    try:
        service()
    except MoneyRefused:
        assert not expected, f"{operation} was refused, the model accepts it"
        assert snapshot(order) == before, f"the refused {operation} changed something"
        return False
    assert expected, f"{operation} was accepted, the model refuses it"
    return True


def apply(operation, order, model: Model, actor, agent) -> None:
    """Run one operation on the services and, when it is accepted, on the model."""
    kind, *args = operation
    if kind == "pay":
        method, amount = args
        by_agent = method in ("cash", "pos")
        collector = agent if by_agent else None
        if attempt(
            lambda: payment_record(
                order_id=order.pk, amount=amount, method=method, actor=actor, collected_by=collector
            ),
            amount <= model.total - model.paid,
            operation,
            order,
        ):
            model.payments.append({"amount": amount, "by_agent": by_agent, "reversed": False})
            model.became_paid |= model.paid >= model.total
    elif kind == "reverse_payment":
        index, row = pick(model.payments, args[0])
        if row is not None:
            payment = originals(Payment, order)[index]
            if attempt(
                lambda: payment_reverse(payment_id=payment.pk, reason="property", actor=actor),
                not row["reversed"] and model.paid - row["amount"] >= model.refunded,
                operation,
                order,
            ):
                row["reversed"] = True
    elif kind == "refund":
        (amount,) = args
        if attempt(
            lambda: refund_record(order_id=order.pk, amount=amount, reason="property", actor=actor),
            amount <= model.paid - model.refunded,
            operation,
            order,
        ):
            model.refunds.append({"amount": amount, "executed": False, "reversed": False})
    elif kind in ("execute_refund", "reverse_refund"):
        index, row = pick(model.refunds, args[0])
        if row is not None:
            refund = originals(Refund, order)[index]
            expected = not row["reversed"] and not row["executed"]
            if kind == "execute_refund":
                if attempt(
                    lambda: refund_execute(refund_id=refund.pk, reference="REF", actor=actor),
                    expected,
                    operation,
                    order,
                ):
                    row["executed"] = True
            elif attempt(
                lambda: refund_reverse(refund_id=refund.pk, reason="property", actor=actor),
                expected,
                operation,
                order,
            ):
                row["reversed"] = True
    elif kind == "expense":
        by_agent, amount = args
        payer = agent if by_agent else None
        if attempt(
            lambda: expense_record(
                order_id=order.pk, category="delivery", amount=amount, paid_by=payer, actor=actor
            ),
            True,
            operation,
            order,
        ):
            model.expenses.append({"amount": amount, "by_agent": by_agent, "reversed": False})
    elif kind == "reverse_expense":
        index, row = pick(model.expenses, args[0])
        if row is not None:
            expense = originals(Expense, order)[index]
            if attempt(
                lambda: expense_reverse(expense_id=expense.pk, reason="property", actor=actor),
                not row["reversed"],
                operation,
                order,
            ):
                row["reversed"] = True
    else:
        raise AssertionError(kind)


def snapshot(order) -> tuple:
    return (
        list(Payment.objects.filter(order=order).values_list("pk", "amount")),
        list(Refund.objects.filter(order=order).values_list("pk", "amount", "executed_at")),
        list(Expense.objects.filter(order=order).values_list("pk", "amount")),
        Order.objects.values_list("amount_paid", "stage").get(pk=order.pk),
    )


def expected_status(model: Model) -> PaymentStatus:
    if model.refunded > 0:
        return PaymentStatus.REFUNDED if model.refunded == model.paid else PaymentStatus.PARTIALLY_REFUNDED
    if model.paid >= model.total:
        return PaymentStatus.PAID
    return PaymentStatus.PARTIALLY_PAID if model.paid > 0 else PaymentStatus.UNPAID


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS, units=st.integers(min_value=1, max_value=4))
def test_money_figures_always_reconcile(order_of, manager, agent, operations, units):
    order = order_of(units, payment_method="card", delivery_fee="3.75", assigned_agent=agent)
    model = Model(total=order.total)
    assert model.total == Decimal("12.00") * units + Decimal("3.75")

    for operation in operations:
        apply(operation, order, model, manager, agent)

        current = Order.objects.get(pk=order.pk)
        figures = order_breakdown(current)
        assert figures.paid == model.paid == current.amount_paid
        assert figures.refunded == model.refunded
        assert Decimal("0.00") <= figures.refunded <= figures.paid <= figures.total
        assert figures.paid + figures.balance_due == figures.total
        assert figures.net_paid == figures.paid - figures.refunded
        assert figures.status == expected_status(model)
        assert figures.refunds_pending == Model.net(model.refunds, lambda row: not row["executed"])
        assert figures.expenses == Model.net(model.expenses)
        agent_cash = Model.net(model.payments, lambda row: row["by_agent"])
        assert figures.expected_remittance == agent_cash - Model.net(
            model.expenses, lambda row: row["by_agent"]
        )
        # Seed 001: the order moved on the moment it was first fully paid, and a reversal does not undo it.
        assert (current.stage == Stage.PROCESSING) == model.became_paid
        assert figures.paid == sum(
            Payment.objects.filter(order=order).values_list("amount", flat=True), Decimal(0)
        )
