"""Editing an order (fields, lines, assignment, notes, soft delete and restore), its timeline with the
database changes no service made (SPEC 2.4), who sees which orders, search, tab counts and paging."""

import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from orders import selectors
from orders.actors import Actor
from orders.errors import OrderError, OrderInvalid, StaleEdit
from orders.inputs import LineInput
from orders.models import Order, OrderEvent, OrderLine
from orders.selectors import keyset_page, orders_visible_to, search_orders, tab_counts
from orders.services.edit import (
    editable_fields,
    order_assign,
    order_note_add,
    order_restore,
    order_soft_delete,
    order_update,
)
from orders.services.transitions import builtin_status, order_cancel, order_transition
from orders.signals import order_lines_changed
from orders.timeline import order_timeline
from orders.workflow import Stage
from tests.factories import CustomerFactory, ProductFactory, make_order

S = Stage
ROLES = ("superadmin", "manager", "csr", "warehouse", "agent", "viewer")
pytestmark = pytest.mark.django_db

NEW_ADDRESS = {"line1": "9 Quay Street", "city": "Bristol", "postcode": "BS1 4DJ", "country": "GB"}


def fresh(order: Order) -> Order:
    return Order.objects.select_related("status").get(pk=order.pk)


def put_in(order: Order, stage: Stage) -> Order:
    """Put the order in a stage directly: these tests are about edits, not the workflow."""
    Order.objects.filter(pk=order.pk).update(status=builtin_status(stage))
    return fresh(order)


def events_of(order: Order, type: str) -> list[OrderEvent]:
    return list(OrderEvent.objects.filter(order=order, type=type).order_by("id"))


def state(order: Order) -> tuple:
    """Everything an edit could change, to show that a refused one changed nothing."""
    order = fresh(order)
    lines = list(
        OrderLine.objects.filter(order=order).values_list("sku", "quantity", "unit_price", "discount")
    )
    return (
        order.version,
        order.shipping_address,
        order.shipping_method,
        order.notes,
        order.delivery_fee,
        order.total,
        order.assigned_csr_id,
        order.assigned_agent_id,
        lines,
        OrderEvent.objects.filter(order=order).count(),
    )


# order_update ----------------------------------------------------------------------------------------


def test_an_edit_made_on_an_outdated_form_is_refused_and_changes_nothing(users):
    order = make_order()
    opened_at = order.version
    order_update(
        order_id=order.pk,
        expected_version=opened_at,
        changes={"shipping_method": "Express"},
        lines=None,
        actor=users["csr"],
    )
    before = state(order)

    with pytest.raises(StaleEdit) as stale:
        order_update(
            order_id=order.pk,
            expected_version=opened_at,
            changes={"notes": "Ring twice"},
            lines=None,
            actor=users["manager"],
        )

    assert str(stale.value).startswith(f"{order.display_number} was changed by someone else")
    assert state(order) == before
    assert fresh(order).notes == ""


def test_a_field_edit_records_old_and_new_values_and_bumps_the_version(users):
    order = make_order()

    updated = order_update(
        order_id=order.pk,
        expected_version=order.version,
        changes={"shipping_method": "Express", "priority": 2, "notes": ""},
        lines=None,
        actor=users["csr"],
    )

    assert (updated.shipping_method, updated.priority, updated.version) == ("Express", 2, order.version + 1)
    [edited] = events_of(order, "order.edited")
    assert edited.actor == users["csr"]
    assert edited.params["changes"] == [
        {"field": "Priority", "old": "0", "new": "2"},
        {"field": "Shipping method", "old": "Standard", "new": "Express"},
    ]


def test_an_edit_that_changes_nothing_records_nothing(users):
    order = make_order()
    before = state(order)
    order_update(
        order_id=order.pk,
        expected_version=order.version,
        changes={"shipping_method": "Standard"},
        lines=None,
        actor=users["csr"],
    )
    assert state(order) == before


def test_an_address_edit_is_recorded_on_the_timeline(users):
    order = make_order()
    order_update(
        order_id=order.pk,
        expected_version=order.version,
        changes={"shipping_address": NEW_ADDRESS},
        lines=None,
        actor=users["csr"],
    )
    assert fresh(order).shipping_address == NEW_ADDRESS
    [edited] = events_of(order, "order.edited")
    [change] = edited.params["changes"]
    assert change["field"] == "Shipping address"
    assert change["new"] == "9 Quay Street, Bristol, BS1 4DJ, GB"
    assert set(change["old"].split(", ")) == {"12 Harbour Road", "Leeds", "LS1 4AP", "GB"}


def test_an_address_edit_shows_old_and_new_addresses_in_the_same_order(users):
    order = make_order()
    order_update(
        order_id=order.pk,
        expected_version=order.version,
        changes={"shipping_address": NEW_ADDRESS},
        lines=None,
        actor=users["csr"],
    )
    [change] = events_of(order, "order.edited")[0].params["changes"]
    assert change["old"] == "12 Harbour Road, Leeds, LS1 4AP, GB"


def test_replacing_the_lines_recomputes_the_totals_and_records_each_line(
    users, django_capture_on_commit_callbacks
):
    first, second = ProductFactory(), ProductFactory()  # 10.00 with 20% tax
    order = make_order(lines=[LineInput(sku=first.sku, quantity=1)])
    assert order.total == Decimal("12.00")
    changed = []

    def on_lines_changed(sender, order_id, **kwargs):
        changed.append(order_id)

    order_lines_changed.connect(on_lines_changed)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            updated = order_update(
                order_id=order.pk,
                expected_version=order.version,
                changes={},
                lines=[
                    LineInput(sku=first.sku, quantity=3),
                    LineInput(sku=second.sku, quantity=1, unit_price=Decimal("5")),
                ],
                actor=users["csr"],
            )
    finally:
        order_lines_changed.disconnect(on_lines_changed)

    # 3 x 10.00 + 1 x 5.00 = 35.00, tax 20% = 7.00
    assert (updated.subtotal, updated.tax_total, updated.total) == (
        Decimal("35.00"),
        Decimal("7.00"),
        Decimal("42.00"),
    )
    assert list(OrderLine.objects.filter(order=order).values_list("sku", "quantity")) == [
        (first.sku, 3),
        (second.sku, 1),
    ]
    [edited] = events_of(order, "order.edited")
    assert edited.params["changes"] == [
        {"field": f"Line {first.sku}", "old": "1 × 10.00", "new": "3 × 10.00"},
        {"field": f"Line {second.sku}", "old": "", "new": "1 × 5.00"},
    ]
    assert changed == [order.pk]


def test_replacing_the_lines_with_invalid_ones_is_refused_and_changes_nothing(users):
    order = make_order()
    before = state(order)
    with pytest.raises(OrderInvalid):
        order_update(
            order_id=order.pk,
            expected_version=order.version,
            changes={"notes": "more"},
            lines=[LineInput(sku="X", quantity=0)],
            actor=users["csr"],
        )
    assert state(order) == before


@pytest.mark.parametrize(
    ("changes", "lines", "refused"),
    [
        ({}, [LineInput(sku="SKU-REPLACED", quantity=2)], "lines"),
        ({"delivery_fee": Decimal("3.00")}, None, "Delivery fee"),
        ({"payment_method": "card"}, None, "Payment method"),
    ],
    ids=["lines", "delivery fee", "payment method"],
)
@pytest.mark.parametrize("stage", [S.PICKING, S.PICKED, S.PACKED])
def test_lines_and_prices_are_locked_from_picking_on(users, stage, changes, lines, refused):
    order = put_in(make_order(), stage)
    before = state(order)

    with pytest.raises(OrderError) as refusal:
        order_update(
            order_id=order.pk,
            expected_version=order.version,
            changes=changes,
            lines=lines,
            actor=users["csr"],
        )

    assert (
        str(refusal.value)
        == f"{order.display_number} is {order.status.label}: you cannot change {refused} now."
    )
    assert state(order) == before


def test_the_address_may_still_change_while_picking(users):
    order = put_in(make_order(), S.PICKING)
    order_update(
        order_id=order.pk,
        expected_version=order.version,
        changes={"shipping_address": NEW_ADDRESS, "shipping_method": "Express"},
        lines=None,
        actor=users["csr"],
    )
    assert (fresh(order).shipping_address, fresh(order).shipping_method) == (NEW_ADDRESS, "Express")


@pytest.mark.parametrize("stage", [S.SHIPPED, S.DELIVERED, S.CANCELLED, S.RETURNED])
def test_the_address_is_locked_once_shipped(users, stage):
    order = put_in(make_order(), stage)
    before = state(order)

    with pytest.raises(OrderError, match="you cannot change Shipping address now"):
        order_update(
            order_id=order.pk,
            expected_version=order.version,
            changes={"shipping_address": NEW_ADDRESS},
            lines=None,
            actor=users["manager"],
        )

    assert state(order) == before
    assert editable_fields(fresh(order), users["superadmin"]) == set()


@pytest.mark.parametrize("role", ["warehouse", "agent", "viewer"])
def test_a_role_without_change_order_can_change_nothing(users, role):
    order = make_order()
    assert editable_fields(fresh(order), users[role]) == set()
    before = state(order)
    with pytest.raises(OrderError, match="you cannot change Notes now"):
        order_update(
            order_id=order.pk,
            expected_version=order.version,
            changes={"notes": "hi"},
            lines=None,
            actor=users[role],
        )
    assert state(order) == before


def test_a_csr_edits_prices_and_lines_before_picking(users):
    fields = editable_fields(fresh(make_order()), users["csr"])
    assert {"lines", "delivery_fee", "payment_method", "shipping_address", "assigned_agent"} <= fields


# Assignment and notes ------------------------------------------------------------------------------


def test_assigning_the_csr_and_the_agent_records_each_assignment(users):
    order = make_order()
    csr, agent = users["csr"], users["agent"]

    order_assign(order_id=order.pk, actor=users["manager"], csr=csr, agent=agent)

    order = fresh(order)
    assert (order.assigned_csr, order.assigned_agent, order.version) == (csr, agent, 2)
    assigned = events_of(order, "order.assigned")
    assert [(e.params["role"], e.params["old"], e.params["new"]) for e in assigned] == [
        ("CSR", "", str(csr)),
        ("Delivery agent", "", str(agent)),
    ]
    assert {event.actor for event in assigned} == {users["manager"]}


def test_assigning_the_same_person_again_records_nothing_and_none_unassigns(users):
    order = make_order()
    agent = users["agent"]
    order_assign(order_id=order.pk, actor=users["csr"], agent=agent)
    order_assign(order_id=order.pk, actor=users["csr"], agent=agent)
    assert len(events_of(order, "order.assigned")) == 1

    order_assign(order_id=order.pk, actor=users["csr"], agent=None)

    assert fresh(order).assigned_agent is None
    last = events_of(order, "order.assigned")[-1]
    assert (last.params["old"], last.params["new"]) == (str(agent), "")


@pytest.mark.parametrize("role", ["warehouse", "agent", "viewer"])
def test_only_roles_that_may_assign_can_assign(users, role):
    order = make_order()
    before = state(order)
    with pytest.raises(OrderError, match="You may not assign orders"):
        order_assign(order_id=order.pk, actor=users[role], agent=users["agent"])
    assert state(order) == before


def test_a_note_lands_on_the_timeline_with_its_author(users):
    order = make_order()
    order_note_add(order_id=order.pk, actor=users["agent"], text="  Gate code 4411  ")
    [note] = events_of(order, "note.added")
    assert (note.params["text"], note.actor) == ("Gate code 4411", users["agent"])
    [entry] = [entry for entry in order_timeline(order) if entry.type == "note.added"]
    assert entry.actor == str(users["agent"])


def test_an_empty_note_or_one_from_a_viewer_is_refused(users):
    order = make_order()
    with pytest.raises(OrderError, match="cannot be empty"):
        order_note_add(order_id=order.pk, actor=users["csr"], text="   ")
    with pytest.raises(OrderError, match="may not add notes"):
        order_note_add(order_id=order.pk, actor=users["viewer"], text="hello")
    assert events_of(order, "note.added") == []


# Soft delete and restore ---------------------------------------------------------------------------


def test_a_soft_deleted_order_disappears_for_everyone_but_the_superadmins_deleted_tab(users):
    order = make_order()
    order_assign(order_id=order.pk, actor=users["manager"], agent=users["agent"])
    assert all(orders_visible_to(users[role]).filter(pk=order.pk).exists() for role in ROLES)

    order_soft_delete(order_id=order.pk, actor=users["manager"], reason="test order")

    assert Order.objects.filter(pk=order.pk).exists(), "soft delete must not remove the row"
    for role in ROLES:
        assert not orders_visible_to(users[role]).filter(pk=order.pk).exists(), role
    assert list(orders_visible_to(users["superadmin"], deleted=True)) == [fresh(order)]
    for role in ROLES[1:]:
        assert not orders_visible_to(users[role], deleted=True).exists(), role
    deleted = fresh(order)
    assert (deleted.deleted_by, deleted.delete_reason, deleted.deleted_at is not None) == (
        users["manager"],
        "test order",
        True,
    )


@pytest.mark.parametrize("role", ["csr", "warehouse", "agent", "viewer"])
def test_only_managers_and_superadmins_may_soft_delete(users, role):
    order = make_order()
    with pytest.raises(OrderError, match="You may not delete orders"):
        order_soft_delete(order_id=order.pk, actor=users[role], reason="oops")
    assert not fresh(order).is_deleted


def test_a_soft_delete_needs_a_reason(users):
    order = make_order()
    with pytest.raises(OrderError, match="Say why"):
        order_soft_delete(order_id=order.pk, actor=users["manager"], reason="  ")
    assert not fresh(order).is_deleted


def test_only_a_superadmin_restores_and_both_steps_are_on_the_timeline(users):
    order = make_order()
    order_soft_delete(order_id=order.pk, actor=users["manager"], reason="duplicate of another")

    with pytest.raises(OrderError, match="Only a superadmin"):
        order_restore(order_id=order.pk, actor=users["manager"])
    assert fresh(order).is_deleted

    order_restore(order_id=order.pk, actor=users["superadmin"])

    restored = fresh(order)
    assert (restored.is_deleted, restored.deleted_at, restored.deleted_by, restored.delete_reason) == (
        False,
        None,
        None,
        "",
    )
    assert orders_visible_to(users["csr"]).filter(pk=order.pk).exists()
    timeline = order_timeline(restored)
    assert [(entry.type, entry.actor) for entry in timeline] == [
        ("order.restored", str(users["superadmin"])),
        ("order.deleted", str(users["manager"])),
        ("stock.allocation", "Stock"),
        ("order.created", "tests"),
    ]
    assert timeline[1].params == {"reason": "duplicate of another"}


# The timeline and database-level changes ---------------------------------------------------------------


def status_entries(order: Order) -> list:
    return [entry for entry in order_timeline(fresh(order)) if entry.is_status_change]


@pytest.mark.django_db(transaction=True)
def test_a_bulk_status_update_outside_the_services_still_reaches_the_timeline():
    # Transactional: each service commits its own transaction, as it does in a request.
    order = make_order()

    Order.objects.filter(pk=order.pk).update(status=builtin_status(S.PICKING))

    [entry] = status_entries(order)
    assert (entry.type, entry.from_database, entry.actor) == (
        "database.changed",
        True,
        "Database (outside the application's services)",
    )
    assert {"field": "Status", "old": "Processing", "new": "Picking"} in entry.params["changes"]
    assert "database change" in entry.html and "Processing" in entry.html


@pytest.mark.django_db(transaction=True)
def test_a_service_transition_appears_once_on_the_timeline(make_user):
    user = make_user("superadmin", username="timeline-superadmin")
    order = make_order()
    Order.objects.filter(pk=order.pk).update(priority=3)  # an unexplained change before the service's

    order_transition(order_id=order.pk, to=builtin_status(S.PICKING), actor=user, reason="wave 1")

    timeline = order_timeline(fresh(order))
    [status_entry] = [entry for entry in timeline if entry.is_status_change]
    assert (status_entry.type, status_entry.from_database, status_entry.actor) == (
        "status.changed",
        False,
        str(user),
    )
    assert (status_entry.params["old"], status_entry.params["new"]) == ("Processing", "Picking")
    database_entries = [entry for entry in timeline if entry.from_database]
    assert [entry.params["changes"] for entry in database_entries] == [
        [{"field": "Priority", "old": "0", "new": "3"}]
    ]
    # Newest first. (Other apps may add their own entries, such as stock allocations, in between.)
    ours = {"status.changed", "database.changed", "order.created"}
    assert [entry.type for entry in timeline if entry.type in ours] == [
        "status.changed",
        "database.changed",
        "order.created",
    ]


def test_a_bulk_update_after_a_service_call_in_the_same_transaction_still_reaches_the_timeline():
    with transaction.atomic():
        order = make_order()
        Order.objects.filter(pk=order.pk).update(status=builtin_status(S.PICKING))
    assert [entry.type for entry in status_entries(order)] == ["database.changed"]


# Who sees which orders ----------------------------------------------------------------------------


def test_an_agent_sees_only_the_orders_assigned_to_them_and_a_viewer_sees_every_live_one(users, make_user):
    mine, theirs, nobodys = make_order(), make_order(), make_order()
    other_agent = make_user("agent")
    order_assign(order_id=mine.pk, actor=Actor.system(), agent=users["agent"])
    order_assign(order_id=theirs.pk, actor=Actor.system(), agent=other_agent)
    deleted = make_order()
    order_soft_delete(order_id=deleted.pk, actor=users["manager"], reason="test")

    assert set(orders_visible_to(users["agent"])) == {fresh(mine)}
    assert set(orders_visible_to(other_agent)) == {fresh(theirs)}
    expected = {fresh(mine), fresh(theirs), fresh(nobodys)}
    for role in ("viewer", "warehouse", "csr", "manager", "superadmin"):
        assert set(orders_visible_to(users[role])) == expected, role


def test_a_user_without_a_role_or_inactive_sees_nothing(users, make_user):
    make_order()
    users["viewer"].is_active = False
    assert not orders_visible_to(make_user(None)).exists()
    assert not orders_visible_to(users["viewer"]).exists()


# Search ----------------------------------------------------------------------------------------------


@pytest.fixture
def searchable():
    """One order with every searchable detail set, and two that share none of them."""
    customer = CustomerFactory(
        name="Marguerite Oyelaran", email="m.oyelaran@example.org", phone="+44 20 7946 0958"
    )
    widget = ProductFactory(sku="WIDGET-XL")
    target = make_order(
        customer=customer,
        lines=[LineInput(sku=widget.sku, quantity=1)],
        channel_order_number="#1042-SHOP",
        po_number="PO-7781",
    )
    for name, email, phone in [
        ("Tobias Lindqvist", "tobias@example.net", "+1 555 010 2233"),
        ("Ana Souza", "ana.souza@example.com", "+351 21 000 1111"),
    ]:
        make_order(customer=CustomerFactory(name=name, email=email, phone=phone), po_number="PO-1000")
    return target


@pytest.mark.parametrize(
    "term",
    [
        "{number}",
        "PL-{number}",
        "pl-{number}",
        "#1042-SHOP",
        "Margu",
        "marguerite oyel",
        "OYELARAN",
        "m.oyelaran@example.org",
        "+44 20 7946 0958",
        "442079460958",
        "7946 0958",
        "WIDGET-XL",
        "widget",
        "PO-7781",
    ],
)
def test_search_finds_an_order_by_any_of_its_details(users, searchable, term):
    term = term.format(number=searchable.number)
    found = search_orders(orders_visible_to(users["viewer"]), term)
    assert list(found) == [fresh(searchable)]


def test_search_for_something_no_order_has_finds_nothing_and_an_empty_term_finds_everything(
    users, searchable
):
    visible = orders_visible_to(users["viewer"])
    assert list(search_orders(visible, "Zebedee")) == []
    assert list(search_orders(visible, "PL-999999999")) == []
    assert search_orders(visible, "   ").count() == 3


def test_search_never_widens_what_the_user_may_see(users, searchable):
    assert list(search_orders(orders_visible_to(users["agent"]), "Marguerite")) == []


# Tab counts ------------------------------------------------------------------------------------------


def test_tab_counts_are_capped_and_made_in_one_query(users, monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    for _ in range(5):
        make_order()
    for _ in range(2):
        order_cancel(order_id=make_order().pk, actor=Actor.system(), reason="test")
    order_soft_delete(order_id=make_order().pk, actor=users["manager"], reason="test")
    superadmin = users["superadmin"]

    with django_assert_num_queries(1):
        counts = tab_counts(superadmin)

    assert counts == {
        "all": 4,  # 7 live orders, counted up to COUNT_CAP + 1
        "due_today": 0,  # none has a ship-by (tests/orders/test_ship_by_list.py counts them)
        "late": 0,
        **{stage.value: 0 for stage in Stage},
        "processing": 4,  # 6 (the deleted one does not count)
        "cancelled": 2,
        "deleted": 1,
    }


def test_tab_counts_follow_what_the_user_may_see(users, monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    mine = make_order()
    make_order()
    order_assign(order_id=mine.pk, actor=Actor.system(), agent=users["agent"])
    manager, agent = users["manager"], users["agent"]
    for user in (manager, agent):
        user.get_all_permissions()  # permissions are loaded once per user, as in a request

    with django_assert_num_queries(1):
        manager_counts = tab_counts(manager)
    with django_assert_num_queries(1):
        agent_counts = tab_counts(agent)

    assert "deleted" not in manager_counts
    assert (manager_counts["all"], manager_counts["processing"]) == (2, 2)
    assert (agent_counts["all"], agent_counts["processing"]) == (1, 1)


# Keyset paging -----------------------------------------------------------------------------------


@pytest.fixture
def seven_orders():
    """Seven orders with ties in both date and total, so the id decides between equals."""
    base = timezone.now() - timedelta(days=1)
    orders = []
    for quantity, minutes in [(2, 0), (1, 1), (3, 1), (2, 2), (5, 3), (1, 3), (4, 3)]:
        order = make_order(lines=[LineInput(sku=ProductFactory().sku, quantity=quantity)])
        Order.objects.filter(pk=order.pk).update(created_at=base + timedelta(minutes=minutes))
        orders.append(fresh(order))
    return orders


SORT_KEYS = {
    "-created": (lambda order: (order.created_at, order.pk), True),
    "created": (lambda order: (order.created_at, order.pk), False),
    "-total": (lambda order: (order.total, order.pk), True),
    "number": (lambda order: (order.number, order.pk), False),
}


@pytest.mark.parametrize("sort", SORT_KEYS)
def test_walking_the_pages_visits_every_order_once_in_order_and_back(users, seven_orders, sort):
    key, reverse = SORT_KEYS[sort]
    expected = [order.pk for order in sorted(seven_orders, key=key, reverse=reverse)]
    orders = orders_visible_to(users["superadmin"]).filter(pk__in=expected)

    pages = [keyset_page(orders, sort=sort, size=3)]
    while pages[-1].next_cursor:
        assert len(pages) < 5, "the cursors never reach the end"
        pages.append(keyset_page(orders, sort=sort, after=pages[-1].next_cursor, size=3))

    assert [[order.pk for order in page.rows] for page in pages] == [
        expected[0:3],
        expected[3:6],
        expected[6:7],
    ]
    assert pages[0].previous_cursor is None
    for earlier, later in itertools.pairwise(pages):
        back = keyset_page(orders, sort=sort, before=later.previous_cursor, size=3)
        assert [order.pk for order in back.rows] == [order.pk for order in earlier.rows]
    first_again = keyset_page(orders, sort=sort, before=pages[1].previous_cursor, size=3)
    assert first_again.previous_cursor is None
    assert first_again.next_cursor == pages[0].next_cursor


def test_a_garbled_cursor_starts_from_the_first_page(users, seven_orders):
    orders = orders_visible_to(users["superadmin"]).filter(pk__in=[order.pk for order in seven_orders])
    first = keyset_page(orders, sort="-created", size=3)
    assert [o.pk for o in keyset_page(orders, sort="-created", after="not-a-cursor", size=3).rows] == [
        o.pk for o in first.rows
    ]
