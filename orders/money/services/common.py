"""What every money service shares: amounts checked the same way, the order locked and open, the
paid cache refreshed, and the reason a reversal needs."""

import logging
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from orders.actors import Actor
from orders.errors import MoneyRefused
from orders.models import Order
from orders.money.selectors import money_figures
from orders.services.common import locked_order

logger = logging.getLogger(__name__)


CENT = Decimal("0.01")


MAX_AMOUNT = Decimal("9999999999.99")


PAYMENTS = Actor.system("Payments")


REFUNDS = Actor.system("Refunds")


def to_amount(value, what: str = "amount") -> Decimal:
    """A positive amount of money with at most two decimals, or MoneyRefused saying what is wrong."""
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise MoneyRefused(f"Enter the {what} as a number, e.g. 12.50, not {value!r}.") from None
    if not amount.is_finite():
        raise MoneyRefused(f"Enter the {what} as a number, e.g. 12.50.")
    if amount != amount.quantize(CENT, rounding=ROUND_HALF_UP):
        raise MoneyRefused(f"Amounts have at most 2 decimal places; {amount} has more.")
    if amount <= 0:
        raise MoneyRefused(f"The {what} must be above 0, not {amount}.")
    if amount > MAX_AMOUNT:
        raise MoneyRefused(f"The {what} {amount} is too large.")
    return amount.quantize(CENT)


def amount_text(amount: Decimal, currency: str) -> str:
    return f"{amount:,.2f} {currency}"


def paid_refresh(order: Order) -> None:
    """Bring the Order.amount_paid cache in line with the payment rows (order locked by the caller)."""
    order.amount_paid = money_figures(order.pk)["paid"]
    order.save(update_fields=["amount_paid", "updated_at"])


def open_order(order_id: int, what: str) -> Order:
    order = locked_order(order_id)
    if order.is_deleted:
        raise MoneyRefused(f"{order} is deleted; restore it before recording {what} on it.")
    return order


def require(actor: Actor, permission: str, message: str) -> None:
    if not actor.has_perm(permission):
        raise MoneyRefused(message)


def reversal_reason(reason: str, what: str) -> str:
    if not reason.strip():
        raise MoneyRefused(f"Say why the {what} is reversed.")
    return reason.strip()[:300]
