"""Saved views of the order list (orders/services/saved_views.py): a user names the current filter, it
becomes a tab of theirs; rename, delete; only their own; bad names refused with a clear error."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from orders.services.list_columns import order_columns_set
from orders.services.saved_views import (
    NAME_MAX,
    VIEWS_MAX,
    saved_view_create,
    saved_view_delete,
    saved_view_rename,
    saved_views,
)

pytestmark = pytest.mark.django_db


def stored(user):
    user.refresh_from_db()
    return saved_views(user)


def test_a_saved_view_becomes_a_tab_with_its_filter(client, users):
    manager = users["manager"]
    client.force_login(manager)
    response = client.post(
        reverse("orders:view_create"),
        {
            "name": "  Late   express ",
            "query": "tab=late&q=&sort=ship_by&after=2026-01-01T00:00:00%2B00:00|3",
        },
    )
    (view,) = stored(manager)
    assert view["name"] == "Late express"
    assert view["query"] == "sort=ship_by&tab=late"  # no page cursor, no empty filter
    assert response.status_code == 302 and response.url == f"/orders/?sort=ship_by&tab=late&view={view['id']}"

    page = client.get(response.url).content.decode()
    assert 'data-testid="saved-view-tab"' in page and "Late express" in page
    assert f'data-view="{view["id"]}"' in page
    tab = page.split(f'data-view="{view["id"]}"')[0].rsplit("<a", 1)[1]
    assert "active" in tab
    # The other user does not see it.
    client.force_login(users["csr"])
    assert "Late express" not in client.get(reverse("orders:list")).content.decode()


def test_rename_and_delete(client, users):
    manager = users["manager"]
    client.force_login(manager)
    view = saved_view_create(user=manager, name="Mine", query="tab=late")
    client.post(reverse("orders:view_rename", args=[view["id"]]), {"name": "Overdue"})
    assert [v["name"] for v in stored(manager)] == ["Overdue"]
    client.post(reverse("orders:view_delete", args=[view["id"]]))
    assert stored(manager) == []


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Give the view a name."),
        ("   ", "Give the view a name."),
        ("x" * (NAME_MAX + 1), f"at most {NAME_MAX} characters"),
        ("late", "You have a view named “late” already"),
    ],
)
def test_bad_names_are_refused_with_a_clear_error_and_nothing_saved(client, users, name, message):
    manager = users["manager"]
    saved_view_create(user=manager, name="Late", query="tab=late")
    client.force_login(manager)
    response = client.post(
        reverse("orders:view_create"), {"name": name, "query": "tab=due_today"}, follow=True
    )
    assert message in response.content.decode()
    assert [v["name"] for v in stored(manager)] == ["Late"]
    with pytest.raises(ValidationError, match=message[:15]):
        saved_view_create(user=manager, name=name, query="tab=all")


def test_renaming_to_another_views_name_is_refused_but_to_its_own_is_fine(users):
    manager = users["manager"]
    first = saved_view_create(user=manager, name="One", query="tab=late")
    saved_view_create(user=manager, name="Two", query="tab=all")
    with pytest.raises(ValidationError, match="named “two” already"):
        saved_view_rename(user=manager, view_id=first["id"], name="two")
    assert saved_view_rename(user=manager, view_id=first["id"], name="ONE")["name"] == "ONE"
    assert [v["name"] for v in stored(manager)] == ["ONE", "Two"]


def test_only_the_users_own_views_can_be_changed(client, users):
    theirs = saved_view_create(user=users["csr"], name="CSR view", query="tab=late")
    client.force_login(users["manager"])
    response = client.post(reverse("orders:view_delete", args=[theirs["id"]]), follow=True)
    assert "You have no such view" in response.content.decode()
    client.post(reverse("orders:view_rename", args=[theirs["id"]]), {"name": "Hijacked"})
    assert [v["name"] for v in stored(users["csr"])] == ["CSR view"]


def test_a_user_has_at_most_so_many_views(users):
    manager = users["manager"]
    for i in range(VIEWS_MAX):
        saved_view_create(user=manager, name=f"View {i}", query="tab=all")
    with pytest.raises(ValidationError, match="delete one first"):
        saved_view_create(user=manager, name="One more", query="tab=all")
    assert len(stored(manager)) == VIEWS_MAX


def test_views_and_chosen_columns_live_side_by_side_on_the_user(users):
    manager = users["manager"]
    order_columns_set(user=manager, columns=["total"])
    saved_view_create(user=manager, name="Late", query="tab=late")
    order_columns_set(user=manager, columns=["total", "ship_by"])
    manager.refresh_from_db()
    assert manager.list_preferences["order_columns"] == ["ship_by", "total"]
    assert [v["name"] for v in saved_views(manager)] == ["Late"]
    saved_view_delete(user=manager, view_id=saved_views(manager)[0]["id"])
    manager.refresh_from_db()
    assert manager.list_preferences["order_columns"] == ["ship_by", "total"]
