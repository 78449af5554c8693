"""The status workflow: stages, the transition table (SPEC 2.1), the permission each move needs, guards."""

from django.conf import settings
from django.db import models

from orders.errors import TransitionRefused


class Stage(models.TextChoices):
    AWAITING_PAYMENT = "awaiting_payment", "Awaiting payment"
    DRAFT = "draft", "Draft"
    PROCESSING = "processing", "Processing"
    PICKING = "picking", "Picking"
    PICKED = "picked", "Picked"
    PACKED = "packed", "Packed"
    SHIPPED = "shipped", "Shipped"
    DELIVERED = "delivered", "Delivered"
    DELIVERY_FAILED = "delivery_failed", "Delivery failed"
    ON_HOLD = "on_hold", "On hold"
    CANCELLED = "cancelled", "Cancelled"
    RETURNED = "returned", "Returned"


S = Stage
# Which stage may follow which. on_hold's way back is "the stage it was held from" (see targets()).
TRANSITIONS: dict[Stage, frozenset[Stage]] = {
    S.AWAITING_PAYMENT: frozenset({S.DRAFT, S.PROCESSING, S.ON_HOLD, S.CANCELLED}),
    S.DRAFT: frozenset({S.AWAITING_PAYMENT, S.PROCESSING, S.ON_HOLD, S.CANCELLED}),
    S.PROCESSING: frozenset({S.PICKING, S.SHIPPED, S.ON_HOLD, S.CANCELLED}),
    S.PICKING: frozenset({S.PICKED, S.PROCESSING, S.ON_HOLD, S.CANCELLED}),
    S.PICKED: frozenset({S.PACKED, S.ON_HOLD, S.CANCELLED}),
    S.PACKED: frozenset({S.SHIPPED, S.ON_HOLD, S.CANCELLED}),
    S.SHIPPED: frozenset({S.DELIVERED, S.DELIVERY_FAILED, S.RETURNED}),
    S.DELIVERED: frozenset({S.RETURNED}),
    S.DELIVERY_FAILED: frozenset({S.PROCESSING, S.RETURNED, S.CANCELLED}),
    S.ON_HOLD: frozenset({S.CANCELLED}),
    S.CANCELLED: frozenset(),
    S.RETURNED: frozenset(),
}

# Stages from which an order may be put on hold (and so may return to).
HOLDABLE = frozenset(stage for stage, targets in TRANSITIONS.items() if S.ON_HOLD in targets)
# A shop may cancel an order after it shipped (SPEC 5: "cancelled on the channel: cancelled in Packline
# unless shipped (then on hold)"). Only such a hold (models.holds.HOLD_REASONS_AFTER_SHIPPING) may be placed from these
# stages; its way out is back to the stage it was held from (to be returned, say), never cancelled, and
# its release does not re-run the checks made before fulfilment.
HOLDABLE_AFTER_SHIPPING = frozenset({S.SHIPPED, S.DELIVERED, S.DELIVERY_FAILED})
FINAL = frozenset({S.CANCELLED, S.RETURNED})
# Lines and prices are locked from picking on; the address and shipping method once shipped.
LINES_LOCKED = frozenset({S.PICKING, S.PICKED, S.PACKED, S.SHIPPED, S.DELIVERED, S.DELIVERY_FAILED, *FINAL})
ADDRESS_LOCKED = frozenset({S.SHIPPED, S.DELIVERED, *FINAL})

FULFILMENT_STAGES = frozenset({S.PICKING, S.PICKED, S.PACKED, S.SHIPPED})
DELIVERY_STAGES = frozenset({S.DELIVERED, S.DELIVERY_FAILED})


def allowed_stages(
    current: Stage, held_from: Stage | None = None, *, after_shipping: bool = False
) -> frozenset[Stage]:
    """The stages an order in `current` may move to (its own stage included: custom statuses).
    `after_shipping`: the move is a hold for a reason that may be placed after shipping."""
    targets = set(TRANSITIONS[current])
    if current == S.ON_HOLD and held_from:
        targets.add(Stage(held_from))
        if S.CANCELLED not in TRANSITIONS[Stage(held_from)]:
            targets.discard(S.CANCELLED)
    if after_shipping and current in HOLDABLE_AFTER_SHIPPING:
        targets.add(S.ON_HOLD)
    if current not in FINAL:
        targets.add(current)
    return frozenset(targets)


def permission_for(current: Stage, target: Stage) -> str:
    """The permission a user needs to move an order from `current` to `target`."""
    if target == S.CANCELLED:
        return "orders.cancel_order"
    if S.ON_HOLD in (current, target):
        return "orders.hold_order"
    if target == S.RETURNED:
        return "orders.return_order"
    if target in DELIVERY_STAGES or (current in DELIVERY_STAGES | {S.SHIPPED} and target == current):
        return "orders.deliver_order"
    if current == S.DELIVERY_FAILED and target == S.PROCESSING:
        return "orders.deliver_order"
    if target in FULFILMENT_STAGES or current in FULFILMENT_STAGES:
        return "orders.fulfil_order"
    return "orders.change_order"


def payment_required_before_fulfilment(payment_method: str) -> bool:
    """Guard "paid before fulfilment": on for card and channel payments, off for cash on delivery."""
    return settings.PAID_BEFORE_FULFILMENT.get(payment_method, True)


# Refusals: why a move may not happen, in words a person can act on ----------------------------------


def release_runs_checks(held_from: Stage | None) -> bool:
    """Releasing a hold re-runs the hold checks (SPEC 2.2), except for an order held after shipping:
    those checks are made before fulfilment, and it has been fulfilled."""
    return held_from not in HOLDABLE_AFTER_SHIPPING


def _table_refusal(order, target) -> str:
    held_from = order.held_from.stage if order.held_from_id else None
    stages = allowed_stages(Stage(order.stage), held_from) - {Stage(order.stage)}
    if not stages:
        return f"{order} is {order.status.label}, a final status; nothing can follow it."
    names = [Stage(stage).label for stage in Stage if stage in stages]
    follow = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
    return f"{order} is {order.status.label}; only {follow} can follow, not {target.label}."


def transition_refusal(order, target, actor, *, after_shipping: bool = False) -> str:
    """Why the move is refused, by the table, the actor's permission and the guards; "" when allowed.
    `after_shipping`: the move is a hold for a reason that may be placed after shipping."""
    current = Stage(order.stage)
    held_from = order.held_from.stage if order.held_from_id else None
    if Stage(target.stage) not in allowed_stages(current, held_from, after_shipping=after_shipping):
        return _table_refusal(order, target)
    permission = permission_for(current, Stage(target.stage))
    if not actor.has_perm(permission):
        return f"You may not move {order} from {order.status.label} to {target.label}."
    if (
        current == Stage.PROCESSING
        and target.stage in (Stage.PICKING, Stage.SHIPPED)
        and payment_required_before_fulfilment(order.payment_method)
        and not order.is_paid
    ):
        return (
            f"{order} is not paid: {order.get_payment_method_display()} orders must be paid before fulfilment "
            f"(balance due {order.balance_due} {order.currency})."
        )
    return ""


def check_transition(order, target, actor, *, after_shipping: bool = False) -> None:
    """Raise TransitionRefused with a reason a person can act on, or return when the move is allowed."""
    refusal = transition_refusal(order, target, actor, after_shipping=after_shipping)
    if refusal:
        raise TransitionRefused(refusal)


# Stages in which a ship-by date no longer matters: the order left (or will never leave) the warehouse.
SHIP_BY_MET = frozenset(
    {Stage.SHIPPED, Stage.DELIVERED, Stage.DELIVERY_FAILED, Stage.RETURNED, Stage.CANCELLED}
)
