"""bench/suites/orders.py's query_count: the page's queries as a user sees it all day, whatever finished
jobs of theirs are still to be announced (a page announces at most five, with an UPDATE)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench.suites.orders import query_count
from orders.jobs.models import BulkJob

pytestmark = pytest.mark.django_db


def test_the_count_is_the_pages_all_day_count_with_many_jobs_left_to_announce(client, make_user):
    manager = make_user("manager")
    client.force_login(manager)
    # More than a page announces (five), fewer than two pages do: the first request announces five,
    # the second the other three.
    BulkJob.objects.bulk_create(
        BulkJob(action="hold", selection={"ids": [1]}, created_by=manager, state=BulkJob.State.DONE)
        for _ in range(8)
    )
    url = reverse("orders:list")

    counted = query_count(client, url)

    with CaptureQueriesContext(connection) as later:
        assert client.get(url, secure=True).status_code == 200
    assert counted == len(later.captured_queries)
