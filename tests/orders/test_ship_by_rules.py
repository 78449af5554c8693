"""orders/ship_by.py: the ship-by deadline an order gets when it becomes ready, from the managers'
rules and the warehouse's calendar; the channel's own deadline wins; creation (single and batched) and
the transitions into processing all decide alike."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from orders.actors import Actor, as_actor
from orders.inputs import LineInput, OrderInput
from orders.models import Channel, Order, ShipByRule, Warehouse
from orders.services.create_many import order_create_many
from orders.services.planned import BatchOrder
from orders.services.transitions import builtin_status, order_transition, order_transition_many
from orders.ship_by import ShipByBook, rule_for, ship_by_deadline
from orders.workflow import Stage
from tests.factories import CustomerFactory, ProductFactory, make_order

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
def warehouse():
    return Warehouse.objects.create(
        code="ber", name="Berlin", time_zone="Europe/Berlin", working_weekdays=[0, 1, 2, 3, 4], holidays=[]
    )


def deadline(ready_at, *, channel=None, method="Standard", warehouse_id=None, current=None):
    return ship_by_deadline(
        book=ShipByBook(),
        ready_at=ready_at,
        channel_id=channel.pk if channel else None,
        shipping_method=method,
        warehouse_id=warehouse_id,
        current=current,
    )


def end_of(day: date, zone=BERLIN) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=zone)


# Wed 2 Dec 2026; Fri 4 Dec; Sat 5; Mon 7.
@pytest.mark.parametrize(
    ("ready_local", "ships_on"),
    [
        (datetime(2026, 12, 2, 13, 59), date(2026, 12, 2)),  # before the cut-off: the same day
        (datetime(2026, 12, 2, 14, 0), date(2026, 12, 3)),  # at the cut-off: the next working day
        (datetime(2026, 12, 4, 15, 0), date(2026, 12, 7)),  # Friday after the cut-off: Monday
        (datetime(2026, 12, 5, 9, 0), date(2026, 12, 7)),  # Saturday morning: Monday
        (datetime(2026, 12, 6, 23, 0), date(2026, 12, 7)),  # Sunday night: Monday
    ],
)
def test_cut_off_and_weekends_decide_the_shipping_day(warehouse, ready_local, ships_on):
    ShipByRule.objects.create(cutoff=time(14, 0), warehouse=warehouse)
    ready_at = ready_local.replace(tzinfo=BERLIN).astimezone(UTC)
    assert deadline(ready_at) == end_of(ships_on)


def test_holidays_and_extra_days_count_working_days_only(warehouse):
    warehouse.holidays = [date(2026, 12, 24), date(2026, 12, 25)]
    warehouse.save()
    ShipByRule.objects.create(cutoff=time(14, 0), warehouse=warehouse, extra_days=1)
    # Wed 23rd after the cut-off: Thu 24th and Fri 25th are holidays, the weekend follows -> Mon 28th,
    # plus one working day -> Tue 29th.
    ready_at = datetime(2026, 12, 23, 16, 0, tzinfo=BERLIN)
    assert deadline(ready_at) == end_of(date(2026, 12, 29))


def test_a_custom_working_week(warehouse):
    warehouse.working_weekdays = [5]  # Saturdays only
    warehouse.save()
    ShipByRule.objects.create(cutoff=time(10, 0), warehouse=warehouse)
    assert deadline(datetime(2026, 12, 2, 9, 0, tzinfo=BERLIN)) == end_of(date(2026, 12, 5))


def test_a_calendar_without_working_days_gives_no_deadline(warehouse):
    warehouse.working_weekdays = []
    warehouse.save()
    ShipByRule.objects.create(cutoff=time(10, 0), warehouse=warehouse)
    assert deadline(datetime(2026, 12, 2, 9, 0, tzinfo=BERLIN)) is None


def test_the_cut_off_is_the_warehouses_local_time_not_utc(warehouse):
    ShipByRule.objects.create(cutoff=time(14, 0), warehouse=warehouse)
    # 12:30 UTC is 13:30 in Berlin (winter, UTC+1): before the cut-off.
    assert deadline(datetime(2026, 12, 2, 12, 30, tzinfo=UTC)) == end_of(date(2026, 12, 2))
    ny = Warehouse.objects.create(code="nyc", name="New York", time_zone="America/New_York")
    ShipByRule.objects.all().update(warehouse=ny)
    # 23:30 UTC on the 2nd is 18:30 on the 2nd in New York: after the cut-off, ships on the 3rd.
    assert deadline(datetime(2026, 12, 2, 23, 30, tzinfo=UTC)) == end_of(date(2026, 12, 3), NEW_YORK)


def test_daylight_saving_changes_keep_local_cut_off_and_end_of_day(warehouse):
    ShipByRule.objects.create(cutoff=time(14, 0), warehouse=warehouse)
    # Berlin moves to summer time on Sun 29 Mar 2026. 12:30 UTC on Mon 30th is 14:30 local (UTC+2):
    # after the cut-off (it would be before it at UTC+1).
    ships = deadline(datetime(2026, 3, 30, 12, 30, tzinfo=UTC))
    assert ships == end_of(date(2026, 3, 31))
    assert ships.utcoffset() == timedelta(hours=2)
    # Fri 27th after the cut-off (winter time) ships on Mon 30th, end of day in summer time.
    friday = deadline(datetime(2026, 3, 27, 13, 30, tzinfo=UTC))
    assert friday.astimezone(UTC) == datetime(2026, 3, 30, 21, 59, 59, tzinfo=UTC)


def test_the_most_specific_rule_wins(warehouse):
    shop = Channel.objects.create(code="shop", name="Shop", kind="shopify")
    other = Channel.objects.create(code="other", name="Other", kind="shopify")
    anything = ShipByRule.objects.create(cutoff=time(10, 0))
    by_method = ShipByRule.objects.create(cutoff=time(11, 0), shipping_method="express")
    by_channel = ShipByRule.objects.create(cutoff=time(12, 0), channel=shop)
    both = ShipByRule.objects.create(cutoff=time(13, 0), channel=shop, shipping_method="Express")
    rules = ShipByBook().rules

    assert rule_for(rules, channel_id=shop.pk, shipping_method=" EXPRESS ") == both
    assert rule_for(rules, channel_id=shop.pk, shipping_method="Standard") == by_channel
    assert rule_for(rules, channel_id=other.pk, shipping_method="Express") == by_method
    assert rule_for(rules, channel_id=other.pk, shipping_method="Standard") == anything
    assert rule_for([by_channel], channel_id=other.pk, shipping_method="Standard") is None


def test_no_rule_no_deadline():
    assert deadline(timezone.now()) is None


def test_the_channels_own_deadline_wins(warehouse):
    ShipByRule.objects.create(cutoff=time(14, 0), warehouse=warehouse)
    theirs = datetime(2027, 1, 10, 8, 0, tzinfo=UTC)
    assert deadline(timezone.now(), current=theirs) == theirs
    order = make_order(ship_by=theirs)
    assert order.stage == Stage.PROCESSING
    order.refresh_from_db()
    assert order.ship_by == theirs


def test_an_order_arriving_ready_gets_its_deadline_and_one_not_ready_does_not(warehouse):
    ShipByRule.objects.create(cutoff=time(14, 0), warehouse=warehouse)
    ready = make_order()
    ready.refresh_from_db()
    assert ready.stage == Stage.PROCESSING
    assert ready.ship_by is not None
    assert ready.ship_by == deadline(ready.created_at)
    unpaid = make_order(payment_method="card")
    unpaid.refresh_from_db()
    assert unpaid.stage == Stage.AWAITING_PAYMENT and unpaid.ship_by is None


def test_the_order_gets_its_deadline_when_it_moves_into_processing_and_keeps_a_channels(warehouse, users):
    ShipByRule.objects.create(cutoff=time(14, 0), warehouse=warehouse)
    draft = make_order(draft=True)
    assert draft.stage == Stage.DRAFT and draft.ship_by is None
    before = timezone.now()
    moved = order_transition(order_id=draft.pk, to=builtin_status(Stage.PROCESSING), actor=users["manager"])
    after = timezone.now()
    moved.refresh_from_db()
    assert moved.ship_by in {deadline(before), deadline(after)}

    theirs = datetime(2027, 1, 10, 8, 0, tzinfo=UTC)
    channel_draft = make_order(draft=True, ship_by=theirs)
    order_transition(order_id=channel_draft.pk, to=builtin_status(Stage.PROCESSING), actor=users["manager"])
    channel_draft.refresh_from_db()
    assert channel_draft.ship_by == theirs


def test_a_mass_move_into_processing_sets_the_same_deadlines_as_single_moves(warehouse, users):
    ShipByRule.objects.create(cutoff=time(0, 0), warehouse=warehouse)  # always the next working day
    express = ShipByRule.objects.create(cutoff=time(0, 0), shipping_method="Express", extra_days=2)
    drafts = [make_order(draft=True), make_order(draft=True, shipping_method="Express")]
    theirs = datetime(2027, 1, 10, 8, 0, tzinfo=UTC)
    drafts.append(make_order(draft=True, ship_by=theirs))
    single = make_order(draft=True, shipping_method="Express")

    refused = order_transition_many(
        order_ids=[d.pk for d in drafts],
        to=builtin_status(Stage.PROCESSING),
        actor=as_actor(users["manager"]),
    )
    order_transition(order_id=single.pk, to=builtin_status(Stage.PROCESSING), actor=users["manager"])

    assert refused == {}
    standard, fast, channel = (Order.objects.get(pk=d.pk) for d in drafts)
    single.refresh_from_db()
    assert channel.ship_by == theirs
    assert standard.ship_by is not None and fast.ship_by is not None
    assert fast.ship_by == single.ship_by  # the same day (no run crosses midnight in practice)
    assert fast.ship_by > standard.ship_by and express.extra_days == 2


def _input(**fields) -> OrderInput:
    product = ProductFactory()
    fields.setdefault("payment_method", "cash")
    fields.setdefault("shipping_method", "Standard")
    return OrderInput(customer=CustomerFactory(), lines=[LineInput(sku=product.sku, quantity=1)], **fields)


def test_batched_creation_decides_ship_by_as_order_create_does(warehouse):
    shop = Channel.objects.create(code="shop", name="Shop", kind="shopify")
    ShipByRule.objects.create(cutoff=time(14, 0), warehouse=warehouse)
    ShipByRule.objects.create(cutoff=time(9, 0), channel=shop, extra_days=1)
    theirs = datetime(2027, 1, 10, 8, 0, tzinfo=UTC)
    cases = [
        {},
        {"channel": shop},
        {"ship_by": theirs},
        {"payment_method": "card"},  # not ready: no deadline
        {"draft": True},
    ]
    singles = [Order.objects.get(pk=make_order(**case).pk) for case in cases]
    # The batch at the single orders' own creation times (the decision counts from when it became ready).
    items = [
        BatchOrder(key=i, data=_input(**case), created_at=single.created_at)
        for i, (case, single) in enumerate(zip(cases, singles, strict=True))
    ]
    planned = order_create_many(items=items, actor=Actor.system("tests"))
    batched = [Order.objects.get(pk=p.order.pk) for p in planned]

    assert [o.ship_by for o in batched] == [o.ship_by for o in singles]
    assert [o.stage for o in batched] == [o.stage for o in singles]
    assert singles[0].ship_by is not None and singles[1].ship_by != singles[0].ship_by
    assert singles[2].ship_by == theirs and singles[3].ship_by is None and singles[4].ship_by is None
