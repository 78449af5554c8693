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


def test_every_filter_select_names_its_empty_choice_instead_of_dashes(users):
    controls = {
        control["name"]: control["options"][0]
        for control in OrderFilter(QueryDict(""), queryset=orders_visible_to(users["manager"])).controls()
        if control["kind"] == "select"
    }
    assert controls == {
        "channel": ("", "Any channel", True),
        "status": ("", "Any status", True),
        "payment_method": ("", "Any payment", True),
        "assigned_csr": ("", "Any CSR", True),
        "assigned_agent": ("", "Any agent", True),
        "warehouse": ("", "Any warehouse", True),
        "has_hold": ("", "Held or not", True),
        "ship_by": ("", "Any ship-by", True),
        "stock": ("", "Any stock", True),
    }


def test_the_order_list_page_shows_the_empty_labels_and_keeps_a_chosen_filter(client, users):
    client.force_login(users["manager"])
    page = client.get("/orders/").content.decode()
    assert "---------" not in page
    assert '<option value="" selected>Any status</option>' in page
    chosen = client.get("/orders/?payment_method=cash").content.decode()
    assert '<option value="">Any payment</option>' in chosen
    assert '<option value="cash" selected>' in chosen
