"""Money services (SPEC 6): payments, expenses, refunds and remittances, and the moves they trigger.

Records are append-only: each service adds a row (a reversal is a new, negative row) and the
timeline event in the order's transaction, under the order's row lock, so two cashiers never
overpay or over-refund an order. Order.amount_paid is a cache of the received payments' sum that
only these modules write (common.paid_refresh).

Workflow moves (seeds 001 and 004), made by the system on the workflow's behalf, through
order_transition:
- the payment that makes an awaiting-payment order fully paid moves it to processing;
- a payment failure (payment_failure_record: a Payment row in state "failed", counting for nothing)
  moves an awaiting-payment order to cancelled;
- entering cancelled records the refund of what was paid, and entering returned the refund of the
  shipped lines no return has refunded yet (called by the transition service after the commit,
  orders/services/transitions.py, so every path that cancels, the mass actions included, is covered).

One module per kind of record: payments, expenses, refunds, remittance; common holds what they share.
"""
