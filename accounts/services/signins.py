"""Writes on the sign-in log: one row per sign-in, failure, lockout, sign-out or second-factor step."""

from django.http import HttpRequest

from accounts.browsers import client_address, client_user_agent
from accounts.models import SignInEvent, User

USERNAME_LENGTH = SignInEvent._meta.get_field("username").max_length


def signin_record(
    *, kind: str, request: HttpRequest | None, user: User | None = None, username: str = ""
) -> SignInEvent:
    """Note a sign-in event. `username` is what was typed (a failure may name no account); it defaults
    to the user's. The request may be None (a sign-in made without one, e.g. a test client's)."""
    if user is not None and not username:
        username = user.get_username()
    return SignInEvent.objects.create(
        kind=kind,
        user=user,
        username=(username or "")[:USERNAME_LENGTH],
        ip_address=client_address(request) if request is not None else None,
        user_agent=client_user_agent(request) if request is not None else "",
    )
