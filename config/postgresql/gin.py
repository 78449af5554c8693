"""Merging a GIN index's pending list into the index, on a schedule rather than inside a user's write.

With `fastupdate` (PostgreSQL's default), new entries of a GIN index go to an unsorted pending list,
and the statement that pushes the list past the index's `gin_pending_list_limit` merges the whole list
before it returns. For the order search index, whose every order has about twenty words, a mass change
of 10,000 orders writes about 4.7 MB of entries (a status change rewrites every index entry of the
order) and so paid for a merge of the default 4 MB list inside the job. That index gets a larger list
(orders/models/order.py) and beat merges it every minute (orders/tasks.py), so a user's write rarely
does; autovacuum and VACUUM merge it too. docs/benchmarks.md ("The search index's pending list at
32 MB") has the figures, and what a search costs while the list is long.
"""

from django.db import connection


def gin_pending_list_merge(index: str) -> int:
    """Merge `index`'s pending list into the index; returns the pending pages merged (0: it was empty).
    Other writers go on adding to the list meanwhile: PostgreSQL lets one backend merge at a time. On
    the primary (Django's default connection), since it writes."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
        return cursor.fetchone()[0]
