"""The order list's "Due today" and "Late" tabs, its "Ship by" column (sortable, empty ones last, keyset
pages that walk every order once either way) and late rows marked with a label, not colour alone."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.models import Order
from orders.selectors import keyset_page
from tests.factories import make_order

pytestmark = pytest.mark.django_db


def numbers(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'href="/orders/(\d+)/"', page)]


def test_late_and_due_today_tabs_show_what_the_querysets_pick(client, users):
    now = timezone.now()
    late = make_order(ship_by=now - timedelta(hours=1))
    later = make_order(ship_by=now + timedelta(days=3))
    undated = make_order()
    client.force_login(users["manager"])

    page = client.get(reverse("orders:list") + "?tab=late").content.decode()
    assert numbers(page) == [late.number]
    assert 'data-tab="late"' in page and 'data-tab="due_today"' in page
    today_ids = set(Order.objects.due_today().values_list("number", flat=True))
    today_page = client.get(reverse("orders:list") + "?tab=due_today").content.decode()
    assert set(numbers(today_page)) == today_ids
    assert later.number not in numbers(today_page) and undated.number not in numbers(today_page)


def test_the_tab_counts_count_late_and_due_today(client, users):
    now = timezone.now()
    for _ in range(2):
        make_order(ship_by=now - timedelta(hours=1))
    make_order(ship_by=now + timedelta(days=3))
    client.force_login(users["manager"])
    page = client.get(reverse("orders:list")).content.decode()
    late_tab = re.search(r'data-tab="late">(.*?)</a>', page, re.S).group(1)
    assert 'text-bg-light">2<' in late_tab


def test_a_late_row_is_highlighted_with_a_label_and_icon(client, users):
    late = make_order(ship_by=timezone.now() - timedelta(hours=1))
    make_order(ship_by=timezone.now() + timedelta(days=3))
    client.force_login(users["manager"])
    page = client.get(reverse("orders:list")).content.decode()
    assert page.count('class="order-late"') == 1
    row = re.search(r'<tr class="order-late"[^>]*>(.*?)</tr>', page, re.S).group(1)
    assert f"/orders/{late.number}/" in row
    assert 'data-testid="row-late"' in row and "bi-alarm-fill" in row and "Late</span>" in row
    assert ">Ship by" in page


def test_the_ship_by_column_can_be_hidden_and_a_late_row_still_says_late(client, users):
    client.force_login(users["manager"])
    late = make_order(ship_by=timezone.now() - timedelta(hours=1))
    client.post(reverse("orders:columns"), {"column": ["total"]})
    page = client.get(reverse("orders:list")).content.decode()
    assert "sort=-ship_by" not in page and "sort=ship_by" not in page  # no Ship by header
    row = re.search(r'<tr class="order-late"[^>]*>(.*?)</tr>', page, re.S).group(1)
    assert f"/orders/{late.number}/" in row and 'data-testid="row-late"' in row


def _walk(orders, sort: str) -> tuple[list[int], list[list[int]]]:
    """Every page forward, then back again from the last one; the ids in order and the pages."""
    pages, after = [], ""
    while True:
        page = keyset_page(orders, sort=sort, after=after, size=2)
        pages.append([o.pk for o in page.rows])
        if not page.next_cursor:
            break
        after = page.next_cursor
        assert len(pages) < 20
    back, before = [pages[-1]], ""
    page = keyset_page(orders, sort=sort, after=after, size=2) if after else None
    before = page.previous_cursor if page else None
    while before:
        page = keyset_page(orders, sort=sort, before=before, size=2)
        back.insert(0, [o.pk for o in page.rows])
        before = page.previous_cursor
        assert len(back) < 20
    return [pk for p in pages for pk in p], back


@pytest.mark.parametrize("sort", ["ship_by", "-ship_by"])
def test_sorting_by_ship_by_puts_empty_ones_last_and_pages_walk_every_order_once(sort):
    now = timezone.now()
    same = now + timedelta(hours=5)
    made = [
        make_order(ship_by=same),
        make_order(),
        make_order(ship_by=now - timedelta(days=1)),
        make_order(ship_by=same),
        make_order(),
        make_order(ship_by=now + timedelta(days=2)),
        make_order(),
    ]
    orders = Order.objects.filter(pk__in=[o.pk for o in made])
    dated = sorted(
        (o for o in made if o.ship_by), key=lambda o: (o.ship_by, o.pk), reverse=sort.startswith("-")
    )
    undated = sorted((o for o in made if not o.ship_by), key=lambda o: o.pk, reverse=sort.startswith("-"))
    expected = [o.pk for o in dated + undated]

    forward, pages = _walk(orders, sort)
    assert forward == expected
    assert [pk for p in pages for pk in p] == expected  # the Previous links walk back over the same pages


def test_the_list_sorts_by_ship_by_through_its_header_and_follows_a_cursor_past_the_empty_ones(client, users):
    now = timezone.now()
    first = make_order(ship_by=now + timedelta(hours=1))
    second = make_order(ship_by=now + timedelta(hours=2))
    undated = make_order()
    client.force_login(users["manager"])
    page = client.get(reverse("orders:list") + "?sort=ship_by").content.decode()
    assert "sort=-ship_by" in page  # the header's link turns the order round
    shown = numbers(page)
    assert shown.index(first.number) < shown.index(second.number) < shown.index(undated.number)
    assert client.get(reverse("orders:list") + f"?sort=ship_by&after=|{undated.pk}").status_code == 200
    bad = client.get(reverse("orders:list") + "?sort=ship_by&after=2026-01-01T00:00:00|1")
    assert bad.status_code == 400
