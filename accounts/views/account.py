"""A person's own account page: two-factor sign-in, recovery codes, passkeys, and their signed-in
sessions (device, address, last use), with signing out one or all of the others."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.forms import PasskeyNameForm
from accounts.selectors import sessions_of
from accounts.services.sessions import sessions_sign_out
from accounts.two_factor import (
    authenticator_of,
    passkey_domain,
    passkeys_of,
    passkeys_work_here,
    recovery_codes_left,
    requires_second_factor,
    suggested_passkey_name,
)


@require_GET
def account(request: HttpRequest) -> HttpResponse:
    user = request.user
    current = request.session.session_key
    sessions = list(sessions_of(user))
    for session in sessions:
        session.is_current = session.session_key == current
    context = {
        "authenticator": authenticator_of(user),
        "required": requires_second_factor(user),
        "codes_left": recovery_codes_left(user),
        "passkeys": passkeys_of(user),
        "passkeys_work_here": passkeys_work_here(request),
        "passkey_domain": passkey_domain(request),
        "form": PasskeyNameForm(initial={"name": suggested_passkey_name(request)}),
        "sessions": sessions,
        "others": sum(not session.is_current for session in sessions),
    }
    return render(request, "accounts/account.html", context)


@require_POST
def sessions_end_others(request: HttpRequest) -> HttpResponse:
    ended = sessions_sign_out(user=request.user, keep=request.session.session_key)
    messages.success(request, f"Signed out {ended} other session{'s' if ended != 1 else ''}.")
    return redirect("accounts:account")


@require_POST
def session_end(request: HttpRequest, pk: int) -> HttpResponse:
    """Sign out one of the person's own sessions (another person's answers 404, as a missing one)."""
    record = sessions_of(request.user).filter(pk=pk).first()
    if record is None:
        raise Http404("No such session.")
    if record.session_key == request.session.session_key:
        return redirect("accounts:account")  # this one ends with the Log out button
    sessions_sign_out(user=request.user, only=record.pk)
    messages.success(request, f"Signed out {record.device or 'the session'}.")
    return redirect("accounts:account")
