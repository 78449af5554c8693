"""The order search index's pending list: 32 MB, merged by beat every minute rather than inside a
user's write (config/postgresql/gin.py), with search finding an order whether its words are still
pending or merged."""

import pytest
from django.db import connection

from config.celery import app
from config.postgresql.gin import gin_pending_list_merge
from orders.models import Customer, Order
from orders.models.order import SEARCH_INDEX
from orders.selectors import search_orders
from orders.tasks import merge_search_index
from tests.factories import make_order

pytestmark = pytest.mark.django_db


def test_the_search_index_keeps_a_pending_list_of_32_mb():
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [SEARCH_INDEX])
        assert cursor.fetchone()[0] == ["gin_pending_list_limit=32768"]


def test_a_new_orders_words_wait_in_the_pending_list_until_merged_and_search_finds_them_either_way():
    gin_pending_list_merge(SEARCH_INDEX)  # what earlier tests left
    assert gin_pending_list_merge(SEARCH_INDEX) == 0

    customer = Customer.objects.create(name="Quentin Zabaleta", email="qz.merge@example.com")
    order = make_order(customer=customer)
    assert list(search_orders(Order.objects.all(), "zabaleta")) == [order]  # read from the pending list

    assert merge_search_index.apply().get() >= 1  # pages merged
    assert gin_pending_list_merge(SEARCH_INDEX) == 0
    assert list(search_orders(Order.objects.all(), "zabaleta")) == [order]  # read from the index itself


def test_beat_merges_the_search_index_every_minute():
    entries = [
        entry for entry in app.conf.beat_schedule.values() if entry["task"] == "orders.search_index_merge"
    ]
    assert [entry["schedule"] for entry in entries] == [60.0]
    assert "orders.search_index_merge" in app.tasks
