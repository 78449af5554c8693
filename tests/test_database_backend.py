"""The database backend (config/postgresql): statements a connection repeats are prepared, and the
context that pghistory and pgtrigger put in front of a statement still reaches PostgreSQL."""

import pghistory
import pgtrigger
import pytest
from django.apps import apps
from django.db import connection, transaction

from orders.models import Order
from tests.factories import make_order

pytestmark = pytest.mark.django_db
STAGE_TRIGGER = "orders.Order:order_stage_follows_status"


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_a_query_the_connection_repeats_is_prepared_once_and_planned_no_more():
    order = make_order()
    for _ in range(6):
        assert Order.objects.filter(number=order.number).values_list("pk", flat=True).get() == order.pk
    repeated = [sql for sql in prepared_statements() if '"orders_order"."number" = $1' in sql]
    assert len(repeated) == 1


def test_pghistory_context_reaches_the_database_with_positional_parameters():
    order = make_order()
    with transaction.atomic(), pghistory.context(user=42), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE orders_order SET po_number = %s WHERE id = %s "
            "RETURNING po_number, current_setting('pghistory.context_metadata', true)",
            ["PO-1", order.pk],
        )
        po_number, metadata = cursor.fetchone()
    assert po_number == "PO-1"
    assert '"user": 42' in metadata


def test_pghistory_context_reaches_the_database_with_named_parameters():
    order = make_order()
    with transaction.atomic(), pghistory.context(user=7), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE orders_order SET po_number = %(po)s WHERE id = %(pk)s "
            "RETURNING po_number, current_setting('pghistory.context_metadata', true)",
            {"po": "PO-2", "pk": order.pk},
        )
        po_number, metadata = cursor.fetchone()
    assert po_number == "PO-2"
    assert '"user": 7' in metadata


def test_both_contexts_at_once_reach_the_database():
    order = make_order()
    with (
        transaction.atomic(),
        pghistory.context(user=3),
        pgtrigger.ignore(STAGE_TRIGGER),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE orders_order SET po_number = %s WHERE id = %s RETURNING po_number, "
            "current_setting('pgtrigger.ignore', true), current_setting('pghistory.context_metadata', true)",
            ["PO-3", order.pk],
        )
        po_number, ignored, metadata = cursor.fetchone()
    assert po_number == "PO-3"
    assert "order_stage_follows_status" in ignored
    assert '"user": 3' in metadata


def test_a_statement_that_cannot_update_goes_without_pghistorys_context():
    """An INSERT fires no history trigger: its context would cost a round trip for nothing."""
    order = make_order()
    with transaction.atomic(), pghistory.context(user=5), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO orders_orderevent (order_id, type, params, actor_kind, actor_label, created_at) "
            "VALUES (%s, 'note.added', '{}', 'system', '', now()) "
            "RETURNING current_setting('pghistory.context_metadata', true)",
            [order.pk],
        )
        assert not cursor.fetchone()[0]
        cursor.execute(  # an update inside a CTE still carries it
            "WITH changed AS (UPDATE orders_order SET po_number = %s WHERE id = %s RETURNING id) "
            "SELECT current_setting('pghistory.context_metadata', true) FROM changed",
            ["PO-4", order.pk],
        )
        assert '"user": 5' in cursor.fetchone()[0]


def test_every_history_tracker_records_updates_only():
    """config/postgresql/base.py sends pghistory's context only with statements that may update: a
    tracker of inserts or deletes would need it on those too."""
    trackers = [
        (model.__name__, trigger.name, str(trigger.operation))
        for model, trigger in pgtrigger.registered()
        if type(trigger).__module__.startswith("pghistory")
    ]
    assert trackers and all(operation == "UPDATE" for _model, _name, operation in trackers), trackers


def test_a_change_outside_the_services_is_recorded_with_the_user_in_its_context(users):
    order = make_order()
    with pghistory.context(user=users["manager"].pk):
        Order.objects.filter(pk=order.pk).update(priority=1)
    snapshot = (
        apps.get_model("orders", "OrderSnapshot")
        .objects.filter(pgh_obj_id=order.pk)
        .select_related("pgh_context")
        .last()
    )
    assert snapshot is not None
    assert snapshot.pgh_context.metadata["user"] == users["manager"].pk
