"""Reads of money (SPEC 6): an order's financial breakdown and records, and agents' remittance.

Every figure here is derived from the append-only records (orders/models.py, "Money"); nothing is
stored by hand. Reversals are negative rows, so plain sums are already net of them.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection, models
from django.db.models import QuerySet, Sum
from django.http import Http404

from orders.models import Order, PaymentMethod
from orders.money.models import Expense, Payment, Refund, Remittance
from orders.workflow import FINAL

ZERO = Decimal("0.00")
# Payment methods a delivery agent collects at the door and so owes to the company.
COLLECTED_ON_DELIVERY = (PaymentMethod.CASH, PaymentMethod.POS)


class PaymentStatus(models.TextChoices):
    UNPAID = "unpaid", "Unpaid"
    PARTIALLY_PAID = "partially_paid", "Partially paid"
    PAID = "paid", "Paid"
    PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"
    REFUNDED = "refunded", "Refunded"


def payment_status(*, total: Decimal, paid: Decimal, refunded: Decimal) -> PaymentStatus:
    """Refunds speak first (a refunded order was paid); otherwise paid against the total."""
    if refunded > 0:
        return PaymentStatus.REFUNDED if refunded >= paid else PaymentStatus.PARTIALLY_REFUNDED
    if paid >= total:
        return PaymentStatus.PAID
    return PaymentStatus.PARTIALLY_PAID if paid > 0 else PaymentStatus.UNPAID


def balance_due(*, total: Decimal, paid: Decimal, stage: str) -> Decimal:
    """What the customer still owes. A cancelled or returned order is closed: nothing more is due."""
    if stage in FINAL:
        return ZERO
    return max(total - paid, ZERO)


@dataclass(frozen=True)
class Breakdown:
    currency: str
    subtotal: Decimal
    discount_total: Decimal
    tax_total: Decimal
    delivery_fee: Decimal
    total: Decimal
    paid: Decimal  # received payments, net of reversals (== Order.amount_paid)
    refunded: Decimal  # refunds recorded, net of reversals, executed or not
    refunds_pending: Decimal  # recorded, not yet paid out
    expenses: Decimal
    collected_by_agent: Decimal  # cash and POS a delivery agent collected
    expenses_by_agent: Decimal  # expenses a delivery agent paid
    balance_due: Decimal
    status: PaymentStatus

    @property
    def net_paid(self) -> Decimal:
        """What the company keeps: paid less refunded."""
        return self.paid - self.refunded

    @property
    def expected_remittance(self) -> Decimal:
        """What the delivery agent hands over for this order: collected less what they spent."""
        return self.collected_by_agent - self.expenses_by_agent


# One statement instead of three ORM aggregates: the order page reads these on every view, and
# compiling three filtered aggregates cost more CPU than PostgreSQL spends answering them (SPEC 7).
# Each sum follows the definitions in Breakdown; tests/money checks them against the records.
_FIGURES_SQL = f"""
SELECT
  (SELECT COALESCE(SUM(amount), 0) FROM {Payment._meta.db_table}
    WHERE order_id = %(order)s AND state = %(received)s),
  (SELECT COALESCE(SUM(amount), 0) FROM {Payment._meta.db_table}
    WHERE order_id = %(order)s AND state = %(received)s
      AND collected_by_id IS NOT NULL AND method = ANY(%(on_delivery)s)),
  (SELECT COALESCE(SUM(amount), 0) FROM {Refund._meta.db_table} WHERE order_id = %(order)s),
  (SELECT COALESCE(SUM(amount), 0) FROM {Refund._meta.db_table} refund
    WHERE order_id = %(order)s AND executed_at IS NULL AND reverses_id IS NULL
      AND NOT EXISTS (SELECT 1 FROM {Refund._meta.db_table} reversal WHERE reversal.reverses_id = refund.id)),
  (SELECT COALESCE(SUM(amount), 0) FROM {Expense._meta.db_table} WHERE order_id = %(order)s),
  (SELECT COALESCE(SUM(amount), 0) FROM {Expense._meta.db_table}
    WHERE order_id = %(order)s AND paid_by_id IS NOT NULL),
  EXISTS (SELECT 1 FROM {Payment._meta.db_table} WHERE order_id = %(order)s),
  EXISTS (SELECT 1 FROM {Expense._meta.db_table} WHERE order_id = %(order)s),
  EXISTS (SELECT 1 FROM {Refund._meta.db_table} WHERE order_id = %(order)s)
"""
_FIGURES = ("paid", "collected_by_agent", "refunded", "refunds_pending", "expenses", "expenses_by_agent")
_RECORDS = ("payments", "expenses", "refunds")


def _figures_and_records_present(order_id: int) -> tuple[dict[str, Decimal], frozenset[str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            _FIGURES_SQL,
            {
                "order": order_id,
                "received": Payment.State.RECEIVED.value,
                "on_delivery": [method.value for method in COLLECTED_ON_DELIVERY],
            },
        )
        row = cursor.fetchone()
    sums, present = row[: len(_FIGURES)], row[len(_FIGURES) :]
    figures = {name: Decimal(value).quantize(ZERO) for name, value in zip(_FIGURES, sums, strict=True)}
    return figures, frozenset(name for name, exists in zip(_RECORDS, present, strict=True) if exists)


def money_figures(order_id: int) -> dict[str, Decimal]:
    """The sums behind the breakdown, in one query."""
    return _figures_and_records_present(order_id)[0]


def refundable(order_id: int) -> Decimal:
    """Paid and not yet refunded: the most a new refund may be."""
    figures = money_figures(order_id)
    return figures["paid"] - figures["refunded"]


def order_breakdown(order: Order) -> Breakdown:
    return _breakdown(order, money_figures(order.pk))


def _breakdown(order: Order, figures: dict[str, Decimal]) -> Breakdown:
    return Breakdown(
        currency=order.currency,
        subtotal=order.subtotal,
        discount_total=order.discount_total,
        tax_total=order.tax_total,
        delivery_fee=order.delivery_fee,
        total=order.total,
        balance_due=balance_due(total=order.total, paid=figures["paid"], stage=order.stage),
        status=payment_status(total=order.total, paid=figures["paid"], refunded=figures["refunded"]),
        **figures,
    )


@dataclass
class MoneyRecords:
    payments: list[Payment]
    expenses: list[Expense]
    refunds: list[Refund]


def _mark_reversals(rows: list) -> list:
    reversed_ids = {row.reverses_id for row in rows if row.reverses_id}
    for row in rows:
        row.is_reversed = row.pk in reversed_ids
        row.is_reversal = row.reverses_id is not None
    return rows


def order_money_records(order: Order, *, present: frozenset[str] = frozenset(_RECORDS)) -> MoneyRecords:
    """Every payment, expense and refund of the order, oldest first, each knowing whether it was
    reversed (is_reversed) or is itself a reversal (is_reversal). `present` names the kinds the
    order has (order_money): the others are not asked for."""
    return MoneyRecords(
        payments=_mark_reversals(
            list(Payment.objects.filter(order=order).select_related("recorded_by", "collected_by"))
            if "payments" in present
            else []
        ),
        expenses=_mark_reversals(
            list(Expense.objects.filter(order=order).select_related("recorded_by", "paid_by"))
            if "expenses" in present
            else []
        ),
        refunds=_mark_reversals(
            list(Refund.objects.filter(order=order).select_related("recorded_by", "executed_by"))
            if "refunds" in present
            else []
        ),
    )


def order_money(order: Order) -> tuple[Breakdown, MoneyRecords]:
    """The order page's money panel: the breakdown and the records. One statement gives the sums and
    which kinds of record exist; empty kinds cost no query (most orders have no expense or refund,
    and each ORM read with its joins cost more CPU than the whole SQL statement)."""
    figures, present = _figures_and_records_present(order.pk)
    return _breakdown(order, figures), order_money_records(order, present=present)


# Remittance ----------------------------------------------------------------------------------------


def remittance_agents_visible_to(user) -> QuerySet:
    """Whose remittance this user may see: every delivery agent with view_all_orders (managers), only
    themselves otherwise (agents), nobody without view_remittance."""
    User = get_user_model()
    if not (user.is_authenticated and user.has_perm("orders.view_remittance")):
        return User.objects.none()
    if user.has_perm("orders.view_all_orders"):
        return User.objects.filter(groups__name="agent").distinct().order_by("username")
    return User.objects.filter(pk=user.pk)


def remittance_agent_for(user, agent_id: int):
    """The agent if this user may see their remittance; 404 otherwise, like a missing one."""
    agent = remittance_agents_visible_to(user).filter(pk=agent_id).first()
    if agent is None:
        raise Http404("No such delivery agent")
    return agent


@dataclass
class RemittanceFigures:
    currency: str
    collected: Decimal = ZERO
    spent: Decimal = ZERO
    remitted: Decimal = ZERO

    @property
    def expected(self) -> Decimal:
        """Expected remittance: cash and POS collected less expenses paid."""
        return self.collected - self.spent

    @property
    def owed(self) -> Decimal:
        """What is still to hand over after the remittances recorded."""
        return self.expected - self.remitted


def _collections(agent_ids) -> QuerySet[Payment]:
    return Payment.objects.filter(
        collected_by__in=agent_ids, state=Payment.State.RECEIVED, method__in=COLLECTED_ON_DELIVERY
    )


def _in_period(rows: QuerySet, start: date | None, end: date | None) -> QuerySet:
    if start:
        rows = rows.filter(recorded_at__date__gte=start)
    if end:
        rows = rows.filter(recorded_at__date__lte=end)
    return rows


def remittance_figures(
    agent_ids, *, start: date | None = None, end: date | None = None
) -> dict[int, dict[str, RemittanceFigures]]:
    """{agent id: {currency: figures}} over the period (all time without one), in three queries."""
    figures: dict[int, dict[str, RemittanceFigures]] = defaultdict(dict)

    def add(rows: QuerySet, agent_field: str, attribute: str) -> None:
        for agent_id, currency, amount in (
            _in_period(rows, start, end)
            .values_list(agent_field, "currency")
            .annotate(amount=Sum("amount"))
            .order_by()
        ):
            row = figures[agent_id].setdefault(currency, RemittanceFigures(currency))
            setattr(row, attribute, getattr(row, attribute) + amount)

    add(_collections(agent_ids), "collected_by", "collected")
    add(Expense.objects.filter(paid_by__in=agent_ids), "paid_by", "spent")
    add(Remittance.objects.filter(agent__in=agent_ids), "agent", "remitted")
    return figures


@dataclass
class RemittanceStatement:
    agent: object
    start: date | None
    end: date | None
    collections: list[Payment]
    expenses: list[Expense]
    remittances: list[Remittance]
    period: list[RemittanceFigures]  # per currency, over the period
    overall: list[RemittanceFigures]  # per currency, all time: `owed` is what they owe now
    currencies: list[str] = field(default_factory=list)


def agent_remittance(agent, *, start: date | None = None, end: date | None = None) -> RemittanceStatement:
    """What the agent collected and spent over the period, what they remitted, and what they owe."""
    period = remittance_figures([agent.pk], start=start, end=end).get(agent.pk, {})
    overall = remittance_figures([agent.pk]).get(agent.pk, {})
    return RemittanceStatement(
        agent=agent,
        start=start,
        end=end,
        collections=_mark_reversals(
            list(
                _in_period(_collections([agent.pk]), start, end)
                .select_related("order", "recorded_by")
                .order_by("recorded_at", "pk")
            )
        ),
        expenses=_mark_reversals(
            list(
                _in_period(Expense.objects.filter(paid_by=agent), start, end)
                .select_related("order", "recorded_by")
                .order_by("recorded_at", "pk")
            )
        ),
        remittances=_mark_reversals(
            list(
                _in_period(Remittance.objects.filter(agent=agent), start, end)
                .select_related("recorded_by")
                .order_by("-recorded_at", "-pk")
            )
        ),
        period=[period[currency] for currency in sorted(period)],
        overall=[overall[currency] for currency in sorted(overall)],
        currencies=sorted(set(period) | set(overall)),
    )


def agent_owed(agent_id: int, currency: str) -> Decimal:
    """What the agent owes now in this currency, all time."""
    figures = remittance_figures([agent_id]).get(agent_id, {}).get(currency)
    return figures.owed if figures else ZERO
