"""One transition core (orders/services/transitions.py): order_transition and order_transition_many
decide every move with the same code. Twin orders, one moved by the single service and one in a mass
change, end with the same rows, holds, timeline events, refusals, stage announcements and money
follow-ups; and money's follow-up is the service's own call, not a receiver of the stage signal."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pprint import pformat

import pytest
from django.db.models import F

from orders.actors import Actor
from orders.errors import TransitionRefused
from orders.inputs import LineInput
from orders.models import Order, OrderEvent, OrderHold, OrderLine, Status
from orders.money.models import Refund
from orders.services.transitions import (
    builtin_status,
    order_cancel,
    order_hold,
    order_transition,
    order_transition_many,
)
from orders.signals import order_stage_entered
from orders.workflow import Stage, allowed_stages
from tests.factories import ProductFactory, make_order

pytestmark = pytest.mark.django_db

S = Stage
REASON = "counted twice"
SETUP = Actor.system("tests")
PAID = Decimal("12.00")  # one unit of the factory's product: 10.00 + 20% tax


@dataclass(frozen=True)
class Move:
    """One case: an order in `start` (held from `held_from` when on hold) moved to `to` by `role`.
    The target is `to`'s built-in status, or a custom status of that stage when `to` is `start` (a
    move within the stage), or the status the order has when `same_status`."""

    start: Stage
    to: Stage
    role: str = "superadmin"
    held_from: Stage = S.PROCESSING
    payment: str = "cash"  # "cash", "card paid", "card unpaid"
    holds: int = 1  # active holds of an order on hold
    incomplete: bool = False  # no shipping method: the hold checks keep it held when released
    shipped_lines: bool = False  # every unit shipped (a return refunds them)
    same_status: bool = False

    @property
    def name(self) -> str:
        extras = [
            f"held from {self.held_from.value}" if self.start == S.ON_HOLD else "",
            self.role if self.role != "superadmin" else "",
            self.payment if self.payment != "cash" else "",
            f"{self.holds} holds" if self.holds != 1 else "",
            "incomplete" if self.incomplete else "",
            "same status" if self.same_status else "",
        ]
        return f"{self.start.value}->{self.to.value} ({', '.join(filter(None, extras))})"


def holding(stage: Stage) -> Stage | None:
    return S.PROCESSING if stage == S.ON_HOLD else None


# Every move the workflow allows (on hold goes back to processing, where the orders were held from;
# a move within a stage goes to a custom status) ...
ALLOWED = [Move(current, target) for current in Stage for target in allowed_stages(current, holding(current))]
MOVES = [
    *ALLOWED,
    # ... some it refuses by the table,
    Move(S.SHIPPED, S.CANCELLED),
    Move(S.CANCELLED, S.PROCESSING),
    Move(S.RETURNED, S.SHIPPED),
    Move(S.PROCESSING, S.DELIVERED),
    Move(S.PICKED, S.PROCESSING),
    Move(S.DELIVERED, S.ON_HOLD),
    Move(S.ON_HOLD, S.PICKING),  # held from processing: it goes back there, not to picking
    # ... back from on hold to where it was held from, or stays held when the checks still fail,
    Move(S.ON_HOLD, S.PICKED, held_from=S.PICKED),
    Move(S.ON_HOLD, S.PROCESSING, incomplete=True),
    # ... cancelling with active holds,
    Move(S.ON_HOLD, S.CANCELLED, holds=2),
    # ... refused for permission,
    Move(S.PROCESSING, S.CANCELLED, role="warehouse"),
    Move(S.PROCESSING, S.PICKING, role="csr"),
    Move(S.PROCESSING, S.ON_HOLD, role="viewer"),
    Move(S.SHIPPED, S.RETURNED, role="agent"),
    Move(S.ON_HOLD, S.PROCESSING, role="warehouse"),
    # ... by the paid-before-fulfilment guard, and allowed by it,
    Move(S.PROCESSING, S.PICKING, payment="card unpaid"),
    Move(S.PROCESSING, S.SHIPPED, payment="card unpaid"),
    Move(S.PROCESSING, S.PICKING, payment="card paid"),
    # ... moves money answers after commit (refunds, a paid order moving on to processing),
    Move(S.PROCESSING, S.CANCELLED, payment="card paid"),
    Move(S.ON_HOLD, S.CANCELLED, payment="card paid", holds=2),
    Move(S.SHIPPED, S.RETURNED, payment="card paid", shipped_lines=True),
    Move(S.DRAFT, S.AWAITING_PAYMENT, payment="card paid"),
    Move(S.ON_HOLD, S.AWAITING_PAYMENT, held_from=S.AWAITING_PAYMENT, payment="card paid"),
    # ... and the status the order has already.
    Move(S.PICKING, S.PICKING, same_status=True),
    Move(S.ON_HOLD, S.ON_HOLD, same_status=True),
]

CUSTOM_LABELS = {stage: f"{stage.label} (custom)" for stage in Stage}


def target_of(move: Move) -> Status:
    if move.to != move.start or move.same_status:
        return builtin_status(move.to)
    status, _ = Status.objects.get_or_create(
        code=f"custom-{move.to.value}", defaults={"label": CUSTOM_LABELS[move.to], "stage": move.to}
    )
    return status


def order_for(move: Move, product) -> Order:
    """A fresh order of one unit of `product` in the move's starting state, made the same way each
    time (twins)."""
    fields = {
        "cash": {"payment_method": "cash"},
        "card paid": {"payment_method": "card", "amount_paid": PAID},
        "card unpaid": {"payment_method": "card"},
    }[move.payment]
    order = make_order(lines=[LineInput(sku=product.sku, quantity=1)], **fields)
    Order.objects.filter(pk=order.pk).update(
        status=builtin_status(move.held_from if move.start == S.ON_HOLD else move.start)
    )
    if move.shipped_lines:
        OrderLine.objects.filter(order=order).update(quantity_shipped=F("quantity"))
    if move.start == S.ON_HOLD:
        for number in range(1, move.holds + 1):
            order_hold(order_id=order.pk, actor=SETUP, reason=f"waiting for the customer ({number})")
    if move.incomplete:
        Order.objects.filter(pk=order.pk).update(shipping_method="")
    order = Order.objects.get(pk=order.pk)
    assert order.stage == move.start, move.name
    return order


@pytest.fixture
def stages_entered():
    received = []

    def receiver(sender, order_id, stage, previous_stage, **kwargs):
        received.append((order_id, stage, previous_stage))

    order_stage_entered.connect(receiver)
    yield received
    order_stage_entered.disconnect(receiver)


def outcome(order: Order, message: str, after_event: int, stages_entered: list) -> dict:
    """All a move left behind on one order, with the order's own number and ids taken out."""
    row = Order.objects.get(pk=order.pk)
    ids = ("refund", "payment")  # the money records' own primary keys
    return {
        "row": (row.status_id, row.stage, row.held_from_id, row.version),
        "holds": [
            (reason, detail, released_at is not None, created_by, released_by)
            for reason, detail, released_at, created_by, released_by in OrderHold.objects.filter(order=order)
            .order_by("pk")
            .values_list("reason", "detail", "released_at", "created_by_id", "released_by_id")
        ],
        "events": [
            (
                event.type,
                {k: "<id>" if k in ids else v for k, v in event.params.items()},
                event.actor_id,
                event.actor_kind,
                event.actor_label,
            )
            for event in OrderEvent.objects.filter(order=order, pk__gt=after_event).order_by("pk")
        ],
        "message": message.replace(order.display_number, "{order}"),
        "announced": [
            (stage, previous) for order_id, stage, previous in stages_entered if order_id == order.pk
        ],
        "refunds": list(
            Refund.objects.filter(order=order).order_by("pk").values_list("kind", "amount", "reason")
        ),
    }


def test_transition_many_matches_single_transition_for_every_move(
    make_user, stages_entered, django_capture_on_commit_callbacks
):
    actors = {role: Actor.job(make_user(role), 7) for role in {move.role for move in MOVES}}
    twins = {}
    for move in MOVES:
        product = ProductFactory()  # the twins' stock events name it
        twins[move] = (order_for(move, product), order_for(move, product))
    after_setup = {
        order.pk: max(OrderEvent.objects.filter(order=order).values_list("pk", flat=True))
        for pair in twins.values()
        for order in pair
    }

    refusals: dict[int, str] = {}
    for move, (single, _) in twins.items():
        with django_capture_on_commit_callbacks(execute=True):
            try:
                order_transition(
                    order_id=single.pk, to=target_of(move), actor=actors[move.role], reason=REASON
                )
            except TransitionRefused as refusal:
                refusals[single.pk] = str(refusal)
    # The twins in one mass change per target and actor, orders from every stage together, as a mass
    # action from the "all" tab sends them.
    mass_changes: dict[tuple[Status, str], list[int]] = defaultdict(list)
    for move, (_, twin) in twins.items():
        mass_changes[target_of(move), move.role].append(twin.pk)
    reports: dict[int, str] = {}
    for (to, role), order_ids in mass_changes.items():
        with django_capture_on_commit_callbacks(execute=True):
            reports |= order_transition_many(order_ids=order_ids, to=to, actor=actors[role], reason=REASON)

    differences, noted = {}, set()
    for move, (single, twin) in twins.items():
        by_single = outcome(single, refusals.get(single.pk, ""), after_setup[single.pk], stages_entered)
        by_many = outcome(twin, reports.get(twin.pk, ""), after_setup[twin.pk], stages_entered)
        # A mass change also reports the orders it did not refuse that are not at the target afterwards;
        # the single service returns those without an error (its caller sees the order).
        if single.pk not in refusals and by_many["message"]:
            assert by_many["message"].startswith(("{order} is already", "{order} is still on hold")), (
                move.name
            )
            noted.add(move)
            by_many["message"] = ""
        if by_single != by_many:
            differences[move.name] = {
                key: (by_single[key], by_many[key]) for key in by_single if by_single[key] != by_many[key]
            }
    assert differences == {}, pformat(differences, width=110)

    assert noted == {move for move in MOVES if move.same_status or move.incomplete}
    # The table holds what it says: refusals of each kind, refunds, and a paid order moving on.
    assert len(refusals) >= 14
    twin_orders = [order for pair in twins.values() for order in pair]
    assert Refund.objects.filter(order__in=twin_orders).count() == 6  # 3 moves, twice
    moved_on = twins[Move(S.DRAFT, S.AWAITING_PAYMENT, payment="card paid")]
    assert [Order.objects.get(pk=order.pk).stage for order in moved_on] == [S.PROCESSING, S.PROCESSING]


def test_a_mass_hold_records_the_hold_before_the_status_change_as_a_single_hold_does(make_user):
    """The single service always placed the hold, then changed the status; the mass change wrote them
    the other way round until both came from one plan."""
    manager = Actor.job(make_user("manager"), 3)
    single, twin = make_order(), make_order()

    order_transition(order_id=single.pk, to=builtin_status(S.ON_HOLD), actor=manager, reason=REASON)
    order_transition_many(order_ids=[twin.pk], to=builtin_status(S.ON_HOLD), actor=manager, reason=REASON)

    for order in (single, twin):
        types = list(OrderEvent.objects.filter(order=order).order_by("pk").values_list("type", flat=True))
        assert types[-2:] == ["hold.placed", "status.changed"]


def test_a_mass_change_releases_orders_on_hold_as_the_single_service_does(make_user):
    """Orders on hold moved back to where they were held from are released (the checks run again),
    not refused with advice to release them one by one."""
    csr = Actor.job(make_user("csr"), 4)
    complete, incomplete = make_order(), make_order()
    for order in (complete, incomplete):
        order_hold(order_id=order.pk, actor=SETUP, reason="address check")
    Order.objects.filter(pk=incomplete.pk).update(shipping_method="")

    reports = order_transition_many(
        order_ids=[complete.pk, incomplete.pk], to=builtin_status(S.PROCESSING), actor=csr, reason=REASON
    )

    assert Order.objects.get(pk=complete.pk).stage == S.PROCESSING
    assert Order.objects.get(pk=incomplete.pk).stage == S.ON_HOLD
    assert reports == {incomplete.pk: f"{incomplete} is still on hold: Missing shipping method"}
    assert list(OrderHold.objects.filter(order=complete).values_list("released_by", flat=True)) == [
        csr.user.pk
    ]


# Money follows the move: the service's own call ----------------------------------------------------


def paid_order() -> Order:
    return make_order(payment_method="card", amount_paid=PAID)


def cancel_one(order: Order, actor: Actor) -> None:
    order_cancel(order_id=order.pk, actor=actor, reason=REASON)


def cancel_many(order: Order, actor: Actor) -> None:
    assert (
        order_transition_many(
            order_ids=[order.pk], to=builtin_status(S.CANCELLED), actor=actor, reason=REASON
        )
        == {}
    )


CANCELS = [pytest.param(cancel_one, id="order_cancel"), pytest.param(cancel_many, id="order_transition_many")]


def test_no_receiver_of_the_stage_signal_in_the_orders_app():
    """Signals tell other apps (fulfilment allocates stock); the orders app's own follow-ups are calls."""
    sync_receivers, async_receivers = order_stage_entered._live_receivers(Order)
    modules = {receiver.__module__ for receiver in [*sync_receivers, *async_receivers]}
    assert modules, "fulfilment listens to the stage signal"
    assert not {module for module in modules if module.split(".")[0] == "orders"}


@pytest.mark.parametrize("cancel", CANCELS)
def test_cancelling_a_paid_order_records_its_refund_with_no_receiver_listening(
    cancel, make_user, monkeypatch, django_capture_on_commit_callbacks
):
    order = paid_order()
    monkeypatch.setattr(order_stage_entered, "receivers", [])

    with django_capture_on_commit_callbacks(execute=True):
        cancel(order, Actor.job(make_user("manager"), 5))

    refund = Refund.objects.get(order=order)
    assert (refund.kind, refund.amount) == (Refund.Kind.CANCELLATION, PAID)


@pytest.mark.parametrize("cancel", CANCELS)
def test_the_refund_waits_for_the_commit(cancel, make_user, django_capture_on_commit_callbacks):
    order = paid_order()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        cancel(order, Actor.job(make_user("manager"), 5))
    assert not Refund.objects.filter(order=order).exists()
    assert len(callbacks) == 1
    callbacks[0]()
    assert Refund.objects.filter(order=order).count() == 1


@pytest.mark.parametrize("cancel", CANCELS)
def test_a_money_follow_up_that_fails_is_queued_for_a_worker(
    cancel, make_user, monkeypatch, django_capture_on_commit_callbacks
):
    order, unpaid = paid_order(), make_order()
    queued = []

    def fails(**kwargs):
        raise RuntimeError("payment provider down")

    monkeypatch.setattr("orders.services.transitions.order_money_on_stage", fails)
    monkeypatch.setattr(
        "orders.services.transitions.queue_money_follow_up",
        lambda order_id, stage: queued.append({"order_id": order_id, "stage": stage}),
    )

    with django_capture_on_commit_callbacks(execute=True):
        cancel(order, Actor.job(make_user("manager"), 5))
        cancel(unpaid, Actor.job(make_user("manager"), 5))  # nothing paid: nothing to follow up

    assert Order.objects.get(pk=order.pk).stage == S.CANCELLED
    assert queued == [{"order_id": order.pk, "stage": S.CANCELLED}]
