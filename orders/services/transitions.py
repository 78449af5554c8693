"""The one service that changes an order's status, for one order or many, and the hold / release /
cancel actions built on it.

Over 400 lines because it is the one module that writes status: the single form, the many-orders
form and what follows a move must stay together for that to hold.

One function decides every move: transition_plan looks at the locked order, the target status, the
actor and the reason, and returns a TransitionPlan, either a refusal or what the move writes (status,
held_from, holds closed and placed, timeline events in their order) and what follows it after commit
(the stage announcement, money's answer). order_transition carries out one plan with the ORM;
order_transition_many carries out a chunk of plans with one locked read, an UPDATE per kind of move and
one COPY of events, so a mass change of 10,000 orders takes seconds and writes what 10,000 single
moves would.
"""

import logging
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from celery import current_app
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from config.postgresql.copy import copy_lines, copy_text
from config.postgresql.triggers import set_based
from orders import bounds, events, workflow
from orders.actors import Actor, as_actor
from orders.errors import OrderError, TransitionRefused
from orders.events import EventRows, EventType
from orders.holds import Finding, run_checks
from orders.models import HOLD_REASONS_AFTER_SHIPPING, HoldReason, Order, OrderHold, Status
from orders.money.services.common import PAYMENTS
from orders.money.services.refunds import order_cancellation_refund, order_returned_refund
from orders.reference import order_reference
from orders.services.common import locked_order, service_context
from orders.ship_by import ship_by_on_ready
from orders.signals import order_stage_entered
from orders.workflow import Stage, check_transition, transition_refusal

logger = logging.getLogger(__name__)

# The stages whose entry money answers (order_money_on_stage below): cancelled and
# returned refund what was paid, awaiting payment while fully paid moves on to processing. An order
# with nothing paid has nothing to refund or to move on, so it costs no follow-up.
MONEY_FOLLOW_UP_TASK = "money.follow_up"
MONEY_STAGES = frozenset({Stage.CANCELLED, Stage.RETURNED, Stage.AWAITING_PAYMENT})


def builtin_status(stage: str) -> Status:
    try:
        return order_reference().builtin[stage]
    except KeyError:
        raise Status.DoesNotExist(f"No built-in status has the stage {stage!r}.") from None


def allowed_statuses(order: Order, statuses: Iterable[Status] | None = None) -> list[Status]:
    """The statuses this order may move to now, by the table alone (permissions are checked on use).
    `statuses`: every status in their order, when the caller has read them already."""
    held_from = order.held_from.stage if order.held_from_id else None
    stages = workflow.allowed_stages(Stage(order.stage), held_from)
    if statuses is None:
        statuses = Status.objects.filter(stage__in=stages)
    return [status for status in statuses if status.stage in stages and status.pk != order.status_id]


# The plan ----------------------------------------------------------------------------------------


class HeldFrom(StrEnum):
    """What a move does to the order's held_from: the status an order on hold goes back to."""

    KEEP = "keep"  # between two on-hold statuses
    LEFT = "left"  # put on hold: the status it leaves
    CLEAR = "clear"  # any other move


@dataclass(slots=True)
class TransitionPlan:
    """What one move does to one locked order, decided before anything is written, and not changed
    after. (Not a frozen dataclass: a mass change makes thousands, and frozen ones take four times as
    long to make.)"""

    order: Order
    refusal: str = ""  # refused, in words a person can act on; nothing is written
    note: str = ""  # not refused, yet the order is not at the target afterwards: why (mass reports say it)
    status: Status | None = None  # the status it moves to; None when it keeps its status
    held_from: HeldFrom = HeldFrom.KEEP
    close_holds: bool = False  # release the order's active holds
    holds: tuple[Finding, ...] = ()  # holds placed
    events: tuple[tuple[str, dict], ...] = ()  # the timeline events, (type, params), in this order
    stage_entered: tuple[str, str] | None = None  # (stage, previous stage): announced after commit
    money_follow_up: bool = False  # money answers the stage entered, after commit


def _status_changed(old: Status, new: Status, reason: str) -> tuple[str, dict]:
    return EventType.STATUS_CHANGED, {
        "old": old.label, "new": new.label, "old_stage": old.stage, "new_stage": new.stage, "reason": reason,
    }  # fmt: skip


def _move(
    order: Order, to: Status, reason: str, *, before=(), holds=(), close_holds: bool = False
) -> TransitionPlan:
    """The order takes status `to`: events `before` (a hold placed, released), then its status change."""
    if to.stage == Stage.ON_HOLD:
        held_from = HeldFrom.KEEP if order.stage == Stage.ON_HOLD else HeldFrom.LEFT
    else:
        held_from = HeldFrom.CLEAR
    entered = (to.stage, order.stage) if to.stage != order.stage else None
    return TransitionPlan(
        order,
        status=to,
        held_from=held_from,
        close_holds=close_holds,
        holds=holds,
        events=(*before, _status_changed(order.status, to, reason)),
        stage_entered=entered,
        money_follow_up=entered is not None and to.stage in MONEY_STAGES and order.amount_paid > 0,
    )


def hold_plan(
    order: Order, findings: Sequence[Finding], *, to: Status | None = None, reason: str = ""
) -> TransitionPlan:
    """Hold the order for `findings`: the holds and their event, then (unless it is on hold already)
    the move to the on-hold status `to`."""
    placed = (EventType.HELD, {"reasons": [str(finding) for finding in findings]})
    if order.stage == Stage.ON_HOLD:
        return TransitionPlan(order, holds=tuple(findings), events=(placed,))
    return _move(order, to, reason, before=(placed,), holds=tuple(findings))


def release_plan(
    order: Order, to: Status, *, released: Sequence[str], findings: Sequence[Finding]
) -> TransitionPlan:
    """Close the order's holds (`released`, as text); if the hold checks still find something
    (`findings`), it stays on hold with those reasons, otherwise it goes to `to`."""
    released_event = (EventType.RELEASED, {"reasons": list(released)})
    if findings:
        held = hold_plan(order, findings)
        still = "; ".join(map(str, findings))
        return replace(
            held,
            close_holds=True,
            events=(released_event, *held.events),
            note=f"{order} is still on hold: {still}",
        )
    return _move(order, to, "released", before=(released_event,), close_holds=True)


def transition_plan(
    order: Order,
    to: Status,
    *,
    actor: Actor,
    reason: str,
    active_holds: Callable[[Order], list[str]],
    checks: Callable[[Order], list[Finding]],
) -> TransitionPlan:
    """Decide one move of a locked order to `to`. Moving to on hold needs a reason (it becomes a manual
    hold); moving out of on hold (not to cancelled) is a release and re-runs the hold checks; cancelling
    closes the holds. `active_holds` and `checks` read the order's active holds (as text) and the hold
    checks' findings: they are asked only when the move is a release."""
    if order.status_id == to.pk:
        return TransitionPlan(order, note=f"{order} is already {to.label}.")
    refusal = transition_refusal(order, to, actor)
    if refusal:
        return TransitionPlan(order, refusal=refusal)
    if to.stage == Stage.ON_HOLD and order.stage != Stage.ON_HOLD:
        if not reason.strip():
            return TransitionPlan(order, refusal=f"Say why {order} is held.")
        if problem := bounds.hold_reason_problem(reason):
            return TransitionPlan(order, refusal=problem)
        return hold_plan(order, [Finding(HoldReason.MANUAL, reason)], to=to, reason=reason)
    if order.stage == Stage.ON_HOLD and to.stage not in (Stage.ON_HOLD, Stage.CANCELLED):
        return release_plan(
            order, to, released=active_holds(order), findings=_release_findings(order, checks)
        )
    return _move(order, to, reason, close_holds=to.stage == Stage.CANCELLED)


def _release_findings(order: Order, checks: Callable[[Order], list[Finding]]) -> list[Finding]:
    """What the hold checks find on an order being released (none asked after shipping)."""
    held_from = order.held_from.stage if order.held_from_id else None
    return checks(order) if workflow.release_runs_checks(held_from) else []


def _active_holds(order: Order) -> list[str]:
    return [str(hold) for hold in order.holds.filter(released_at__isnull=True)]


def _checks(order: Order) -> list[Finding]:
    """The hold checks of an order being released. A mass change read only the checked fields: the
    order is read whole again (releases are few)."""
    if order.get_deferred_fields():
        order = Order.objects.select_related("customer").get(pk=order.pk)
    return run_checks(order, list(order.lines.select_related("product")))


# After commit ------------------------------------------------------------------------------------


@transaction.atomic
def order_paid_move_on(*, order_id: int) -> Order:
    """An order entering awaiting payment already fully paid (a draft confirmed, a hold released)
    goes on to processing, as the payment itself would have moved it (seed 001)."""
    with service_context("order_paid_move_on", PAYMENTS):
        order = locked_order(order_id)
        if order.stage == Stage.AWAITING_PAYMENT and order.total > 0 and order.is_paid:
            try:
                order_transition(
                    order_id=order.pk,
                    to=builtin_status(Stage.PROCESSING),
                    actor=PAYMENTS,
                    reason="fully paid",
                )
            except TransitionRefused:
                logger.warning("%s was not moved to processing once fully paid", order, exc_info=True)
    return order


def order_money_on_stage(*, order_id: int, stage: str):
    """What follows an order entering a stage, money-wise: entering cancelled refunds what was paid,
    entering returned the shipped lines no return refunded (seed 004), and an order awaiting payment
    that is already paid goes on (seed 001)."""
    if stage == Stage.CANCELLED:
        return order_cancellation_refund(order_id=order_id)
    if stage == Stage.RETURNED:
        return order_returned_refund(order_id=order_id)
    if stage == Stage.AWAITING_PAYMENT:
        return order_paid_move_on(order_id=order_id)
    return None


def queue_money_follow_up(order_id: int, stage: str) -> None:
    """Leave the follow-up to a worker (orders/money/tasks.py), queued by name: the task calls this
    module, which never imports it."""
    current_app.send_task(MONEY_FOLLOW_UP_TASK, kwargs={"order_id": order_id, "stage": stage})


def _money_follow_up(order_id: int, stage: str) -> None:
    """Money's answer to the stage the order entered. Its move is committed: if the answer fails, a
    worker retries it rather than the request failing. The services are idempotent (they refund what
    is paid and not yet refunded), so a retry never refunds twice."""
    try:
        order_money_on_stage(order_id=order_id, stage=stage)
    except Exception:
        logger.exception(
            "money follow-up of order %s entering %s failed; queued for a worker", order_id, stage
        )
        queue_money_follow_up(order_id, stage)


def _follow_up_after_commit(plans: Iterable[TransitionPlan]) -> None:
    """Once the moves commit, per order that entered a stage: money's answer to it (a refund, a paid
    order moving on), then the announcement other apps hear (order_stage_entered). One callback for
    all the plans of a transaction."""
    entered = [
        (plan.order.pk, *plan.stage_entered, plan.money_follow_up) for plan in plans if plan.stage_entered
    ]
    if not entered:
        return

    def follow_up() -> None:
        for order_id, stage, previous_stage, money in entered:
            if money:
                _money_follow_up(order_id, stage)
            order_stage_entered.send(
                sender=Order, order_id=order_id, stage=stage, previous_stage=previous_stage
            )

    transaction.on_commit(follow_up)


# One order ---------------------------------------------------------------------------------------


def _apply(plan: TransitionPlan, actor: Actor) -> Order:
    """Write one plan with the ORM; the order is locked."""
    order = plan.order
    if plan.close_holds:
        order.holds.filter(released_at__isnull=True).update(
            released_at=timezone.now(), released_by=actor.user
        )
    if plan.holds:
        OrderHold.objects.bulk_create(
            [
                OrderHold(order=order, reason=f.reason, detail=f.detail, created_by=actor.user)
                for f in plan.holds
            ]
        )
    if plan.status:
        if plan.held_from == HeldFrom.LEFT:
            order.held_from = order.status
        elif plan.held_from == HeldFrom.CLEAR:
            order.held_from = None
        order.status = plan.status
        order.stage = plan.status.stage
        order.version += 1
        order.save(update_fields=["status", "stage", "held_from", "version", "updated_at"])
        if plan.stage_entered and plan.stage_entered[0] == Stage.PROCESSING and order.ship_by is None:
            order.ship_by = ship_by_on_ready(order_ids=[order.pk]).get(order.pk)
    for event_type, params in plan.events:
        events.record(order, actor, event_type, **params)
    _follow_up_after_commit([plan])
    return order


def _carry_out(plan: TransitionPlan, actor: Actor) -> Order:
    if plan.refusal:
        raise TransitionRefused(plan.refusal)
    return _apply(plan, actor)


@transaction.atomic
def order_transition(*, order_id: int, to: Status, actor, reason: str = "") -> Order:
    """Move an order to another status: lock, check the table, permission and guards, write, record.

    Moving to on hold needs a reason (it becomes a manual hold); moving out of on hold is a release
    and re-runs the hold checks. Moving to the status it has changes nothing.
    """
    actor = as_actor(actor)
    with service_context("order_transition", actor):
        order = locked_order(order_id)
        plan = transition_plan(
            order, to, actor=actor, reason=reason, active_holds=_active_holds, checks=_checks
        )
        return _carry_out(plan, actor)


@transaction.atomic
def order_hold(*, order_id: int, actor, reason: str, code: str = HoldReason.MANUAL) -> Order:
    """Put an order on hold with the reason given: by hand (manual), or by the system with its own
    reason code (a short pick, say)."""
    actor = as_actor(actor)
    if not reason.strip():
        raise TransitionRefused("Say why the order is held.")
    if problem := bounds.hold_reason_problem(reason):
        raise TransitionRefused(problem)
    finding = Finding(code, reason)
    with service_context("order_hold", actor):
        order = locked_order(order_id)
        if order.stage == Stage.ON_HOLD:
            if not actor.has_perm("orders.hold_order"):
                raise TransitionRefused(f"You may not put {order} on hold.")
            return _apply(hold_plan(order, [finding]), actor)
        to = builtin_status(Stage.ON_HOLD)
        check_transition(order, to, actor, after_shipping=code in HOLD_REASONS_AFTER_SHIPPING)
        return _apply(hold_plan(order, [finding], to=to, reason=str(finding)), actor)


@transaction.atomic
def order_release(*, order_id: int, actor, only: Collection[str] | None = None) -> Order:
    """Close an order's holds and re-run the checks: it goes back to the status it was held from, or
    stays on hold with the reasons the checks still find.

    `only`: close just the holds with these reason codes (a CSR's answer to one question must not
    answer the others); while other holds stand, the order stays on hold, its status unchanged."""
    actor = as_actor(actor)
    with service_context("order_release", actor):
        order = locked_order(order_id)
        if order.stage != Stage.ON_HOLD:
            raise TransitionRefused(f"{order} is {order.status.label}, not on hold.")
        if not actor.has_perm("orders.hold_order"):
            raise TransitionRefused(f"You may not release {order}.")
        if only is not None:
            active = list(order.holds.filter(released_at__isnull=True))
            chosen = [hold for hold in active if hold.reason in only]
            if not chosen:
                named = ", ".join(str(HoldReason(code).label) for code in only)
                raise TransitionRefused(f"{order} is not on hold for {named}.")
            if len(chosen) < len(active):
                OrderHold.objects.filter(pk__in=[hold.pk for hold in chosen]).update(
                    released_at=timezone.now(), released_by=actor.user
                )
                events.record(order, actor, EventType.RELEASED, reasons=[str(hold) for hold in chosen])
                return order
        to = order.held_from or builtin_status(Stage.PROCESSING)
        plan = release_plan(
            order, to, released=_active_holds(order), findings=_release_findings(order, _checks)
        )
        return _apply(plan, actor)


def order_cancel(*, order_id: int, actor, reason: str) -> Order:
    if not reason.strip():
        raise TransitionRefused("Say why the order is cancelled.")
    return order_transition(order_id=order_id, to=builtin_status(Stage.CANCELLED), actor=actor, reason=reason)


# Many orders -------------------------------------------------------------------------------------

HOLD_COLUMNS = ("order_id", "reason", "detail", "created_by_id", "created_at")
# What transition_plan reads of an order (orders/services/bulk.py's mass changes read it too).
CHECKED_FIELDS = (
    "number",
    "status_id",
    "stage",
    "held_from_id",
    "payment_method",
    "total",
    "amount_paid",
    "currency",
)


def locked_for_checks(order_ids, *fields: str) -> list[Order]:
    """Lock the orders in primary-key order (concurrent mass actions never deadlock) and load just
    what the checks read, in one query: PostgreSQL locks the rows as the sorted scan returns them and
    returns each row as it is once locked. Statuses come from one small query: a chunk of a thousand
    orders costs a thousand light objects rather than three thousand full ones."""
    statuses = Status.objects.in_bulk()
    orders = list(
        Order.objects.select_for_update()
        .filter(pk__any=order_ids)
        .only(*CHECKED_FIELDS, *fields)
        .order_by("pk")
    )
    for order in orders:
        order.status = statuses[order.status_id]
        order.held_from = statuses.get(order.held_from_id)
    return orders


class _ActiveHoldsOfChunk:
    """The active holds of a chunk's orders on hold, read in one query the first time one is asked for."""

    def __init__(self, orders: list[Order]):
        self.order_ids = [order.pk for order in orders if order.stage == Stage.ON_HOLD]
        self.by_order: dict[int, list[str]] | None = None

    def __call__(self, order: Order) -> list[str]:
        if self.by_order is None:
            self.by_order = {}
            active = OrderHold.objects.filter(order_id__any=self.order_ids, released_at__isnull=True)
            for hold in active.order_by("order_id", "created_at", "id"):
                self.by_order.setdefault(hold.order_id, []).append(str(hold))
        return self.by_order.get(order.pk, [])


def _write_many(plans: list[TransitionPlan], actor: Actor) -> None:
    """Write many plans set-based: one UPDATE of holds closed, one UPDATE of orders per kind of move
    (target status and what happens to held_from; usually one), one COPY of holds placed and one of
    timeline events, each plan's events in its order."""
    now = timezone.now()
    closing = [plan.order.pk for plan in plans if plan.close_holds]
    if closing:
        OrderHold.objects.filter(order_id__any=closing, released_at__isnull=True).update(
            released_at=now, released_by=actor.user
        )
    moves: dict[tuple[Status, HeldFrom], list[int]] = {}
    for plan in plans:
        if plan.status:
            moves.setdefault((plan.status, plan.held_from), []).append(plan.order.pk)
    # Each UPDATE writes the status's stage itself, so the order_stage_follows_status trigger stands
    # aside: run once per row, its lookup of the same status cost a fifth of the UPDATE.
    with set_based("order_stage"):
        for (status, held_from), order_ids in moves.items():
            changes = {
                "status": status,
                "stage": status.stage,
                "version": F("version") + 1,
                "updated_at": now,
            }
            if held_from == HeldFrom.LEFT:
                changes["held_from"] = F("status")  # PostgreSQL reads the old row on the right-hand side
            elif held_from == HeldFrom.CLEAR:
                changes["held_from"] = None
            Order.objects.filter(pk__any=order_ids).update(**changes)
    ready = [
        plan.order.pk for plan in plans if plan.stage_entered and plan.stage_entered[0] == Stage.PROCESSING
    ]
    ship_by_on_ready(order_ids=ready, ready_at=now)  # the deadlines of orders that became ready
    # COPY lines; what every row of a kind shares (a hold's reason and detail, the actor) is
    # formatted once.
    hold_tails: dict[Finding, str] = {}
    hold_lines = []
    for plan in plans:
        for finding in plan.holds:
            if finding not in hold_tails:
                shared = (finding.reason, finding.detail, actor.user_id, now)
                hold_tails[finding] = "".join(f"\t{copy_text(value)}" for value in shared) + "\n"
            hold_lines.append(f"{plan.order.pk}{hold_tails[finding]}")
    copy_lines(OrderHold._meta.db_table, HOLD_COLUMNS, hold_lines)
    # The events of a mass change repeat (the same move from the same status, the same hold reason):
    # each distinct one is formatted once by the timeline's row builder. Their parameters are strings
    # and lists of strings.
    rows = EventRows(actor)
    shared: dict[tuple, str] = {}
    event_lines = []
    for plan in plans:
        for event_type, params in plan.events:
            key = (event_type, *((name, tuple(v) if type(v) is list else v) for name, v in params.items()))
            text = shared.get(key)
            if text is None:
                text = shared[key] = rows.shared(event_type, params)
            event_lines.append(rows.join(plan.order.pk, text))
    rows.write(event_lines)


@transaction.atomic
def order_transition_many(
    *, order_ids: list[int], to: Status, actor: Actor, reason: str = ""
) -> dict[int, str]:
    """order_transition for many orders at once, deciding each move with the same transition_plan;
    returns {order_id: why} for the orders that are not at `to` afterwards (refused, already there,
    released but still held by the checks)."""
    if to.stage == Stage.ON_HOLD and not reason.strip():
        raise OrderError("Say why the orders are held.")
    if to.stage == Stage.ON_HOLD and (problem := bounds.hold_reason_problem(reason)):
        raise OrderError(problem)
    with service_context("order_transition_many", actor):
        orders = locked_for_checks(order_ids)
        active_holds = _ActiveHoldsOfChunk(orders)
        plans = [
            transition_plan(order, to, actor=actor, reason=reason, active_holds=active_holds, checks=_checks)
            for order in orders
        ]
        _write_many([plan for plan in plans if not plan.refusal], actor)
    _follow_up_after_commit(plans)
    return {plan.order.pk: plan.refusal or plan.note for plan in plans if plan.refusal or plan.note}
