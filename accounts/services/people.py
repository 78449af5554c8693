"""Writes on people, by a superadmin: invite, change role, deactivate, reactivate, reset the second
factor. Each change writes its account-log row (who did what to whom) in the same transaction; emails
leave after commit. Nobody is ever deleted: a deactivated account keeps its name on every order."""

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.emails import duration_words, email_send
from accounts.invitations import invitation_path
from accounts.models import AccountEvent, ApiToken, User
from accounts.roles import ROLE_LABELS
from accounts.services.sessions import sessions_end
from accounts.two_factor import devices_of, requires_second_factor

MANAGE = "accounts.manage_roles"


def _check(actor: User, subject: User | None = None, *, doing: str = "") -> None:
    if not actor.has_perm(MANAGE):
        raise PermissionDenied("Only a superadmin manages people.")
    if subject is not None and subject.pk == actor.pk:
        raise ValidationError(f"You cannot {doing} your own account; ask another superadmin.")


def _log(*, subject: User, actor: User | None, kind: str, **params) -> AccountEvent:
    return AccountEvent.objects.create(subject=subject, actor=actor, kind=kind, params=params)


def _set_role(user: User, role: str) -> None:
    if role not in ROLE_LABELS:
        raise ValidationError(f"Unknown role {role!r}; roles are {', '.join(ROLE_LABELS)}.")
    user.groups.set([Group.objects.get(name=role)])
    # Django's admin and has_perm's "everything" follow is_superuser: only the superadmin role holds it.
    user.is_staff = user.is_superuser = role == "superadmin"


def _send_invitation(*, user: User, actor: User, base_url: str) -> None:
    link = base_url.rstrip("/") + invitation_path(user)
    context = {
        "user": user,
        "actor": actor,
        "link": link,
        "role": ROLE_LABELS.get(user.role or "", ""),
        "valid_for": duration_words(settings.INVITATION_TIMEOUT),
        "needs_second_factor": requires_second_factor(user),
    }
    transaction.on_commit(
        lambda: email_send(to=user.email, template="accounts/email/invitation", context=context)
    )


@transaction.atomic
def person_invite(
    *,
    actor: User,
    username: str,
    email: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    base_url: str,
) -> User:
    """A new account without a password, and an email with a link to choose one (INVITATION_TIMEOUT)."""
    _check(actor)
    username, email = username.strip(), email.strip()
    if not username or not email:
        raise ValidationError("An invitation needs a username and an email address.")
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError(f"The username {username} is taken.")
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError(f"{email} already belongs to an account.")
    user = User(username=username, email=email, first_name=first_name.strip(), last_name=last_name.strip())
    user.set_unusable_password()
    user.save()
    _set_role(user, role)
    user.save(update_fields=["is_staff", "is_superuser"])
    _log(subject=user, actor=actor, kind=AccountEvent.Kind.INVITED, role=role, email=email)
    _send_invitation(user=user, actor=actor, base_url=base_url)
    return user


@transaction.atomic
def person_invitation_resend(*, actor: User, user: User, base_url: str) -> None:
    _check(actor)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.has_usable_password():
        raise ValidationError(f"{user.username} has already chosen a password; they can reset it themselves.")
    if not user.is_active:
        raise ValidationError(f"{user.username} is deactivated; reactivate the account first.")
    _log(subject=user, actor=actor, kind=AccountEvent.Kind.INVITATION_RESENT, email=user.email)
    _send_invitation(user=user, actor=actor, base_url=base_url)


@transaction.atomic
def person_role_change(*, actor: User, user: User, role: str) -> User:
    _check(actor, user, doing="change the role of")
    user = User.objects.select_for_update().get(pk=user.pk)
    old = user.role
    if old == role:
        return user
    _set_role(user, role)
    user.save(update_fields=["is_staff", "is_superuser"])
    _log(subject=user, actor=actor, kind=AccountEvent.Kind.ROLE_CHANGED, old=old or "", new=role)
    return user


@transaction.atomic
def person_deactivate(*, actor: User, user: User) -> User:
    """The account can no longer sign in; its sessions end and its API tokens are revoked at once."""
    _check(actor, user, doing="deactivate")
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        return user
    user.is_active = False
    user.save(update_fields=["is_active"])
    ended = sessions_end(user=user)
    revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=actor
    )
    _log(subject=user, actor=actor, kind=AccountEvent.Kind.DEACTIVATED, sessions=ended, tokens=revoked)
    return user


@transaction.atomic
def person_reactivate(*, actor: User, user: User) -> User:
    """The account may sign in again (its old API tokens stay revoked)."""
    _check(actor)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active:
        return user
    user.is_active = True
    user.save(update_fields=["is_active"])
    _log(subject=user, actor=actor, kind=AccountEvent.Kind.REACTIVATED)
    return user


@transaction.atomic
def person_second_factor_reset(*, actor: User, user: User) -> int:
    """Remove the person's authenticator, recovery codes and passkeys (a lost phone or laptop). A session
    that passed its second factor with one of them loses it at its next request; a role that needs one
    enrols again."""
    _check(actor, user, doing="reset the second factor of")
    removed = 0
    for device in devices_of(user):
        device.delete()
        removed += 1
    if removed:
        _log(subject=user, actor=actor, kind=AccountEvent.Kind.SECOND_FACTOR_RESET, devices=removed)
    return removed


def person_password_set(*, user: User, via: str) -> None:
    """The person chose a password from an emailed link ("invitation" or "reset")."""
    _log(subject=user, actor=user, kind=AccountEvent.Kind.PASSWORD_SET, via=via)
