"""Reads on accounts: the API tokens a user may see and the token a request presents; the people page,
a person's account log and sessions; the sign-in log."""

from datetime import date

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db.models import Q, QuerySet

from accounts.models import AccountEvent, ApiToken, SignInEvent, User, UserSession
from accounts.services.tokens import token_digest
from accounts.two_factor import second_factor_held


def api_tokens_visible_to(user) -> QuerySet[ApiToken]:
    """A user's own tokens; every user's for whoever manages them (superadmins)."""
    tokens = ApiToken.objects.select_related("user", "revoked_by")
    if user.has_perm("accounts.manage_api_tokens"):
        return tokens
    return tokens.filter(user=user)


def api_token_for(plaintext: str) -> ApiToken | None:
    """The token with this plaintext (revoked and expired ones included), or None."""
    if not plaintext or len(plaintext) > 200:
        return None
    return ApiToken.objects.select_related("user").filter(secret_hash=token_digest(plaintext)).first()


def people_list(*, query: str = "", role: str = "", status: str = "") -> QuerySet[User]:
    """Every account for the people page, with what its columns show: role (groups), whether two-factor
    sign-in is on (an authenticator app or a passkey), whether a password was ever chosen. Filters: a name, username or email
    fragment; a role; active, deactivated or invited."""
    people = User.objects.prefetch_related("groups").annotate(has_second_factor=second_factor_held())
    if query:
        people = people.filter(
            Q(username__icontains=query)
            | Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
            | Q(email__icontains=query)
        )
    if role == "superadmin":
        people = people.filter(Q(is_superuser=True) | Q(groups__name=role))
    elif role:
        people = people.filter(groups__name=role, is_superuser=False)
    if status == "active":
        people = people.filter(is_active=True)
    elif status == "deactivated":
        people = people.filter(is_active=False)
    elif status == "invited":
        people = people.filter(password__startswith=UNUSABLE_PASSWORD_PREFIX, last_login__isnull=True)
    return people.distinct().order_by("username")


def person_events(user: User) -> QuerySet[AccountEvent]:
    return AccountEvent.objects.filter(subject=user).select_related("actor")


def sessions_of(user: User) -> QuerySet[UserSession]:
    return UserSession.objects.filter(user=user)


def sign_in_events(
    *,
    kind: str = "",
    username: str = "",
    address: str | None = None,
    since: date | None = None,
    until: date | None = None,
    before: int | None = None,
) -> QuerySet[SignInEvent]:
    """The sign-in log, newest first, filtered (dates are whole days in the site's time zone);
    `before` pages on by id, since the log only grows."""
    events = SignInEvent.objects.select_related("user")
    if since is not None:
        events = events.filter(created_at__date__gte=since)
    if until is not None:
        events = events.filter(created_at__date__lte=until)
    if kind:
        events = events.filter(kind=kind)
    if username:
        events = events.filter(username__iexact=username)
    if address:
        events = events.filter(ip_address=address)
    if before is not None:
        events = events.filter(pk__lt=before)
    return events.order_by("-pk")
