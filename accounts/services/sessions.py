"""Writes on a person's signed-in sessions: the record made at sign-in, its last use, and ending
sessions (the person's others, one of them, or all of them when an account is deactivated)."""

from datetime import datetime
from importlib import import_module

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.browsers import client_address, client_user_agent, device_label
from accounts.models import AccountEvent, User, UserSession

# The session holds the time (epoch seconds) of its last noted use: the middleware compares it with
# SESSION_IDLE_TIMEOUT, and writes it (and the record) at most once per TOUCH_INTERVAL.
SEEN_KEY = "seen_at"
TOUCH_INTERVAL = 60


def _store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def session_record(*, request: HttpRequest, user: User) -> UserSession | None:
    """Note the session a sign-in just made (its key is new: Django cycles it at sign-in)."""
    key = request.session.session_key
    if not key:
        return None
    now = timezone.now()
    request.session[SEEN_KEY] = now.timestamp()
    agent = client_user_agent(request)
    record, _ = UserSession.objects.update_or_create(
        session_key=key,
        defaults={
            "user": user,
            "ip_address": client_address(request),
            "user_agent": agent,
            "device": device_label(agent),
            "last_seen_at": now,
        },
    )
    return record


def session_touch(*, request: HttpRequest, user: User, at: datetime) -> None:
    """Note that the session was used at `at` (the middleware calls this at most once a minute). A
    session signed in before sessions were recorded gets its record now."""
    key = request.session.session_key
    if not key:
        return
    address, agent = client_address(request), client_user_agent(request)
    updated = UserSession.objects.filter(session_key=key, user=user).update(
        last_seen_at=at, ip_address=address
    )
    if not updated:
        UserSession.objects.update_or_create(
            session_key=key,
            defaults={
                "user": user,
                "ip_address": address,
                "user_agent": agent,
                "device": device_label(agent),
                "last_seen_at": at,
            },
        )


def session_forget(*, session_key: str | None) -> None:
    """The session ended (sign-out, idle): its record goes too."""
    if session_key:
        UserSession.objects.filter(session_key=session_key).delete()


@transaction.atomic
def sessions_end(*, user: User, keep: str | None = None, only: int | None = None) -> int:
    """End the user's sessions at once, in the session store and in the list: all of them, all but
    `keep` (the session asking), or the one record `only`. Returns how many ended."""
    records = UserSession.objects.select_for_update().filter(user=user)
    if keep:
        records = records.exclude(session_key=keep)
    if only is not None:
        records = records.filter(pk=only)
    keys = list(records.values_list("session_key", flat=True))
    store = _store()
    for key in keys:
        store(session_key=key).delete()
    records.filter(session_key__in=keys).delete()
    return len(keys)


@transaction.atomic
def sessions_sign_out(*, user: User, keep: str | None = None, only: int | None = None) -> int:
    """The person signs out their other sessions, or one of them; the account log notes it."""
    ended = sessions_end(user=user, keep=keep, only=only)
    if ended:
        AccountEvent.objects.create(
            subject=user, actor=user, kind=AccountEvent.Kind.SESSIONS_ENDED, params={"count": ended}
        )
    return ended
