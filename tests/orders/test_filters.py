"""The order list's filters (orders/filters.py)."""

import pytest
from django.http import QueryDict

from orders.filters import OrderFilter
from orders.selectors import orders_visible_to
from tests.factories import make_order

pytestmark = pytest.mark.django_db


def matching(user, query: str) -> set[int]:
    filters = OrderFilter(QueryDict(query), queryset=orders_visible_to(user))
    assert filters.is_valid()
    return set(filters.qs.values_list("pk", flat=True))


def test_the_tag_filter_finds_the_orders_with_that_tag_and_never_those_without_tags(users):
    both, gift, untagged = make_order(tags=["vip", "gift"]), make_order(tags=["gift"]), make_order()
    manager = users["manager"]
    assert matching(manager, "tags=gift") == {both.pk, gift.pk}
    assert matching(manager, "tags=vip") == {both.pk}
    assert matching(manager, "tags=lounge") == set()
    assert untagged.pk in matching(manager, "")
