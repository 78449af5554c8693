"""The one service that changes an order's status, and the hold / release / cancel actions built on it."""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from orders import events, workflow
from orders.actors import Actor, as_actor
from orders.checks import Finding, run_checks
from orders.errors import TransitionRefused
from orders.models import HoldReason, Order, OrderHold, Status
from orders.services.common import locked_order, service_context
from orders.signals import order_stage_entered
from orders.workflow import Stage


def builtin_status(stage: str) -> Status:
    return Status.objects.get(stage=stage, is_builtin=True)


def allowed_statuses(order: Order, statuses: Iterable[Status] | None = None) -> list[Status]:
    """The statuses this order may move to now, by the table alone (permissions are checked on use).
    `statuses`: every status in their order, when the caller has read them already."""
    held_from = order.held_from.stage if order.held_from_id else None
    stages = workflow.allowed_stages(Stage(order.stage), held_from)
    if statuses is None:
        statuses = Status.objects.filter(stage__in=stages)
    return [status for status in statuses if status.stage in stages and status.pk != order.status_id]


def _refusal(order: Order, target: Status) -> str:
    held_from = order.held_from.stage if order.held_from_id else None
    stages = workflow.allowed_stages(Stage(order.stage), held_from) - {Stage(order.stage)}
    if not stages:
        return f"{order} is {order.status.label}, a final status; nothing can follow it."
    names = [Stage(stage).label for stage in workflow.Stage if stage in stages]
    follow = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
    return f"{order} is {order.status.label}; only {follow} can follow, not {target.label}."


def check_transition(order: Order, target: Status, actor: Actor) -> None:
    """Raise TransitionRefused with a reason a person can act on, or return when the move is allowed."""
    current = Stage(order.stage)
    held_from = order.held_from.stage if order.held_from_id else None
    if Stage(target.stage) not in workflow.allowed_stages(current, held_from):
        raise TransitionRefused(_refusal(order, target))
    permission = workflow.permission_for(current, Stage(target.stage))
    if not actor.has_perm(permission):
        raise TransitionRefused(f"You may not move {order} from {order.status.label} to {target.label}.")
    if (
        current == Stage.PROCESSING
        and target.stage in (Stage.PICKING, Stage.SHIPPED)
        and workflow.payment_required_before_fulfilment(order.payment_method)
        and not order.is_paid
    ):
        raise TransitionRefused(
            f"{order} is not paid: {order.get_payment_method_display()} orders must be paid before fulfilment "
            f"(balance due {order.balance_due} {order.currency})."
        )


def _apply(order: Order, target: Status, actor: Actor, reason: str) -> Order:
    """Write a checked transition and its event; the order is already locked."""
    previous = order.status
    previous_stage = order.stage
    if target.stage == Stage.ON_HOLD and previous_stage != Stage.ON_HOLD:
        order.held_from = previous
    elif target.stage != Stage.ON_HOLD:
        order.held_from = None
    order.status = target
    order.stage = target.stage
    order.version += 1
    order.save(update_fields=["status", "stage", "held_from", "version", "updated_at"])
    events.status_changed(order, actor, old=previous, new=target, reason=reason)
    if previous_stage != target.stage:
        transaction.on_commit(
            lambda: order_stage_entered.send(
                sender=Order, order_id=order.pk, stage=target.stage, previous_stage=previous_stage
            )
        )
    return order


@transaction.atomic
def order_transition(*, order_id: int, to: Status, actor, reason: str = "") -> Order:
    """Move an order to another status: lock, check the table, permission and guards, write, record.

    Moving to on hold needs a reason (it becomes a manual hold); moving out of on hold is a release
    and re-runs the hold checks.
    """
    actor = as_actor(actor)
    with service_context("order_transition", actor):
        order = locked_order(order_id)
        if order.status_id == to.pk:
            return order
        check_transition(order, to, actor)
        if to.stage == Stage.ON_HOLD and order.stage != Stage.ON_HOLD:
            if not reason.strip():
                raise TransitionRefused(f"Say why {order} is held.")
            return _hold(order, actor, [Finding(HoldReason.MANUAL, reason)], reason=reason, target=to)
        if order.stage == Stage.ON_HOLD and to.stage not in (Stage.ON_HOLD, Stage.CANCELLED):
            return _release(order, actor, target=to)
        if to.stage == Stage.CANCELLED:
            _close_holds(order, actor)
        return _apply(order, to, actor, reason)


def _hold(
    order: Order, actor: Actor, findings: list[Finding], *, reason: str = "", target: Status | None = None
):
    OrderHold.objects.bulk_create(
        [OrderHold(order=order, reason=f.reason, detail=f.detail, created_by=actor.user) for f in findings]
    )
    events.held(order, actor, reasons=[str(finding) for finding in findings])
    if order.stage != Stage.ON_HOLD:
        _apply(order, target or builtin_status(Stage.ON_HOLD), actor, reason or "; ".join(map(str, findings)))
    return order


def _close_holds(order: Order, actor: Actor) -> list[str]:
    active = list(order.holds.filter(released_at__isnull=True))
    OrderHold.objects.filter(pk__in=[hold.pk for hold in active]).update(
        released_at=timezone.now(), released_by=actor.user
    )
    return [str(hold) for hold in active]


def _release(order: Order, actor: Actor, target: Status | None = None) -> Order:
    """Close the holds, re-run the checks; still-failing orders stay on hold with fresh reasons."""
    released = _close_holds(order, actor)
    events.released(order, actor, reasons=released)
    lines = list(order.lines.select_related("product"))
    findings = run_checks(order, lines)
    if findings:
        return _hold(order, actor, findings)
    destination = target or order.held_from or builtin_status(Stage.PROCESSING)
    return _apply(order, destination, actor, "released")


@transaction.atomic
def order_hold(*, order_id: int, actor, reason: str, code: str = HoldReason.MANUAL) -> Order:
    """Put an order on hold with the reason given: by hand (manual), or by the system with its own
    reason code (a short pick, say)."""
    actor = as_actor(actor)
    if not reason.strip():
        raise TransitionRefused("Say why the order is held.")
    with service_context("order_hold", actor):
        order = locked_order(order_id)
        if order.stage == Stage.ON_HOLD:
            if not actor.has_perm("orders.hold_order"):
                raise TransitionRefused(f"You may not put {order} on hold.")
            return _hold(order, actor, [Finding(code, reason)])
        check_transition(order, builtin_status(Stage.ON_HOLD), actor)
        return _hold(order, actor, [Finding(code, reason)], reason=str(Finding(code, reason)))


@transaction.atomic
def order_release(*, order_id: int, actor) -> Order:
    actor = as_actor(actor)
    with service_context("order_release", actor):
        order = locked_order(order_id)
        if order.stage != Stage.ON_HOLD:
            raise TransitionRefused(f"{order} is {order.status.label}, not on hold.")
        if not actor.has_perm("orders.hold_order"):
            raise TransitionRefused(f"You may not release {order}.")
        return _release(order, actor)


def order_cancel(*, order_id: int, actor, reason: str) -> Order:
    if not reason.strip():
        raise TransitionRefused("Say why the order is cancelled.")
    return order_transition(order_id=order_id, to=builtin_status(Stage.CANCELLED), actor=actor, reason=reason)
