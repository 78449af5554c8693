"""Saved views of the order list: a user names the list's current filter and it becomes a tab of theirs.
Remembered on the user (User.list_preferences, key "order_views", a list of {"id", "name", "query"}), so
each user sees and changes only their own."""

from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import QueryDict

KEY = "order_views"
NAME_MAX = 40
VIEWS_MAX = 20
QUERY_MAX = 1000
# What a view keeps of the list's query string: the tab, the filters and the sort, never a page cursor.
DROPPED = frozenset({"after", "before", "view"})


def saved_views(user) -> list[dict]:
    """The user's views, as saved."""
    return _views_in(getattr(user, "list_preferences", None) or {})


def _views_in(preferences: dict) -> list[dict]:
    """The views in a user's preferences (a list with anything else in it counts as none)."""
    views = preferences.get(KEY) if isinstance(preferences, dict) else None
    if not isinstance(views, list):
        return []
    return [view for view in views if isinstance(view, dict) and {"id", "name", "query"} <= view.keys()]


def view_query(query: str) -> str:
    """The part of the list's query string a view keeps, in a stable order; empty values left out."""
    data = QueryDict(query)
    kept = sorted(
        (key, value) for key in data if key not in DROPPED for value in data.getlist(key) if value.strip()
    )
    return urlencode(kept)


def _clean_name(name: str, views: list[dict], *, other_than: int | None = None) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError("Give the view a name.")
    if len(name) > NAME_MAX:
        raise ValidationError(f"A view's name is at most {NAME_MAX} characters ({len(name)} given).")
    if any(view["name"].casefold() == name.casefold() and view["id"] != other_than for view in views):
        raise ValidationError(f"You have a view named “{name}” already; choose another name.")
    return name


def _update(user, change) -> list[dict]:
    """Apply `change(views) -> views` to the user's views with their row locked; other preferences in
    the same field stay as they are, even if saved meanwhile. Nothing is written when `change` raises."""
    User = get_user_model()
    with transaction.atomic():
        preferences = (
            User.objects.select_for_update().values_list("list_preferences", flat=True).get(pk=user.pk)
        ) or {}
        views = change(_views_in(preferences))
        preferences = {**preferences, KEY: views}
        User.objects.filter(pk=user.pk).update(list_preferences=preferences)
    user.list_preferences = preferences
    return views


def saved_view_create(*, user, name: str, query: str) -> dict:
    """Save the list's current filter (`query`, its query string) under `name` for this user."""
    kept = view_query(query)
    if len(kept) > QUERY_MAX:
        raise ValidationError(f"This filter is too long to save (at most {QUERY_MAX} characters).")
    created = {}

    def change(views):
        if len(views) >= VIEWS_MAX:
            raise ValidationError(f"You have {VIEWS_MAX} views already; delete one first.")
        created.update(
            id=max((view["id"] for view in views), default=0) + 1, name=_clean_name(name, views), query=kept
        )
        return [*views, created]

    _update(user, change)
    return created


def _find(views: list[dict], view_id: int) -> dict:
    for view in views:
        if view["id"] == view_id:
            return view
    raise ValidationError("You have no such view (deleted meanwhile?).")


def saved_view_rename(*, user, view_id: int, name: str) -> dict:
    renamed = {}

    def change(views):
        view = _find(views, view_id)
        renamed.update(view, name=_clean_name(name, views, other_than=view_id))
        return [renamed if other["id"] == view_id else other for other in views]

    _update(user, change)
    return renamed


def saved_view_delete(*, user, view_id: int) -> None:
    def change(views):
        _find(views, view_id)
        return [view for view in views if view["id"] != view_id]

    _update(user, change)
