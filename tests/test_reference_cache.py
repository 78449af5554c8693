"""Reference data kept in the process (config/reference_cache.py): served without reading its table
while nothing changed, and read again as soon as a change commits, whoever made it."""

import psycopg
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from orders.models import HoldRule
from orders.reference import order_reference
from tests.factories import make_order

pytestmark = pytest.mark.django_db(transaction=True)


def _elsewhere(sql: str, params=()) -> None:
    """A change committed by another process: its own connection, outside this test's."""
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"] or None, port=settings["PORT"] or None, user=settings["USER"],
        password=settings["PASSWORD"] or None, dbname=settings["NAME"], autocommit=True,
    ) as other:  # fmt: skip
        other.execute(sql, params)


def _rule_names() -> list[str]:
    return [rule.name for rule in order_reference().hold_rules]


GENERATION = "SELECT value FROM packline_reference_generation"


def test_a_kept_value_costs_one_small_query_instead_of_its_tables():
    order_reference()
    with CaptureQueriesContext(connection) as queries:
        known = order_reference()
    assert known.builtin["on_hold"].code == "on-hold" and known.channel("manual").code == "manual"
    assert [query["sql"] for query in queries] == [GENERATION]


def test_creating_an_order_checks_the_kept_reference_data_once():
    make_order()  # the first one reads the tables
    with CaptureQueriesContext(connection) as queries:
        held = make_order(shipping_method="")  # the checks, the rules, two statuses
        ready = make_order()  # and its ship-by
    assert held.status.code == "on-hold" and ready.status.code == "processing"
    assert sum(query["sql"] == GENERATION for query in queries) == 2


def test_a_change_another_process_commits_is_read_at_once():
    HoldRule.objects.create(name="Big", field="total_over", value="100", reason="check")
    assert _rule_names() == ["Big"]
    _elsewhere(
        "INSERT INTO orders_holdrule (name, field, value, reason, active, position, created_at) "
        "VALUES ('Export', 'country', 'US', 'customs', true, 1, now())"
    )
    assert _rule_names() == ["Big", "Export"]
    _elsewhere("UPDATE orders_status SET label = 'Paused' WHERE code = 'on-hold'")
    assert order_reference().builtin["on_hold"].label == "Paused"


def test_what_a_rolled_back_transaction_read_is_not_kept():
    assert _rule_names() == []
    with pytest.raises(RuntimeError), transaction.atomic():
        HoldRule.objects.create(name="Tentative", field="total_over", value="1", reason="check")
        assert _rule_names() == ["Tentative"]  # the transaction sees its own change
        raise RuntimeError("rolled back")
    assert _rule_names() == []


def test_a_role_taken_away_elsewhere_takes_its_permissions_at_the_next_request(make_user):
    csr = make_user("csr")
    assert get_user_model().objects.get(pk=csr.pk).has_perm("orders.add_order")
    group = Group.objects.get(name="csr")
    _elsewhere("DELETE FROM accounts_user_groups WHERE user_id = %s AND group_id = %s", (csr.pk, group.pk))
    assert not get_user_model().objects.get(pk=csr.pk).has_perm("orders.add_order")
    _elsewhere("INSERT INTO accounts_user_groups (user_id, group_id) VALUES (%s, %s)", (csr.pk, group.pk))
    assert get_user_model().objects.get(pk=csr.pk).has_perm("orders.add_order")
