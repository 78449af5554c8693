"""Every write to orders goes through these functions (STYLE.md: services take keyword arguments)."""

from orders.inputs import LineInput, OrderInput
from orders.services.create import order_create
from orders.services.customers import customer_create
from orders.services.edit import (
    editable_fields,
    order_assign,
    order_note_add,
    order_restore,
    order_soft_delete,
    order_tracking_add,
    order_update,
)
from orders.services.lines import order_line_cancel, order_line_move, order_line_replace
from orders.services.money import (
    expense_record,
    expense_reverse,
    order_cancellation_refund,
    order_return_refund,
    order_returned_refund,
    payment_failure_record,
    payment_record,
    payment_reverse,
    refund_execute,
    refund_record,
    refund_reverse,
    remittance_mark,
    remittance_reverse,
)
from orders.services.transitions import (
    allowed_statuses,
    builtin_status,
    check_transition,
    order_cancel,
    order_hold,
    order_release,
    order_transition,
)

__all__ = [
    "LineInput",
    "OrderInput",
    "allowed_statuses",
    "builtin_status",
    "check_transition",
    "customer_create",
    "editable_fields",
    "expense_record",
    "expense_reverse",
    "order_assign",
    "order_cancel",
    "order_cancellation_refund",
    "order_create",
    "order_hold",
    "order_line_cancel",
    "order_line_move",
    "order_line_replace",
    "order_note_add",
    "order_release",
    "order_restore",
    "order_return_refund",
    "order_returned_refund",
    "order_soft_delete",
    "order_tracking_add",
    "order_transition",
    "order_update",
    "payment_failure_record",
    "payment_record",
    "payment_reverse",
    "refund_execute",
    "refund_record",
    "refund_reverse",
    "remittance_mark",
    "remittance_reverse",
]
