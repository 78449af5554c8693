"""People, for superadmins: the list (role, status, last sign-in, two-factor), inviting a person, and
a person's page (change role, deactivate, reactivate, reset the second factor, send the invitation
again) with their account log. Nobody is deleted."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.forms import InviteForm, PeopleFilterForm, RoleForm
from accounts.models import User
from accounts.roles import ROLE_LABELS
from accounts.selectors import people_list, person_events, sessions_of
from accounts.services.people import (
    person_deactivate,
    person_invitation_resend,
    person_invite,
    person_reactivate,
    person_role_change,
    person_second_factor_reset,
)
from accounts.two_factor import has_second_factor, passkeys_of, requires_second_factor

MANAGE = "accounts.manage_roles"
PAGE_SIZE = 200


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


@require_GET
@permission_required(MANAGE, raise_exception=True)
def people(request: HttpRequest) -> HttpResponse:
    form = PeopleFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    shown = list(people_list(**{key: value for key, value in filters.items() if value})[: PAGE_SIZE + 1])
    context = {"form": form, "people": shown[:PAGE_SIZE], "more": len(shown) > PAGE_SIZE}
    return render(request, "accounts/people/list.html", context)


@require_http_methods(["GET", "POST"])
@permission_required(MANAGE, raise_exception=True)
def person_invite_view(request: HttpRequest) -> HttpResponse:
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = person_invite(actor=request.user, base_url=_base_url(request), **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Invitation sent to {user.email}; the link works for a limited time.")
            return redirect("accounts:person", pk=user.pk)
    return render(request, "accounts/people/invite.html", {"form": form}, status=400 if form.errors else 200)


@require_GET
@permission_required(MANAGE, raise_exception=True)
def person(request: HttpRequest, pk: int) -> HttpResponse:
    subject = get_object_or_404(User.objects.prefetch_related("groups"), pk=pk)
    context = {
        "person": subject,
        "role_form": RoleForm(initial={"role": subject.role}),
        "second_factor": has_second_factor(subject),
        "passkey_count": passkeys_of(subject).count(),
        "requires_second_factor": requires_second_factor(subject),
        "invited": not subject.has_usable_password(),
        "sessions": sessions_of(subject),
        "events": person_events(subject)[:200],
        "is_self": subject.pk == request.user.pk,
    }
    return render(request, "accounts/people/detail.html", context)


def _act(request: HttpRequest, pk: int, action, done: str) -> HttpResponse:
    subject = get_object_or_404(User, pk=pk)
    try:
        action(subject)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done.format(name=subject.get_username()))
    return redirect("accounts:person", pk=subject.pk)


@require_POST
@permission_required(MANAGE, raise_exception=True)
def person_role(request: HttpRequest, pk: int) -> HttpResponse:
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the roles.")
        return redirect("accounts:person", pk=get_object_or_404(User, pk=pk).pk)
    role = form.cleaned_data["role"]
    return _act(
        request,
        pk,
        lambda subject: person_role_change(actor=request.user, user=subject, role=role),
        f"{{name}} is now {ROLE_LABELS[role]}.",
    )


@require_POST
@permission_required(MANAGE, raise_exception=True)
def person_deactivate_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda subject: person_deactivate(actor=request.user, user=subject),
        "{name} is deactivated: signed out everywhere, API tokens revoked.",
    )


@require_POST
@permission_required(MANAGE, raise_exception=True)
def person_reactivate_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda subject: person_reactivate(actor=request.user, user=subject),
        "{name} may sign in again.",
    )


@require_POST
@permission_required(MANAGE, raise_exception=True)
def person_two_factor_reset(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda subject: person_second_factor_reset(actor=request.user, user=subject),
        "{name}'s second factor is reset; they set up a new one at their next sign-in if their role needs one.",
    )


@require_POST
@permission_required(MANAGE, raise_exception=True)
def person_invitation_resend_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda subject: person_invitation_resend(
            actor=request.user, user=subject, base_url=_base_url(request)
        ),
        "Invitation sent again to {name}.",
    )
