"""The hook other apps use to react to orders: signals tell, they never carry business rules."""

from django.dispatch import Signal

# Sent after the transaction commits whenever an order enters a stage, including at creation
# (previous_stage is None then). Arguments: order_id, stage, previous_stage.
order_stage_entered = Signal()

# Sent inside the creating transaction once a new order and its lines are written (order_create): an
# app that writes rows of its own for a new order does it here, so that no order is committed without
# them (fulfilment reserves the order's stock and sets the lines' quantity_allocated). Arguments: order,
# lines (written, with their ids).
order_created = Signal()

# Sent after the transaction commits when an order's lines were replaced or changed. Argument: order_id.
order_lines_changed = Signal()

# Sent after the transaction commits when many orders were created at once (orders/services/create_many.py,
# CSV imports): one signal per batch in place of order_stage_entered per order. Arguments: order_ids, and
# stock_allocated (True when the batch reserved the orders' stock inside its own transaction).
orders_created = Signal()

# Sent after the transaction commits when an order was soft-deleted or restored: a deleted order holds
# no stock. Arguments: order_id, deleted (True when it was deleted, False when restored).
order_deletion_changed = Signal()
