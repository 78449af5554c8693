"""The money services' timeline events (orders/services/money.py): payments, expenses and refunds."""

from orders.events import register
from orders.wording import e, suffix


def _amount(p: dict) -> str:
    return f"{e(p.get('amount', ''))} {e(p.get('currency', ''))}"


def _payment_recorded(p: dict) -> str:
    return (
        f"Payment of {_amount(p)} recorded ({e(p.get('method', ''))}"
        f"{suffix(', ref ', p.get('reference'))}){suffix(', collected by ', p.get('collected_by'))}"
    )


def _payment_failed(p: dict) -> str:
    return (
        f'<span class="text-danger">Payment of {_amount(p)} failed</span> '
        f"({e(p.get('method', ''))}): {e(p.get('reason', ''))}"
    )


def _payment_reversed(p: dict) -> str:
    return f"Payment {e(p.get('payment', ''))} of {_amount(p)} reversed: {e(p.get('reason', ''))}"


def _expense_recorded(p: dict) -> str:
    return (
        f"Expense {e(str(p.get('category', '')).lower())} {_amount(p)} paid by "
        f"{e(p.get('paid_by', ''))}{suffix(': ', p.get('note'))}"
    )


def _expense_reversed(p: dict) -> str:
    return f"Expense {e(p.get('expense', ''))} of {_amount(p)} reversed: {e(p.get('reason', ''))}"


def _refund_recorded(p: dict) -> str:
    return (
        f"Refund of {_amount(p)} recorded ({e(str(p.get('kind', '')).lower())}"
        f"{suffix(' ', p.get('return_number'))}): {e(p.get('reason', ''))}"
    )


def _refund_executed(p: dict) -> str:
    return f"Refund {e(p.get('refund', ''))} of {_amount(p)} paid out, ref {e(p.get('reference', ''))}"


def _refund_reversed(p: dict) -> str:
    return f"Refund {e(p.get('refund', ''))} of {_amount(p)} reversed: {e(p.get('reason', ''))}"


class MoneyEvent:
    PAYMENT_RECORDED = register("payment.recorded", "Payment", _payment_recorded)
    PAYMENT_FAILED = register("payment.failed", "Payment failed", _payment_failed)
    PAYMENT_REVERSED = register("payment.reversed", "Payment reversed", _payment_reversed)
    EXPENSE_RECORDED = register("expense.recorded", "Expense", _expense_recorded)
    EXPENSE_REVERSED = register("expense.reversed", "Expense reversed", _expense_reversed)
    REFUND_RECORDED = register("refund.recorded", "Refund", _refund_recorded)
    REFUND_EXECUTED = register("refund.executed", "Refund paid out", _refund_executed)
    REFUND_REVERSED = register("refund.reversed", "Refund reversed", _refund_reversed)
